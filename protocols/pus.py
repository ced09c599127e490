"""PUS-C telecommand and telemetry packets (ECSS-E-ST-70-41C): secondary headers and packet error control."""

from __future__ import annotations

from binascii import crc_hqx
from enum import IntFlag
from typing import NamedTuple

import construct as cs

from protocols.crc import crc16
from protocols.errors import CrcError, TruncatedError, VersionError, field_error
from protocols.layout import FastLayout
from protocols.spacepacket import (
    IDLE_APID,
    PRIMARY_HEADER,
    PRIMARY_HEADER_SIZE,
    PacketType,
    SeqFlags,
    SpacePacket,
    SpacePacketHeader,
    check_length,
)
from protocols.timecode import CUC_TIME, NS_PER_S

PUS_VERSION = 2
CRC_SIZE = 2
TC_SECONDARY_HEADER_SIZE = 5
TM_SECONDARY_HEADER_SIZE = 13  # 7 octets + 6-octet CUC time
TC_HEADER_SIZE = PRIMARY_HEADER_SIZE + TC_SECONDARY_HEADER_SIZE
TM_HEADER_SIZE = PRIMARY_HEADER_SIZE + TM_SECONDARY_HEADER_SIZE
MAX_APP_DATA = 65536 - TM_SECONDARY_HEADER_SIZE - CRC_SIZE


class AckFlags(IntFlag):
    """Which verification reports a telecommand asks for (service 1)."""

    NONE = 0
    COMPLETION = 0b0001
    PROGRESS = 0b0010
    START = 0b0100
    ACCEPTANCE = 0b1000
    ALL = 0b1111


TC_SECONDARY_HEADER = cs.Struct(
    "flags" / cs.BitStruct("pus_version" / cs.Const(PUS_VERSION, cs.BitsInteger(4)), "ack_flags" / cs.BitsInteger(4)),
    "service" / cs.Int8ub,
    "subtype" / cs.Int8ub,
    "source_id" / cs.Int16ub,
)
"""PUS-C TC secondary header, 5 octets."""

TM_SECONDARY_HEADER = cs.Struct(
    "flags" / cs.BitStruct("pus_version" / cs.Const(PUS_VERSION, cs.BitsInteger(4)), "time_ref" / cs.BitsInteger(4)),
    "service" / cs.Int8ub,
    "subtype" / cs.Int8ub,
    "msg_counter" / cs.Int16ub,
    "dest_id" / cs.Int16ub,
    "time" / CUC_TIME,
)
"""PUS-C TM secondary header, 7 octets plus farside's 6-octet CUC time (implicit P-field 0x1E)."""


def _pus_packet(secondary: cs.Construct, secondary_size: int) -> cs.Construct:
    return cs.Struct(
        "body" / cs.RawCopy(cs.Struct(
            "header" / PRIMARY_HEADER,
            "secondary" / secondary,
            "app_data" / cs.Bytes(cs.this.header.data_length + 1 - secondary_size - CRC_SIZE),
        )),
        "crc" / cs.Checksum(cs.Int16ub, crc16, cs.this.body.data),
    )


PUS_TC_PACKET = _pus_packet(TC_SECONDARY_HEADER, TC_SECONDARY_HEADER_SIZE)
"""A whole PUS-C TC packet, the reference declaration the fast path is derived from."""
PUS_TM_PACKET = _pus_packet(TM_SECONDARY_HEADER, TM_SECONDARY_HEADER_SIZE)
"""A whole PUS-C TM packet, the reference declaration the fast path is derived from."""

_ERRORS = {"version": VersionError, "pus_version": VersionError}
_TC_HEAD = FastLayout(cs.Struct("header" / PRIMARY_HEADER, "secondary" / TC_SECONDARY_HEADER),
                      errors=_ERRORS, fixed={"packet_type": PacketType.TC, "sec_header_flag": 1})
_TM_HEAD = FastLayout(cs.Struct("header" / PRIMARY_HEADER, "secondary" / TM_SECONDARY_HEADER),
                      errors=_ERRORS, fixed={"packet_type": PacketType.TM, "sec_header_flag": 1})
_TC_PACK, _TC_UNPACK = _TC_HEAD.pack, _TC_HEAD.unpack
_TM_PACK, _TM_UNPACK = _TM_HEAD.pack, _TM_HEAD.unpack
_TC_MIN = TC_HEADER_SIZE + CRC_SIZE
_TC_ID_BITS = 0b0001_1 << 27
"""Version 0, packet type TC, secondary header present: the fixed top bits of a TC's request ID."""
_TM_MIN = TM_HEADER_SIZE + CRC_SIZE


def _bad_crc(data: bytes | bytearray | memoryview) -> CrcError:
    stated = (data[-2] << 8) | data[-1]
    computed = crc16(bytes(data[:-2]))
    return CrcError(f"crc=0x{stated:04X}: computed 0x{computed:04X}", field="crc", value=stated)


def _check(data: bytes | bytearray | memoryview, minimum: int, data_length: int, verify_crc: bool) -> None:
    """Raise the precise error for a packet whose size or CRC is wrong."""
    check_length(len(data), data_length)
    if len(data) < minimum:
        raise field_error(TruncatedError, "data_length", data_length, f"a PUS packet needs {minimum} octets")
    if verify_crc and crc_hqx(data, 0xFFFF):
        raise _bad_crc(data)


