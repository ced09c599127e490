"""RTL in the loop from plain pytest: the bench runs inside a cocotb simulation of hil/rtl/asm_deframer.v."""

from __future__ import annotations

from pathlib import Path

import pytest
from loop_tb import FIGURES_ENV
from rtl_sim import check_outcomes, figure_rows, print_report, simulate

TOPLEVEL = "asm_deframer"
TB_MODULE = "loop_tb"
COCOTB_TESTS = ("tc_crosses_the_rtl", "same_as_the_pure_model_one_cycle_later", "deterministic", "gated_clock_same_run",
                "garbage_and_bit_errors_are_counted", "housekeeping_span")
SEED = 20_240_901


def _loop_report(figures_file: Path) -> str:
    return "\n".join(
        f"  {row['test']:<24}{row['virtual_s']:>6.2f} virtual s {row['rtl_clocks']:>10,} clocks "
        f"{row['bench_steps']:>7,} bench steps {row['wall_s']:>6.2f} s wall "
        f"{row['rtl_clocks'] / row['wall_s']:>10,.0f} clocks/s {row['virtual_s'] / row['wall_s']:>6.2f}× real time"
        for row in figure_rows(figures_file)
    )


def test_sampler_link_through_rtl_deframer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """A TC crosses the RTL deframer, the sampler model executes it, the reports come back; counters match the model."""
    figures_file = tmp_path / "figures.jsonl"
    outcomes, exit_code = simulate(TOPLEVEL, TB_MODULE, tmp_path, monkeypatch, testcases=COCOTB_TESTS, seed=SEED,
                                   extra_env={FIGURES_ENV: str(figures_file)})
    print_report(capsys, figures_file, "RTL in the loop (sampler link through asm_deframer)", _loop_report)
    check_outcomes(outcomes, exit_code, COCOTB_TESTS)
