"""One run of a campaign again, alone, in this process: same inputs from the manifest, same bytes, same digest."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from firmware_sim.runner import RunResult
from hil.campaign import dataset
from hil.campaign.campaign_file import reparse_scenario
from hil.campaign.worker import CHUNK_S, prepare
from hil.errors import InputFileError


@dataclass
class Rerun:
    """The rerun's result and summary, and the row the campaign wrote for that run (None if none yet)."""

    result: RunResult
    summary: dict[str, Any]
    row: dict[str, Any] | None

    @property
    def same_digest(self) -> bool | None:
        """Whether the rerun's digest equals the campaign's (None when the campaign has no digest to compare)."""
        if self.row is None or not self.row.get("digest"):
            return None
        return bool(self.row["digest"] == self.summary["digest"])


def rerun(directory: Path, number: int, record_path: Path | None = None, watch: list[str] | None = None,
          quiet: bool = False) -> Rerun:
    """Run ``number`` of the campaign in ``directory`` again, optionally recording every packet."""
    from firmware_sim.summary import build_summary
    from hil.report.progress import progress_reporter

    manifest = dataset.read_manifest(directory)
    runs = dataset.manifest_runs(manifest)
    if not 0 <= number < len(runs):
        raise InputFileError(f"{directory}: no run {number}; the campaign has runs 0..{len(runs) - 1}")
    inputs = runs[number]
    scenario_file = directory / dataset.SCENARIO_COPY
    base = reparse_scenario(dataset.scenario_text(directory), str(manifest["scenario_file"]))
    run = prepare(base, inputs, watch=watch)
    until_ns = manifest.get("until_ns")
    recorder = None
    if record_path is not None:
        from hil.recording.header import run_header
        from hil.recording.writer import Recorder

        header = {**run_header(run.scenario, scenario_file, inputs.seed, until_ns), "campaign": manifest["campaign"],
                  "campaign_run": inputs.to_json()}
        recorder = Recorder().open(record_path, header)
        recorder.attach(run.bench)
        run.phase_listeners.append(recorder.mark_phase)
    reporter = None if quiet else progress_reporter(sys.stderr, until_ns or run.scenario.duration_ns)
    try:
        result = run.run(until_ns=until_ns, progress=reporter.update if reporter else None, chunk_s=CHUNK_S)
    finally:
        if reporter is not None:
            reporter.close()
        if recorder is not None:
            recorder.close()
    return Rerun(result, build_summary(result), _row(directory, number))


def _row(directory: Path, number: int) -> dict[str, Any] | None:
    path = dataset.run_file(directory, number)
    if not path.exists():
        return None
    rows = pq.read_table(path).to_pylist()
    return rows[0] if rows else None
