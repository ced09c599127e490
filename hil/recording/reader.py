"""Read a farside recording (pcapng) back into a PacketFile; damaged blocks are skipped and reported, never raised.

Each block must have a type farside writes (section header, interface description, enhanced packet, interface
statistics for phase markers), a sane
total length that its trailing copy repeats, and a body that parses. A block that fails is reported as a
``Damage`` with its offset, and reading resumes at the next plausible block: a block whose lengths agree is
simply stepped over; otherwise the reader scans forward, 4 octets at a time, for a known block type with a
sane length, matching trailing length, and a plausible block (or the end of the file) right after it.

Both layouts are read: link type 252 (exported-PDU tags naming ``ccsds``, then the packet; phase markers as
statistics blocks) and the USER0 recordings of older farside versions (the bare packet; phase markers as packets).

The walk is vectorised: numpy finds every 4-aligned offset where a sound block frame could start (known type, sane
length, trailing copy) and links each to the block its length points at; runs of blocks that chain are taken whole,
their packet blocks in bulk: one row-wise gather of every block's leading words (interface, timestamp, lengths,
exported-PDU tags, the packet's length field) and one of its trailing option words (flags). Only what does not fit
that mould (section headers, interface descriptions, phase markers, damaged or unusual blocks) is read one
block at a time by the same checks as before, and resynchronising after damage is that scalar path's job.
"""

from __future__ import annotations

import contextlib
import json
import mmap
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hil.errors import RecordingError
from hil.recording.format import (
    EPB_FLAGS,
    EPB_TYPE,
    EXP_PDU_DISSECTOR_NAME,
    FLAG_DIRECTIONS,
    IDB_TYPE,
    IF_NAME,
    ISB_TYPE,
    LINKTYPE_UPPER_PDU,
    LINKTYPE_USER0,
    OPT_COMMENT,
    PHASES_INTERFACE,
    SHB_TYPE,
    SHB_USERAPPL,
    SPACE_PACKET_DISSECTOR,
    exported_pdu_tags,
    parse_options,
    split_exported_pdu,
)
from hil.records import Damage, PacketFile, PacketRecord
from hil.rowgather import gather_rows

KNOWN_TYPES = frozenset((SHB_TYPE, IDB_TYPE, ISB_TYPE, EPB_TYPE))
MAX_INTERFACES = 256
"""Interface ids from here on are taken as damage, not as an interface whose description block was lost."""
_BLOCK_START = re.compile(b"\x06\x00\x00\x00|\x05\x00\x00\x00|\x01\x00\x00\x00|\x0a\x0d\x0d\x0a")
_IDB_SIGNATURES = {struct.pack("<HHI", kind, 0, 0): kind for kind in (LINKTYPE_UPPER_PDU, LINKTYPE_USER0)}
_FIRST_TAG = struct.pack(">H", EXP_PDU_DISSECTOR_NAME)
"""How an upper-PDU packet block's data starts; a farside space packet (secondary header flag set) never does."""
_EPB_MIN, _IDB_MIN, _SHB_MIN, _ISB_MIN = 32, 20, 28, 24
_MINIMUM = {EPB_TYPE: _EPB_MIN, IDB_TYPE: _IDB_MIN, SHB_TYPE: _SHB_MIN, ISB_TYPE: _ISB_MIN}
_SMALL_MINIMUM = np.array([_MINIMUM.get(kind, 0) for kind in range(8)], dtype=np.int64)
"""The least length of the block types below 8 (all but the section header), indexed by type."""
_TAGS = np.frombuffer(exported_pdu_tags(SPACE_PACKET_DISSECTOR), dtype=np.uint8)
"""The exported-PDU tags farside writes before every packet of a link type 252 interface."""
_TAG_WORDS = _TAGS.view("<u4")
_FLAGS_OPTION = EPB_FLAGS | 4 << 16
"""The first word of the options farside writes after a packet: epb_flags, four octets (little-endian)."""
_EPB_TAIL = 16
"""Octets after a packet's padding in a packet block farside writes: the flags option, opt_endofopt, total length."""
_HEAD_WORDS = 7 + len(_TAG_WORDS) + 2
"""Words read at once from a packet block's start: its fields, the exported-PDU tags, the packet's first 8 octets."""
_PRUNE_ROUNDS = 3
"""Rounds of dropping frame candidates no candidate points at (false frames inside packet data come in short chains)."""
DIRECTIONS: tuple[str | None, ...] = (None, "a>b", "b>a")
"""Direction codes of a RecordingIndex: 0 none, 1 fsw to device, 2 device to fsw."""
_FLAG_CODES = np.array([DIRECTIONS.index(FLAG_DIRECTIONS.get(flag)) for flag in range(4)], dtype=np.int8)
NO_WALL = -(1 << 63)
"""``wall_ns`` of a packet whose block carries no wall-clock comment."""


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
    minimum = _MINIMUM[kind]
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


