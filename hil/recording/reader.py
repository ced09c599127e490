"""Read a farside recording (pcapng) back into a PacketFile; damaged blocks are skipped and reported, never raised.

Each block must have a type farside writes (section header, interface description, enhanced packet), a sane
total length that its trailing copy repeats, and a body that parses. A block that fails is reported as a
``Damage`` with its offset, and reading resumes at the next plausible block: a block whose lengths agree is
simply stepped over; otherwise the reader scans forward, 4 octets at a time, for a known block type with a
sane length, matching trailing length, and a plausible block (or the end of the file) right after it.
"""

from __future__ import annotations

import contextlib
import json
import re
import struct
from pathlib import Path

from hil.errors import RecordingError
from hil.recording.format import (
    EPB_FLAGS,
    EPB_TYPE,
    FLAG_DIRECTIONS,
    IDB_TYPE,
    IF_NAME,
    LINKTYPE_USER0,
    OPT_COMMENT,
    PHASES_INTERFACE,
    SHB_TYPE,
    SHB_USERAPPL,
    parse_options,
)
from hil.records import Damage, PacketFile, PacketRecord

KNOWN_TYPES = frozenset((SHB_TYPE, IDB_TYPE, EPB_TYPE))
MAX_INTERFACES = 256
"""Interface ids from here on are taken as damage, not as an interface whose description block was lost."""
_BLOCK_START = re.compile(b"\x06\x00\x00\x00|\x01\x00\x00\x00|\x0a\x0d\x0d\x0a")
_IDB_SIGNATURE = struct.pack("<HHI", LINKTYPE_USER0, 0, 0)
_EPB_MIN, _IDB_MIN, _SHB_MIN = 32, 20, 28


def _block_fault(data: bytes, offset: int) -> str | None:
    """Why the block at ``offset`` cannot be taken as it stands, or None when its frame is sound."""
    left = len(data) - offset
    if left < 12:
        return "too short for a block"
    kind, total = struct.unpack_from("<II", data, offset)
    if total < 12 or total % 4:
        return f"block length {total} is invalid"
    if total > left:
        return f"block announces {total} octets, {left} left"
    if struct.unpack_from("<I", data, offset + total - 4)[0] != total:
        return "block lengths disagree"
    if kind not in KNOWN_TYPES:
        return f"unknown block type 0x{kind:08X}"
    minimum = {EPB_TYPE: _EPB_MIN, IDB_TYPE: _IDB_MIN, SHB_TYPE: _SHB_MIN}[kind]
    if total < minimum:
        return f"block of type {kind} too short ({total} octets)"
    return None


def _head_plausible(data: bytes, offset: int) -> bool:
    """Whether a block could start at ``offset`` (its tail may be torn off): known type and a sane length."""
    if len(data) - offset < 8:
        return len(data) == offset
    kind, total = struct.unpack_from("<II", data, offset)
    return kind in KNOWN_TYPES and total >= 12 and not total % 4


def _resync(data: bytes, start: int) -> int | None:
    """The first 4-aligned offset from ``start`` where a sound block starts and a plausible one follows."""
    position = start + (-start & 3)
    while True:
        found = _BLOCK_START.search(data, position)
        if found is None:
            return None
        at = found.start()
        if at & 3:
            position = at + 1
            continue
        if _block_fault(data, at) is None and _head_plausible(data, at + struct.unpack_from("<I", data, at + 4)[0]):
            return at
        position = at + 4


