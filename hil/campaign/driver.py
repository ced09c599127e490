"""A campaign from start (or resume) to its last row: the directory, the runs still to do, the cluster, the tally."""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from firmware_sim.scenario.model import Scenario
from hil.campaign import dataset
from hil.campaign.campaign_file import reparse_scenario
from hil.campaign.engine import dask_client, run_on
from hil.campaign.model import Campaign, RunInputs
from hil.campaign.plan import plan_runs
from hil.campaign.progress import campaign_progress
from hil.errors import InputFileError


@dataclass
class Job:
    """What a session of a campaign runs: the scenario, every run, the limits, and where rows go."""

    directory: Path
    name: str
    scenario: Scenario
    runs: list[RunInputs]
    until_ns: int | None
    timeout_s: float | None
    create: tuple[Campaign, dict[str, Any]] | None = None
    """A new directory's campaign and manifest, written once the cluster answers (None once the directory exists)."""


@dataclass
class Tally:
    """What a session did: rows written by state, runs found already written, whether it was interrupted."""

    total: int
    skipped: int = 0
    states: Counter[str] = field(default_factory=Counter)
    not_passed: list[dict[str, Any]] = field(default_factory=list)
    interrupted: bool = False

    @property
    def written(self) -> int:
        """Rows written in this session."""
        return sum(self.states.values())

    @property
    def still_open(self) -> int:
        """Rows of this session whose run ended with expectations not judged and none failed (state ``open``)."""
        return self.states["open"]

    @property
    def failures(self) -> int:
        """Rows of this session that did not pass and are not open: failed, error, timeout, killed."""
        return self.written - self.states["passed"] - self.still_open


def new_job(campaign: Campaign, directory: Path, resume: bool) -> Job:
    """A job for a campaign: a new directory, or (``resume``) one holding the same campaign already.

    A new directory is not created here but by ``execute`` once the cluster answers, so a scheduler that cannot
    be reached leaves nothing behind.
    """
    runs = plan_runs(campaign)
    manifest = dataset.manifest_data(campaign, runs)
    if (directory / dataset.MANIFEST).exists():
        old = dataset.read_manifest(directory)
        if not resume:
            raise InputFileError(f"{directory} already holds campaign {old.get('campaign')!r}: add --resume to "
                                 f"finish it, or choose another --out")
        if not dataset.same_campaign(old, manifest):
            raise InputFileError(f"{directory} holds a different campaign ({old.get('campaign')!r}, "
                                 f"{old.get('run_count')} runs): its scenario, until or runs differ from these")
        return Job(directory, campaign.name, campaign.scenario, runs, campaign.until_ns, campaign.run_timeout_s)
    return Job(directory, campaign.name, campaign.scenario, runs, campaign.until_ns, campaign.run_timeout_s,
               create=(campaign, manifest))


def directory_job(directory: Path) -> Job:
    """The job a campaign directory describes (to resume it): everything from its manifest and scenario copy."""
    manifest = dataset.read_manifest(directory)
    scenario = reparse_scenario(dataset.scenario_text(directory), str(manifest["scenario_file"]))
    return Job(directory, str(manifest["campaign"]), scenario, dataset.manifest_runs(manifest),
               manifest.get("until_ns"), manifest.get("run_timeout_s"))


def execute(job: Job, scheduler: str | None = None, workers: int | None = None, quiet: bool = False) -> Tally:
    """Run every run of ``job`` whose row is not written yet; each row is written as it arrives."""
    done = dataset.done_runs(job.directory)
    pending = [run for run in job.runs if run.run not in done]
    tally = Tally(total=len(job.runs), skipped=len(job.runs) - len(pending))
    progress = campaign_progress(sys.stderr, len(pending), quiet)

    def on_row(row: dict[str, Any]) -> None:
        dataset.write_row(job.directory, row)
        tally.states[row["state"]] += 1
        if row["state"] != "passed":
            tally.not_passed.append(row)
        progress.update(tally.written, tally.failures, tally.still_open)

    try:
        if pending:
            with dask_client(scheduler, workers) as client:
                _create(job)
                run_on(client, job.scenario, pending, job.until_ns, job.timeout_s, on_row)
    except KeyboardInterrupt:
        tally.interrupted = True
    finally:
        progress.close()
    return tally


def _create(job: Job) -> None:
    """Write a new job's directory (manifest and copies) before its first run."""
    if job.create is not None:
        dataset.create(job.directory, *job.create)
        job.create = None


def totals(directory: Path) -> Counter[str]:
    """Rows in the dataset by state (this session's and earlier ones)."""
    table = dataset.read_table(directory)
    states = table.column("state").to_pylist() if "state" in table.column_names else []
    return Counter(states)
