"""The one file reader every command uses: recognises a recording, a CADU file or a stream of packets by content.

``read_packet_file`` reads a file, ``read_packet_bytes`` octets already in memory. Both yield a ``PacketFile``
of ``PacketRecord``s whatever the file held; damaged parts are skipped and listed in its ``damage``. Bulk readers
(``hil.decode.split.read_buffer``) take a recording as columns instead, from ``index_recording``: the same
vectorised walk ``read_recording`` makes, without a PacketRecord per packet. A file in
which nothing is recognised is an ``InputFileError`` (see docs/telemetry.md for the rule).
"""

from __future__ import annotations

from pathlib import Path

from hil.errors import InputFileError, RecordingError
from hil.filekind import CADU, RECORDING, cadu_length, sniff
from hil.recording.reader import RecordingIndex, index_recording, read_recording
from hil.records import Damage, PacketFile, PacketRecord, tm_time_ns
from hil.streamfile import guess_stream, read_stream

AUTO = "auto"
FRAMING_CHOICES = (AUTO, "packets", "asm", "cobs")
"""How a file's packets are delimited: worked out from the content, or as told (plain, ASM, COBS)."""
NOTHING = "not a farside recording, a CADU file or a stream of space packets (plain, ASM- or COBS-framed)"

__all__ = ["FRAMING_CHOICES", "Damage", "PacketFile", "PacketRecord", "RecordingIndex", "index_recording",
           "read_packet_bytes", "read_packet_file", "tm_time_ns"]


def read_packet_file(path: str | Path, framing: str = AUTO) -> PacketFile:
    """Read any supported packet file; InputFileError when it cannot be read or nothing in it is recognised."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read {path}: {exc.strerror}") from None
    return read_packet_bytes(path, data, framing)


def read_packet_bytes(path: Path, data: bytes, framing: str = AUTO) -> PacketFile:
    """The packets of a file's octets: by content with ``auto``, else as a stream in the given framing."""
    if framing != AUTO:
        return read_stream(path, data, framing)
    kind = sniff(data)
    detail = ""
    if kind == RECORDING:
        try:
            return read_recording(path, data)
        except RecordingError as exc:
            detail = str(exc).removeprefix(f"{path}: ")
    elif kind == CADU:
        from hil.cadufile import read_cadu_file  # the space link, loaded only for CADU files

        length = cadu_length(data) or 0
        read = read_cadu_file(path, data, length)
        if read is not None:
            return read
        detail = (f"{length}-octet CADUs, but the first holds no valid TM frame under any coding "
                  "(randomized or not, with or without Reed–Solomon)")
    read, reason = guess_stream(path, data)
    if read is not None:
        return read
    if not data:
        raise InputFileError(f"{path}: the file is empty")
    raise InputFileError(f"{path}: nothing recognised: {NOTHING}; {detail or reason}")
