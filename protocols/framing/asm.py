"""The default device-link framing: marker 1ACFFC1D, then one space packet, trusted by its CRC or the next marker."""

from __future__ import annotations

from binascii import crc_hqx

from protocols.crc import CRC16_INIT
from protocols.framing.base import (
    BAD_CRC,
    BAD_HEADER,
    BAD_LENGTH,
    OVERSIZE,
    TRUNCATED,
    DeframeResult,
    DeframerStats,
)
from protocols.framing.packets import (
    VERSION_MASK,
    carries_crc,
    check_max_packet_size,
    header_fault,
    is_idle,
    require_packet,
)
from protocols.framing.skiplog import SkipLog
from protocols.spacepacket import MAX_PACKET_SIZE, PRIMARY_HEADER_SIZE
from protocols.syncmarker import ASM

_ASM_SIZE = len(ASM)
_KEEP = _ASM_SIZE - 1  # with no marker in sight, the last 3 octets may still start one


class AsmFramer:
    """Frames a packet as ASM + packet."""

    def __init__(self, max_packet_size: int = MAX_PACKET_SIZE) -> None:
        self.max_packet_size = check_max_packet_size(max_packet_size)

    def frame(self, packet: bytes) -> bytes:
        """ASM followed by ``packet``; FramingError if ``packet`` is not one whole space packet."""
        return ASM + require_packet(packet, self.max_packet_size)  # not through wrap: once per frame of every hop

    def wrap(self, octets: bytes) -> bytes:
        """ASM followed by ``octets`` as they are, a whole packet or not (a test's malformed packet)."""
        return ASM + bytes(octets)

    def wire_size(self, packet_size: int) -> int:
        """The octets a packet of ``packet_size`` takes once framed."""
        return _ASM_SIZE + packet_size


