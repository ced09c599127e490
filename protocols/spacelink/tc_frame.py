"""TC transfer frames (232.0-B): header, segment header, FECF; types AD, BD, BC and the two control commands."""

from __future__ import annotations

import struct
from binascii import crc_hqx
from enum import Enum
from typing import NamedTuple

from protocols.crc import CRC16_INIT
from protocols.errors import CrcError, FieldValueError, LengthError, TruncatedError, VersionError, field_error

HEADER_SIZE = 5
SEGMENT_HEADER_SIZE = 1
FECF_SIZE = 2
MAX_FRAME_SIZE = 1024
MAX_SCID = 0x3FF
MAX_VCID = 0x3F
MAX_MAP_ID = 0x3F
SEQ_UNSEGMENTED = 0b11
UNLOCK = b"\x00"
"""Control command Unlock."""
SET_VR_PREFIX = b"\x82\x00"
"""Control command Set V(R) is these two octets and then V*(R)."""

_HEADER = struct.Struct(">HHB")


class FrameType(Enum):
    """The three TC frame types by (bypass, control command) flags."""

    AD = (0, 0)
    """Sequence-controlled data (COP-1 checks N(S))."""
    BD = (1, 0)
    """Expedited data (bypasses the FARM checks)."""
    BC = (1, 1)
    """Control command for the FARM (Unlock, Set V(R))."""


class ControlCommand(NamedTuple):
    """A decoded control command: ``"unlock"`` or ``"set_vr"`` with its V*(R)."""

    name: str
    vr: int | None = None


