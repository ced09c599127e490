"""The COBS device-link framing some boards use: 0x00, the COBS-encoded packet, 0x00.

The leading delimiter is what common COBS readers (tmtccmd's serial COBS interface among them) wait for before a
frame; the deframer takes streams with or without it, since consecutive delimiters are only empty frames.
"""

from __future__ import annotations

from protocols.errors import FramingError
from protocols.framing.base import (
    BAD_COBS,
    BAD_CRC,
    BAD_LENGTH,
    OVERSIZE,
    TRUNCATED,
    DeframeResult,
    DeframerStats,
)
from protocols.framing.cobs_codec import cobs_decode, cobs_encode, cobs_max_encoded_size
from protocols.framing.cobs_salvage import decoded_head, salvage
from protocols.framing.packets import check_max_packet_size, header_fault, is_idle, packet_fault, require_packet
from protocols.framing.skiplog import SkipLog
from protocols.spacepacket import MAX_PACKET_SIZE, PRIMARY_HEADER_SIZE

DELIMITER = b"\x00"


class CobsFramer:
    """Frames a packet as 0x00 + COBS(packet) + 0x00."""

    def __init__(self, max_packet_size: int = MAX_PACKET_SIZE) -> None:
        self.max_packet_size = check_max_packet_size(max_packet_size)

    def frame(self, packet: bytes) -> bytes:
        """``packet`` COBS-encoded between two delimiters; FramingError if it is not one whole space packet."""
        return self.wrap(require_packet(packet, self.max_packet_size))

    def wrap(self, octets: bytes) -> bytes:
        """``octets`` as they are, whole packet or not (a test's malformed packet), COBS-encoded between delimiters."""
        return DELIMITER + cobs_encode(bytes(octets)) + DELIMITER

    def wire_size(self, packet_size: int) -> int:
        """The most octets a packet of ``packet_size`` takes once framed."""
        return cobs_max_encoded_size(packet_size) + 2 * len(DELIMITER)


