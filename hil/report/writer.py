"""Write a run's report directory: summary.json and the key plots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from firmware_sim.runner import RunResult
from hil.errors import HilError
from hil.report.plots import KEY_PLOTS, plot_series


def watched_parameters() -> list[str]:
    """The ``device.parameter`` histories the key plots need."""
    return sorted({key for spec in KEY_PLOTS for key in spec.series})


def prepare_report_dir(directory: Path) -> None:
    """Create ``directory`` (and its parents) for a report; HilError saying why when it cannot be."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HilError(f"cannot write the report to {directory}: {exc.strerror}") from None


def write_report(directory: Path, summary: dict[str, Any], result: RunResult) -> list[Path]:
    """Create ``directory`` and write summary.json and every key plot that has data; returns the files."""
    prepare_report_dir(directory)
    written = [directory / "summary.json"]
    try:
        written[0].write_text(json.dumps(summary, indent=2) + "\n")
    except OSError as exc:
        raise HilError(f"cannot write the report to {directory}: {exc.strerror}") from None
    store, dictionary = result.bench.store, result.bench.dictionary
    for spec in KEY_PLOTS:
        series = []
        for key in spec.series:
            device, parameter = key.split(".", 1)
            if key in store.history:
                unit = dictionary.device(device).parameter(parameter).unit
                series.append((key, unit, store.history[key]))
        path = directory / spec.filename
        if plot_series(path, spec.title, series, result.phases):
            written.append(path)
    return written
