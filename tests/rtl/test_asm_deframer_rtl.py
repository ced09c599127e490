"""Runs the cocotb testbench of hil/rtl/asm_deframer.v under Icarus Verilog from plain pytest."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest
from asm_deframer_tb import FIGURES_ENV
from rtl_sim import check_outcomes, iverilog, lint, print_report, require_icarus, simulate, speed_report

TOPLEVEL = "asm_deframer"
TB_MODULE = "asm_deframer_tb"
COCOTB_TESTS = ("known_frames", "random_traffic", "full_buffer", "reset_mid_stream", "counters_wrap")
SMALL_BUFFER_TESTS = ("known_frames", "random_traffic", "full_buffer")
SEED = 20_240_701  # COCOTB_RANDOM_SEED in the environment overrides it


def _traffic(row: dict[str, int]) -> str:
    return f"{row['octets']:,} octets in, {row['packets']:,} packets out"


def test_asm_deframer_rtl_compiles_as_verilog_2005(tmp_path: Path) -> None:
    """The RTL is plain Verilog-2005 and compiles without a warning under iverilog -Wall, at both size extremes."""
    require_icarus()
    for max_packet in (7, 1024, 65542):
        output = lint(TOPLEVEL, tmp_path, f"-P{TOPLEVEL}.MAX_PACKET={max_packet}")
        assert not output, f"MAX_PACKET={max_packet}: {output}"


def test_asm_deframer_rtl_refuses_a_bad_max_packet(tmp_path: Path) -> None:
    """A MAX_PACKET outside 7..65542 stops the build instead of building a deframer that cannot work."""
    require_icarus()
    result = iverilog(TOPLEVEL, tmp_path / "bad.vvp", f"-P{TOPLEVEL}.MAX_PACKET=6")
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
    figures_file = tmp_path / "figures.jsonl"
    outcomes, exit_code = simulate(
        TOPLEVEL,
        TB_MODULE,
        tmp_path,
        monkeypatch,
        testcases=testcases,
        seed=SEED,
        parameters={} if max_packet is None else {"MAX_PACKET": max_packet},
        extra_env={FIGURES_ENV: str(figures_file)},
    )
    print_report(capsys, figures_file, f"RTL simulation speed, {TOPLEVEL} (MAX_PACKET {max_packet or 'default'})",
                 partial(speed_report, traffic=_traffic))
    check_outcomes(outcomes, exit_code, testcases)
