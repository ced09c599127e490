"""Write a bulk decode as one Parquet table: the wide CSV's rows and columns, typed.

One row per housekeeping packet in file order; ``time`` (float64 seconds since 1958 TAI), ``utc`` (timestamp, ns,
UTC, leap seconds applied), ``device`` and ``set`` (dictionary-encoded strings), ``apid`` and ``seq_count``
(uint16), then a column per ``device.parameter``: float64 for calibrated and floating values (NaN kept), the raw
integer type otherwise, dictionary-encoded labels for enumerations (the number as text where a value has no label).
A parameter a packet's set does not carry is null.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from hil.decode.bulk import DecodeResult, SetBlock
from hil.decode.output import WIDE_HEAD, parameter_columns
from hil.decode.text import utc_ns
from protocols.dictionary.fields import Field

ROW_GROUP = 1 << 20
"""Rows per Parquet row group."""


def _file_rows(result: DecodeResult) -> tuple[int, list[np.ndarray]]:
    """How many rows, and where each block's packets land among them (file order)."""
    blocks = [b.index for b in result.blocks]
    total = sum(map(len, blocks))
    rank = np.empty(total, dtype=np.int64)
    rank[np.argsort(np.concatenate(blocks), kind="stable") if blocks else []] = np.arange(total)
    return total, np.split(rank, np.cumsum([len(b) for b in blocks])[:-1]) if blocks else []


def _spread(total: int, rows: list[np.ndarray], values: list[np.ndarray], dtype: np.dtype) -> pa.Array:
    """Values of some blocks placed at their rows of a ``total``-row column, null elsewhere."""
    full = np.empty(total, dtype=dtype)  # what is not written is masked, never read
    absent = np.ones(total, dtype=bool)
    for where, column in zip(rows, values, strict=True):
        full[where] = column
        absent[where] = False
    return pa.array(full, mask=absent) if absent.any() else pa.array(full)


def _enum(parameter: Field, total: int, rows: list[np.ndarray], raws: list[np.ndarray]) -> pa.Array:
    labels = {value: label for label, value in (parameter.enum or {}).items()}
    distinct = np.unique(np.concatenate(raws))
    indices = _spread(total, rows, [np.searchsorted(distinct, r).astype(np.int32) for r in raws], np.dtype(np.int32))
    names = pa.array([labels.get(v, str(v)) for v in distinct.tolist()], type=pa.string())
    return pa.DictionaryArray.from_arrays(indices, names)


def _parameter(blocks: list[tuple[SetBlock, np.ndarray]], total: int, name: str) -> pa.Array:
    parameter = next(p for p in blocks[0][0].parameters if p.name == name)
    rows = [where for _, where in blocks]
    if parameter.enum is not None:
        return _enum(parameter, total, rows, [block.raw[name] for block, _ in blocks])
    values = [block.values[name] for block, _ in blocks]
    return _spread(total, rows, values, np.result_type(*values))


def decode_table(result: DecodeResult) -> pa.Table:
    """The decoded housekeeping as one Arrow table in file order (see the module docstring for the columns)."""
    total, rows = _file_rows(result)
    blocks = result.blocks

    def head(get: Callable[[SetBlock], np.ndarray], dtype: type) -> pa.Array:
        return _spread(total, rows, [get(b) for b in blocks], np.dtype(dtype))

    def label(get: Callable[[SetBlock], str]) -> pa.Array:
        names = sorted({get(b) for b in blocks})
        indices = head(lambda b: np.full(len(b), names.index(get(b)), dtype=np.int32), np.int32)
        return pa.DictionaryArray.from_arrays(indices, pa.array(names, type=pa.string()))

    columns = dict(zip(WIDE_HEAD, [
        head(lambda b: b.time, np.float64),
        head(lambda b: utc_ns(b.time_ns), np.int64).cast(pa.timestamp("ns", tz="UTC")),
        label(lambda b: b.device.name),
        head(lambda b: np.full(len(b), b.device.apid), np.uint16),
        head(lambda b: b.seq_count, np.uint16),
        label(lambda b: b.hk.name)], strict=True))
    for column in parameter_columns(result):
        device, _, name = column.partition(".")
        having = [(b, where) for b, where in zip(blocks, rows, strict=True)
                  if b.device.name == device and name in b.values]
        columns[column] = _parameter(having, total, name)
    return pa.table(columns)


def write_parquet(result: DecodeResult, out: str | Path | IO[bytes]) -> int:
    """Write the decoded housekeeping as one Parquet file; the number of rows."""
    table = decode_table(result)
    pq.write_table(table, out, row_group_size=ROW_GROUP)
    return table.num_rows
