"""TM transfer frames (132.0-B-3): the 6-octet primary header, the OCF and FECF trailer, whole-frame codec."""

from __future__ import annotations

import struct
from binascii import crc_hqx
from typing import NamedTuple

from protocols.crc import CRC16_INIT
from protocols.errors import CrcError, FieldValueError, LengthError, TruncatedError, VersionError, field_error

HEADER_SIZE = 6
OCF_SIZE = 4
FECF_SIZE = 2
MAX_FRAME_SIZE = 2048
MAX_SCID = 0x3FF
MAX_VCID = 7
FHP_NO_PACKET = 0x7FF
"""First header pointer: no packet starts in this frame (it only continues one)."""
FHP_IDLE = 0x7FE
"""First header pointer: the data field holds only idle data."""
SEGMENT_LENGTH_ID = 0b11

_HEADER = struct.Struct(">HBBH")


class TmFrameHeader(NamedTuple):
    """The primary header fields of a TM transfer frame."""

    scid: int
    vcid: int
    ocf_flag: bool
    mc_count: int
    vc_count: int
    first_header_pointer: int
    sec_header_flag: bool = False
    sync_flag: bool = False
    packet_order_flag: bool = False
    segment_length_id: int = SEGMENT_LENGTH_ID

    def pack(self) -> bytes:
        """The 6 header octets (version 00)."""
        for name, value, top in (("scid", self.scid, MAX_SCID), ("vcid", self.vcid, MAX_VCID),
                                 ("mc_count", self.mc_count, 0xFF), ("vc_count", self.vc_count, 0xFF),
                                 ("first_header_pointer", self.first_header_pointer, 0x7FF),
                                 ("segment_length_id", self.segment_length_id, 3)):
            if not 0 <= value <= top:
                raise field_error(FieldValueError, name, value, f"must be 0..{top}")
        return _HEADER.pack((self.scid << 4) | (self.vcid << 1) | self.ocf_flag, self.mc_count, self.vc_count,
                            (self.sec_header_flag << 15) | (self.sync_flag << 14) | (self.packet_order_flag << 13)
                            | (self.segment_length_id << 11) | self.first_header_pointer)

    @classmethod
    def unpack(cls, data: bytes | bytearray | memoryview, offset: int = 0) -> TmFrameHeader:
        """Parse the 6 header octets at ``offset``; version must be 00."""
        if len(data) - offset < HEADER_SIZE:
            raise field_error(TruncatedError, "header", len(data) - offset, "a TM frame header is 6 octets")
        ids, mc, vc, status = _HEADER.unpack_from(data, offset)
        if ids >> 14:
            raise field_error(VersionError, "version", ids >> 14, "TM frame version must be 0")
        return cls((ids >> 4) & MAX_SCID, (ids >> 1) & MAX_VCID, bool(ids & 1), mc, vc, status & 0x7FF,
                   bool(status & 0x8000), bool(status & 0x4000), bool(status & 0x2000), (status >> 11) & 3)


def data_field_size(frame_length: int, ocf: bool, fecf: bool) -> int:
    """Octets of the data field in a frame of ``frame_length`` octets with the given trailer."""
    size = frame_length - HEADER_SIZE - (OCF_SIZE if ocf else 0) - (FECF_SIZE if fecf else 0)
    if not HEADER_SIZE + 1 <= frame_length <= MAX_FRAME_SIZE or size < 1:
        raise field_error(LengthError, "frame_length", frame_length,
                          f"a TM frame is up to {MAX_FRAME_SIZE} octets with a data field of at least 1")
    return size


class TmFrame(NamedTuple):
    """A whole TM transfer frame: header, data field, optional CLCW word (OCF)."""

    header: TmFrameHeader
    data: bytes
    ocf: int | None = None

    def pack(self, fecf: bool = True) -> bytes:
        """The frame's octets, with the FECF appended when ``fecf``; the OCF flag must match ``ocf``."""
        if self.header.ocf_flag != (self.ocf is not None):
            raise field_error(FieldValueError, "ocf_flag", self.header.ocf_flag,
                              "must be set exactly when an OCF is given")
        out = self.header.pack() + bytes(self.data)
        if self.ocf is not None:
            out += self.ocf.to_bytes(OCF_SIZE, "big")
        if fecf:
            out += crc_hqx(out, CRC16_INIT).to_bytes(FECF_SIZE, "big")
        return out

    @classmethod
    def unpack(cls, data: bytes | bytearray | memoryview, fecf: bool = True,
               frame_length: int | None = None) -> TmFrame:
        """Decode a frame; checks the length (if given), the version and the FECF (if present)."""
        size = len(data)
        if frame_length is not None and size != frame_length:
            raise field_error(LengthError, "frame_length", size, f"frames on this channel are {frame_length} octets")
        header = TmFrameHeader.unpack(data)
        trailer = (OCF_SIZE if header.ocf_flag else 0) + (FECF_SIZE if fecf else 0)
        if size < HEADER_SIZE + trailer + 1:
            raise field_error(TruncatedError, "frame_length", size, "too short for header, data and trailer")
        if fecf and crc_hqx(data, CRC16_INIT):
            raise field_error(CrcError, "fecf", bytes(data[-2:]).hex(), "frame error control does not match")
        end = size - (FECF_SIZE if fecf else 0)
        ocf = None
        if header.ocf_flag:
            ocf = int.from_bytes(data[end - OCF_SIZE:end], "big")
            end -= OCF_SIZE
        return cls(header, bytes(data[HEADER_SIZE:end]), ocf)
