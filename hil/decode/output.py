"""Write a bulk decode as CSV (wide or long), JSON lines or a terminal table."""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterator
from typing import IO, Any

import numpy as np
from rich.console import Console
from rich.table import Table

from hil.decode.bulk import DecodeResult, SetBlock
from hil.decode.split import PacketBuffer
from hil.jsontext import json_text
from protocols.describe import describe
from protocols.dictionary.registry import Dictionary
from protocols.errors import ProtocolError
from protocols.timecode import NS_PER_S, tai_to_utc_ns

_EPOCH_1958 = np.datetime64("1958-01-01T00:00:00", "ns")


Progress = Callable[[int], None]
"""Told the number of packets written so far (every ``PROGRESS_EVERY``)."""
PROGRESS_EVERY = 10_000


def utc_text(time_ns: np.ndarray) -> np.ndarray:
    """ISO UTC text (ms, trailing Z) of TAI ns since 1958, leap seconds applied once per distinct second."""
    if not len(time_ns):
        return np.empty(0, dtype="<U24")
    seconds = time_ns // NS_PER_S
    unique, inverse = np.unique(seconds, return_inverse=True)
    offsets = np.array([_leap_ns(int(s) * NS_PER_S) for s in unique.tolist()], dtype=np.int64)
    utc = _EPOCH_1958 + (time_ns - offsets[inverse]).astype("timedelta64[ns]")
    return np.char.add(np.datetime_as_string(utc, unit="ms"), "Z")


def _leap_ns(tai_ns: int) -> int:
    try:
        return tai_ns - tai_to_utc_ns(tai_ns)
    except ProtocolError:
        return 0  # before 1972: no leap-second table, TAI shown as UTC


def _cell(value: Any) -> Any:
    return "" if isinstance(value, float) and math.isnan(value) else value


def _block_rows(block: SetBlock, columns: list[str]) -> Iterator[tuple[int, list[Any]]]:
    """(packet index, CSV row) per packet of a block, values placed under their ``device.parameter`` column."""
    where = {f"{block.device.name}.{p.name}": i for i, p in enumerate(block.parameters)}
    slots = [where.get(c) for c in columns]
    values = [block.values[p.name].tolist() for p in block.parameters]
    head = zip(block.index.tolist(), block.time.tolist(), utc_text(block.time_ns).tolist(),
               block.seq_count.tolist(), strict=True)
    for j, (index, seconds, utc, seq) in enumerate(head):
        row = [repr(seconds), utc, block.device.name, block.device.apid, seq, block.hk.name]
        row.extend("" if s is None else values[s][j] for s in slots)
        yield index, row


def _in_file_order(result: DecodeResult, rows: Callable[[SetBlock], Iterator[tuple[int, Any]]]) -> Iterator[Any]:
    order: list[Any] = [None] * result.total
    for block in result.blocks:
        for index, row in rows(block):
            order[index] = row
    return (row for row in order if row is not None)


def parameter_columns(result: DecodeResult) -> list[str]:
    """``device.parameter`` of every decoded value, in dictionary order of first appearance."""
    seen: dict[str, None] = {}
    for block in result.blocks:
        for p in block.parameters:
            seen.setdefault(f"{block.device.name}.{p.name}")
    return list(seen)


def write_csv(result: DecodeResult, out: IO[str], progress: Progress | None = None) -> int:
    """Wide CSV: one row per HK packet in file order, a column per parameter (empty where the set lacks it)."""
    columns = parameter_columns(result)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["time", "utc", "device", "apid", "seq_count", "set", *columns])
    count = 0
    for row in _in_file_order(result, lambda b: _block_rows(b, columns)):
        writer.writerow([_cell(v) for v in row])
        count += 1
        if progress is not None and not count % PROGRESS_EVERY:
            progress(count)
    return count


