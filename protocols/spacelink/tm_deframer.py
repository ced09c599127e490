"""Take fixed-length TM frames apart: check them, follow each virtual channel, reassemble the packets they carry.

Never raises on any octets: bad frames, counter gaps and inconsistent pointers become events and counters.
"""

from __future__ import annotations

from binascii import crc_hqx
from dataclasses import dataclass, fields
from typing import NamedTuple

from protocols.crc import CRC16_INIT
from protocols.spacelink.tm_frame import (
    _HEADER,
    FECF_SIZE,
    FHP_IDLE,
    FHP_NO_PACKET,
    HEADER_SIZE,
    OCF_SIZE,
    data_field_size,
)
from protocols.spacepacket import IDLE_APID, MAX_PACKET_SIZE, PRIMARY_HEADER_SIZE

BAD_LENGTH = "bad length"
BAD_VERSION = "bad version"
BAD_CRC = "bad crc"
WRONG_SCID = "wrong spacecraft"
MC_GAP = "mc gap"
VC_GAP = "vc gap"
BAD_POINTER = "bad pointer"
POINTER_MISMATCH = "pointer mismatch"
BAD_PACKET = "bad packet header"
PACKET_DROPPED = "packet dropped"
EVENTS = (BAD_LENGTH, BAD_VERSION, BAD_CRC, WRONG_SCID, MC_GAP, VC_GAP, BAD_POINTER, POINTER_MISMATCH,
          BAD_PACKET, PACKET_DROPPED)
"""Every ``TmEvent.reason``: short words that stay stable."""


class TmEvent(NamedTuple):
    """Something a deframer noticed: why, on which VC (None when the frame was unreadable) and a number.

    ``value`` is the frames lost for a gap, the octets dropped for a dropped packet, else the offending value.
    """

    reason: str
    vcid: int | None
    value: int


class TmFrameResult(NamedTuple):
    """What one frame gave: its VC (None if rejected), the whole packets it completed, its OCF word, events."""

    vcid: int | None
    packets: list[bytes]
    ocf: int | None
    events: list[TmEvent]

    @property
    def ok(self) -> bool:
        """True when the frame itself was accepted (it may still report gaps or dropped packets)."""
        return self.vcid is not None


@dataclass
class TmDeframerStats:
    """Running counters of a TM deframer."""

    frames: int = 0
    """Frames fed."""
    frames_good: int = 0
    """Frames accepted (length, version, FECF and spacecraft ID right)."""
    length_errors: int = 0
    version_errors: int = 0
    fecf_errors: int = 0
    wrong_scid: int = 0
    mc_gaps: int = 0
    vc_gaps: int = 0
    frames_lost: int = 0
    """Frames missing according to the VC frame counts."""
    idle_frames: int = 0
    """Frames holding only idle data (first header pointer 0x7FE)."""
    packets: int = 0
    """Packets delivered (idle packets excluded)."""
    idle_packets: int = 0
    """Idle packets (APID 0x7FF) discarded."""
    packets_dropped: int = 0
    """Partial packets abandoned (gap, bad pointer, bad header)."""
    octets_dropped: int = 0
    """Data-field octets of accepted frames that delivered no packet (dropped or waiting for a resync)."""
    pointer_errors: int = 0
    packet_header_errors: int = 0

    def clear(self) -> None:
        """Set every counter back to zero."""
        for item in fields(self):
            setattr(self, item.name, 0)


