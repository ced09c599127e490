"""The complete example of docs/scenarios.md, run as written: every step completes, every expectation passes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hil.cli import main

DOC = Path(__file__).parents[3] / "docs" / "scenarios.md"


def _example() -> str:
    """The TOML block under the heading "A complete example"."""
    found = re.search(r"^## A complete example\n+```toml\n(.*?)^```$", DOC.read_text(encoding="utf-8"), re.M | re.S)
    assert found is not None, f"no complete example in {DOC}"
    return found[1]


def test_the_complete_example_runs_every_step_and_passes_every_expectation(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "example.toml"
    path.write_text(_example(), encoding="utf-8")
    code = main(["run", str(path), "--json", "--quiet"])
    summary = json.loads(capsys.readouterr().out)
    steps = summary["steps"]
    assert steps["total"] >= 5 and steps["completed"] == steps["total"] and not steps["problems"], steps
    assert summary["expectations"] and all(e["passed"] for e in summary["expectations"]), summary["expectations"]
    assert summary["faults"] and code == 0 and summary["passed"]