def write_csv_long(result: DecodeResult, out: IO[str], progress: Progress | None = None) -> int:
    """Long CSV: one row per value — time, utc, device, set, seq_count, parameter, value, unit."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["time", "utc", "device", "set", "seq_count", "parameter", "value", "unit"])

    def rows(block: SetBlock) -> Iterator[tuple[int, list[list[Any]]]]:
        values = [block.values[p.name].tolist() for p in block.parameters]
        utc = utc_text(block.time_ns).tolist()
        for j, (index, seconds, seq) in enumerate(zip(block.index.tolist(), block.time.tolist(),
                                                      block.seq_count.tolist(), strict=True)):
            yield index, [[repr(seconds), utc[j], block.device.name, block.hk.name, seq, p.name,
                           _cell(values[k][j]), p.unit] for k, p in enumerate(block.parameters)]

    count = 0
    for packets, group in enumerate(_in_file_order(result, rows), 1):
        writer.writerows(group)
        count += len(group)
        if progress is not None and not packets % PROGRESS_EVERY:
            progress(packets)
    return count


def write_jsonl(result: DecodeResult, buffer: PacketBuffer, dictionary: Dictionary, out: IO[str],
                include_other: bool = True, progress: Progress | None = None) -> int:
    """One JSON object per packet in file order, keys as ``farside inspect --json``; non-HK packets via describe."""

    def rows(block: SetBlock) -> Iterator[tuple[int, str]]:
        units = {p.name: p.unit for p in block.parameters if p.unit}
        values = [block.values[p.name].tolist() for p in block.parameters]
        names = [p.name for p in block.parameters]
        for j, (index, seconds, seq, counter) in enumerate(zip(block.index.tolist(), block.time.tolist(),
                                                               block.seq_count.tolist(),
                                                               block.msg_counter.tolist(), strict=True)):
            view = {"type": "TM", "apid": block.device.apid, "seq_count": seq, "seq_flags": 3,
                    "size": int(buffer.sizes[index]), "service": 3, "subtype": 25, "crc_ok": True,
                    "device": block.device.name, "name": f"hk:{block.hk.name}", "time": seconds,
                    "header": {"msg_counter": counter, "dest_id": 0, "time_ref": 0},
                    "fields": {n: v[j] for n, v in zip(names, values, strict=True)}, "units": units, "error": None}
            yield index, json_text(view)

    order: list[str | None] = [None] * result.total
    for block in result.blocks:
        for index, line in rows(block):
            order[index] = line
    if include_other:
        for index in np.concatenate([result.other, result.rejected_index]).tolist():
            order[index] = _described(buffer.packet(index), dictionary)
    count = 0
    for line in order:
        if line is not None:
            out.write(line + "\n")
            count += 1
            if progress is not None and not count % PROGRESS_EVERY:
                progress(count)
    return count


def _described(packet: bytes, dictionary: Dictionary) -> str:
    try:
        return json_text(describe(packet, dictionary).to_json())
    except ProtocolError as exc:
        return json_text({"type": None, "size": len(packet), "error": str(exc)})


def write_table(result: DecodeResult, console: Console, limit: int) -> int:
    """A rich table per set: the first ``limit`` packets, a column per parameter, units in the headers."""
    shown = 0
    for block in result.blocks:
        table = Table(title=f"{block.device.name} {block.hk.name} (SID {block.hk.sid}): {len(block):,} packets")
        table.add_column("utc")
        table.add_column("seq", justify="right")
        for p in block.parameters:
            table.add_column(f"{p.name} [{p.unit}]" if p.unit else p.name, justify="right")
        n = min(limit, len(block))
        utc = utc_text(block.time_ns[:n]).tolist()
        values = [block.values[p.name][:n].tolist() for p in block.parameters]
        for j in range(n):
            table.add_row(utc[j], str(int(block.seq_count[j])), *(_text(v[j]) for v in values))
        console.print(table)
        if len(block) > n:
            console.print(f"… {len(block) - n:,} more rows; use --format csv or jsonl for all of them")
        shown += n
    return shown


def _text(value: Any) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)