class TcFrame(NamedTuple):
    """A TC transfer frame; ``map_id`` is None when the frame has no segment header (always for BC)."""

    scid: int
    vcid: int
    seq: int
    data: bytes
    bypass: bool = False
    control: bool = False
    map_id: int | None = 0
    seq_flags: int = SEQ_UNSEGMENTED

    @property
    def frame_type(self) -> FrameType:
        """AD, BD or BC."""
        return FrameType((int(self.bypass), int(self.control)))

    @property
    def size(self) -> int:
        """Octets of the packed frame with its FECF."""
        return HEADER_SIZE + (self.map_id is not None) + len(self.data) + FECF_SIZE

    @classmethod
    def ad(cls, scid: int, vcid: int, seq: int, data: bytes, map_id: int | None = 0) -> TcFrame:
        """A type-AD frame carrying ``data`` with sequence number ``seq``."""
        return cls(scid, vcid, seq, bytes(data), False, False, map_id)

    @classmethod
    def bd(cls, scid: int, vcid: int, data: bytes, map_id: int | None = 0) -> TcFrame:
        """A type-BD frame carrying ``data`` (N(S) = 0)."""
        return cls(scid, vcid, 0, bytes(data), True, False, map_id)

    @classmethod
    def unlock(cls, scid: int, vcid: int) -> TcFrame:
        """A type-BC frame with the Unlock command."""
        return cls(scid, vcid, 0, UNLOCK, True, True, None)

    @classmethod
    def set_vr(cls, scid: int, vcid: int, vr: int) -> TcFrame:
        """A type-BC frame with the Set V(R) command to ``vr``."""
        if not 0 <= vr <= 0xFF:
            raise field_error(FieldValueError, "vr", vr, "must be 0..255")
        return cls(scid, vcid, 0, SET_VR_PREFIX + bytes([vr]), True, True, None)

    def control_command(self) -> ControlCommand:
        """The control command of a BC frame; FieldValueError if it is not one."""
        if not (self.bypass and self.control):
            raise field_error(FieldValueError, "control", self.control, "not a type-BC frame")
        return parse_control_command(self.data)

    def pack(self, fecf: bool = True) -> bytes:
        """The frame's octets (with the FECF when ``fecf``); checks every field's width and the size limit."""
        for name, value, top in (("scid", self.scid, MAX_SCID), ("vcid", self.vcid, MAX_VCID),
                                 ("seq", self.seq, 0xFF), ("seq_flags", self.seq_flags, 3)):
            if not 0 <= value <= top:
                raise field_error(FieldValueError, name, value, f"must be 0..{top}")
        if self.control and not self.bypass:
            raise field_error(FieldValueError, "control", 1, "a control frame must have the bypass flag set")
        segment = b""
        if self.map_id is not None:
            if self.control:
                raise field_error(FieldValueError, "map_id", self.map_id, "a control frame has no segment header")
            if not 0 <= self.map_id <= MAX_MAP_ID:
                raise field_error(FieldValueError, "map_id", self.map_id, f"must be 0..{MAX_MAP_ID}")
            segment = bytes([(self.seq_flags << 6) | self.map_id])
        size = HEADER_SIZE + len(segment) + len(self.data) + (FECF_SIZE if fecf else 0)
        if size > MAX_FRAME_SIZE:
            raise field_error(LengthError, "frame_length", size, f"a TC frame is at most {MAX_FRAME_SIZE} octets")
        out = _HEADER.pack((self.bypass << 13) | (self.control << 12) | self.scid,
                           (self.vcid << 10) | (size - 1), self.seq) + segment + bytes(self.data)
        if fecf:
            out += crc_hqx(out, CRC16_INIT).to_bytes(FECF_SIZE, "big")
        return out

    @classmethod
    def unpack(cls, data: bytes | bytearray | memoryview, fecf: bool = True, segment_header: bool = True,
               trailing_ok: bool = False) -> TcFrame:
        """Decode one frame; ``trailing_ok`` ignores octets after it (CLTU fill). Typed ProtocolErrors on faults."""
        have = len(data)
        if have < HEADER_SIZE:
            raise field_error(TruncatedError, "header", have, "a TC frame header is 5 octets")
        first, second, seq = _HEADER.unpack_from(data)
        version = first >> 14
        if version:
            raise field_error(VersionError, "version", version, "TC frame version must be 0")
        bypass, control = bool(first & 0x2000), bool(first & 0x1000)
        if control and not bypass:
            raise field_error(FieldValueError, "control", 1, "a control frame must have the bypass flag set")
        size = (second & 0x3FF) + 1
        has_segment = segment_header and not control
        least = HEADER_SIZE + has_segment + (FECF_SIZE if fecf else 0)
        if size < least:
            raise field_error(LengthError, "frame_length", size - 1, f"a frame here is at least {least} octets")
        if have < size:
            raise field_error(TruncatedError, "frame_length", size - 1, f"frame needs {size} octets, have {have}")
        if have > size and not trailing_ok:
            raise field_error(LengthError, "frame_length", size - 1, f"frame is {size} octets, {have - size} extra")
        if fecf and crc_hqx(data[:size], CRC16_INIT):
            raise field_error(CrcError, "fecf", bytes(data[size - 2:size]).hex(), "frame error control does not match")
        start, end = HEADER_SIZE + has_segment, size - (FECF_SIZE if fecf else 0)
        map_id, flags = None, SEQ_UNSEGMENTED
        if has_segment:
            map_id, flags = data[HEADER_SIZE] & MAX_MAP_ID, data[HEADER_SIZE] >> 6
        return cls(first & MAX_SCID, second >> 10, seq, bytes(data[start:end]), bypass, control, map_id, flags)


def parse_control_command(data: bytes | bytearray | memoryview) -> ControlCommand:
    """Decode the data field of a BC frame: ``00`` is Unlock, ``82 00 VR`` is Set V(R)."""
    if bytes(data) == UNLOCK:
        return ControlCommand("unlock")
    if len(data) == 3 and bytes(data[:2]) == SET_VR_PREFIX:
        return ControlCommand("set_vr", data[2])
    raise field_error(FieldValueError, "control_command", bytes(data).hex(),
                      "neither Unlock (00) nor Set V(R) (8200xx)")