class VcPacketExtractor:
    """Reassembles the packets of one virtual channel from its frames' data fields, in frame order."""

    def __init__(self, vcid: int, stats: TmDeframerStats, max_packet_size: int = MAX_PACKET_SIZE) -> None:
        self.vcid = vcid
        self.stats = stats
        self.max_packet_size = max_packet_size
        self.expected: int | None = None  # next VC frame count
        self.synced = False
        self._buf = bytearray()  # start of a packet that continues in the next frame

    def frame(self, vc_count: int, fhp: int, data: bytes, packets: list[bytes], events: list[TmEvent]) -> None:
        """Take one frame's data field; append completed packets and events to the given lists."""
        stats = self.stats
        if self.expected is not None and vc_count != self.expected:
            lost = (vc_count - self.expected) & 0xFF
            stats.vc_gaps += 1
            stats.frames_lost += lost
            events.append(TmEvent(VC_GAP, self.vcid, lost))
            self._desync(events)
        self.expected = (vc_count + 1) & 0xFF
        if fhp == FHP_IDLE:
            stats.idle_frames += 1
            return
        size = len(data)
        if fhp == FHP_NO_PACKET:
            if not self.synced:
                stats.octets_dropped += size
            elif not self._buf:
                self._mismatch(events, size)
            else:
                self._continue(data, events, packets)
            return
        if fhp >= size:
            stats.pointer_errors += 1
            events.append(TmEvent(BAD_POINTER, self.vcid, fhp))
            self._desync(events)
            stats.octets_dropped += size
            return
        if self.synced and self._buf:
            self._finish(data[:fhp], events, packets)
        elif fhp:
            if self.synced:
                self._mismatch(events, fhp)
            else:
                stats.octets_dropped += fhp
        self.synced = True
        self._parse(data, fhp, events, packets)

    def reset(self) -> None:
        """Forget the partial packet and the expected frame count."""
        self.expected = None
        self.synced = False
        self._buf.clear()

    def _deliver(self, packet: bytes, packets: list[bytes]) -> None:
        if ((packet[0] << 8) | packet[1]) & 0x7FF == IDLE_APID:
            self.stats.idle_packets += 1
        else:
            self.stats.packets += 1
            packets.append(packet)

    def _desync(self, events: list[TmEvent]) -> None:
        if self._buf:
            self.stats.packets_dropped += 1
            self.stats.octets_dropped += len(self._buf)
            events.append(TmEvent(PACKET_DROPPED, self.vcid, len(self._buf)))
            self._buf.clear()
        self.synced = False

    def _mismatch(self, events: list[TmEvent], octets: int) -> None:
        """Octets where the pointer says a packet continues but none is pending (or the other way round)."""
        self.stats.pointer_errors += 1
        self.stats.octets_dropped += octets
        events.append(TmEvent(POINTER_MISMATCH, self.vcid, octets))
        self._desync(events)

    def _bad_header(self, events: list[TmEvent], value: int) -> None:
        self.stats.packet_header_errors += 1
        events.append(TmEvent(BAD_PACKET, self.vcid, value))
        self._desync(events)

    def _size_of(self, data: bytes | bytearray, events: list[TmEvent], pos: int = 0) -> int:
        """Packet size announced by the 6-octet header at ``pos``, or 0 after reporting a bad header."""
        if data[pos] >> 5:
            self._bad_header(events, data[pos] >> 5)
            return 0
        size = ((data[pos + 4] << 8) | data[pos + 5]) + 1 + PRIMARY_HEADER_SIZE
        if size > self.max_packet_size:
            self._bad_header(events, size)
            return 0
        return size

    def _continue(self, data: bytes, events: list[TmEvent], packets: list[bytes]) -> None:
        """A frame with no packet start: all of it continues the pending packet."""
        buf = self._buf
        buf += data
        if len(buf) < PRIMARY_HEADER_SIZE:
            return
        size = self._size_of(buf, events)
        if not size:
            return
        if len(buf) == size:
            self._deliver(bytes(buf), packets)
            buf.clear()
        elif len(buf) > size:  # the packet ended inside a frame that says no packet starts there
            self._mismatch(events, len(data))

    def _finish(self, head: bytes, events: list[TmEvent], packets: list[bytes]) -> None:
        """The octets before the first header pointer must end the pending packet exactly."""
        buf = self._buf
        buf += head
        size = self._size_of(buf, events) if len(buf) >= PRIMARY_HEADER_SIZE else 0
        if size and len(buf) == size:
            self._deliver(bytes(buf), packets)
            buf.clear()
        elif buf:
            self._mismatch(events, 0)

    def _parse(self, data: bytes, pos: int, events: list[TmEvent], packets: list[bytes]) -> None:
        """Packets from ``pos`` (a packet header) to the end of the data field; keep the last partial one."""
        end = len(data)
        while pos < end:
            if end - pos < PRIMARY_HEADER_SIZE:
                self._buf += data[pos:]
                return
            size = self._size_of(data, events, pos)
            if not size:
                self.stats.octets_dropped += end - pos
                return
            if pos + size > end:
                self._buf += data[pos:]
                return
            self._deliver(data[pos:pos + size], packets)
            pos += size


