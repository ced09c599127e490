"""CCSDS space packets (133.0-B-2): the primary header, whole packets, sequence counters and idle packets."""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple

import construct as cs

from protocols.errors import LengthError, TruncatedError, VersionError, field_error
from protocols.layout import FastLayout

PRIMARY_HEADER_SIZE = 6
MIN_PACKET_SIZE = 7
MAX_PACKET_SIZE = 65542
MAX_APID = 0x7FF
IDLE_APID = 0x7FF
SEQ_COUNT_MODULUS = 1 << 14


class PacketType(IntEnum):
    """Packet type bit: telemetry or telecommand."""

    TM = 0
    TC = 1


class SeqFlags(IntEnum):
    """Sequence flags: where this packet stands in a segmented user data unit."""

    CONTINUATION = 0b00
    FIRST = 0b01
    LAST = 0b10
    UNSEGMENTED = 0b11


PRIMARY_HEADER = cs.BitStruct(
    "version" / cs.Const(0, cs.BitsInteger(3)),
    "packet_type" / cs.BitsInteger(1),
    "sec_header_flag" / cs.Flag,
    "apid" / cs.BitsInteger(11),
    "seq_flags" / cs.BitsInteger(2),
    "seq_count" / cs.BitsInteger(14),
    "data_length" / cs.BitsInteger(16),
)
"""The 6-octet primary header; ``data_length`` is the octet count of the data field minus one."""

SPACE_PACKET = cs.Struct(
    "header" / PRIMARY_HEADER,
    "data" / cs.Bytes(cs.this.header.data_length + 1),
)
"""A whole space packet: header and data field."""

_HEADER = FastLayout(PRIMARY_HEADER, errors={"version": VersionError})


class SpacePacketHeader(NamedTuple):
    """The fields of a primary header (``data_length`` = data-field octets − 1)."""

    packet_type: int
    sec_header_flag: bool
    apid: int
    seq_flags: int
    seq_count: int
    data_length: int

    def pack(self) -> bytes:
        """The 6 header octets."""
        return _HEADER.pack(*self)

    @classmethod
    def unpack(cls, data: bytes | bytearray | memoryview, offset: int = 0) -> SpacePacketHeader:
        """Parse the 6 header octets at ``offset``."""
        return cls(*_HEADER.unpack(data, offset))

    @property
    def packet_size(self) -> int:
        """Octets in the whole packet this header announces."""
        return self.data_length + 1 + PRIMARY_HEADER_SIZE


class SpacePacket(NamedTuple):
    """A space packet: header fields and the raw data field."""

    packet_type: int
    apid: int
    seq_count: int
    data: bytes
    sec_header_flag: bool = False
    seq_flags: int = SeqFlags.UNSEGMENTED

    def pack(self) -> bytes:
        """The packet's octets; the data field must hold 1 to 65536 octets."""
        size = len(self.data)
        if not 1 <= size <= 65536:
            raise field_error(LengthError, "data", size, "a data field holds 1 to 65536 octets")
        return _HEADER.pack(self.packet_type, self.sec_header_flag, self.apid, self.seq_flags,
                            self.seq_count, size - 1) + bytes(self.data)

    @classmethod
    def unpack(cls, data: bytes | bytearray | memoryview) -> SpacePacket:
        """Parse exactly one packet; the octet count must match the length field."""
        ptype, sec, apid, flags, count, length = _HEADER.unpack(data)
        check_length(len(data), length)
        return cls(ptype, apid, count, bytes(data[PRIMARY_HEADER_SIZE:]), sec, flags)

    @property
    def is_idle(self) -> bool:
        """True for an idle packet (APID 0x7FF)."""
        return self.apid == IDLE_APID


def check_length(have: int, data_length: int) -> None:
    """Raise unless ``have`` octets is exactly the packet size that ``data_length`` announces."""
    want = data_length + 1 + PRIMARY_HEADER_SIZE
    if have < want:
        raise TruncatedError(f"data_length={data_length}: packet needs {want} octets, have {have}",
                             field="data_length", value=data_length)
    if have > want:
        raise LengthError(f"data_length={data_length}: packet is {want} octets, {have - want} extra follow",
                          field="data_length", value=data_length)


def packet_size_at(buffer: bytes | bytearray | memoryview, offset: int = 0) -> int:
    """Size of the packet whose header starts at ``offset`` (only the length field is read)."""
    if len(buffer) - offset < PRIMARY_HEADER_SIZE:
        raise TruncatedError("need 6 octets for a primary header", field="header", value=len(buffer) - offset)
    return ((buffer[offset + 4] << 8) | buffer[offset + 5]) + 1 + PRIMARY_HEADER_SIZE


def idle_packet(size: int = MIN_PACKET_SIZE, seq_count: int = 0, fill: int = 0x55) -> bytes:
    """An idle packet (APID 0x7FF, TM, unsegmented) of ``size`` octets filled with ``fill``."""
    if not MIN_PACKET_SIZE <= size <= MAX_PACKET_SIZE:
        raise field_error(LengthError, "size", size, f"a packet is {MIN_PACKET_SIZE}..{MAX_PACKET_SIZE} octets")
    data = bytes([fill]) * (size - PRIMARY_HEADER_SIZE)
    return _HEADER.pack(PacketType.TM, False, IDLE_APID, SeqFlags.UNSEGMENTED, seq_count, len(data) - 1) + data


class SequenceCounter:
    """Per-APID source sequence counters that wrap at 16384."""

    __slots__ = ("_counts",)

    def __init__(self) -> None:
        self._counts: dict[int, int] = {}

    def next(self, apid: int) -> int:
        """The count to put in the next packet of ``apid``; advances the counter."""
        count = self._counts.get(apid, 0)
        self._counts[apid] = (count + 1) % SEQ_COUNT_MODULUS
        return count

    def peek(self, apid: int) -> int:
        """The count the next packet of ``apid`` will carry."""
        return self._counts.get(apid, 0)

    def reset(self, apid: int | None = None) -> None:
        """Restart one APID's counter at zero, or all of them."""
        if apid is None:
            self._counts.clear()
        else:
            self._counts.pop(apid, None)
