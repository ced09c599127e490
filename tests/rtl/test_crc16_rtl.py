"""Runs the cocotb testbench of hil/rtl/crc16_ccitt.v under Icarus Verilog from plain pytest."""

from __future__ import annotations

from pathlib import Path

import pytest
from rtl_sim import check_outcomes, lint, require_icarus, simulate

TOPLEVEL = "crc16_ccitt"
TB_MODULE = "crc16_tb"
COCOTB_TESTS = ("reference_vector", "random_messages", "clear_mid_stream", "reset_mid_stream", "byte_count_wraps")
SEED = 20_240_601  # COCOTB_RANDOM_SEED in the environment overrides it


def test_crc16_rtl_compiles_as_verilog_2005(tmp_path: Path) -> None:
    """The RTL is plain Verilog-2005 and compiles without a warning under iverilog -Wall."""
    require_icarus()
    output = lint(TOPLEVEL, tmp_path)
    assert not output, output


def test_crc16_rtl_cocotb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """All cocotb tests of crc16_tb pass against the RTL, with protocols.crc.crc16 as the golden model."""
    outcomes, exit_code = simulate(TOPLEVEL, TB_MODULE, tmp_path, monkeypatch, testcases=COCOTB_TESTS, seed=SEED)
    check_outcomes(outcomes, exit_code, COCOTB_TESTS)
