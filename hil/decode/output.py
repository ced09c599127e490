"""Write a bulk decode as CSV (wide or long), JSON lines or a terminal table.

CSV is built in bulk: the columns are formatted as Arrow strings (``hil.decode.text``; value columns formatted alike
taken together across the sets, a few big calls on worker threads), then window by window each set's rows are
joined from them, put in file order with one take, and written as octets; the text is what ``csv.writer`` makes of
the same values.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import IO, TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hil.decode.arrow import arrow_array, string_array
from hil.decode.bulk import DecodeResult, SetBlock
from hil.decode.columns import LONG_HEAD, WIDE_HEAD, parameter_columns
from hil.decode.parallel import in_order, run_all
from hil.decode.split import PacketBuffer
from hil.decode.text import NO_TEXT, csv_field, float_text, formatted_together, int_kind, int_text, value_format
from hil.decode.text import utc_text as utc_arrow
from hil.decode.utc import utc_ascii
from hil.jsontext import json_text
from protocols.errors import ProtocolError

if TYPE_CHECKING:
    from rich.console import Console

    from protocols.dictionary.registry import Dictionary

Progress = Callable[[int], None]
"""Told the number of packets written so far (every ``PROGRESS_EVERY``)."""
PROGRESS_EVERY = 10_000


def utc_text(time_ns: np.ndarray) -> np.ndarray:
    """ISO UTC text (ms, trailing Z) of TAI ns since 1958, leap seconds applied once per distinct second."""
    return utc_ascii(time_ns).view("S24").reshape(-1).astype("<U24")


def _cell(value: object) -> str:
    """``value`` as ``csv.writer`` writes it."""
    return csv_field(str(value))


def _parts(parts: Sequence[pa.Array | str]) -> list[pa.Array | pa.Scalar]:
    """A row's parts ready to join: string columns and constant text (adjacent constants merged, a newline at the
    end) as Arrow scalars, made once for every window."""
    merged: list[pa.Array | str] = []
    for part in [*parts, "\n"]:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    return [string_array([p])[0] if isinstance(p, str) else p for p in merged]


VALUE_PREFIX = ","
"""What each value's text starts with (``_texts``): its cell's separator, so that a row joins half as many parts."""


def _line(parts: Sequence[pa.Array | pa.Scalar], low: int, count: int) -> pa.Array:
    """Rows ``low`` to ``low + count`` joined from their parts (a null, a NaN value, as its empty cell: the
    separator alone)."""
    args = [p if isinstance(p, pa.Scalar) else p.slice(low, count) for p in parts]
    return pc.binary_join_element_wise(*args, NO_TEXT, null_handling="replace", null_replacement=VALUE_PREFIX)


def _write(out: IO[str], lines: pa.Array, steps: Sequence[tuple[int, int | None]], progress: Progress | None) -> None:
    """Write the text of ``lines`` (no nulls) in pieces: up to row ``end``, then tell ``progress`` ``count``."""
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64 if pa.types.is_large_string(lines.type) else np.int32,
                            count=len(lines) + 1 + lines.offset)[lines.offset:]
    data = memoryview(lines.buffers()[2]) if len(lines) else memoryview(b"")
    raw = getattr(out, "buffer", None) if isinstance(out, io.TextIOWrapper) else None
    if raw is not None:
        out.flush()
    done = 0
    for end, count in steps:
        piece = data[int(offsets[done]):int(offsets[end])]
        if raw is not None:
            raw.write(piece)
        else:
            out.write(bytes(piece).decode())
        done = end
        if progress is not None and count is not None:
            progress(count)
    if raw is not None:
        raw.flush()


WINDOW = 2 * PROGRESS_EVERY
"""Packets put in file order and written at a time: a few MB of text, so the ordering stays in cache."""
Piece = tuple[np.ndarray, int, list[pa.Array | pa.Scalar]]
"""Where a piece's packets are in file order (ascending), its place among a packet's rows, its row parts
(``_parts``)."""


def _window(pieces: list[Piece], first: int, last: int, width: int) -> tuple[pa.Array, list[tuple[int, int | None]]]:
    """The rows of packets ``first..last`` (file order) as one string array, and where to tell progress."""
    lines, keys = [], []
    per_packet = np.zeros(last - first, dtype=np.int64)
    for rank, place, parts in pieces:
        low, high = np.searchsorted(rank, [first, last]).tolist()
        if high > low:
            lines.append(_line(parts, low, high - low))
            keys.append((rank[low:high] - first) * width + place)
            per_packet[rank[low:high] - first] += 1
    ordered = pa.concat_arrays(lines).take(arrow_array(np.argsort(np.concatenate(keys), kind="stable")))
    ends = np.cumsum(per_packet)
    steps = [(int(ends[k - first - 1]), k) for k in range(first + PROGRESS_EVERY, last + 1, PROGRESS_EVERY)]
    return ordered, [*steps, (len(ordered), None)]


def _write_rows(out: IO[str], pieces: list[Piece], total: int, width: int, progress: Progress | None) -> int:
    """Write the text rows of ``pieces`` in file order, window by window (joined on worker threads); the number
    of rows. A piece's place is among the ``width`` rows a packet may have; progress is told every
    ``PROGRESS_EVERY`` packets."""
    rows = 0
    windows = ((first, min(first + WINDOW, total)) for first in range(0, total, WINDOW))
    for ordered, steps in in_order(lambda span: _window(pieces, *span, width), windows):
        _write(out, ordered, steps, progress)
        rows += len(ordered)
    return rows


def _ranks(blocks: list[SetBlock]) -> tuple[int, list[np.ndarray]]:
    """How many packets the blocks hold, and where each block's packets are among them in file order."""
    total = sum(len(b) for b in blocks)
    if not total:
        return 0, [np.empty(0, dtype=np.int64) for _ in blocks]
    rank = np.empty(total, dtype=np.int64)
    rank[np.argsort(np.concatenate([b.index for b in blocks]), kind="stable")] = np.arange(total)
    return total, np.split(rank, np.cumsum([len(b) for b in blocks])[:-1])


