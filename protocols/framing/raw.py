"""The raw device-link framing of datagram transports: each datagram is exactly one space packet, nothing around it.

Only a transport that keeps message boundaries (UDP) can carry it: every ``feed`` is one whole datagram. On a byte
stream the boundaries are lost, so the transports refuse ``raw`` there (``hil.schemes.check_framing``).
"""

from __future__ import annotations

from protocols.framing.base import BAD_CRC, BAD_LENGTH, OVERSIZE, DeframeResult, DeframerStats
from protocols.framing.packets import check_max_packet_size, is_idle, packet_fault, require_packet
from protocols.framing.skiplog import SkipLog
from protocols.spacepacket import MAX_PACKET_SIZE, PRIMARY_HEADER_SIZE


class RawFramer:
    """Sends a packet as it is: one packet, one datagram."""

    def __init__(self, max_packet_size: int = MAX_PACKET_SIZE) -> None:
        self.max_packet_size = check_max_packet_size(max_packet_size)

    def frame(self, packet: bytes) -> bytes:
        """``packet`` itself; FramingError if it is not one whole space packet."""
        return require_packet(packet, self.max_packet_size)

    def wrap(self, octets: bytes) -> bytes:
        """``octets`` as they are, a whole packet or not (a test's malformed packet)."""
        return bytes(octets)

    def wire_size(self, packet_size: int) -> int:
        """A raw packet takes its own size."""
        return packet_size


class RawDeframer:
    """Takes each ``feed`` as one datagram: delivered when it is exactly one good packet, else skipped whole.

    Never raises and holds nothing between calls. A datagram that is not one whole believable packet (too short,
    longer or shorter than its length field says, a bad header or CRC) is one skipped range with its reason; an
    empty datagram is filler. With ``require_crc`` every packet must carry a CRC (bad header otherwise), and idle
    packets are consumed as filler (good octets, not delivered).
    """

    def __init__(self, max_packet_size: int = MAX_PACKET_SIZE, require_crc: bool = False) -> None:
        self.max_packet_size = check_max_packet_size(max_packet_size)
        self.require_crc = bool(require_crc)
        self.stats = DeframerStats()
        self._log = SkipLog(self.stats)
        self._offset = 0  # stream offset of the next datagram's first octet

    @property
    def buffered(self) -> int:
        """Always 0: a datagram is judged whole when it arrives."""
        return 0

    def feed(self, data: bytes) -> DeframeResult:
        """Take one whole datagram; return its packet, or the skipped range it became."""
        datagram = bytes(data)
        size = len(datagram)
        stats = self.stats
        stats.octets_in += size
        start, self._offset = self._offset, self._offset + size
        if not size:
            return DeframeResult([], [])
        reason = packet_fault(datagram, self.max_packet_size, self.require_crc)
        if reason is None:
            stats.octets_good += size
            if self.require_crc and is_idle(datagram, 0):
                return DeframeResult([], [])
            stats.packets += 1
            return DeframeResult([datagram], [])
        stats.count(reason)
        told = reason in _WITH_HEADER and size >= PRIMARY_HEADER_SIZE and not is_idle(datagram, 0)
        self._log.reject(start, start + size, reason, datagram[:PRIMARY_HEADER_SIZE] if told else b"")
        self._log.close()
        return DeframeResult([], self._log.take())

    def feed_frame(self, data: bytes) -> bytes | None:
        """Always None: every datagram is judged by ``feed``."""
        return None

    def expire(self) -> DeframeResult:
        """Nothing is ever held: nothing to settle."""
        return DeframeResult([], [])

    def flush(self) -> DeframeResult:
        """End of stream: the same as ``expire``."""
        return self.expire()

    def reset(self) -> None:
        """Forget everything: counters and offsets from zero."""
        self._offset = 0
        self.stats.clear()
        self._log = SkipLog(self.stats)


_WITH_HEADER = frozenset((BAD_CRC, BAD_LENGTH, OVERSIZE))
"""Reasons whose rejected datagram had a readable primary header (its sender can be told)."""
