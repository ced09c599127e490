"""Tell what a file holds from its first octets: a farside recording, a CADU file, or a stream of packets."""

from __future__ import annotations

import struct

from hil.recording.format import BYTE_ORDER_MAGIC, SHB_MAGIC
from protocols.syncmarker import ASM

RECORDING, CADU, STREAM = "recording", "cadu", "stream"
ASM_SIZE = len(ASM)
MAX_CADU_BODY = 255 * 8
"""The longest CADU body: RS(255,223) interleaved eight times."""
CHECKED_CADUS = 8
_BOM = struct.pack("<I", BYTE_ORDER_MAGIC)


def is_recording(prefix: bytes) -> bool:
    """Whether a file starting with ``prefix`` is a pcapng recording: the section header's type or its byte-order
    magic is in place (one of them survives any single flipped bit)."""
    return prefix[:4] == SHB_MAGIC or prefix[8:12] == _BOM


def cadu_length(data: bytes) -> int | None:
    """The CADU length of a file of back-to-back CADUs, or None when ``data`` does not look like one."""
    if not data.startswith(ASM):
        return None
    following = data.find(ASM, ASM_SIZE + 7, ASM_SIZE + MAX_CADU_BODY + ASM_SIZE)
    if following < 0:
        return None
    units = min(CHECKED_CADUS, len(data) // following)
    if units < 2 or any(data[k * following:k * following + ASM_SIZE] != ASM for k in range(units)):
        return None
    return following


def sniff(data: bytes) -> str:
    """``recording``, ``cadu`` (sync markers at a fixed distance) or ``stream`` (anything else: packets to find)."""
    if is_recording(data[:12]):
        return RECORDING
    if cadu_length(data[:CHECKED_CADUS * (ASM_SIZE + MAX_CADU_BODY) + ASM_SIZE]) is not None:
        return CADU
    return STREAM