Column = tuple[int, str]
"""A column of the blocks being written: the block's number and the parameter's name (or ``:time``, ``:utc``,
``:seq``)."""
TOGETHER = 1 << 17
"""The most values formatted in one call: columns formatted alike are taken together up to this many (fewer
calls), not beyond (arrays of a few MB cost more in fresh memory than the calls they save)."""


def _texts(blocks: list[SetBlock]) -> list[tuple[pa.Array, pa.Array, pa.Array, dict[str, pa.Array]]]:
    """Each block's time, UTC, sequence count and value columns as CSV text (each value after ``VALUE_PREFIX``), on
    worker threads: the value columns formatted alike taken together across the blocks (``formatted_together``), a
    block's times and UTC alone."""
    tasks: list[tuple[list[Column], list[np.ndarray], Callable[[np.ndarray], pa.Array]]] = []
    filling: dict[str, tuple[list[Column], list[np.ndarray], Callable[[np.ndarray], pa.Array]]] = {}

    def add(column: Column, kind: str | None, text: Callable[[np.ndarray], pa.Array], values: np.ndarray) -> None:
        task = filling.get(kind) if kind is not None else None
        if task is None or sum(map(len, task[1])) + len(values) > TOGETHER:
            task = ([], [], text)
            tasks.append(task)
            if kind is not None:
                filling[kind] = task
        task[0].append(column)
        task[1].append(values)

    for k, block in enumerate(blocks):
        add((k, ":time"), None, partial(float_text, repeats=False), block.time)
        add((k, ":utc"), None, utc_arrow, block.time_ns)
        add((k, ":seq"), int_kind(block.seq_count), int_text, block.seq_count)
        for p in block.parameters:
            add((k, p.name), *value_format(p, block.values[p.name], block.raw.get(p.name), VALUE_PREFIX),
                block.values[p.name])
    tasks.sort(key=lambda task: -sum(map(len, task[1])))  # the longest first
    done = run_all([partial(formatted_together, text, values) for _, values, text in tasks])
    text = {column: texts for (columns, _, _), formatted in zip(tasks, done, strict=True)
            for column, texts in zip(columns, formatted, strict=True)}
    return [(text[k, ":time"], text[k, ":utc"], text[k, ":seq"], {p.name: text[k, p.name] for p in block.parameters})
            for k, block in enumerate(blocks)]


def write_csv(result: DecodeResult, out: IO[str], progress: Progress | None = None) -> int:
    """Wide CSV: one row per HK packet in file order, a column per parameter (empty where the set lacks it)."""
    columns = parameter_columns(result)
    out.write(",".join(_cell(c) for c in [*WIDE_HEAD, *columns]) + "\n")
    blocks = [b for b in result.blocks if len(b)]
    total, ranks = _ranks(blocks)
    pieces: list[Piece] = []
    for block, rank, (time, utc, seq, text) in zip(blocks, ranks, _texts(blocks), strict=True):
        where = {f"{block.device.name}.{p.name}": p.name for p in block.parameters}
        parts: list[pa.Array | str] = [time, ",", utc, f",{_cell(block.device.name)},{block.device.apid},",
                                       seq, "," + _cell(block.hk.name)]
        parts += [text[where[column]] if column in where else "," for column in columns]
        pieces.append((rank, 0, _parts(parts)))
    return _write_rows(out, pieces, total, 1, progress)


def write_csv_long(result: DecodeResult, out: IO[str], progress: Progress | None = None) -> int:
    """Long CSV: one row per value — time, utc, device, set, seq_count, parameter, value, unit."""
    out.write(",".join(_cell(c) for c in LONG_HEAD) + "\n")
    blocks = [b for b in result.blocks if len(b) and b.parameters]
    total, ranks = _ranks(blocks)
    width = max((len(b.parameters) for b in blocks), default=1)
    pieces: list[Piece] = []
    for block, rank, (time, utc, seq, text) in zip(blocks, ranks, _texts(blocks), strict=True):
        head = f",{_cell(block.device.name)},{_cell(block.hk.name)},"
        for k, p in enumerate(block.parameters):  # the rows of one packet together, in parameter order
            pieces.append((rank, k, _parts([time, ",", utc, head, seq, f",{_cell(p.name)}", text[p.name],
                                            "," + _cell(p.unit)])))
    return _write_rows(out, pieces, total, width, progress)


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
    from protocols.describe import describe

    try:
        return json_text(describe(packet, dictionary).to_json())
    except ProtocolError as exc:
        return json_text({"type": None, "size": len(packet), "error": str(exc)})


def write_table(result: DecodeResult, console: Console, limit: int) -> int:
    """A rich table per set: the first ``limit`` packets, a column per parameter, units in the headers."""
    from rich.table import Table

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
