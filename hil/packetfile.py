"""Read a file of packets — a plain stream of concatenated space packets, or a farside recording — as records."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from hil.errors import InputFileError
from protocols.errors import ProtocolError
from protocols.packetstream import StreamPacket, iter_concatenated
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


@dataclass
class PacketFile:
    """The packets of a file, in order, and what was wrong with it (a torn tail, undecodable ranges)."""

    path: Path
    kind: str
    records: list[PacketRecord]
    problems: list[str] = field(default_factory=list)
    header: dict[str, object] = field(default_factory=dict)
    phases: list[tuple[str, int]] = field(default_factory=list)
    """Mission phases a recording marks: (name, ns since T0)."""
    units: list[PacketRecord] = field(default_factory=list)
    """Transmission units replayed whole (the CADUs of a CADU file), each timed like its first packet."""

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


def read_plain(path: Path, data: bytes) -> PacketFile:
    """A plain stream of concatenated space packets; TM packets are timed by their CUC field."""
    records, problems = [], []
    for item in iter_concatenated(data):
        if isinstance(item, StreamPacket):
            records.append(PacketRecord(item.data, tm_time_ns(item.data)))
        else:
            problems.append(f"offset {item.offset}: {item.size} octets undecodable ({item.reason})")
    return PacketFile(path, "packets", records, problems)


def read_packet_file(path: str | Path) -> PacketFile:
    """Read any supported packet file; InputFileError when it cannot be read at all."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read {path}: {exc.strerror}") from None
    from hil.recording.reader import is_recording, read_recording

    if is_recording(data[:4]):
        return read_recording(path, data)
    from hil.cadufile import cadu_length, read_cadu_file

    length = cadu_length(data)
    if length is not None:
        return read_cadu_file(path, data, length)
    return read_plain(path, data)
