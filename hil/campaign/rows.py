"""One run's row of the dataset: its inputs, every figure, every expectation's verdict, digest, time and state."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from hil.campaign.model import RunInputs

STATES = ("passed", "failed", "open", "error", "timeout", "killed")
"""What became of a run: its outcome when it ended (``RunResult.outcome``: expectations all passed; any failed; none
failed but some not judged, the run cut by ``until`` before their deadline or the scenario's end), it raised, it ran
out of time, its worker died."""
OPEN_MEANING = ("ended with expectations not judged yet (their deadline or the scenario's end still to come) and "
                "none failed: not passed, and not failed either")
"""What the state ``open`` means, as the campaign's summary and its report explain it."""
DISPERSION_PREFIX, FIGURE_PREFIX, EXPECT_PREFIX, FAULT_PREFIX = "disp.", "fig.", "expect.", "fault."


def input_columns(inputs: RunInputs) -> dict[str, Any]:
    """The columns every row has, whatever became of the run."""
    row: dict[str, Any] = {"run": inputs.run, "seed": inputs.seed, "fault": inputs.fault_label,
                           "fault_json": inputs.faults_json}
    row.update({FAULT_PREFIX + axis: label for axis, label in inputs.entries.items()})
    row.update({DISPERSION_PREFIX + name: value for name, value in inputs.dispersions.items()})
    return row


def summary_row(inputs: RunInputs, summary: Mapping[str, Any], worker: str) -> dict[str, Any]:
    """The row of a run that ended with a summary (passed, failed or open)."""
    row = input_columns(inputs)
    row.update(figure_columns(summary["figures"]))
    row.update({EXPECT_PREFIX + e["name"]: None if e.get("open") else bool(e["passed"])  # open: no verdict
                for e in summary["expectations"]})
    row.update({"passed": bool(summary["passed"]), "digest": summary["digest"], "wall_s": float(summary["wall_time_s"]),
                "virtual_s": float(summary["virtual_time_s"]), "state": summary["outcome"],
                "error": "; ".join(summary["errors"]), "traceback": "", "worker": worker})
    return row


def failure_row(inputs: RunInputs, state: str, error: str, traceback_text: str, worker: str, wall_s: float | None,
                virtual_s: float | None = None) -> dict[str, Any]:
    """The row of a run that raised, timed out or lost its worker: its failure instead of its results."""
    row = input_columns(inputs)
    row.update({"passed": False, "digest": None, "wall_s": wall_s, "virtual_s": virtual_s, "state": state,
                "error": error, "traceback": traceback_digest(traceback_text) if traceback_text else "",
                "worker": worker})
    return row


def traceback_digest(text: str) -> str:
    """The first 12 hex digits of the SHA-256 of a traceback's text: equal failures group together."""
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:12]


def figure_columns(figures: Mapping[str, Any]) -> dict[str, Any]:
    """The summary's figures flattened: ``fig.drill_depth_m``, ``fig.sampler.core_mass_g`` … (lists as JSON)."""
    columns: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list | tuple):
            columns[FIGURE_PREFIX + prefix] = json.dumps(value)
        elif isinstance(value, bool) or value is None or isinstance(value, str):
            columns[FIGURE_PREFIX + prefix] = value
        elif isinstance(value, int | float):
            columns[FIGURE_PREFIX + prefix] = float(value)
        else:
            columns[FIGURE_PREFIX + prefix] = str(value)

    for key, value in figures.items():
        walk("" if key == "devices" else key, value)
    return columns
