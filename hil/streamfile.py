"""Streams of space packets in a file: plain (concatenated, by their length fields), ASM- or COBS-framed.

A plain stream is walked by the packets' length fields. A packet is taken when its header has version 0 and
the octet after it is the end of the file or starts another version-0 header (or its PUS CRC checks). Where
the walk breaks, the reader looks for the next packet it can trust — a PUS packet whose CRC checks, followed
by a version-0 header or the end — and reports the octets in between as damage. ASM and COBS streams go
through the device-link deframers (``protocols.framing``), whose skipped ranges become damage.
"""

from __future__ import annotations

from binascii import crc_hqx
from pathlib import Path

from hil.records import Damage, PacketFile, PacketRecord, tm_time_ns
from protocols.crc import CRC16_INIT
from protocols.framing import STREAM_FRAMINGS, make_framing
from protocols.framing.base import TRUNCATED
from protocols.pus import PUS_VERSION

PLAIN = "packets"
HEADER = 6
PREFIX = 1 << 17
"""Octets a framing is tried on first, to see whether it finds any packet before reading the whole file."""
MAX_SKIPPED_SHARE = 0.5
"""A stream read by guessing its framing is recognised when at most this share of its octets is skipped."""


def verified(packet: bytes | memoryview) -> bool:
    """Whether ``packet`` is a PUS packet (secondary header flag, PUS version 2) whose CRC-16 checks."""
    return (len(packet) > 8 and packet[0] & 0xE8 == 0x08 and packet[6] >> 4 == PUS_VERSION
            and crc_hqx(packet, CRC16_INIT) == 0)


class _Anchors:
    """Offsets where a trusted packet starts (PUS, CRC good, a version-0 header or the end after it), found lazily."""

    def __init__(self, data: bytes) -> None:
        import numpy as np  # only damaged streams need it: `farside inspect HEX` starts without numpy

        self.data = data
        buf = np.frombuffer(data, dtype=np.uint8)
        total = len(buf)
        if total < 9:
            self.starts = self.sizes = np.empty(0, dtype=np.int64)
            return
        head = buf[:total - 8]
        starts = np.flatnonzero(((head & 0xE8) == 0x08) & ((buf[6:total - 2] >> 4) == PUS_VERSION))
        sizes = ((buf[starts + 4].astype(np.int64) << 8) | buf[starts + 5]) + 7
        ends = starts + sizes
        fits = ends <= total
        following = buf[np.minimum(ends, total - 1)]
        keep = fits & ((ends == total) | ((following & 0xE0) == 0))
        self.starts, self.sizes = starts[keep], sizes[keep]

    def next(self, start: int) -> int | None:
        """The first trusted packet start at or after ``start``."""
        view = memoryview(self.data)
        for index in range(int(self.starts.searchsorted(start)), len(self.starts)):
            at, size = int(self.starts[index]), int(self.sizes[index])
            if crc_hqx(view[at:at + size], CRC16_INIT) == 0:
                return at
        return None


def _fault(data: bytes, offset: int) -> tuple[str, int]:
    """Why no packet can be taken at ``offset`` ("" when one can), and the packet's size."""
    left = len(data) - offset
    if left < HEADER:
        return "too short for a primary header", 0
    if data[offset] & 0xE0:
        return f"no packet header (version {data[offset] >> 5})", 0
    size = ((data[offset + 4] << 8) | data[offset + 5]) + 7
    if size > left:
        return f"no whole packet: it announces {size} octets, {left} left", size
    end = offset + size
    if len(data) - end >= HEADER and data[end] & 0xE0 and not verified(memoryview(data)[offset:end]):
        return "its length leads to no packet header", size
    return "", size


def read_plain(path: Path, data: bytes) -> PacketFile:
    """A plain stream of concatenated space packets; TM packets are timed by their CUC field."""
    records: list[PacketRecord] = []
    damage: list[Damage] = []
    anchors: _Anchors | None = None
    offset, total = 0, len(data)
    while offset < total:
        reason, size = _fault(data, offset)
        if not reason:
            packet = data[offset:offset + size]
            records.append(PacketRecord(packet, tm_time_ns(packet), offset=offset))
            offset += size
            continue
        anchors = anchors or _Anchors(data)
        following = anchors.next(offset + 1)
        if following is None:
            damage.append(Damage(offset, total - offset, reason, torn=True))
            break
        damage.append(Damage(offset, following - offset, reason))
        offset = following
    return PacketFile(path, PLAIN, records, damage, size=total)


def read_framed(path: Path, data: bytes, framing: str) -> PacketFile:
    """A stream of ASM- or COBS-framed packets, through the device-link deframer of that name."""
    _, deframer = make_framing(framing)
    fed = deframer.feed(data)
    rest = deframer.flush()
    damage = [Damage(s.start, s.size, s.reason, torn=s.reason == TRUNCATED and s.stop == len(data))
              for s in (*fed.skipped, *rest.skipped)]
    records = [PacketRecord(p, tm_time_ns(p)) for p in (*fed.packets, *rest.packets)]
    return PacketFile(path, framing, records, damage, size=len(data))


def unrecognised(read: PacketFile) -> str | None:
    """Why a stream read by guessing is not believed (None when it is): no packet whose CRC checks, or more than
    half of its octets skipped."""
    if not read.size:
        return "the file is empty"
    share = read.skipped / read.size
    if not any(verified(r.packet) for r in read.records):
        return (f"read as {read.kind}, {len(read.records)} packets and none whose CRC checks "
                f"({share:.0%} of {read.size:,} octets skipped)")
    if share > MAX_SKIPPED_SHARE:
        return f"read as {read.kind}, {share:.0%} of its {read.size:,} octets do not hold packets"
    return None


def _finds_packets(data: bytes, framing: str) -> bool:
    """Whether the framing finds a packet in the first octets of ``data`` (worth reading the whole file)."""
    _, deframer = make_framing(framing)
    return bool(deframer.feed(data[:PREFIX]).packets or deframer.flush().packets)


def guess_stream(path: Path, data: bytes) -> tuple[PacketFile | None, str]:
    """The reading of a stream that skips least among those recognised, or None and why none is."""
    plain = read_plain(path, data)
    reason = unrecognised(plain)
    if reason is None and all(d.torn for d in plain.damage):
        return plain, ""
    readings = [plain] + [read_framed(path, data, f) for f in STREAM_FRAMINGS if _finds_packets(data, f)]
    believed = [r for r in readings if unrecognised(r) is None]
    if believed:
        return min(believed, key=lambda r: r.skipped), ""
    return None, reason or "no reading recognised"


def read_stream(path: Path, data: bytes, framing: str) -> PacketFile:
    """The packets of a stream in the named framing (``packets``, ``asm`` or ``cobs``), taken as told."""
    return read_plain(path, data) if framing == PLAIN else read_framed(path, data, framing)