def _frames(words: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Offsets and lengths of every 4-aligned sound block frame (as ``_block_fault`` finds it none), however it
    is reached: real blocks and the rare false one inside packet data."""
    if len(words) < 3:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    kinds = words[:-1]
    index = np.flatnonzero((kinds == EPB_TYPE) | (kinds == IDB_TYPE) | (kinds == ISB_TYPE) | (kinds == SHB_TYPE))
    total, kind = words[index + 1], kinds[index]
    ok = (total >= np.where(kind == SHB_TYPE, _SHB_MIN, _SMALL_MINIMUM[kind & 7])) & (total & 3 == 0)  # each ≥ 12
    offset, total = index[ok] * 4, total[ok].astype(np.int64)
    ok = offset + total <= size
    offset, total = offset[ok], total[ok]
    sound = words[(offset + total) // 4 - 1] == total
    return offset[sound], total[sound]


def _chained(offset: np.ndarray, total: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The frames some kept frame points at (a few rounds), and for each whether it points at the next one kept."""
    following = offset + total
    hit = np.zeros(len(offset), dtype=bool)
    hit[:-1] = following[:-1] == offset[1:]
    target = np.arange(1, len(offset) + 1)  # most frames point at the next one; the others are searched for
    far = np.flatnonzero(~hit)
    target[far] = np.searchsorted(offset, following[far])
    found = far[target[far] < len(offset)]
    hit[found] = offset[target[found]] == following[found]
    keep = np.ones(len(offset), dtype=bool)
    for _ in range(_PRUNE_ROUNDS):
        pointed = np.zeros(len(offset), dtype=bool)
        pointed[target[hit & keep]] = True
        keep = pointed
    offset, total = offset[keep], total[keep]
    links = np.zeros(len(offset), dtype=bool)
    links[:-1] = offset[:-1] + total[:-1] == offset[1:]
    return offset, total, links


@dataclass
class RecordingIndex:
    """A recording's packets as columns over its octets: where each lies, its time, link, direction and block."""

    path: Path
    data: bytes | mmap.mmap
    """The recording's octets; slicing either gives bytes."""
    start: np.ndarray
    """Offset of each packet in ``data`` (int64)."""
    size: np.ndarray
    time_ns: np.ndarray
    """Timestamp of each packet block: virtual ns since T0 (uint64, as the block holds it)."""
    link: np.ndarray
    """Index of each packet's link name in ``links`` (int32)."""
    links: list[str]
    direction: np.ndarray
    """Code of each packet's direction in ``DIRECTIONS`` (int8)."""
    wall_ns: np.ndarray
    """Wall-clock ns since 1970 of each packet, or NO_WALL (int64)."""
    block: np.ndarray
    """Offset of each packet's block (int64)."""
    damage: list[Damage] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    header: dict[str, object] = field(default_factory=dict)
    phases: list[tuple[str, int]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.start)

    def packet_file(self) -> PacketFile:
        """The same packets as PacketRecords."""
        data, links = self.data, self.links
        records = [PacketRecord(data[start:start + size], time_ns, links[link], DIRECTIONS[direction],
                                None if wall == NO_WALL else wall, block)
                   for start, size, time_ns, link, direction, wall, block in zip(
                       self.start.tolist(), self.size.tolist(), self.time_ns.tolist(), self.link.tolist(),
                       self.direction.tolist(), self.wall_ns.tolist(), self.block.tolist(), strict=True)]
        return PacketFile(self.path, "recording", records, self.damage, self.notes, self.header, self.phases,
                          size=len(data))


class _Reader:
    """One pass over a recording's octets, collecting packet columns, interfaces, header, phases and damage."""

    def __init__(self, path: Path, data: bytes | mmap.mmap) -> None:
        self.path, self.data = path, data
        self.words = np.frombuffer(data, dtype="<u4", count=len(data) // 4)
        self.rows: list[tuple[int, int, int, int, int, int, int]] = []
        """Packets read one block at a time: start, size, time, link code, direction code, wall ns, block offset."""
        self.columns: list[tuple[np.ndarray, ...]] = []
        """Packets read a run at a time, the same columns as arrays."""
        self.phases: list[tuple[str, int]] = []
        self.damage: list[Damage] = []
        self.notes: list[str] = []
        self.links: list[str] = []
        self.linktypes: list[int] = []
        self.names: dict[str, int] = {}
        self.header: dict[str, object] = {}
        self.sections = 0
        self.undeclared: set[int] = set()

    def read(self) -> RecordingIndex:
        size = len(self.data)
        offsets, totals, links = _chained(*_frames(self.words, size))
        breaks = np.flatnonzero(~links)
        offset = 0
        while offset < size:
            at = int(np.searchsorted(offsets, offset))
            if at < len(offsets) and offsets[at] == offset:
                last = int(breaks[np.searchsorted(breaks, at)])
                self._run(offsets[at:last + 1], totals[at:last + 1])
                offset = int(offsets[last] + totals[last])
            else:
                offset = self._step(offset)
        if not self.sections and not self.rows and not self.columns and not self.phases and not self.links:
            raise RecordingError(f"{self.path}: not a readable farside recording "
                                 f"({self.damage[0].reason if self.damage else 'empty'})")
        return self._result()

    def _step(self, offset: int) -> int:
        """Take the block at ``offset`` on its own, or skip what is damaged there; where reading goes on."""
        data, size = self.data, len(self.data)
        fault = _block_fault(data, offset)
        if fault is None or fault.startswith("unknown block type"):
            total = struct.unpack_from("<I", data, offset + 4)[0]
            self._take(offset, total, fault)
            return offset + total
        following = _resync(data, offset + 4)
        if following is None:
            self._skipped(offset, size - offset, fault, torn=True)
            return size
        self._skipped(offset, following - offset, fault)
        return following

    def _take(self, offset: int, total: int, fault: str | None = None) -> None:
        fault = fault or self._block(offset, total)
        if fault:
            self._skipped(offset, total, fault)

    def _run(self, offsets: np.ndarray, totals: np.ndarray) -> None:
        """A run of sound blocks, each chaining to the next: packet blocks in bulk, the others one by one."""
        kinds = self.words[offsets // 4]
        others = np.flatnonzero(kinds != EPB_TYPE).tolist()
        begin = 0
        for at in [*others, len(offsets)]:
            if at > begin:
                self._packets(offsets[begin:at], totals[begin:at])
            if at < len(offsets):
                self._take(int(offsets[at]), int(totals[at]))
            begin = at + 1

    def _packets(self, offset: np.ndarray, total: np.ndarray) -> None:
        """Packet blocks in bulk where they hold what farside writes; the rest through ``_block``."""
        words, declared = self.words, len(self.links)
        if not declared or len(words) < _HEAD_WORDS:
            self._one_by_one(offset, total)
            return
        word = offset // 4
        reach = word <= len(words) - _HEAD_WORDS
        head = gather_rows(words, np.where(reach, word, 0), _HEAD_WORDS)  # the block's fields, tags, the packet's head
        interface, captured = head[:, 2].astype(np.int64), head[:, 5].astype(np.int64)
        kind = np.array([lt if lt in (LINKTYPE_UPPER_PDU, LINKTYPE_USER0) and link != PHASES_INTERFACE else -1
                         for link, lt in zip(self.links, self.linktypes, strict=True)], dtype=np.int64)
        link_kind = kind[np.minimum(interface, declared - 1)]
        upper = link_kind == LINKTYPE_UPPER_PDU
        tags = np.where(upper, len(_TAGS), 0)
        end = offset + 28 + captured + (-captured & 3)
        length = np.where(upper, head[:, 8 + len(_TAG_WORDS)], head[:, 8]).astype(np.int64)  # octets 4, 5 of it
        good = (reach & (interface < declared) & (link_kind >= 0) & (captured == head[:, 6])
                & (captured >= tags + 6) & (total == end - offset + _EPB_TAIL)
                & (((length & 0xFF) << 8 | length >> 8 & 0xFF) + 7 + tags == captured))
        for k, tag in enumerate(_TAG_WORDS.tolist()):
            good &= ~upper | (head[:, 7 + k] == tag)
        fast = np.flatnonzero(good)
        tail = gather_rows(words, end[fast] // 4, 3)  # the flags option, its value, opt_endofopt
        good[fast] = (tail[:, 0] == _FLAGS_OPTION) & (tail[:, 2] == 0)
        self._one_by_one(offset[~good], total[~good])
        flags = tail[good[fast], 1]
        fast = np.flatnonzero(good)
        if not len(fast):
            return
        if len(fast) == len(offset):
            fast = slice(None)  # the common case, every block: views, not copies
        codes = np.array([self._code(link) for link in self.links], dtype=np.int32)
        tags, offset = tags[fast], offset[fast]
        self.columns.append((offset + 28 + tags, captured[fast] - tags,
                             head[fast, 3].astype(np.uint64) << np.uint64(32) | head[fast, 4],
                             codes[interface[fast]], _FLAG_CODES[flags & 3],
                             np.full(len(offset), NO_WALL, dtype=np.int64), offset))

    def _one_by_one(self, offset: np.ndarray, total: np.ndarray) -> None:
        for at, length in zip(offset.tolist(), total.tolist(), strict=True):
            self._take(at, length)

    def _code(self, link: str) -> int:
        return self.names.setdefault(link, len(self.names))

    def _result(self) -> RecordingIndex:
        for interface in sorted(self.undeclared):
            self.notes.append(f"packets on interface {interface}, which no intact description block declares, "
                              f"read as link 'if{interface}'")
        rows = list(zip(*self.rows, strict=True)) or [()] * 7
        kinds = [np.int64, np.int64, np.uint64, np.int32, np.int8, np.int64, np.int64]
        columns = [np.concatenate([c[k] for c in self.columns] + [np.array(rows[k], dtype=kind)])
                   .astype(kind, copy=False) for k, kind in enumerate(kinds)]
        block = columns[6]
        if np.any(block[1:] < block[:-1]):  # packets read one by one after others: put in file order
            order = np.argsort(block, kind="stable")
            columns = [c[order] for c in columns]
        start, size, time_ns, link, direction, wall_ns, block = columns
        return RecordingIndex(self.path, self.data, start, size, time_ns, link, list(self.names), direction, wall_ns,
                              block, self.damage, self.notes, self.header, self.phases)

    def _skipped(self, offset: int, size: int, reason: str, torn: bool = False) -> None:
        """Report a skipped range; an interface description inside it still names its interface."""
        self.damage.append(Damage(offset, size, reason, torn))
        linktype = _IDB_SIGNATURES.get(self.data[offset + 8:offset + 16])
        if linktype is not None:
            self.links.append(self._salvaged_name(offset + 16, offset + size))
            self.linktypes.append(linktype)

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
                self._packet(offset, total)
            elif kind == IDB_TYPE:
                self.links.append(self._interface_name(offset, total))
                self.linktypes.append(struct.unpack_from("<H", self.data, offset + 8)[0])
            elif kind == ISB_TYPE:
                self._phase_marker(offset, total)
            else:
                self._section(offset, total)
        except ValueError as exc:
            return str(exc)
        return None

    def _section(self, offset: int, total: int) -> None:
        if self.sections:
            self.links, self.linktypes = [], []  # a new section declares its own interfaces
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

    def _packet(self, offset: int, total: int) -> None:
        """One packet block read on its own: a packet row, or a phase marker of an older recording."""
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
            link, linktype = f"if{interface}", None
        else:
            link, linktype = self.links[interface], self.linktypes[interface]
        packet = data[start:end]
        if linktype not in _IDB_SIGNATURES.values():  # a damaged or lost description: tell by the first tag
            linktype = LINKTYPE_UPPER_PDU if packet[:2] == _FIRST_TAG else LINKTYPE_USER0
        if linktype == LINKTYPE_UPPER_PDU:
            if link == PHASES_INTERFACE:
                raise ValueError("a packet block on the phases interface, which carries only phase markers")
            dissector, packet = split_exported_pdu(packet)
            if dissector != SPACE_PACKET_DISSECTOR:
                raise ValueError(f"packet block names dissector {dissector!r}, not {SPACE_PACKET_DISSECTOR!r}")
        size = len(packet)
        if link != PHASES_INTERFACE and (size < 6 or ((packet[4] << 8) | packet[5]) + 7 != size):
            raise ValueError(f"packet block holds {size} octets, not one whole space packet")
        direction, wall_ns = None, None
        for code, value in parse_options(data[end + (-captured & 3):offset + total - 4]):
            if code == EPB_FLAGS and len(value) == 4:
                direction = FLAG_DIRECTIONS.get(struct.unpack("<I", value)[0] & 3)
            elif code == OPT_COMMENT and value.startswith(b"wall_ns="):
                with contextlib.suppress(ValueError):
                    wall_ns = int(value[8:])
        if link == PHASES_INTERFACE and direction is not None:
            raise ValueError("a phase marker with a direction: a packet block naming the wrong interface")
        time_ns = (high << 32) | low
        if link == PHASES_INTERFACE:
            self.phases.append((packet.decode(errors="replace"), time_ns))
            return
        wall = NO_WALL if wall_ns is None or not NO_WALL < wall_ns < 1 << 63 else wall_ns
        self.rows.append((end - size, size, time_ns, self._code(link), DIRECTIONS.index(direction), wall, offset))

    def _phase_marker(self, offset: int, total: int) -> None:
        """A statistics block: on the phases interface a phase marker (its comment the name); elsewhere ignored."""
        if self.data[offset + 8:offset + 16] in _IDB_SIGNATURES:
            raise ValueError("a statistics block that reads as an interface description (its type is damaged)")
        interface, high, low = struct.unpack_from("<III", self.data, offset + 8)
        if interface >= len(self.links) or self.links[interface] != PHASES_INTERFACE:
            return
        names = [v for c, v in parse_options(self.data[offset + 20:offset + total - 4]) if c == OPT_COMMENT]
        if not names:
            raise ValueError("a phase marker without a name")
        self.phases.append((names[0].decode(errors="replace"), (high << 32) | low))


def index_recording(path: str | Path, data: bytes | mmap.mmap) -> RecordingIndex:
    """The packets of a recording's octets (bytes, or a file mapped read-only: read in place, never copied) as
    columns; damaged blocks are skipped and reported in ``damage``.

    RecordingError when the octets hold no sound block at all.
    """
    return _Reader(Path(path), data if isinstance(data, bytes | mmap.mmap) else bytes(data)).read()


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
    return index_recording(path, data).packet_file()