class AsmDeframer:
    """Hunts for the ASM, checks the header and CRC, and on any doubt resumes at the octet after the marker.

    Never raises on any octets. A packet with no CRC to check (no secondary header, or idle) is believed
    only when its length is confirmed: the next 4 octets are the marker, or (``trust_read_end``, for packets
    that are delivered) the octets fed so far end exactly at its end. With ``require_crc`` every packet must
    carry a CRC: one without is a bad header, and idle packets are consumed as filler (good octets, not
    delivered) unless their body holds a marker (truncated: a cut idle packet never swallows frames).
    Holds at most ``max_packet_size + 7`` octets between calls. A skipped range is reported once it ends
    (the next marker is seen), in pieces of at most ``SKIP_SPAN`` octets; a rejected candidate's range
    carries its primary header when it could be read and is not an idle packet's.
    """

    def __init__(self, max_packet_size: int = MAX_PACKET_SIZE, require_crc: bool = False,
                 trust_read_end: bool = True) -> None:
        self.max_packet_size = check_max_packet_size(max_packet_size)
        self.require_crc = bool(require_crc)
        self.trust_read_end = bool(trust_read_end)
        self.stats = DeframerStats()
        self._buf = bytearray()
        self._base = 0  # stream offset of _buf[0]
        self._log = SkipLog(self.stats)
        self._filler_head = self._filler_clear = -1  # an idle candidate's stream offset, and how far it was searched

    @property
    def buffered(self) -> int:
        """Octets held, waiting for more of the stream."""
        return len(self._buf)

    def feed(self, data: bytes) -> DeframeResult:
        """Take the next octets; return the packets and the skipped ranges they complete."""
        packet = self.feed_frame(data)
        if packet is not None:
            return DeframeResult([packet], [])
        self.stats.octets_in += len(data)
        self._buf += data
        return DeframeResult(self._scan(final=False), self._log.take())

    def feed_frame(self, data: bytes) -> bytes | None:
        """``feed`` of exactly one whole frame with a good CRC, nothing held or open before it: its packet, counted
        as ``feed`` counts it; None for anything else, of which nothing is taken (give it to ``feed``)."""
        octets = len(data)
        if self._buf or self._log.reason or not self.trust_read_end or octets <= _ASM_SIZE + PRIMARY_HEADER_SIZE \
                or data[:_ASM_SIZE] != ASM:
            return None
        size = ((data[8] << 8) | data[9]) + 1 + PRIMARY_HEADER_SIZE
        if octets != _ASM_SIZE + size or data[_ASM_SIZE] & VERSION_MASK or size > self.max_packet_size \
                or not carries_crc(data, _ASM_SIZE):
            return None  # not one whole version-0 packet with a CRC to check
        packet = data[_ASM_SIZE:]
        if crc_hqx(packet, CRC16_INIT):
            return None
        # what a scan of these octets would conclude: the packet is delivered, its marker and octets were good
        stats = self.stats
        stats.octets_in += octets
        stats.packets += 1
        stats.octets_good += octets
        self._base += octets
        return packet if type(packet) is bytes else bytes(packet)  # a slice of bytes is a new bytes object already

    def expire(self) -> DeframeResult:
        """The line went quiet or its reader went away: settle what is held and report it.

        The frame still waiting for octets is dropped (truncated; bad length for a packet with no CRC
        whose next octets are only the start of a marker), the octets after its marker are scanned
        again (a frame found whole there is delivered), and octets held as a possible marker start are
        skipped. The deframer then takes new octets as if the stream went on.
        """
        packets = self._scan(final=True)
        self._log.close()
        return DeframeResult(packets, self._log.take())

    def flush(self) -> DeframeResult:
        """End of stream: the same as ``expire``."""
        return self.expire()

    def reset(self) -> None:
        """Forget everything: as if newly built (empty buffer, counters and offsets from zero)."""
        self._buf.clear()
        self._base = 0
        self._filler_head = self._filler_clear = -1
        self.stats.clear()
        self._log = SkipLog(self.stats)

    def _scan(self, final: bool) -> list[bytes]:
        buf, base, log, stats = self._buf, self._base, self._log, self.stats
        packets: list[bytes] = []
        end = len(buf)
        pos = 0
        with memoryview(buf) as view:
            while True:
                at = buf.find(ASM, pos)
                if at < 0:
                    keep = end if final else max(pos, end - _KEEP)
                    if keep > pos:
                        log.skip(base + pos, base + keep)
                    pos = keep
                    break
                if at > pos:
                    log.skip(base + pos, base + at)
                log.close()
                pos = at
                head = at + _ASM_SIZE
                verdict, size, reason = self._judge(view, head, end, final)
                if verdict == _WAIT:
                    break
                if verdict == _REJECT:
                    stats.count(reason)
                    told = reason in _WITH_HEADER and end - head >= PRIMARY_HEADER_SIZE and not is_idle(view, head)
                    header = bytes(view[head:head + PRIMARY_HEADER_SIZE]) if told else b""
                    log.reject(base + at, base + at + 1, reason, header)
                    pos = at + 1
                    continue
                if verdict == _DELIVER:
                    packets.append(bytes(view[head:head + size]))
                    stats.packets += 1
                stats.octets_good += _ASM_SIZE + size
                pos = head + size
        del buf[:pos]
        self._base = base + pos
        return packets

    def _judge(self, view: memoryview, head: int, end: int, final: bool) -> tuple[int, int, str]:
        """What to do with the candidate packet at ``head``: (verdict, its size, the reason to reject it)."""
        held = end - head
        if held < PRIMARY_HEADER_SIZE:
            return (_REJECT, 0, TRUNCATED) if final else _WAITING
        reason = header_fault(view, head, self.max_packet_size)
        if reason is not None:
            return _REJECT, 0, reason
        size = ((view[head + 4] << 8) | view[head + 5]) + 1 + PRIMARY_HEADER_SIZE
        checked = carries_crc(view, head)
        filler = not checked and self.require_crc
        if filler:
            if not is_idle(view, head):
                return _REJECT, 0, BAD_HEADER
            if self._marker_in_filler(head, min(head + size, end)):
                return _REJECT, 0, TRUNCATED
        if held < size:
            return (_REJECT, 0, TRUNCATED) if final else _WAITING
        stop = head + size
        trust = self.trust_read_end and not filler
        if checked:
            inside = self._buf.find(ASM, head, stop) >= 0
            if crc_hqx(view[head:stop], CRC16_INIT):  # the next frame's marker inside or at its end: cut short
                return _REJECT, 0, TRUNCATED if inside or _marker_part(view, stop) else BAD_CRC
            if not inside:
                # a good CRC whose last octets start a marker: cut short, if the rest of that marker follows
                part = _marker_part(view, stop)
                after = _after(view, stop, end, ASM[part:], final, trust) if part else _MISMATCH
                if after == _WAIT:
                    return _WAITING
                return (_REJECT, 0, TRUNCATED) if after == _MATCH else (_DELIVER, size, "")
        # no CRC, or a marker inside: only the next marker (or the end of what was fed) confirms the length
        after = _after(view, stop, end, ASM, final, trust)
        if after == _WAIT:
            return _WAITING
        if after == _MISMATCH:
            return _REJECT, 0, BAD_LENGTH
        return (_FILLER if filler else _DELIVER), size, ""

    def _marker_in_filler(self, head: int, stop: int) -> bool:
        """True when ``_buf[head:stop]``, the held part of an idle packet's body, holds a marker (searched once)."""
        at = self._base + head
        start = head if self._filler_head != at else max(head, self._filler_clear - self._base - _KEEP)
        self._filler_head, self._filler_clear = at, self._base + stop
        return self._buf.find(ASM, start, stop) >= 0


def _after(view: memoryview, stop: int, end: int, rest: bytes, final: bool, trust_end: bool) -> int:
    """Whether the octets from ``stop`` are ``rest``: _MATCH, _MISMATCH, _AT_END (none, and that counts) or _WAIT."""
    held = end - stop
    want = len(rest)
    if held >= want:
        return _MATCH if view[stop:stop + want] == rest else _MISMATCH
    if not held:
        return _AT_END if final or trust_end else _WAIT
    return _MISMATCH if final or view[stop:end] != rest[:held] else _WAIT


def _marker_part(view: memoryview, stop: int) -> int:
    """How many octets before ``stop`` (0..3; a packet has at least 7) are the start of a marker."""
    last = view[stop - 1]
    if last == 0x1A:
        return 1
    if last == 0xCF:
        return 2 if view[stop - 2] == 0x1A else 0
    if last == 0xFC:
        return 3 if view[stop - 2] == 0xCF and view[stop - 3] == 0x1A else 0
    return 0


_DELIVER, _FILLER, _REJECT, _WAIT = range(4)
_MATCH, _MISMATCH, _AT_END = range(4, 7)
_WAITING = (_WAIT, 0, "")
_WITH_HEADER = frozenset((BAD_CRC, BAD_LENGTH, TRUNCATED, OVERSIZE))
"""Reasons whose rejected candidate had a readable primary header (its sender can be told)."""
