"""Runs the cocotb testbench of hil/rtl/cltu_decoder.v under Icarus Verilog from plain pytest."""

from __future__ import annotations

import json
import subprocess
from importlib.resources import as_file, files
from pathlib import Path

import pytest
from cltu_decoder_tb import FIGURES_ENV, SEGMENTS_ENV
from rtl_sim import TESTS_DIR, SimulationError, icarus_missing, run_cocotb

TOPLEVEL = "cltu_decoder"
TB_MODULE = "cltu_decoder_tb"
COCOTB_TESTS = ("known_cltus", "random_traffic", "backpressure", "reset_mid_stream", "counters_wrap")
RANDOMIZED_TESTS = ("known_cltus", "random_traffic", "backpressure")
RANDOMIZED_SEGMENTS = 800  # the derandomizer is one XOR on the output path: fewer segments prove it
SEED = 20_240_801  # COCOTB_RANDOM_SEED in the environment overrides it


def _require_icarus() -> None:
    """Fail (not skip) when the simulator is missing, so CI cannot go green without running the RTL tests."""
    problem = icarus_missing()
    if problem:
        pytest.fail(problem)


def _speed_report(figures_file: Path) -> str:
    """One line per cocotb test: clocks, wall time and clocks per wall second."""
    lines = []
    total_cycles, total_wall = 0, 0.0
    for line in figures_file.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        total_cycles += row["cycles"]
        total_wall += row["wall_s"]
        lines.append(f"  {row['test']:<18}{row['cycles']:>11,} clocks {row['wall_s']:>7.2f} s "
                     f"{row['cycles'] / row['wall_s']:>9,.0f} clocks/s  ({row['octets']:,} octets in, "
                     f"{row['codeblocks']:,} codeblocks, {row['cltus']:,} CLTUs)")
    lines.append(f"  {'all':<18}{total_cycles:>11,} clocks {total_wall:>7.2f} s "
                 f"{total_cycles / total_wall if total_wall else 0:>9,.0f} clocks/s")
    return "\n".join(lines)


def test_cltu_decoder_rtl_compiles_as_verilog_2005(tmp_path: Path) -> None:
    """The RTL is plain Verilog-2005 and compiles without a warning under iverilog -Wall, both RANDOMIZED values."""
    _require_icarus()
    with as_file(files("hil.rtl") / f"{TOPLEVEL}.v") as source:
        for randomized in (0, 1):
            result = subprocess.run(
                ["iverilog", "-g2005", "-Wall", f"-P{TOPLEVEL}.RANDOMIZED={randomized}",
                 "-o", str(tmp_path / "lint.vvp"), "-s", TOPLEVEL, str(source)],
                capture_output=True,
                text=True,
                check=False,
            )
            output = (result.stdout + result.stderr).strip()
            assert result.returncode == 0 and not output, f"RANDOMIZED={randomized}: {output}"


def test_cltu_decoder_rtl_refuses_a_bad_parameter(tmp_path: Path) -> None:
    """RANDOMIZED other than 0 or 1 stops the build."""
    _require_icarus()
    with as_file(files("hil.rtl") / f"{TOPLEVEL}.v") as source:
        result = subprocess.run(
            ["iverilog", "-g2005", f"-P{TOPLEVEL}.RANDOMIZED=2", "-o", str(tmp_path / "bad.vvp"), "-s", TOPLEVEL,
             str(source)],
            capture_output=True,
            text=True,
            check=False,
        )
    assert result.returncode != 0 and "RANDOMIZED_must_be_0_or_1" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("randomized", "testcases"),
    [(0, COCOTB_TESTS), (1, RANDOMIZED_TESTS)],
    ids=["plain", "randomized"],
)
def test_cltu_decoder_rtl_cocotb(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    randomized: int,
    testcases: tuple[str, ...],
) -> None:
    """The cocotb tests of cltu_decoder_tb pass, with protocols.spacelink.cltu.CltuDecoder as the golden model.

    Prints the simulation speed of each cocotb test (clocks per wall second) to the terminal, past the capture.
    """
    _require_icarus()
    # The runner hands this process's sys.path to the simulator's Python as PYTHONPATH.
    monkeypatch.syspath_prepend(str(TESTS_DIR))
    figures_file = tmp_path / "figures.jsonl"
    env = {FIGURES_ENV: str(figures_file)}
    if randomized:
        env[SEGMENTS_ENV] = str(RANDOMIZED_SEGMENTS)
    try:
        outcomes, exit_code = run_cocotb(
            TOPLEVEL,
            TB_MODULE,
            tmp_path,
            testcases=testcases,
            seed=SEED,
            parameters={"RANDOMIZED": randomized},
            extra_env=env,
        )
    except SimulationError as error:
        pytest.fail(str(error))
    if figures_file.is_file():
        with capsys.disabled():
            print(f"\nRTL simulation speed, {TOPLEVEL} (RANDOMIZED {randomized}):\n" + _speed_report(figures_file))
    failed = {name: text for name, text in outcomes.items() if text is not None}
    if failed:
        pytest.fail("cocotb tests failed:\n" + "\n".join(f"  {name}: {text}" for name, text in failed.items()))
    if sorted(outcomes) != sorted(testcases):
        pytest.fail(f"cocotb ran {sorted(outcomes)}, expected {sorted(testcases)}")
    if exit_code:
        pytest.fail(f"simulator exited with {exit_code} although every cocotb test passed")
