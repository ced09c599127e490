"""Recorder: a Bench link tap that appends every packet to a pcapng file, flushed often enough to survive kill -9."""

from __future__ import annotations

import json
import os
import stat
import struct
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from hil.errors import RecordingError
from hil.recording.format import (
    BYTE_ORDER_MAGIC,
    DIRECTION_FLAGS,
    EPB_FLAGS,
    EPB_TYPE,
    IDB_TYPE,
    IF_NAME,
    IF_TSOFFSET,
    IF_TSRESOL,
    ISB_TYPE,
    LINKTYPE_UPPER_PDU,
    MAX_OPTION,
    OPT_COMMENT,
    OPT_END,
    PHASES_INTERFACE,
    SHB_TYPE,
    SHB_USERAPPL,
    SPACE_PACKET_DISSECTOR,
    block,
    exported_pdu_tags,
    option,
)
from hil.recording.header import utc_offset_seconds


def create_replacing(path: Path) -> IO[bytes]:
    """``path`` opened for writing as a new file: a regular file already there is replaced, never truncated.

    Whoever still reads the old recording (``farside decode`` maps it into memory) keeps its octets: truncating a
    file under a mapping kills the reader with SIGBUS. The new file takes the old one's permissions; anything but a
    regular file (a symbolic link, a FIFO, /dev/stdout), or a file in a directory we may not write, is opened as
    it is.
    """
    if path.is_symlink() or not path.is_file():
        return open(path, "wb")
    mode = stat.S_IMODE(path.stat().st_mode)
    try:
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".new")
    except PermissionError:  # a writable file in a directory we may not add to: truncating is all there is
        return open(path, "wb")
    try:
        os.fchmod(fd, mode)
        os.replace(temporary, path)
    except OSError:
        os.close(fd)
        Path(temporary).unlink(missing_ok=True)
        raise
    return os.fdopen(fd, "wb")


FLUSH_EVERY = 4096
FLUSH_SECONDS = 0.5
_EPB_HEAD = struct.Struct("<IIIIIII")
_TAIL_FLAGS = struct.Struct("<HHI")
_END_AND_LENGTH = struct.Struct("<II")
_ISB_HEAD = struct.Struct("<III")


class Recorder:
    """Writes a recording: one section header (the header as JSON), one interface per link, one EPB per packet.

    Interfaces have link type 252 (Wireshark upper PDU): each packet block holds exported-PDU tags naming the
    ``ccsds`` dissector, then the space packet. Timestamps are virtual ns since T0; each interface's ``if_tsoffset``
    is T0 (the header's ``start_utc``) in seconds since 1970, so Wireshark shows UTC. Phase markers are
    Interface Statistics Blocks on the ``farside.phases`` interface, never packets.
    """

    def __init__(self, flush_every: int = FLUSH_EVERY, flush_seconds: float = FLUSH_SECONDS,
                 wall_clock: bool = False) -> None:
        self.flush_every = flush_every
        self.flush_seconds = flush_seconds
        self.wall_clock = wall_clock
        self.count = 0
        self._file: IO[bytes] | None = None
        self._interfaces: dict[str, int] = {}
        self._tags: list[bytes] = []
        self._tsoffset = b""
        self._unflushed = 0
        self._flushed_at = 0.0

    def open(self, path: str | Path, header: dict[str, Any]) -> Recorder:
        """Create the file and write the section header (JSON split over comments); RecordingError when it cannot."""
        try:
            self._file = create_replacing(Path(path))
        except OSError as exc:
            raise RecordingError(f"cannot create recording {path}: {exc.strerror}") from None
        version = str(header.get("farside_version", ""))
        start = header.get("start_utc")  # T0; without it timestamps are taken as ns since 1970 UTC already
        if start is not None:
            self._tsoffset = option(IF_TSOFFSET, struct.pack("<q", utc_offset_seconds(str(start))))
        text = json.dumps(header, sort_keys=True).encode()  # ASCII: a cut between comments splits no character
        comments = b"".join(option(OPT_COMMENT, text[at:at + MAX_OPTION]) for at in range(0, len(text), MAX_OPTION))
        options = option(SHB_USERAPPL, f"farside {version}".encode()) + comments + option(OPT_END, b"")
        self._file.write(block(SHB_TYPE, struct.pack("<IHHq", BYTE_ORDER_MAGIC, 1, 0, -1) + options))
        self._flush()
        return self

    def interface(self, link: str, dissector: str = SPACE_PACKET_DISSECTOR) -> int:
        """The interface id of a link, writing its Interface Description Block the first time; its packets name
        ``dissector`` in their exported-PDU tags (the first call for a link decides)."""
        found = self._interfaces.get(link)
        if found is None:
            assert self._file is not None
            options = (option(IF_NAME, link.encode()) + option(IF_TSRESOL, b"\x09") + self._tsoffset
                       + option(OPT_END, b""))
            self._file.write(block(IDB_TYPE, struct.pack("<HHI", LINKTYPE_UPPER_PDU, 0, 0) + options))
            found = self._interfaces[link] = len(self._interfaces)
            self._tags.append(exported_pdu_tags(dissector))
        return found

    def attach(self, bench: Any) -> None:
        """Declare every link of ``bench`` and tap it."""
        for name, link in bench.links.items():
            self.interface(name)
            link.taps.append(self.tap)

    def tap(self, time_ns: int, link: str, direction: str, packet: bytes) -> None:
        """Link tap: append one Enhanced Packet Block (virtual ns since T0, direction in epb_flags, tags first)."""
        file = self._file
        if file is None:
            return
        interface = self._interfaces.get(link)
        if interface is None:
            interface = self.interface(link)
        tags = self._tags[interface]
        size = len(tags) + len(packet)
        pad = -size & 3
        comment = b""
        if self.wall_clock:
            comment = option(OPT_COMMENT, f"wall_ns={time.time_ns()}".encode())
        total = 44 + size + pad + len(comment)
        file.write(_EPB_HEAD.pack(EPB_TYPE, total, interface, time_ns >> 32, time_ns & 0xFFFFFFFF, size, size)
                   + tags + packet + b"\0" * pad + _TAIL_FLAGS.pack(EPB_FLAGS, 4, DIRECTION_FLAGS.get(direction, 0))
                   + comment + _END_AND_LENGTH.pack(0, total))
        self.count += 1
        self._count_for_flush()

    def _count_for_flush(self) -> None:
        self._unflushed += 1
        if self._unflushed >= self.flush_every or time.monotonic() - self._flushed_at >= self.flush_seconds:
            self._flush()  # crash safety: a kill -9 loses at most flush_every packets or flush_seconds of them

    def mark_phase(self, name: str, time_ns: int) -> None:
        """Record the start of a mission phase: a statistics block on the phases interface, named in its comment."""
        if self._file is None:
            return
        interface = self._interfaces.get(PHASES_INTERFACE)
        if interface is None:
            interface = self.interface(PHASES_INTERFACE)
        options = option(OPT_COMMENT, name.encode()[:MAX_OPTION]) + option(OPT_END, b"")
        self._file.write(block(ISB_TYPE, _ISB_HEAD.pack(interface, time_ns >> 32, time_ns & 0xFFFFFFFF) + options))
        self._count_for_flush()

    def _flush(self) -> None:
        if self._file is not None:
            self._file.flush()
        self._unflushed = 0
        self._flushed_at = time.monotonic()

    def close(self) -> None:
        """Flush and close (idempotent)."""
        if self._file is not None:
            self._flush()
            self._file.close()
            self._file = None

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
