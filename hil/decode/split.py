"""Packets laid end to end in one numpy buffer with offsets and sizes: from a plain stream or a packet file."""

from __future__ import annotations

import mmap
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hil.decode.chain import chain_starts
from hil.errors import InputFileError, RecordingError
from hil.filekind import RECORDING, STREAM, sniff
from hil.packetfile import AUTO, index_recording, read_packet_bytes
from hil.records import Damage, summarise
from hil.streamfile import MAX_SKIPPED_SHARE, PLAIN, verified

FRONT = 1
"""Octets before every packet of a buffer, padding or the file's own (so odd-length rows can be read one octet
early)."""
BACK = 32
"""Octets from every packet's start to the end of a buffer, at least: padding or the file's own (so short
packets' headers can be read without bounds checks)."""
VECTOR_FROM = 1 << 20
"""Streams from this size on are split by vectorised chunked walks; smaller ones by a plain loop."""
SAMPLE = 1 << 16
"""Octets walked plainly first to size the vectorised walk's entry window."""
SNIFF = 1 << 15
"""Octets the format sniffer looks at."""
CRC_TRIES = 64
"""PUS packets tried, from the start, for one whose CRC checks before a plain split is believed."""


@dataclass
class PacketBuffer:
    """Packets in ``data`` (uint8, read-only where it is a file's own octets), each at ``offsets[i]`` with
    ``sizes[i]`` octets, with ``FRONT`` octets before it and ``BACK`` from its start on (see those)."""

    data: np.ndarray
    offsets: np.ndarray
    sizes: np.ndarray
    damage: list[Damage] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    kind: str = "packets"
    time_ns: np.ndarray | None = None
    """A recording's timestamp of each packet (virtual ns since T0); None where the packets' own times are all."""
    phases: list[tuple[str, int]] = field(default_factory=list)
    """Mission phases a recording marks: (name, ns since T0)."""
    link: np.ndarray | None = None
    """A recording's link of each packet, as an index into ``links``; None for a file without links."""
    links: list[str] = field(default_factory=list)
    direction: np.ndarray | None = None
    """A recording's direction of each packet, as a code of the recording reader's ``DIRECTIONS``."""

    @property
    def problems(self) -> list[str]:
        """Every damaged range and note as text."""
        return [str(d) for d in self.damage] + self.notes

    def summary(self) -> str:
        """One line on what was skipped or noticed, or ""."""
        return summarise(self.damage, self.notes)

    def __len__(self) -> int:
        return len(self.offsets)

    def heads(self) -> tuple[np.ndarray, np.ndarray]:
        """The first and the second octet of every packet."""
        return self.data[self.offsets], self.data[self.offsets + 1]

    def select(self, keep: np.ndarray) -> PacketBuffer:
        """The packets ``keep`` (a mask) marks, over the same octets, with their columns."""

        def taken(column: np.ndarray | None) -> np.ndarray | None:
            return None if column is None else column[keep]

        return PacketBuffer(self.data, self.offsets[keep], self.sizes[keep], self.damage, self.notes, self.kind,
                            taken(self.time_ns), self.phases, taken(self.link), self.links, taken(self.direction))

    def packet(self, i: int) -> bytes:
        """The octets of packet ``i``."""
        start = int(self.offsets[i])
        return self.data[start:start + int(self.sizes[i])].tobytes()


def _padded(data: bytes | bytearray | mmap.mmap) -> np.ndarray:
    buf = np.zeros(FRONT + len(data) + BACK, dtype=np.uint8)
    buf[FRONT:FRONT + len(data)] = np.frombuffer(data, dtype=np.uint8)
    return buf


def packet_starts(data: bytes | bytearray) -> tuple[list[int], int]:
    """Start offsets of the whole packets of a concatenated stream, and where the whole packets end."""
    starts: list[int] = []
    append = starts.append
    offset, total = 0, len(data)
    last = total - 6
    while offset <= last:
        size = ((data[offset + 4] << 8) | data[offset + 5]) + 7
        if offset + size > total:
            break
        append(offset)
        offset += size
    return starts, offset


def split_stream(data: bytes | bytearray) -> PacketBuffer:
    """Split a plain stream of concatenated space packets by their length fields; a torn tail becomes a problem."""
    return _split(_padded(data), len(data))