class CobsDeframer:
    """Splits the stream on 0x00, decodes each frame and keeps it only if it is exactly one good packet.

    Never raises on any octets. Each bad frame is reported (delimiter included) as soon as its delimiter
    arrives; empty frames (repeated delimiters, such as the leading one of every frame) are idle filler, never
    garbage. A bad frame whose tail is the encoding
    of a CRC-checked packet (garbage or a cut frame glued to a good one) still yields that packet. Of a
    frame longer than any good one only the last ``max_frame_size`` octets are held, so memory stays bounded.
    With ``require_crc`` every packet must carry a CRC: one without is a bad header, and idle packets are
    consumed as filler (good octets, not delivered).
    """

    def __init__(self, max_packet_size: int = MAX_PACKET_SIZE, require_crc: bool = False) -> None:
        self.max_packet_size = check_max_packet_size(max_packet_size)
        self.require_crc = bool(require_crc)
        self.max_frame_size = cobs_max_encoded_size(self.max_packet_size)
        self.stats = DeframerStats()
        self._log = SkipLog(self.stats)
        self._pending = bytearray()  # held octets of the unfinished frame
        self._pending_start = 0  # stream offset of _pending[0]
        self._offset = 0  # stream offset of the next octet fed
        self._oversize = False  # the unfinished frame is already too long to be one packet

    @property
    def buffered(self) -> int:
        """Octets held, waiting for their delimiter."""
        return len(self._pending)

    def feed(self, data: bytes) -> DeframeResult:
        """Take the next octets; return the packets and the skipped ranges they complete."""
        if not isinstance(data, bytes | bytearray):
            data = bytes(data)
        size = len(data)
        self.stats.octets_in += size
        packets: list[bytes] = []
        start = 0
        while start < size:
            zero = data.find(0, start)
            if zero < 0:
                self._hold(data[start:])
                break
            self._finish(data[start:zero], packets)
            start = zero + 1
        return DeframeResult(packets, self._log.take())

    def feed_frame(self, data: bytes) -> bytes | None:
        """Always None: COBS frames are found by ``feed``."""
        return None

    def expire(self) -> DeframeResult:
        """The line went quiet or its reader went away: drop the unfinished frame (truncated) and report it.

        The next octet fed starts a new frame.
        """
        if self._pending:
            if self._oversize:
                self._log.skip(self._pending_start, self._offset)
            else:
                self.stats.count(TRUNCATED)
                head = decoded_head(bytes(self._pending), 0)
                header = b"" if head is None or header_fault(head, 0, self.max_packet_size) else head
                self._log.reject(self._pending_start, self._offset, TRUNCATED, header)
        self._log.close()
        self._pending.clear()
        self._pending_start = self._offset
        self._oversize = False
        return DeframeResult([], self._log.take())

    def flush(self) -> DeframeResult:
        """End of stream: the same as ``expire``."""
        return self.expire()

    def reset(self) -> None:
        """Forget everything: as if newly built (empty buffer, counters and offsets from zero)."""
        self._pending.clear()
        self._pending_start = self._offset = 0
        self._oversize = False
        self.stats.clear()
        self._log = SkipLog(self.stats)

    def _hold(self, piece: bytes | bytearray) -> None:
        """Keep the unfinished frame, or only its last ``max_frame_size`` octets."""
        self._offset += len(piece)
        excess = len(self._pending) + len(piece) - self.max_frame_size
        if excess <= 0:
            self._pending += piece
            return
        self._drop(excess)
        if excess >= len(self._pending):
            self._pending[:] = piece[excess - len(self._pending):]
        else:
            del self._pending[:excess]
            self._pending += piece

    def _drop(self, count: int) -> None:
        """The first ``count`` octets of the unfinished frame can be no part of a good packet."""
        start = self._pending_start
        if self._oversize:
            self._log.skip(start, start + count)
        else:
            self._oversize = True
            self.stats.count(OVERSIZE)
            self._log.reject(start, start + count, OVERSIZE)
        self._pending_start = start + count

    def _finish(self, piece: bytes | bytearray, packets: list[bytes]) -> None:
        """A delimiter ends the frame made of the held octets and ``piece``."""
        self._offset += len(piece) + 1
        if self._pending:
            frame = bytes(self._pending + piece)
            self._pending.clear()
        else:
            frame = bytes(piece)
        excess = len(frame) - self.max_frame_size
        if excess > 0:
            self._drop(excess)
            frame = frame[excess:]
        start, stop = self._pending_start, self._offset
        self._pending_start = stop
        oversize, self._oversize = self._oversize, False
        if not frame:
            self.stats.octets_good += 1
            return
        packet, reason = (b"", OVERSIZE) if oversize else _judge(frame, self.max_packet_size, self.require_crc)
        if reason is None:
            if not (self.require_crc and is_idle(packet, 0)):
                packets.append(packet)
                self.stats.packets += 1
            self.stats.octets_good += stop - start
            return
        found = salvage(frame, self.max_packet_size)
        bad_stop = stop if found is None else start + found[0]
        if oversize:
            self._log.skip(start, bad_stop)
        else:
            self.stats.count(reason)
            told = reason in _WITH_HEADER and len(packet) >= PRIMARY_HEADER_SIZE
            self._log.reject(start, bad_stop, reason, packet[:PRIMARY_HEADER_SIZE] if told else b"")
        self._log.close()
        if found is not None:
            packets.append(found[1])
            self.stats.packets += 1
            self.stats.octets_good += stop - bad_stop


_WITH_HEADER = frozenset((BAD_CRC, BAD_LENGTH, OVERSIZE))
"""Reasons whose rejected frame decoded to a readable primary header (its sender can be told)."""


def _judge(frame: bytes, max_packet_size: int, require_crc: bool) -> tuple[bytes, str | None]:
    """The packet ``frame`` encodes and None, or why it is not the encoding of one good packet."""
    try:
        packet = cobs_decode(frame)
    except FramingError:
        return b"", BAD_COBS
    return packet, packet_fault(packet, max_packet_size, require_crc)
