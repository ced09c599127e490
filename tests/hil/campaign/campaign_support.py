"""Shared by the campaign tests: the test data, the CLI, and digests of the same runs done in this process."""

from __future__ import annotations

from pathlib import Path

import pytest

from hil.campaign import dataset
from hil.campaign.campaign_file import reparse_scenario
from hil.campaign.worker import execute_run
from hil.cli import main

DATA = Path(__file__).parent / "data"
SMALL = DATA / "small.toml"
"""Two seeds × two fault entries (none, a relay outage), three dispersions: four runs of twenty virtual minutes, to
the scenario's end (its ``until``), so that every expectation is judged: two pass, the outage's two fail."""
SHORT = DATA / "short.toml"
"""Twenty virtual minutes; a check at its end (``relay locked at the end``) is open in a run cut before then."""


def farside(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    """Run the CLI in this process: exit code, stdout, stderr."""
    capsys.readouterr()
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def in_process_digests(directory: Path) -> dict[int, str]:
    """The digest of every run of a campaign directory's manifest, each run done here, one after another."""
    manifest = dataset.read_manifest(directory)
    scenario = reparse_scenario(dataset.scenario_text(directory), manifest["scenario_file"])
    return {inputs.run: execute_run(inputs, scenario, manifest["until_ns"])["digest"]
            for inputs in dataset.manifest_runs(manifest)}


def digests(directory: Path) -> dict[int, str]:
    """The digest of every row written."""
    return {row["run"]: row["digest"] for row in dataset.read_rows(directory)}