class _Reader:
    """One pass over a recording's octets, collecting records, interfaces, header and damage."""

    def __init__(self, path: Path, data: bytes) -> None:
        self.path, self.data = path, data
        self.records: list[PacketRecord] = []
        self.damage: list[Damage] = []
        self.notes: list[str] = []
        self.links: list[str] = []
        self.header: dict[str, object] = {}
        self.sections = 0
        self.undeclared: set[int] = set()

    def read(self) -> PacketFile:
        data, size, offset = self.data, len(self.data), 0
        while offset < size:
            fault = _block_fault(data, offset)
            if fault is None or fault.startswith("unknown block type"):
                total = struct.unpack_from("<I", data, offset + 4)[0]
                fault = fault or self._block(offset, total)
                if fault:
                    self._skipped(offset, total, fault)
                offset += total
                continue
            following = _resync(data, offset + 4)
            if following is None:
                self._skipped(offset, size - offset, fault, torn=True)
                break
            self._skipped(offset, following - offset, fault)
            offset = following
        if not self.sections and not self.records and not self.links:
            raise RecordingError(f"{self.path}: not a readable farside recording "
                                 f"({self.damage[0].reason if self.damage else 'empty'})")
        return self._result()

    def _result(self) -> PacketFile:
        phases = [(r.packet.decode(errors="replace"), r.time_ns or 0)
                  for r in self.records if r.link == PHASES_INTERFACE]
        records = [r for r in self.records if r.link != PHASES_INTERFACE] if phases else self.records
        for interface in sorted(self.undeclared):
            self.notes.append(f"packets on interface {interface}, which no intact description block declares, "
                              f"read as link 'if{interface}'")
        return PacketFile(self.path, "recording", records, self.damage, self.notes, self.header, phases,
                          size=len(self.data))

    def _skipped(self, offset: int, size: int, reason: str, torn: bool = False) -> None:
        """Report a skipped range; an interface description inside it still names its interface."""
        self.damage.append(Damage(offset, size, reason, torn))
        if self.data[offset + 8:offset + 16] == _IDB_SIGNATURE:
            self.links.append(self._salvaged_name(offset + 16, offset + size))

    def _salvaged_name(self, start: int, stop: int) -> str:
        """The if_name option of a damaged interface block, when its options still read."""
        try:
            for code, value in parse_options(self.data[start:stop]):
                if code == IF_NAME:
                    return value.decode(errors="replace")
        except ValueError:
            pass
        return f"if{len(self.links)}"

    def _block(self, offset: int, total: int) -> str | None:
        """Take one sound block; why its body does not parse, or None when it does."""
        kind = struct.unpack_from("<I", self.data, offset)[0]
        try:
            if kind == EPB_TYPE:
                self.records.append(self._packet(offset, total))
            elif kind == IDB_TYPE:
                self.links.append(self._interface_name(offset, total))
            else:
                self._section(offset, total)
        except ValueError as exc:
            return str(exc)
        return None

    def _section(self, offset: int, total: int) -> None:
        if self.sections:
            self.links = []  # a new section declares its own interfaces
        self.sections += 1
        options = parse_options(self.data[offset + 24:offset + total - 4])
        comments = b"".join(value for code, value in options if code == OPT_COMMENT)  # one JSON text, split
        for code, value in options:
            if code == SHB_USERAPPL:
                self.header.setdefault("userappl", value.decode(errors="replace"))
        if comments:
            try:
                loaded = json.loads(comments)
            except ValueError:
                raise ValueError("section header comment is not JSON") from None
            if isinstance(loaded, dict):
                self.header.update(loaded)

    def _interface_name(self, offset: int, total: int) -> str:
        try:
            for code, value in parse_options(self.data[offset + 16:offset + total - 4]):
                if code == IF_NAME:
                    return value.decode(errors="replace")
        except ValueError:
            self.damage.append(Damage(offset, total, "interface options damaged; its name is lost"))
        return f"if{len(self.links)}"

    def _packet(self, offset: int, total: int) -> PacketRecord:
        data = self.data
        interface, high, low, captured, original = struct.unpack_from("<IIIII", data, offset + 8)
        start = offset + 28
        end = start + captured
        if end > offset + total - 4:
            raise ValueError(f"packet block holds {captured} octets in {total}")
        if captured != original:
            raise ValueError(f"packet block captured {captured} of {original} octets")
        if interface >= len(self.links):
            if interface >= MAX_INTERFACES:
                raise ValueError(f"packet block names interface {interface}, {len(self.links)} declared")
            self.undeclared.add(interface)
            link = f"if{interface}"
        else:
            link = self.links[interface]
        packet = data[start:end]
        if link != PHASES_INTERFACE and (captured < 6 or ((packet[4] << 8) | packet[5]) + 7 != captured):
            raise ValueError(f"packet block holds {captured} octets, not one whole space packet")
        direction, wall_ns = None, None
        for code, value in parse_options(data[end + (-captured & 3):offset + total - 4]):
            if code == EPB_FLAGS and len(value) == 4:
                direction = FLAG_DIRECTIONS.get(struct.unpack("<I", value)[0] & 3)
            elif code == OPT_COMMENT and value.startswith(b"wall_ns="):
                with contextlib.suppress(ValueError):
                    wall_ns = int(value[8:])
        if link == PHASES_INTERFACE and direction is not None:
            raise ValueError("a phase marker with a direction: a packet block naming the wrong interface")
        return PacketRecord(packet, (high << 32) | low, link, direction, wall_ns, offset)


def read_recording(path: str | Path, data: bytes | None = None) -> PacketFile:
    """Every sound block of a recording; damaged ones are skipped and reported in ``damage`` with their offsets.

    RecordingError when the file cannot be read or holds no sound block at all.
    """
    path = Path(path)
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise RecordingError(f"cannot read {path}: {exc.strerror}") from None
    return _Reader(path, data).read()
