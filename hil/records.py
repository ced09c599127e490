"""The record model every file reader yields: packets with their time and link, and the damage found on the way."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from protocols.errors import ProtocolError
from protocols.pus import TM_HEADER_SIZE
from protocols.timecode import cuc_decode


@dataclass(frozen=True)
class PacketRecord:
    """One packet of a file: its octets, its time (ns since T0 or since the 1958 epoch), and where it travelled."""

    packet: bytes
    time_ns: int | None = None
    link: str | None = None
    direction: str | None = None
    wall_ns: int | None = None
    offset: int | None = None
    """Where the packet (or the block holding it) starts in the file, when the reader knows."""


@dataclass(frozen=True)
class Damage:
    """Octets of a file a reader skipped: where they start, how many, and why."""

    offset: int
    size: int
    reason: str
    torn: bool = False
    """The range runs to the end of the file (a torn tail), so nothing after it was read."""

    def __str__(self) -> str:
        if self.torn:
            return f"torn tail at offset {self.offset}: {self.size} octets ({self.reason})"
        return f"offset {self.offset}: {self.size} octets skipped ({self.reason})"


def summarise(damage: Sequence[Damage], notes: Sequence[str]) -> str:
    """One line on what a reader skipped or noticed, or "" when nothing."""
    parts = []
    if damage:
        octets = sum(d.size for d in damage)
        ranges = f"{len(damage)} damaged range{'s' if len(damage) != 1 else ''}"
        parts.append(f"{ranges} skipped ({octets:,} octets), the first: {damage[0]}")
    parts.extend(notes)
    return "; ".join(parts)


@dataclass
class PacketFile:
    """The packets of a file, in order, and what was wrong with it (damaged ranges, a torn tail, notes)."""

    path: Path
    kind: str
    """``recording``, ``cadu``, ``packets`` (plain concatenated), ``asm`` or ``cobs`` (framed stream)."""
    records: list[PacketRecord]
    damage: list[Damage] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What is worth knowing but lost no octets (frame-count gaps, undeclared interfaces)."""
    header: dict[str, object] = field(default_factory=dict)
    phases: list[tuple[str, int]] = field(default_factory=list)
    """Mission phases a recording marks: (name, ns since T0)."""
    units: list[PacketRecord] = field(default_factory=list)
    """Transmission units replayed whole (the CADUs of a CADU file), each timed like its first packet."""
    size: int = 0
    """Octets in the file."""

    @property
    def problems(self) -> list[str]:
        """Every damaged range and note as text."""
        return [str(d) for d in self.damage] + list(self.notes)

    @property
    def skipped(self) -> int:
        """Octets in damaged ranges."""
        return sum(d.size for d in self.damage)

    def summary(self) -> str:
        """One line on what was skipped or noticed, or "" when the file was read whole."""
        return summarise(self.damage, self.notes)

    def __iter__(self) -> Iterator[PacketRecord]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)


def tm_time_ns(packet: bytes) -> int | None:
    """The CUC time of a PUS TM packet (ns since 1958 TAI), or None for anything else."""
    if len(packet) < TM_HEADER_SIZE or packet[0] & 0x10 or not packet[0] & 0x08:
        return None
    try:
        return cuc_decode(packet, 13)
    except ProtocolError:
        return None