def _split(buf: np.ndarray, total: int) -> PacketBuffer:
    """Split the ``total`` stream octets held in a padded buffer."""
    if total < VECTOR_FROM:
        starts, end = packet_starts(buf[FRONT:FRONT + total].tobytes())
        offsets = np.asarray(starts, dtype=np.int64)
    else:
        head, _ = packet_starts(buf[FRONT:FRONT + SAMPLE].tobytes())
        sample = np.diff(np.asarray([*head, SAMPLE], dtype=np.int64))
        window = int(min(max(sample.max(initial=0) + 8, 16), 4096))
        offsets, end = chain_starts(buf, FRONT, total, chunk=max(16384, 64 * window), window=window)
    sizes = np.diff(np.append(offsets, end))
    damage = []
    if end < total:
        damage.append(Damage(end, total - end, "they hold no whole packet", torn=True))
    return PacketBuffer(buf, offsets + FRONT, sizes, damage)


def _read_padded(path: Path) -> tuple[np.ndarray, int]:
    """The file's octets straight into a padded buffer (no intermediate bytes object)."""
    with path.open("rb") as file:
        total = os.fstat(file.fileno()).st_size
        buf = np.zeros(FRONT + total + BACK, dtype=np.uint8)
        got = file.readinto(memoryview(buf)[FRONT:FRONT + total])
    return buf, got or 0


def buffer_from_packets(packets: Sequence[bytes], damage: Sequence[Damage] = (), notes: Sequence[str] = (),
                        kind: str = "packets") -> PacketBuffer:
    """Lay separate packets end to end."""
    sizes = np.fromiter(map(len, packets), dtype=np.int64, count=len(packets))
    offsets = np.cumsum(sizes) - sizes + FRONT
    return PacketBuffer(_padded(b"".join(packets)), offsets, sizes, list(damage), list(notes), kind)


def _clean_plain(buffer: PacketBuffer, total: int) -> bool:
    """Whether a plain split is what the one reader would make of the file: every header version 0, a PUS
    packet whose CRC checks among the first ones, and at most a torn tail of no more than half the file."""
    if not len(buffer) or np.any(buffer.data[buffer.offsets] & 0xE0):
        return False
    if sum(d.size for d in buffer.damage) > total * MAX_SKIPPED_SHARE:
        return False
    pus = np.flatnonzero(buffer.data[buffer.offsets] & 0x08)[:CRC_TRIES]
    return any(verified(buffer.packet(int(i))) for i in pus)


def read_buffer(path: str | Path, framing: str = AUTO) -> PacketBuffer:
    """Read a packet file into one buffer: a clean plain stream is split straight into numpy, a recording is
    indexed in place by the recording reader's vectorised walk, anything else (CADU files, framed or damaged
    streams) goes through the one reader, ``read_packet_bytes``."""
    path = Path(path)
    try:
        kind = sniff(_head(path)) if framing in (AUTO, PLAIN) else None
        if kind == RECORDING and framing == AUTO:
            mapped = _mapped(path)
        else:
            buf, total = _read_padded(path)
    except OSError as exc:
        raise InputFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    if kind == RECORDING and framing == AUTO:
        return _read_recording(path, mapped)  # what the reader finds wrong is its own InputFileError, not re-worded
    if kind == STREAM:
        buffer = _split(buf, total)
        if _clean_plain(buffer, total):
            return buffer
    return _read_any(path, buf[FRONT:FRONT + total].tobytes(), framing)


def _head(path: Path) -> bytes:
    """The first octets of a file, as many as the format sniffer looks at."""
    with path.open("rb") as file:
        return file.read(SNIFF)


def _mapped(path: Path) -> mmap.mmap | bytes:
    """The file's octets, mapped read-only and paged in at once (no copy); read where it cannot be mapped.

    A recording is written by appending, and a new one at the same path replaces the file instead of truncating it
    (``create_replacing``), so its mapped part never changes under the reader."""
    with path.open("rb") as file:
        try:
            return mmap.mmap(file.fileno(), 0, flags=mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0),
                             prot=mmap.PROT_READ)
        except (OSError, ValueError):
            return file.read()


def _read_recording(path: Path, data: mmap.mmap | bytes) -> PacketBuffer:
    """A recording's packets where they lie in its octets (copied only when a packet sits too near either end)."""
    try:
        index = index_recording(path, data)
    except RecordingError:
        return _read_any(path, data[:], AUTO)  # not read as a recording: the one reader says what it is
    start, octets = index.start, np.frombuffer(data, dtype=np.uint8)
    if len(start) and (int(start.min()) < FRONT or int(start.max()) + BACK > len(data)):
        start, octets = start + FRONT, _padded(data)
    return PacketBuffer(octets, start, index.size, index.damage, index.notes, "recording", index.time_ns,
                        index.phases, index.link, index.links, index.direction)


def _read_any(path: Path, data: bytes, framing: str) -> PacketBuffer:
    """Whatever the one reader makes of a file, laid end to end."""
    read = read_packet_bytes(path, data, framing)
    return buffer_from_packets([r.packet for r in read.records], read.damage, read.notes, read.kind)
