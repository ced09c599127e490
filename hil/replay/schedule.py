"""When each packet is due, relative to the first one sent: from record times, a fixed rate, or not at all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hil.errors import InputFileError
from hil.records import PacketRecord
from hil.replay.selection import Selection

NS_PER_S = 1_000_000_000


@dataclass(frozen=True)
class Schedule:
    """Packets to send and their due offsets (ns of recording time after the first, never decreasing)."""

    packets: list[bytes]
    offsets_ns: list[int]
    period_ns: int
    """Recording time from one pass's first packet to the next pass's first packet (``--loop``)."""
    mode: str
    """``timed`` (record times), ``rate`` (fixed packets/s) or ``asap``."""
    reordered: int = 0
    """Records whose time ran backwards and were sent right after the previous one instead."""

    def __len__(self) -> int:
        return len(self.packets)


def recording_offsets(records: Sequence[PacketRecord], rate: float | None) -> tuple[list[int], int]:
    """Each record's time after the first timed one, never decreasing, and how many times ran backwards.

    Untimed records (TCs in a timed file) take the previous packet's time; with ``rate`` the times are
    ``index / rate`` instead.
    """
    if rate is not None:
        return [round(i * NS_PER_S / rate) for i in range(len(records))], 0
    first = next((r.time_ns for r in records if r.time_ns is not None), None)
    offsets, previous, reordered = [], 0, 0
    for record in records:
        offset = previous if record.time_ns is None or first is None else record.time_ns - first
        if offset < previous:
            reordered += 1
            offset = previous
        offsets.append(offset)
        previous = offset
    return offsets, reordered


def build_schedule(records: Sequence[PacketRecord], selection: Selection | None = None,
                   rate: float | None = None, asap: bool = False) -> Schedule:
    """The schedule of the records ``selection`` keeps; InputFileError when pacing is impossible or none is left."""
    if rate is not None and rate <= 0:
        raise InputFileError(f"rate={rate}: packets per second must be above 0")
    timed = any(r.time_ns is not None for r in records)
    if not (timed or asap or rate is not None):
        raise InputFileError("the file holds no packet times: give --rate N (packets/s) or --asap")
    offsets, reordered = recording_offsets(records, rate)
    selection = selection or Selection()
    kept = [(r.packet, o) for r, o in zip(records, offsets, strict=True) if selection.keeps(r, o)]
    if not kept:
        raise InputFileError(f"nothing to send: {len(records)} packets in the file, none left after the filters")
    first = kept[0][1]
    packets = [p for p, _ in kept]
    due = [o - first for _, o in kept]
    mode = "asap" if asap else "rate" if rate is not None else "timed"
    if asap:
        due = [0] * len(due)
    span = due[-1]
    single_gap = round(NS_PER_S / rate) if rate is not None else 0
    gap = span // (len(due) - 1) if len(due) > 1 else single_gap
    return Schedule(packets, due, span + gap, mode, reordered)
