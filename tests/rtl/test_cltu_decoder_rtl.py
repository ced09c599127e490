"""Runs the cocotb testbench of hil/rtl/cltu_decoder.v under Icarus Verilog from plain pytest."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest
from cltu_decoder_tb import FIGURES_ENV, SEGMENTS_ENV
from rtl_sim import check_outcomes, iverilog, lint, print_report, require_icarus, simulate, speed_report

TOPLEVEL = "cltu_decoder"
TB_MODULE = "cltu_decoder_tb"
COCOTB_TESTS = ("known_cltus", "random_traffic", "backpressure", "reset_mid_stream", "counters_wrap")
RANDOMIZED_TESTS = ("known_cltus", "random_traffic", "backpressure")
RANDOMIZED_SEGMENTS = 800  # the derandomizer is one XOR on the output path: fewer segments prove it
SEED = 20_240_801  # COCOTB_RANDOM_SEED in the environment overrides it


def _traffic(row: dict[str, int]) -> str:
    return f"{row['octets']:,} octets in, {row['codeblocks']:,} codeblocks, {row['cltus']:,} CLTUs"


def test_cltu_decoder_rtl_compiles_as_verilog_2005(tmp_path: Path) -> None:
    """The RTL is plain Verilog-2005 and compiles without a warning under iverilog -Wall, both RANDOMIZED values."""
    require_icarus()
    for randomized in (0, 1):
        output = lint(TOPLEVEL, tmp_path, f"-P{TOPLEVEL}.RANDOMIZED={randomized}")
        assert not output, f"RANDOMIZED={randomized}: {output}"


def test_cltu_decoder_rtl_refuses_a_bad_parameter(tmp_path: Path) -> None:
    """RANDOMIZED other than 0 or 1 stops the build."""
    require_icarus()
    result = iverilog(TOPLEVEL, tmp_path / "bad.vvp", f"-P{TOPLEVEL}.RANDOMIZED=2")
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
    figures_file = tmp_path / "figures.jsonl"
    env = {FIGURES_ENV: str(figures_file)}
    if randomized:
        env[SEGMENTS_ENV] = str(RANDOMIZED_SEGMENTS)
    outcomes, exit_code = simulate(
        TOPLEVEL,
        TB_MODULE,
        tmp_path,
        monkeypatch,
        testcases=testcases,
        seed=SEED,
        parameters={"RANDOMIZED": randomized},
        extra_env=env,
    )
    print_report(capsys, figures_file, f"RTL simulation speed, {TOPLEVEL} (RANDOMIZED {randomized})",
                 partial(speed_report, traffic=_traffic))
    check_outcomes(outcomes, exit_code, testcases)
