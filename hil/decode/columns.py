"""The columns of the wide table that the CSV and Parquet writers share, and the long CSV's."""

from __future__ import annotations

from hil.decode.bulk import DecodeResult

WIDE_HEAD = ("time", "utc", "device", "apid", "seq_count", "set")
"""The wide table's first columns; a column ``device.parameter`` per decoded parameter follows."""
LONG_HEAD = ("time", "utc", "device", "set", "seq_count", "parameter", "value", "unit")
"""The long CSV's columns: one row per value."""


def parameter_columns(result: DecodeResult) -> list[str]:
    """``device.parameter`` of every decoded value, in dictionary order of first appearance."""
    seen: dict[str, None] = {}
    for block in result.blocks:
        for p in block.parameters:
            seen.setdefault(f"{block.device.name}.{p.name}")
    return list(seen)
