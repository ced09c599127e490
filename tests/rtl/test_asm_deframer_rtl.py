"""Runs the cocotb testbench of hil/rtl/asm_deframer.v under Icarus Verilog from plain pytest."""

from __future__ import annotations

import json
import subprocess
from importlib.resources import as_file, files
from pathlib import Path

import pytest
from asm_deframer_tb import FIGURES_ENV
from rtl_sim import TESTS_DIR, SimulationError, icarus_missing, run_cocotb

TOPLEVEL = "asm_deframer"
TB_MODULE = "asm_deframer_tb"
COCOTB_TESTS = ("known_frames", "random_traffic", "full_buffer", "reset_mid_stream", "counters_wrap")
SMALL_BUFFER_TESTS = ("known_frames", "random_traffic", "full_buffer")
SEED = 20_240_701  # COCOTB_RANDOM_SEED in the environment overrides it


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
                     f"{row['packets']:,} packets out)")
    lines.append(f"  {'all':<18}{total_cycles:>11,} clocks {total_wall:>7.2f} s "
                 f"{total_cycles / total_wall if total_wall else 0:>9,.0f} clocks/s")
    return "\n".join(lines)


def test_asm_deframer_rtl_compiles_as_verilog_2005(tmp_path: Path) -> None:
    """The RTL is plain Verilog-2005 and compiles without a warning under iverilog -Wall, at both size extremes."""
    _require_icarus()
    with as_file(files("hil.rtl") / f"{TOPLEVEL}.v") as source:
        for max_packet in (7, 1024, 65542):
            result = subprocess.run(
                ["iverilog", "-g2005", "-Wall", f"-P{TOPLEVEL}.MAX_PACKET={max_packet}",
                 "-o", str(tmp_path / "lint.vvp"), "-s", TOPLEVEL, str(source)],
                capture_output=True,
                text=True,
                check=False,
            )
            output = (result.stdout + result.stderr).strip()
            assert result.returncode == 0 and not output, f"MAX_PACKET={max_packet}: {output}"


def test_asm_deframer_rtl_refuses_a_bad_max_packet(tmp_path: Path) -> None:
    """A MAX_PACKET outside 7..65542 stops the build instead of building a deframer that cannot work."""
    _require_icarus()
    with as_file(files("hil.rtl") / f"{TOPLEVEL}.v") as source:
        result = subprocess.run(
            ["iverilog", "-g2005", f"-P{TOPLEVEL}.MAX_PACKET=6", "-o", str(tmp_path / "bad.vvp"), "-s", TOPLEVEL,
             str(source)],
            capture_output=True,
            text=True,
            check=False,
        )
    assert result.returncode != 0 and "MAX_PACKET_must_be_7_to_65542" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("max_packet", "testcases"),
    [(None, COCOTB_TESTS), (64, SMALL_BUFFER_TESTS)],
    ids=["default", "max_packet_64"],
)
def test_asm_deframer_rtl_cocotb(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    max_packet: int | None,
    testcases: tuple[str, ...],
) -> None:
    """The cocotb tests of asm_deframer_tb pass, with protocols.framing.asm.AsmDeframer as the golden model.

    Prints the simulation speed of each cocotb test (clocks per wall second) to the terminal, past the capture.
    """
    _require_icarus()
    # The runner hands this process's sys.path to the simulator's Python as PYTHONPATH.
    monkeypatch.syspath_prepend(str(TESTS_DIR))
    figures_file = tmp_path / "figures.jsonl"
    try:
        outcomes, exit_code = run_cocotb(
            TOPLEVEL,
            TB_MODULE,
            tmp_path,
            testcases=testcases,
            seed=SEED,
            parameters={} if max_packet is None else {"MAX_PACKET": max_packet},
            extra_env={FIGURES_ENV: str(figures_file)},
        )
    except SimulationError as error:
        pytest.fail(str(error))
    if figures_file.is_file():
        with capsys.disabled():
            print(f"\nRTL simulation speed, {TOPLEVEL} (MAX_PACKET {max_packet or 'default'}):\n"
                  + _speed_report(figures_file))
    failed = {name: text for name, text in outcomes.items() if text is not None}
    if failed:
        pytest.fail("cocotb tests failed:\n" + "\n".join(f"  {name}: {text}" for name, text in failed.items()))
    if sorted(outcomes) != sorted(testcases):
        pytest.fail(f"cocotb ran {sorted(outcomes)}, expected {sorted(testcases)}")
    if exit_code:
        pytest.fail(f"simulator exited with {exit_code} although every cocotb test passed")
