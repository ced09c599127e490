"""RTL in the loop from plain pytest: the bench runs inside a cocotb simulation of hil/rtl/asm_deframer.v."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from loop_tb import FIGURES_ENV
from rtl_sim import TESTS_DIR, SimulationError, icarus_missing, run_cocotb

TOPLEVEL = "asm_deframer"
TB_MODULE = "loop_tb"
COCOTB_TESTS = ("tc_crosses_the_rtl", "same_as_the_pure_model_one_cycle_later", "deterministic", "gated_clock_same_run",
                "garbage_and_bit_errors_are_counted", "housekeeping_span")
SEED = 20_240_901


def test_sampler_link_through_rtl_deframer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """A TC crosses the RTL deframer, the sampler model executes it, the reports come back; counters match the model."""
    problem = icarus_missing()
    if problem:
        pytest.fail(problem)
    monkeypatch.syspath_prepend(str(TESTS_DIR))  # the runner hands sys.path to the simulator's Python
    figures_file = tmp_path / "figures.jsonl"
    try:
        outcomes, exit_code = run_cocotb(TOPLEVEL, TB_MODULE, tmp_path, testcases=COCOTB_TESTS, seed=SEED,
                                         extra_env={FIGURES_ENV: str(figures_file)})
    except SimulationError as error:
        pytest.fail(str(error))
    if figures_file.is_file():
        with capsys.disabled():
            print("\nRTL in the loop (sampler link through asm_deframer):")
            for row in map(json.loads, figures_file.read_text(encoding="utf-8").splitlines()):
                print(f"  {row['test']:<24}{row['virtual_s']:>6.2f} virtual s {row['rtl_clocks']:>10,} clocks "
                      f"{row['bench_steps']:>7,} bench steps {row['wall_s']:>6.2f} s wall "
                      f"{row['rtl_clocks'] / row['wall_s']:>10,.0f} clocks/s {row['virtual_s'] / row['wall_s']:>6.2f}× "
                      "real time")
    failed = {name: text for name, text in outcomes.items() if text is not None}
    if failed:
        pytest.fail("cocotb tests failed:\n" + "\n".join(f"  {name}: {text}" for name, text in failed.items()))
    if sorted(outcomes) != sorted(COCOTB_TESTS):
        pytest.fail(f"cocotb ran {sorted(outcomes)}, expected {sorted(COCOTB_TESTS)}")
    if exit_code:
        pytest.fail(f"simulator exited with {exit_code} although every cocotb test passed")
