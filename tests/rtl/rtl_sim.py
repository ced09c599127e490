"""Builds a hil/rtl block with Icarus Verilog and runs a cocotb test module on it (cocotb_tools.runner)."""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from importlib.resources import as_file, files
from pathlib import Path
from xml.etree import ElementTree

from cocotb_tools.runner import get_runner

TESTS_DIR = Path(__file__).resolve().parent
MISSING_ICARUS = (
    "Icarus Verilog (iverilog, vvp) is not on PATH: run the README's test command (`make test`), "
    "which installs it, or install the 'iverilog' package"
)


class SimulationError(RuntimeError):
    """The simulation ended without a readable results file."""


def icarus_missing() -> str | None:
    """Why the simulator cannot run, or None when iverilog and vvp are on PATH."""
    if shutil.which("iverilog") is None or shutil.which("vvp") is None:
        return MISSING_ICARUS
    return None


def cocotb_outcomes(results_xml: Path) -> dict[str, str | None]:
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


def run_cocotb(
    toplevel: str,
    test_module: str,
    work_dir: Path,
    *,
    testcases: Sequence[str],
    seed: int,
    parameters: Mapping[str, object] | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> tuple[dict[str, str | None], int]:
    """Build ``hil/rtl/<toplevel>.v`` in ``work_dir`` and run ``testcases`` of ``test_module`` on it.

    The simulator's Python gets this process's sys.path (the caller puts tests/rtl on it). Returns the
    outcome of each cocotb test and the simulator's exit code; SimulationError when no results file appeared.
    """
    build_dir = work_dir / "sim_build"
    results_xml = work_dir / "results.xml"
    runner = get_runner("icarus")
    with as_file(files("hil.rtl") / f"{toplevel}.v") as source:
        runner.build(
            sources=[source],
            hdl_toplevel=toplevel,
            build_dir=build_dir,
            timescale=("1ns", "1ps"),
            parameters=dict(parameters or {}),
            always=True,
        )
    try:
        runner.test(
            test_module=test_module,
            hdl_toplevel=toplevel,
            build_dir=build_dir,
            results_xml=str(results_xml),
            testcase=list(testcases),
            seed=seed,
            extra_env=dict(extra_env or {}),
        )
    except SystemExit as exit_:
        # Under pytest the runner calls sys.exit() when a cocotb test failed or the simulator died;
        # the results file says which test and why.
        exit_code = exit_.code if isinstance(exit_.code, int) else 1
    else:
        exit_code = 0
    if not results_xml.is_file():
        raise SimulationError(f"simulation ended without a results file (exit code {exit_code}); see the captured log")
    return cocotb_outcomes(results_xml), exit_code
