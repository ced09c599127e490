"""The campaign directory: manifest.json, a copy of the scenario, and one Parquet file per run, each written once."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from hil.campaign.model import Campaign, RunInputs
from hil.errors import HilError, InputFileError
from hil.recording.header import farside_version

FORMAT = "farside-campaign/1"
MANIFEST, SCENARIO_COPY, CAMPAIGN_COPY, RUNS = "manifest.json", "scenario.toml", "campaign.toml", "runs"
_RUN_FILE = re.compile(r"run-(\d+)\.parquet")
_TYPES = {"run": pa.int64(), "seed": pa.uint64(), "wall_s": pa.float64(), "virtual_s": pa.float64(),
          "digest": pa.string(), "passed": pa.bool_()}
"""Columns whose type does not depend on the value (a seed may use all 64 bits; a failed run has no digest)."""


def run_file(directory: Path, run: int) -> Path:
    """Where run ``run``'s row lives: ``runs/run-000123.parquet``."""
    return directory / RUNS / f"run-{run:06d}.parquet"


def manifest_data(campaign: Campaign, runs: list[RunInputs]) -> dict[str, Any]:
    """The manifest: what the campaign is, what made it, and every run's inputs."""
    scenario = campaign.scenario
    return {
        "format": FORMAT,
        "campaign": campaign.name,
        "campaign_file": campaign.file,
        "campaign_sha256": None if campaign.file_text is None else _sha256(campaign.file_text),
        "scenario": scenario.name,
        "scenario_file": scenario.path,
        "scenario_sha256": _sha256(campaign.scenario_text),
        "farside_version": farside_version(),
        "created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "until": campaign.until_text,
        "until_ns": campaign.until_ns,
        "run_timeout_s": campaign.run_timeout_s,
        "dispersions": [d.describe() for d in campaign.dispersions],
        "fault_axes": {axis.name: [entry.label for entry in axis.entries] for axis in campaign.axes},
        "run_count": len(runs),
        "runs": [r.to_json() for r in runs],
    }


def same_campaign(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """True when two manifests describe the same runs of the same scenario (a resume may go on)."""
    keys = ("scenario_sha256", "until_ns", "runs")
    return all(json.loads(json.dumps(old.get(k))) == json.loads(json.dumps(new.get(k))) for k in keys)


def create(directory: Path, campaign: Campaign, manifest: dict[str, Any]) -> None:
    """Write the manifest and the copies of the scenario (and campaign file) before any run."""
    try:
        (directory / RUNS).mkdir(parents=True, exist_ok=True)
        _atomic_text(directory / SCENARIO_COPY, campaign.scenario_text)
        if campaign.file_text is not None:
            _atomic_text(directory / CAMPAIGN_COPY, campaign.file_text)
        _atomic_text(directory / MANIFEST, json.dumps(manifest, indent=1) + "\n")
    except OSError as exc:
        raise HilError(f"cannot write the campaign to {directory}: {exc.strerror or exc}") from None


def read_manifest(directory: Path) -> dict[str, Any]:
    """The manifest of a campaign directory; InputFileError when there is none or it is unreadable."""
    path = directory / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputFileError(f"{directory}: not a campaign directory (no {MANIFEST})") from None
    except (OSError, ValueError) as exc:
        raise InputFileError(f"{path}: cannot read the manifest: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputFileError(f"{path}: not a farside campaign manifest ({FORMAT})")
    return data


def manifest_runs(manifest: dict[str, Any]) -> list[RunInputs]:
    """Every run's inputs, as the manifest lists them."""
    return [RunInputs.from_json(item) for item in manifest["runs"]]


def scenario_text(directory: Path) -> str:
    """The copy of the scenario the campaign ran."""
    try:
        return (directory / SCENARIO_COPY).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{directory / SCENARIO_COPY}: cannot read the scenario copy: {exc}") from None


def done_runs(directory: Path) -> set[int]:
    """The runs whose row is written."""
    folder = directory / RUNS
    if not folder.is_dir():
        return set()
    return {int(m[1]) for name in os.listdir(folder) if (m := _RUN_FILE.fullmatch(name))}


def write_row(directory: Path, row: dict[str, Any]) -> Path:
    """Write one run's row as its own Parquet file, atomically (a temporary file, then a rename)."""
    path = run_file(directory, int(row["run"]))
    table = pa.table({key: pa.array([value], type=_TYPES.get(key)) for key, value in row.items()})
    handle, temporary = tempfile.mkstemp(prefix=".run-", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        pq.write_table(table, temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def read_table(directory: Path) -> pa.Table:
    """Every row written so far as one table, ordered by run (columns a run lacks are null)."""
    files = sorted((directory / RUNS).glob("run-*.parquet"))
    if not files:
        return pa.table({"run": pa.array([], pa.int64())})
    try:
        tables = [pq.read_table(f) for f in files]
        return pa.concat_tables(tables, promote_options="permissive").sort_by("run")
    except (OSError, pa.ArrowException) as exc:
        raise InputFileError(f"{directory / RUNS}: cannot read the run rows: {exc}") from None


def read_rows(directory: Path) -> list[dict[str, Any]]:
    """Every row written so far, as dicts ordered by run."""
    return read_table(directory).to_pylist()


def _atomic_text(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(text.encode("utf-8"))
    os.replace(temporary, path)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
