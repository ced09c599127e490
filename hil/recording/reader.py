"""Read a farside recording (pcapng) back into a PacketFile; a torn or damaged tail is reported, never raised."""

from __future__ import annotations

import contextlib
import json
import struct
from pathlib import Path

from hil.errors import RecordingError
from hil.packetfile import PacketFile, PacketRecord
from hil.recording.format import (
    BYTE_ORDER_MAGIC,
    EPB_FLAGS,
    EPB_TYPE,
    FLAG_DIRECTIONS,
    IDB_TYPE,
    IF_NAME,
    OPT_COMMENT,
    PHASES_INTERFACE,
    SHB_MAGIC,
    SHB_TYPE,
    SHB_USERAPPL,
    parse_options,
)


def is_recording(data_prefix: bytes) -> bool:
    """Whether the first octets of a file are a pcapng section header."""
    return data_prefix[:4] == SHB_MAGIC


def _section_header(data: bytes) -> tuple[dict[str, object], int]:
    if len(data) < 28:
        raise RecordingError(f"not a farside recording: {len(data)} octets, too short for a section header")
    kind, total, magic = struct.unpack_from("<III", data, 0)
    if kind != SHB_TYPE or magic != BYTE_ORDER_MAGIC:
        raise RecordingError("not a farside recording: no little-endian pcapng section header")
    if total < 28 or total % 4 or total > len(data) or struct.unpack_from("<I", data, total - 4)[0] != total:
        raise RecordingError(f"damaged section header: it announces {total} octets")
    header: dict[str, object] = {}
    try:
        options = parse_options(data[24:total - 4])
    except ValueError as exc:
        raise RecordingError(f"damaged section header: {exc}") from None
    for code, value in options:
        if code == SHB_USERAPPL:
            header.setdefault("userappl", value.decode(errors="replace"))
        elif code == OPT_COMMENT:
            try:
                loaded = json.loads(value)
            except ValueError:
                continue
            if isinstance(loaded, dict):
                header.update(loaded)
    return header, total


def read_recording(path: str | Path, data: bytes | None = None) -> PacketFile:
    """All whole blocks of a recording; reading stops at the first torn or invalid block, noted in ``problems``."""
    path = Path(path)
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise RecordingError(f"cannot read {path}: {exc.strerror}") from None
    header, offset = _section_header(data)
    records: list[PacketRecord] = []
    problems: list[str] = []
    links: list[str] = []
    size = len(data)
    while offset < size:
        problem = _check_block(data, offset, size)
        if problem:
            problems.append(f"torn tail at offset {offset}: {size - offset} octets ({problem})")
            break
        kind, total = struct.unpack_from("<II", data, offset)
        try:
            if kind == EPB_TYPE:
                records.append(_packet(data, offset, total, links))
            elif kind == IDB_TYPE:
                links.append(_interface_name(data, offset, total, len(links)))
            elif kind == SHB_TYPE:
                problems.append(f"offset {offset}: a second section starts; not read")
                break
        except ValueError as exc:
            problems.append(f"torn tail at offset {offset}: {size - offset} octets ({exc})")
            break
        offset += total
    phases = [(r.packet.decode(errors="replace"), r.time_ns or 0) for r in records if r.link == PHASES_INTERFACE]
    if phases:
        records = [r for r in records if r.link != PHASES_INTERFACE]
    return PacketFile(path, "recording", records, problems, header, phases)


def _check_block(data: bytes, offset: int, size: int) -> str:
    if size - offset < 12:
        return "too short for a block"
    _kind, total = struct.unpack_from("<II", data, offset)
    if total < 12 or total % 4:
        return f"block length {total} is invalid"
    if offset + total > size:
        return f"block announces {total} octets, {size - offset} left"
    if struct.unpack_from("<I", data, offset + total - 4)[0] != total:
        return "block lengths disagree"
    return ""


def _interface_name(data: bytes, offset: int, total: int, index: int) -> str:
    if total < 20:
        raise ValueError("interface block too short")
    for code, value in parse_options(data[offset + 16:offset + total - 4]):
        if code == IF_NAME:
            return value.decode(errors="replace")
    return f"if{index}"


def _packet(data: bytes, offset: int, total: int, links: list[str]) -> PacketRecord:
    if total < 32:
        raise ValueError("packet block too short")
    interface, high, low, captured, _ = struct.unpack_from("<IIIII", data, offset + 8)
    start = offset + 28
    end = start + captured
    if end > offset + total - 4:
        raise ValueError(f"packet block holds {captured} octets in {total}")
    if interface >= len(links):
        raise ValueError(f"packet block names interface {interface}, {len(links)} declared")
    direction, wall_ns = None, None
    for code, value in parse_options(data[end + (-captured & 3):offset + total - 4]):
        if code == EPB_FLAGS and len(value) == 4:
            direction = FLAG_DIRECTIONS.get(struct.unpack("<I", value)[0] & 3)
        elif code == OPT_COMMENT and value.startswith(b"wall_ns="):
            with contextlib.suppress(ValueError):
                wall_ns = int(value[8:])
    return PacketRecord(data[start:end], (high << 32) | low, links[interface], direction, wall_ns)
