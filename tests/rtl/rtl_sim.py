"""Builds a hil/rtl block with Icarus Verilog and runs a cocotb test module on it (cocotb_tools.runner).

Also the pytest side the RTL tests share: fail when the simulator is missing, lint a block with iverilog, run a
testbench and fail on any cocotb test that did not pass, print the speed figures a testbench wrote.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
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


# ---------------------------------------------------------------------------------------------- pytest side


def require_icarus() -> None:
    """Fail (not skip) when the simulator is missing, so CI cannot go green without running the RTL tests."""
    problem = icarus_missing()
    if problem:
        pytest.fail(problem)


def iverilog(toplevel: str, output: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """Compile ``hil/rtl/<toplevel>.v`` as Verilog-2005 with ``options`` (e.g. -Wall, -P...) into ``output``."""
    with as_file(files("hil.rtl") / f"{toplevel}.v") as source:
        return subprocess.run(
            ["iverilog", "-g2005", *options, "-o", str(output), "-s", toplevel, str(source)],
            capture_output=True,
            text=True,
            check=False,
        )


def lint(toplevel: str, work_dir: Path, *options: str) -> str:
    """What ``iverilog -Wall`` says about ``hil/rtl/<toplevel>.v`` built with ``options``: empty when it is clean."""
    result = iverilog(toplevel, work_dir / "lint.vvp", "-Wall", *options)
    output = (result.stdout + result.stderr).strip()
    return output or (f"exit code {result.returncode}" if result.returncode else "")


def simulate(
    toplevel: str,
    test_module: str,
    work_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    testcases: Sequence[str],
    seed: int,
    parameters: Mapping[str, object] | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> tuple[dict[str, str | None], int]:
    """run_cocotb() from a pytest test: fails without the simulator or without a results file.

    Puts tests/rtl on sys.path first: the runner hands this process's sys.path to the simulator's Python.
    """
    require_icarus()
    monkeypatch.syspath_prepend(str(TESTS_DIR))
    try:
        return run_cocotb(toplevel, test_module, work_dir, testcases=testcases, seed=seed, parameters=parameters,
                          extra_env=extra_env)
    except SimulationError as error:
        pytest.fail(str(error))


def check_outcomes(outcomes: Mapping[str, str | None], exit_code: int, testcases: Sequence[str]) -> None:
    """Fail unless every one of ``testcases`` ran and passed, and nothing else ran, and the simulator exited 0."""
    failed = {name: text for name, text in outcomes.items() if text is not None}
    if failed:
        pytest.fail("cocotb tests failed:\n" + "\n".join(f"  {name}: {text}" for name, text in failed.items()))
    if sorted(outcomes) != sorted(testcases):
        pytest.fail(f"cocotb ran {sorted(outcomes)}, expected {sorted(testcases)}")
    if exit_code:
        pytest.fail(f"simulator exited with {exit_code} although every cocotb test passed")


def figure_rows(figures_file: Path) -> list[dict[str, Any]]:
    """The rows a testbench appended to its JSON-lines figures file."""
    return [json.loads(line) for line in figures_file.read_text(encoding="utf-8").splitlines()]


def speed_report(figures_file: Path, traffic: Callable[[dict[str, Any]], str]) -> str:
    """One line per cocotb test: clocks, wall time, clocks per wall second and ``traffic(row)``; then the total."""
    lines = []
    total_cycles, total_wall = 0, 0.0
    for row in figure_rows(figures_file):
        total_cycles += row["cycles"]
        total_wall += row["wall_s"]
        lines.append(f"  {row['test']:<18}{row['cycles']:>11,} clocks {row['wall_s']:>7.2f} s "
                     f"{row['cycles'] / row['wall_s']:>9,.0f} clocks/s  ({traffic(row)})")
    lines.append(f"  {'all':<18}{total_cycles:>11,} clocks {total_wall:>7.2f} s "
                 f"{total_cycles / total_wall if total_wall else 0:>9,.0f} clocks/s")
    return "\n".join(lines)


def print_report(capsys: pytest.CaptureFixture[str], figures_file: Path, title: str,
                 report: Callable[[Path], str]) -> None:
    """Print ``title`` and ``report(figures_file)`` to the terminal, past the capture, when the file exists."""
    if figures_file.is_file():
        with capsys.disabled():
            print(f"\n{title}:\n" + report(figures_file))
