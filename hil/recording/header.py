"""The header of a recording: what made it (farside version, scenario, seed, config hash, epoch of T0)."""

from __future__ import annotations

import hashlib
import importlib.metadata
from pathlib import Path
from typing import Any

from firmware_sim.bench import epoch_tai_ns


def farside_version() -> str:
    """The installed farside version, or "unknown"."""
    try:
        return importlib.metadata.version("farside")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def run_header(scenario: Any, path: Path, seed: int) -> dict[str, Any]:
    """Header of a scenario run: config hash = SHA-256 of the scenario file's bytes; times are ns since T0."""
    return {
        "farside_version": farside_version(), "scenario": scenario.name, "scenario_file": str(path),
        "seed": seed, "start_utc": scenario.start_utc, "epoch_tai_ns": epoch_tai_ns(scenario.start_utc),
        "time": "virtual ns since T0 (start_utc)", "config_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }


def serve_header(scenario: Any, bench_file: str | None, seed: int, speed: float) -> dict[str, Any]:
    """Header of a real-time session: the bench, seed and speed; each packet also carries its wall time."""
    header = run_header(scenario, Path(bench_file), seed) if bench_file else {
        "farside_version": farside_version(), "scenario": scenario.name, "scenario_file": None, "seed": seed,
        "start_utc": scenario.start_utc, "epoch_tai_ns": epoch_tai_ns(scenario.start_utc),
        "time": "virtual ns since T0 (start_utc)", "config_sha256": None}
    return {**header, "mode": "serve", "speed": speed, "nodes": dict(scenario.bench.nodes),
            "wall_time": "wall_ns=<ns since 1970 UTC> in each packet's comment"}
