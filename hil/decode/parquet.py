"""Write a bulk decode as one Parquet table: the wide CSV's rows and columns, typed.

One row per housekeeping packet in file order; ``time`` (float64 seconds since 1958 TAI), ``utc`` (timestamp, ns,
UTC, leap seconds applied), ``device`` and ``set`` (dictionary-encoded strings), ``apid`` and ``seq_count``
(uint16), then a column per ``device.parameter``: float64 for calibrated and floating values (NaN kept), the raw
integer type otherwise, dictionary-encoded labels for enumerations (the number as text where a value has no label).
A parameter a packet's set does not carry is null. Label and integer columns are dictionary-encoded in the file,
float and time columns plain.

The table is built and written a row group at a time: worker threads build the next row groups while the writer
(which releases the GIL) encodes the current one, and no column is ever held whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from hil.decode.arrow import arrow_array
from hil.decode.bulk import DecodeResult
from hil.decode.columns import WIDE_HEAD, parameter_columns
from hil.decode.parallel import WORKERS, in_order
from hil.decode.utc import utc_ns

ROW_GROUP = 1 << 16
"""Rows per Parquet row group (the last one holds the rest)."""
UTC = pa.timestamp("ns", tz="UTC")


@dataclass(frozen=True)
class _Column:
    """One column of the wide table: per block that has it, the block's values (or dictionary codes)."""

    parts: list[tuple[int, np.ndarray]]
    """(block number, one value per packet of the block)."""
    dtype: np.dtype
    names: pa.Array | None = None
    """The dictionary of a label column (its values are codes into it)."""
    arrow_type: pa.DataType | None = None
    """The Arrow type of the values, where numpy's is not it (UTC time: int64 ns as a timestamp)."""

    def rows(self, size: int, where: list[tuple[int, int, np.ndarray]]) -> pa.Array:
        """The column's ``size`` rows of a span; ``where`` says per block which packets fall in it, at which row."""
        full = np.empty(size, dtype=self.dtype)  # what is not written is masked, never read
        absent = np.ones(size, dtype=bool)
        for block, values in self.parts:
            low, high, at = where[block]
            full[at] = values[low:high]
            absent[at] = False
        array = arrow_array(full, self.arrow_type, absent)
        return array if self.names is None else pa.DictionaryArray.from_arrays(array, self.names)


def _file_rows(result: DecodeResult) -> tuple[int, list[np.ndarray]]:
    """How many rows, and where each block's packets land among them (file order, ascending within a block)."""
    blocks = [b.index for b in result.blocks]
    total = sum(map(len, blocks))
    rank = np.empty(total, dtype=np.int64)
    rank[np.argsort(np.concatenate(blocks), kind="stable") if blocks else []] = np.arange(total)
    return total, np.split(rank, np.cumsum([len(b) for b in blocks])[:-1]) if blocks else []


def _dense(parts: list[tuple[int, np.ndarray]], dtype: type | None = None,
           arrow_type: pa.DataType | None = None) -> _Column:
    """A column of plain values: of ``dtype``, else of the type that holds every block's values."""
    if dtype is None:
        return _Column(parts, np.result_type(*(v for _, v in parts)), arrow_type=arrow_type)
    return _Column(parts, np.dtype(dtype), arrow_type=arrow_type)


def _labels(names: list[str], lengths: list[int]) -> _Column:
    """A dictionary-encoded column holding one label per block."""
    distinct = sorted(set(names))
    codes = [(k, np.full(n, distinct.index(name), dtype=np.int32)) for k, (name, n) in enumerate(zip(
        names, lengths, strict=True))]
    return _Column(codes, np.dtype(np.int32), pa.array(distinct, type=pa.string()))


class WideTable:
    """The wide table of a bulk decode, built a span of rows at a time (types and dictionaries fixed for all)."""

    def __init__(self, result: DecodeResult) -> None:
        self.total, self.ranks = _file_rows(result)
        blocks = result.blocks
        lengths = [len(b) for b in blocks]
        head = [
            _dense(list(enumerate(b.time for b in blocks)), np.float64),
            _dense(list(enumerate(utc_ns(b.time_ns) for b in blocks)), np.int64, UTC),
            _labels([b.device.name for b in blocks], lengths),
            _dense([(k, np.full(len(b), b.device.apid)) for k, b in enumerate(blocks)], np.uint16),
            _dense([(k, b.seq_count) for k, b in enumerate(blocks)], np.uint16),
            _labels([b.hk.name for b in blocks], lengths),
        ]
        self.columns: dict[str, _Column] = dict(zip(WIDE_HEAD, head, strict=True))
        for column in parameter_columns(result):
            device, _, name = column.partition(".")
            having = [k for k, b in enumerate(blocks) if b.device.name == device and name in b.values]
            parameter = next(p for p in blocks[having[0]].parameters if p.name == name)
            if parameter.enum is None:
                self.columns[column] = _dense([(k, blocks[k].values[name]) for k in having])
                continue
            labels = {value: label for label, value in parameter.enum.items()}
            raws = [blocks[k].raw[name] for k in having]
            distinct, inverse = np.unique(np.concatenate(raws), return_inverse=True)
            ends = np.cumsum([len(r) for r in raws])[:-1]
            codes = list(zip(having, np.split(inverse.astype(np.int32), ends), strict=True))
            names = pa.array([labels.get(v, str(v)) for v in distinct.tolist()], type=pa.string())
            self.columns[column] = _Column(codes, np.dtype(np.int32), names)

    def spans(self, rows: int = ROW_GROUP) -> list[tuple[int, int]]:
        """Spans of at most ``rows`` rows covering the table (one empty span for an empty table)."""
        return [(first, min(first + rows, self.total)) for first in range(0, self.total, rows)] or [(0, 0)]

    def rows(self, span: tuple[int, int]) -> pa.Table:
        """The table's rows ``first..last`` (exclusive)."""
        first, last = span
        where = []
        for rank in self.ranks:
            low, high = np.searchsorted(rank, [first, last]).tolist()
            where.append((low, high, rank[low:high] - first))
        return pa.table({name: column.rows(last - first, where) for name, column in self.columns.items()})


def decode_table(result: DecodeResult) -> pa.Table:
    """The decoded housekeeping as one Arrow table in file order (see the module docstring for the columns)."""
    table = WideTable(result)
    return table.rows((0, table.total))


def _dictionary_columns(schema: pa.Schema) -> list[str]:
    """The columns worth dictionary pages: labels and integers. Floats and times are written plain: hashing them
    costs time, and their plain pages, compressed, are no larger."""
    return [f.name for f in schema if not (pa.types.is_floating(f.type) or pa.types.is_timestamp(f.type))]


def write_parquet(result: DecodeResult, out: str | Path | IO[bytes]) -> int:
    """Write the decoded housekeeping as one Parquet file, a row group at a time; the number of rows."""
    table = WideTable(result)
    writer: pq.ParquetWriter | None = None
    try:
        for rows in in_order(table.rows, table.spans(), ahead=WORKERS):
            if writer is None:
                writer = pq.ParquetWriter(out, rows.schema, write_batch_size=ROW_GROUP,
                                          use_dictionary=_dictionary_columns(rows.schema))
            writer.write_table(rows, row_group_size=ROW_GROUP)
    finally:
        if writer is not None:
            writer.close()
    return table.total