class TmDeframer:
    """Checks fixed-length TM frames and hands each virtual channel's data to its packet extractor.

    ``scid`` (if given) keeps only that spacecraft's frames; ``vcids`` (if given) keeps only those VCs.
    """

    def __init__(self, frame_length: int, *, fecf: bool = True, scid: int | None = None,
                 vcids: set[int] | None = None, max_packet_size: int = MAX_PACKET_SIZE) -> None:
        data_field_size(frame_length, False, fecf)
        self.frame_length = frame_length
        self.fecf = fecf
        self.scid = scid
        self.vcids = vcids
        self.max_packet_size = max_packet_size
        self.stats = TmDeframerStats()
        self.extractors: dict[int, VcPacketExtractor] = {}
        self._mc_expected: int | None = None
        self._data_end = (frame_length - (FECF_SIZE if fecf else 0), frame_length - (FECF_SIZE if fecf else 0)
                          - OCF_SIZE)

    def feed(self, frame: bytes | bytearray | memoryview) -> TmFrameResult:
        """Take one frame; return its VC, the packets it completed, its OCF word and what was noticed."""
        stats = self.stats
        stats.frames += 1
        events: list[TmEvent] = []
        if len(frame) != self.frame_length:
            stats.length_errors += 1
            return TmFrameResult(None, [], None, [TmEvent(BAD_LENGTH, None, len(frame))])
        if self.fecf and crc_hqx(frame, CRC16_INIT):
            stats.fecf_errors += 1
            return TmFrameResult(None, [], None, [TmEvent(BAD_CRC, None, (frame[-2] << 8) | frame[-1])])
        ids, mc_count, vc_count, status = _HEADER.unpack_from(frame)
        if ids >> 14:
            stats.version_errors += 1
            return TmFrameResult(None, [], None, [TmEvent(BAD_VERSION, None, ids >> 14)])
        scid, vcid = (ids >> 4) & 0x3FF, (ids >> 1) & 7
        if (self.scid is not None and scid != self.scid) or (self.vcids is not None and vcid not in self.vcids):
            stats.wrong_scid += 1
            return TmFrameResult(None, [], None, [TmEvent(WRONG_SCID, vcid, scid)])
        stats.frames_good += 1
        if self._mc_expected is not None and mc_count != self._mc_expected:
            stats.mc_gaps += 1
            events.append(TmEvent(MC_GAP, None, (mc_count - self._mc_expected) & 0xFF))
        self._mc_expected = (mc_count + 1) & 0xFF
        end = self._data_end[ids & 1]
        ocf = int.from_bytes(frame[end:end + OCF_SIZE], "big") if ids & 1 else None
        extractor = self.extractors.get(vcid)
        if extractor is None:
            extractor = self.extractors[vcid] = VcPacketExtractor(vcid, stats, self.max_packet_size)
        packets: list[bytes] = []
        extractor.frame(vc_count, status & 0x7FF, bytes(frame[HEADER_SIZE:end]), packets, events)
        return TmFrameResult(vcid, packets, ocf, events)

    def reset(self) -> None:
        """Forget every VC's state and the counters."""
        self.extractors.clear()
        self._mc_expected = None
        self.stats.clear()
