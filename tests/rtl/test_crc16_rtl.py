"""Runs the cocotb testbench of hil/rtl/crc16_ccitt.v under Icarus Verilog from plain pytest."""

from __future__ import annotations

import shutil
import subprocess
from importlib.resources import as_file, files
from pathlib import Path
from xml.etree import ElementTree

import pytest
from cocotb_tools.runner import get_runner

TESTS_DIR = Path(__file__).resolve().parent
TOPLEVEL = "crc16_ccitt"
TB_MODULE = "crc16_tb"
COCOTB_TESTS = ("reference_vector", "random_messages", "clear_mid_stream", "reset_mid_stream", "byte_count_wraps")
SEED = 20_240_601  # COCOTB_RANDOM_SEED in the environment overrides it
MISSING_ICARUS = (
    "Icarus Verilog (iverilog, vvp) is not on PATH: run the README's test command (`make test`), "
    "which installs it, or install the 'iverilog' package"
)


def _require_icarus() -> None:
    """Fail (not skip) when the simulator is missing, so CI cannot go green without running the RTL tests."""
    if shutil.which("iverilog") is None or shutil.which("vvp") is None:
        pytest.fail(MISSING_ICARUS)


def _cocotb_outcomes(results_xml: Path) -> dict[str, str | None]:
    """Map each cocotb test in the xUnit results file to None (passed) or its failure text."""
    outcomes: dict[str, str | None] = {}
    for case in ElementTree.parse(results_xml).getroot().iter("testcase"):
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        text = None if problem is None else (problem.get("message") or problem.tag)
        if case.find("skipped") is not None:
            text = "skipped"
        outcomes[case.get("name", "?")] = text
    return outcomes


def test_crc16_rtl_compiles_as_verilog_2005(tmp_path: Path) -> None:
    """The RTL is plain Verilog-2005 and compiles without a warning under iverilog -Wall."""
    _require_icarus()
    with as_file(files("hil.rtl") / f"{TOPLEVEL}.v") as source:
        result = subprocess.run(
            ["iverilog", "-g2005", "-Wall", "-o", str(tmp_path / "lint.vvp"), "-s", TOPLEVEL, str(source)],
            capture_output=True,
            text=True,
            check=False,
        )
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), result.stdout + result.stderr


def test_crc16_rtl_cocotb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """All cocotb tests of crc16_tb pass against the RTL, with protocols.crc.crc16 as the golden model."""
    _require_icarus()
    # The runner hands this process's sys.path to the simulator's Python as PYTHONPATH.
    monkeypatch.syspath_prepend(str(TESTS_DIR))
    build_dir = tmp_path / "sim_build"
    results_xml = tmp_path / "results.xml"
    runner = get_runner("icarus")
    with as_file(files("hil.rtl") / f"{TOPLEVEL}.v") as source:
        runner.build(
            sources=[source],
            hdl_toplevel=TOPLEVEL,
            build_dir=build_dir,
            timescale=("1ns", "1ps"),
            always=True,
        )
    try:
        runner.test(
            test_module=TB_MODULE,
            hdl_toplevel=TOPLEVEL,
            build_dir=build_dir,
            results_xml=str(results_xml),
            seed=SEED,
        )
    except SystemExit as exit_:
        # Under pytest the runner calls sys.exit() when a cocotb test failed or the simulator died;
        # the results file below says which test and why.
        exit_code = exit_.code
    else:
        exit_code = 0
    if not results_xml.is_file():
        pytest.fail(f"simulation ended without a results file (exit code {exit_code}); see the captured log")
    outcomes = _cocotb_outcomes(results_xml)
    failed = {name: text for name, text in outcomes.items() if text is not None}
    if failed:
        pytest.fail("cocotb tests failed:\n" + "\n".join(f"  {name}: {text}" for name, text in failed.items()))
    if sorted(outcomes) != sorted(COCOTB_TESTS):
        pytest.fail(f"cocotb ran {sorted(outcomes)}, expected {sorted(COCOTB_TESTS)}")
    if exit_code:
        pytest.fail(f"simulator exited with {exit_code} although every cocotb test passed")
