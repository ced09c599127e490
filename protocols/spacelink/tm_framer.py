"""Pack a stream of space packets into fixed-length TM frames of one virtual channel (packets span frames)."""

from __future__ import annotations

from binascii import crc_hqx
from collections.abc import Callable, Iterable

from protocols.crc import CRC16_INIT
from protocols.errors import FieldValueError, LengthError, VersionError, field_error
from protocols.spacelink.tm_frame import (
    _HEADER,
    FECF_SIZE,
    FHP_IDLE,
    FHP_NO_PACKET,
    MAX_SCID,
    MAX_VCID,
    OCF_SIZE,
    SEGMENT_LENGTH_ID,
    data_field_size,
)
from protocols.spacepacket import MAX_PACKET_SIZE, MIN_PACKET_SIZE, PRIMARY_HEADER_SIZE, idle_packet

_STATUS = SEGMENT_LENGTH_ID << 11


class FrameCounter:
    """A modulo-256 frame counter; one is shared by all virtual channels of a master channel (MC count)."""

    __slots__ = ("value",)

    def __init__(self, start: int = 0) -> None:
        self.value = start & 0xFF

    def next(self) -> int:
        """The count for the next frame; advances the counter."""
        value = self.value
        self.value = (value + 1) & 0xFF
        return value


class TmFramer:
    """Packs space packets into the fixed-length frames of one virtual channel; packets span frames.

    ``ocf`` supplies the CLCW word at the moment each frame is built (the OCF flag is set when given).
    ``mc_counter`` is the master channel's frame counter, shared with the other VCs' framers.
    """

    def __init__(self, scid: int, vcid: int, frame_length: int, *, fecf: bool = True,
                 ocf: Callable[[], int] | None = None, mc_counter: FrameCounter | None = None,
                 vc_count: int = 0, idle_fill: int = 0x55) -> None:
        if not 0 <= scid <= MAX_SCID:
            raise field_error(FieldValueError, "scid", scid, f"must be 0..{MAX_SCID}")
        if not 0 <= vcid <= MAX_VCID:
            raise field_error(FieldValueError, "vcid", vcid, f"must be 0..{MAX_VCID}")
        self.scid, self.vcid, self.frame_length, self.fecf = scid, vcid, frame_length, fecf
        self.data_size = data_field_size(frame_length, ocf is not None, fecf)
        if self.data_size < MIN_PACKET_SIZE:
            raise field_error(LengthError, "frame_length", frame_length, "the data field must hold a 7-octet packet")
        self.ocf = ocf
        self.mc_counter = mc_counter if mc_counter is not None else FrameCounter()
        self.vc_count = vc_count & 0xFF
        self.idle_fill = idle_fill
        self._ids = (scid << 4) | (vcid << 1) | (ocf is not None)
        self._buf = bytearray()  # the data field being filled
        self._fhp: int | None = None  # offset of the first packet header in _buf
        self._idle_count = 0
        self.frames = 0
        self.packets = 0
        self.idle_packets = 0

    @property
    def pending(self) -> int:
        """Octets waiting in the partly filled frame."""
        return len(self._buf)

    def push(self, packet: bytes | bytearray | memoryview) -> list[bytes]:
        """Add one whole space packet; return the frames it completed (possibly none)."""
        _check_packet(packet)
        self.packets += 1
        return self._append(packet)

    def push_many(self, packets: Iterable[bytes]) -> list[bytes]:
        """Add packets in order; return every frame they completed."""
        frames: list[bytes] = []
        for packet in packets:
            frames += self.push(packet)
        return frames

    def flush(self) -> list[bytes]:
        """Complete the partly filled frame with an idle packet; return the frames this yields (0, 1 or 2)."""
        frames: list[bytes] = []
        while self._buf:
            frames += self._fill()
        return frames

    def next_frame(self) -> bytes:
        """Exactly one frame to send now: the partly filled frame completed with idle fill, else an idle frame.

        When fewer than 7 octets are left, a 7-octet idle packet spans into the next frame (its tail stays pending).
        """
        if not self._buf:
            return self.idle_frame()
        return self._fill()[0]

    def idle_frame(self) -> bytes:
        """A frame holding only idle data (first header pointer 0x7FE); only while nothing is pending."""
        if self._buf:
            raise field_error(LengthError, "pending", len(self._buf), "an idle frame cannot interrupt a packet")
        return self._frame(bytes([self.idle_fill]) * self.data_size, FHP_IDLE)

    def _append(self, packet: bytes | bytearray | memoryview) -> list[bytes]:
        buf, size = self._buf, self.data_size
        if self._fhp is None:
            self._fhp = len(buf)
        buf += packet
        frames: list[bytes] = []
        while len(buf) >= size:
            fhp = self._fhp
            frames.append(self._frame(buf[:size], FHP_NO_PACKET if fhp is None else fhp))
            del buf[:size]
            self._fhp = None  # what is left continues the packet just added
        if not buf:
            self._fhp = None
        return frames

    def _fill(self) -> list[bytes]:
        """Complete the pending frame with an idle packet (7 octets at least: it may span into the next frame)."""
        count = self._idle_count
        self._idle_count = (count + 1) & 0x3FFF
        self.idle_packets += 1
        size = max(self.data_size - len(self._buf), MIN_PACKET_SIZE)
        return self._append(idle_packet(size, count, self.idle_fill))

    def _frame(self, data: bytes | bytearray, fhp: int) -> bytes:
        out = _HEADER.pack(self._ids, self.mc_counter.next(), self.vc_count, _STATUS | fhp) + data
        self.vc_count = (self.vc_count + 1) & 0xFF
        if self.ocf is not None:
            out += self.ocf().to_bytes(OCF_SIZE, "big")
        if self.fecf:
            out += crc_hqx(out, CRC16_INIT).to_bytes(FECF_SIZE, "big")
        self.frames += 1
        return out


def _check_packet(packet: bytes | bytearray | memoryview) -> None:
    """Raise unless ``packet`` is one whole version-0 space packet."""
    size = len(packet)
    if not MIN_PACKET_SIZE <= size <= MAX_PACKET_SIZE:
        raise field_error(LengthError, "packet_size", size, f"a packet is {MIN_PACKET_SIZE}..{MAX_PACKET_SIZE} octets")
    if packet[0] >> 5:
        raise field_error(VersionError, "version", packet[0] >> 5, "a space packet has version 0")
    announced = ((packet[4] << 8) | packet[5]) + 1 + PRIMARY_HEADER_SIZE
    if announced != size:
        raise field_error(LengthError, "data_length", announced - 1 - PRIMARY_HEADER_SIZE,
                          f"announces {announced} octets, packet has {size}")
