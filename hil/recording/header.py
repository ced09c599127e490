"""The header of a recording: what made it (farside version, the scenario file's text, seed, until, epoch of T0).

A ``farside run`` header carries everything that decides the run's bytes, so ``farside run --from`` can make the
recording again (``hil.recording.rerun``); a ``farside serve`` header says that its session cannot be.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from firmware_sim.bench import epoch_tai_ns
from firmware_sim.scenario.timespec import format_time

NOT_REPRODUCIBLE = "a real-time session with real nodes on the wall clock cannot be made again byte for byte"
"""Why a serve header says ``reproducible: false``."""


def farside_version() -> str:
    """The installed farside version, or "unknown"."""
    try:
        return importlib.metadata.version("farside")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def utc_offset_seconds(start_utc: str) -> int:
    """T0 as whole seconds since 1970-01-01 UTC (pcapng's if_tsoffset); the start's fraction of a second is dropped."""
    moment = datetime.fromisoformat(start_utc.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() // 1)


def scenario_text(path: str | Path) -> str:
    """The text of a scenario file, as the loader reads it (UTF-8)."""
    return Path(path).read_bytes().decode("utf-8")


def run_header(scenario: Any, path: str | Path, seed: int, until_ns: int | None = None,
               text: str | None = None) -> dict[str, Any]:
    """Header of a scenario run: the scenario text (``path``'s unless given), seed and until (None: its end) used."""
    text = scenario_text(path) if text is None else text
    return {
        "farside_version": farside_version(), "mode": "run", "reproducible": True,
        "scenario": scenario.name, "scenario_file": str(path), "scenario_text": text,
        "config_sha256": hashlib.sha256(text.encode()).hexdigest(),
        "seed": seed, "until_ns": until_ns, "until": None if until_ns is None else format_time(until_ns),
        "start_utc": scenario.start_utc, "epoch_tai_ns": epoch_tai_ns(scenario.start_utc),
        "time": "virtual ns since T0 (start_utc)",
    }


def serve_header(scenario: Any, bench_file: str | None, seed: int, speed: float) -> dict[str, Any]:
    """Header of a real-time session: the bench, seed and speed, marked not reproducible; packets carry wall time."""
    header = run_header(scenario, bench_file, seed) if bench_file else {
        "farside_version": farside_version(), "scenario": scenario.name, "scenario_file": None,
        "scenario_text": None, "config_sha256": None, "seed": seed, "until_ns": None, "until": None,
        "start_utc": scenario.start_utc, "epoch_tai_ns": epoch_tai_ns(scenario.start_utc),
        "time": "virtual ns since T0 (start_utc)"}
    return {**header, "mode": "serve", "reproducible": False, "not_reproducible": NOT_REPRODUCIBLE, "speed": speed,
            "nodes": dict(scenario.bench.nodes), "wall_time": "wall_ns=<ns since 1970 UTC> in each packet's comment"}