class PusTc(NamedTuple):
    """A PUS-C telecommand packet; ``pack`` adds headers and the CRC, ``unpack`` checks them."""

    apid: int
    service: int
    subtype: int
    app_data: bytes = b""
    seq_count: int = 0
    source_id: int = 0
    ack_flags: int = 0b1111  # AckFlags.ALL; plain ints keep enum arithmetic off the hot path
    seq_flags: int = 0b11  # SeqFlags.UNSEGMENTED

    def pack(self) -> bytes:
        """The packet's octets, CRC included."""
        data = self.app_data
        body = _TC_PACK(self.apid, self.seq_flags, self.seq_count, len(data) + 6,
                        self.ack_flags, self.service, self.subtype, self.source_id) + data
        return body + crc_hqx(body, 0xFFFF).to_bytes(2, "big")

    @classmethod
    def unpack(cls, data: bytes | bytearray | memoryview, verify_crc: bool = True) -> PusTc:
        """Parse exactly one TC packet, checking version, type, length and (unless told not to) CRC."""
        apid, seq_flags, seq_count, length, ack, service, subtype, source = _TC_UNPACK(data)
        if length + 7 != len(data) or length < 6 or (verify_crc and crc_hqx(data, 0xFFFF)):
            _check(data, _TC_MIN, length, verify_crc)
        return cls(apid, service, subtype, bytes(data[TC_HEADER_SIZE:-2]), seq_count, source, ack, seq_flags)

    @property
    def request_id(self) -> bytes:
        """The 4-octet request ID that verification reports echo (first 4 octets of the packet)."""
        word = _TC_ID_BITS | (self.apid & 0x7FF) << 16 | (self.seq_flags & 0x3) << 14 | (self.seq_count & 0x3FFF)
        return word.to_bytes(4, "big")  # request_id()'s octets without building a header on the TC path


class PusTm(NamedTuple):
    """A PUS-C telemetry packet; ``time_ns`` counts ns since 1958-01-01 TAI (packed to 2⁻¹⁶ s)."""

    apid: int
    service: int
    subtype: int
    app_data: bytes = b""
    seq_count: int = 0
    msg_counter: int = 0
    time_ns: int = 0
    dest_id: int = 0
    time_ref: int = 0
    seq_flags: int = 0b11  # SeqFlags.UNSEGMENTED

    def pack(self) -> bytes:
        """The packet's octets, CRC included."""
        data = self.app_data
        coarse, rest = divmod(self.time_ns, NS_PER_S)
        body = _TM_PACK(self.apid, self.seq_flags, self.seq_count, len(data) + 14, self.time_ref,
                        self.service, self.subtype, self.msg_counter, self.dest_id,
                        coarse, (rest << 16) // NS_PER_S) + data
        return body + crc_hqx(body, 0xFFFF).to_bytes(2, "big")

    @classmethod
    def unpack(cls, data: bytes | bytearray | memoryview, verify_crc: bool = True) -> PusTm:
        """Parse exactly one TM packet, checking version, type, length and (unless told not to) CRC."""
        (apid, seq_flags, seq_count, length, time_ref, service, subtype, counter, dest,
         coarse, fine) = _TM_UNPACK(data)
        if length + 7 != len(data) or length < 14 or (verify_crc and crc_hqx(data, 0xFFFF)):
            _check(data, _TM_MIN, length, verify_crc)
        return cls(apid, service, subtype, bytes(data[TM_HEADER_SIZE:-2]), seq_count, counter,
                   coarse * NS_PER_S + ((fine * NS_PER_S + 0xFFFF) >> 16), dest, time_ref, seq_flags)


def request_id(apid: int, seq_count: int, seq_flags: int = SeqFlags.UNSEGMENTED) -> bytes:
    """The request ID of a TC: version, type, secondary-header flag, APID, sequence flags and count."""
    return SpacePacketHeader(PacketType.TC, True, apid, seq_flags, seq_count, 0).pack()[:4]


def decode_packet(data: bytes | bytearray | memoryview, verify_crc: bool = True) -> PusTc | PusTm | SpacePacket:
    """Decode one packet: a PUS TC, a PUS TM, or a plain space packet (idle, or no secondary header)."""
    if len(data) < PRIMARY_HEADER_SIZE:
        raise TruncatedError(f"need 6 octets for a primary header, have {len(data)}", field="header",
                             value=len(data))
    header = SpacePacketHeader.unpack(data)
    if not header.sec_header_flag or header.apid == IDLE_APID:
        return SpacePacket.unpack(data)
    if header.packet_type == PacketType.TC:
        return PusTc.unpack(data, verify_crc)
    return PusTm.unpack(data, verify_crc)


def packet_kind(packet: PusTc | PusTm | SpacePacket) -> str:
    """"TC", "TM" or "SP" (a space packet with no PUS header)."""
    if isinstance(packet, PusTc):
        return "TC"
    if isinstance(packet, PusTm):
        return "TM"
    return "SP"


__all__ = [
    "PUS_TC_PACKET",
    "PUS_TM_PACKET",
    "TC_SECONDARY_HEADER",
    "TM_SECONDARY_HEADER",
    "AckFlags",
    "PusTc",
    "PusTm",
    "decode_packet",
    "packet_kind",
    "request_id",
]
