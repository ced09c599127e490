"""A campaign directory read for its report: the manifest and every run row, columns sorted by kind."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hil.campaign import dataset
from hil.campaign.rows import DISPERSION_PREFIX, EXPECT_PREFIX, FAULT_PREFIX, FIGURE_PREFIX
from hil.errors import InputFileError

FIXED_COLUMNS = ("run", "seed", "fault", "fault_json", "passed", "digest", "wall_s", "virtual_s", "state", "error",
                 "traceback", "traceback_digest", "worker")
"""Columns about the run itself; the rest are ``disp.*``, ``expect.*``, ``fault.*``, figures, or ignored extras."""


@dataclass
class CampaignData:
    """Everything the report needs: the manifest, the rows (by run number) and the column names by kind."""

    directory: Path
    manifest: dict[str, Any]
    rows: list[dict[str, Any]]
    figures: list[str] = field(default_factory=list)
    dispersions: list[str] = field(default_factory=list)
    expectations: list[str] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)

    def numeric_dispersions(self) -> list[str]:
        """Dispersed parameters whose values are numbers (the others are choices from a list)."""
        return [p for p in self.dispersions if all(is_number(v) for v in self.values(DISPERSION_PREFIX + p))]

    def values(self, column: str) -> list[Any]:
        """The non-null values of one column, in run order."""
        return [row[column] for row in self.rows if row.get(column) is not None]


def is_number(value: Any) -> bool:
    """True for an int or float that is not a bool."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def figure_label(column: str) -> str:
    """A figure's name as the run summary gives it: the column without its ``fig.`` prefix."""
    return column.removeprefix(FIGURE_PREFIX)


def run_state(row: dict[str, Any]) -> str:
    """The run's exit state (from ``state``, else from ``passed``)."""
    return str(row.get("state") or ("passed" if row.get("passed") else "failed"))


def _kind(arrow_type: Any) -> str:
    import pyarrow.types as t

    if t.is_boolean(arrow_type):
        return "bool"
    if t.is_integer(arrow_type) or t.is_floating(arrow_type):
        return "number"
    return "null" if t.is_null(arrow_type) else "other"


def _without_nan(row: dict[str, Any]) -> dict[str, Any]:
    return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}


def load_campaign(directory: Path) -> CampaignData:
    """Read the campaign in ``directory`` with the dataset's reader; InputFileError when it cannot be read."""

    manifest = dataset.read_manifest(directory)
    try:
        table = dataset.read_table(directory)
    except OSError as exc:
        raise InputFileError(f"{directory / dataset.RUNS}: cannot read the run rows: {exc}") from None
    data = CampaignData(directory, manifest, [_without_nan(row) for row in table.to_pylist()])
    for column in table.schema:
        name = column.name
        if name.startswith(DISPERSION_PREFIX):
            data.dispersions.append(name.removeprefix(DISPERSION_PREFIX))
        elif name.startswith(EXPECT_PREFIX):
            data.expectations.append(name.removeprefix(EXPECT_PREFIX))
        elif name not in FIXED_COLUMNS and not name.startswith(FAULT_PREFIX) and _kind(column.type) in (
                "number", "null"):
            data.figures.append(name)
    written = {row["run"] for row in data.rows}
    planned = [entry.get("run") for entry in manifest.get("runs", []) if isinstance(entry, dict)]
    data.missing = sorted(run for run in planned if isinstance(run, int) and run not in written)
    return data
