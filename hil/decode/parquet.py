"""Write a bulk decode as Parquet: one typed table per housekeeping set, a file each in one directory.

``DIR/DEVICE.SET.parquet`` holds the set's packets in file order, with the wide CSV's columns for that set:
``time`` (float64 seconds since 1958 TAI), ``utc`` (timestamp, ns, UTC, leap seconds applied), ``device`` and
``set`` (dictionary-encoded strings), ``apid`` and ``seq_count`` (uint16), then a column per parameter the set
carries, named ``device.parameter``: float64 for calibrated and floating values (NaN kept), the raw integer type
otherwise, dictionary-encoded labels for enumerations (the number as text where a value has no label). No column
is null. Concatenated with their schemas unified and sorted by ``time``, the tables are the wide CSV's rows.

The sets are written on worker threads (the Parquet writer releases the GIL), label and integer columns with
dictionary pages, float and time columns plain.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from hil.decode.arrow import arrow_array
from hil.decode.bulk import DecodeResult, SetBlock
from hil.decode.calibrate import label_texts
from hil.decode.columns import WIDE_HEAD
from hil.decode.parallel import run_all
from hil.decode.utc import utc_ns
from protocols.dictionary.model import Parameter

UTC = pa.timestamp("ns", tz="UTC")
SUFFIX = ".parquet"


def _constant(text: str, rows: int) -> pa.DictionaryArray:
    """A dictionary-encoded column holding ``text`` in every row."""
    return pa.DictionaryArray.from_arrays(arrow_array(np.zeros(rows, dtype=np.int32)), pa.array([text]))


def _labels(parameter: Parameter, raw: np.ndarray) -> pa.DictionaryArray:
    """An enumerated parameter's raw values as dictionary-encoded labels (the number as text where one has none)."""
    distinct, codes = np.unique(raw, return_inverse=True)
    names = pa.array(label_texts(parameter, distinct.tolist()), type=pa.string())
    return pa.DictionaryArray.from_arrays(arrow_array(codes.reshape(-1).astype(np.int32)), names)


def set_table(block: SetBlock) -> pa.Table:
    """One housekeeping set's packets as a typed table (see the module docstring for the columns)."""
    rows, device = len(block), block.device.name
    head = [arrow_array(block.time), arrow_array(utc_ns(block.time_ns), UTC), _constant(device, rows),
            arrow_array(np.full(rows, block.device.apid, dtype=np.uint16)),
            arrow_array(block.seq_count.astype(np.uint16, copy=False)), _constant(block.hk.name, rows)]
    columns = dict(zip(WIDE_HEAD, head, strict=True))
    for p in block.parameters:
        columns[f"{device}.{p.name}"] = _labels(p, block.raw[p.name]) if p.enum is not None else arrow_array(
            block.values[p.name])
    return pa.table(columns)


def table_name(block: SetBlock) -> str:
    """The file name of a set's table: ``DEVICE.SET.parquet``."""
    return f"{block.device.name}.{block.hk.name}{SUFFIX}"


def directory_error(directory: Path) -> str | None:
    """Why ``directory`` cannot take a decode's tables: a file, or a directory holding anything but Parquet files
    (a previous decode's, which are replaced); None when it can."""
    if directory.is_dir():
        strangers = sorted(p.name for p in directory.iterdir() if p.suffix != SUFFIX or not p.is_file())
        if strangers:
            return (f"{directory} holds other things than Parquet tables ({', '.join(strangers[:3])}"
                    f"{' …' if len(strangers) > 3 else ''}); give a new or empty directory")
        return None
    if directory.exists():
        return f"{directory} is a file: --format parquet writes a directory, one table per housekeeping set"
    return None


def _dictionary_columns(schema: pa.Schema) -> list[str]:
    """The columns worth dictionary pages: labels and integers. Floats and times are written plain: hashing them
    costs time, and their plain pages, compressed, are no larger."""
    return [f.name for f in schema if not (pa.types.is_floating(f.type) or pa.types.is_timestamp(f.type))]


def _write_set(block: SetBlock, directory: Path) -> None:
    table = set_table(block)
    pq.write_table(table, directory / table_name(block), use_dictionary=_dictionary_columns(table.schema))


def write_parquet(result: DecodeResult, directory: str | Path) -> list[Path]:
    """Write each decoded housekeeping set as ``DIRECTORY/DEVICE.SET.parquet`` (replacing a previous decode's
    tables there; see ``directory_error``); the files written, in dictionary order."""
    directory = Path(directory)
    if directory.is_dir():
        for old in directory.glob(f"*{SUFFIX}"):
            old.unlink()
    else:
        directory.mkdir()
    blocks = [b for b in result.blocks if len(b)]
    run_all([lambda block=block: _write_set(block, directory) for block in blocks])
    return [directory / table_name(b) for b in blocks]
