"""The default device-link framing: attached sync marker 1ACFFC1D, then one space packet, trusted by its CRC."""

from __future__ import annotations

from protocols.framing.base import TRUNCATED, DeframeResult, DeframerStats, SkippedRange
from protocols.framing.packets import body_fault, check_max_packet_size, header_fault, require_packet
from protocols.framing.skiplog import SkipLog
from protocols.spacepacket import MAX_PACKET_SIZE, PRIMARY_HEADER_SIZE

ASM = bytes.fromhex("1ACFFC1D")
_ASM_SIZE = len(ASM)
_KEEP = _ASM_SIZE - 1  # with no marker in sight, the last 3 octets may still start one


class AsmFramer:
    """Frames a packet as ASM + packet."""

    def __init__(self, max_packet_size: int = MAX_PACKET_SIZE) -> None:
        self.max_packet_size = check_max_packet_size(max_packet_size)

    def frame(self, packet: bytes) -> bytes:
        """ASM followed by ``packet``; FramingError if ``packet`` is not one whole space packet."""
        return ASM + require_packet(packet, self.max_packet_size)


class AsmDeframer:
    """Hunts for the ASM, checks the header and CRC, and on any doubt resumes at the octet after the marker.

    Never raises on any octets. Holds at most ``max_packet_size + 3`` octets between calls. A skipped
    range is reported once it ends (the next marker is seen), in pieces of at most ``SKIP_SPAN`` octets.
    """

    def __init__(self, max_packet_size: int = MAX_PACKET_SIZE) -> None:
        self.max_packet_size = check_max_packet_size(max_packet_size)
        self.stats = DeframerStats()
        self._buf = bytearray()
        self._base = 0  # stream offset of _buf[0]
        self._log = SkipLog(self.stats)

    @property
    def buffered(self) -> int:
        """Octets held, waiting for more of the stream."""
        return len(self._buf)

    def feed(self, data: bytes) -> DeframeResult:
        """Take the next octets; return the packets and the skipped ranges they complete."""
        stats = self.stats
        stats.octets_in += len(data)
        if not self._buf and data[:_ASM_SIZE] == ASM and len(data) > _ASM_SIZE + PRIMARY_HEADER_SIZE:
            # fast path for the common case, exactly one whole frame: the same outcome as the scan below
            size = ((data[8] << 8) | data[9]) + 1 + PRIMARY_HEADER_SIZE
            if len(data) == _ASM_SIZE + size and not data[4] & 0xE0 and size <= self.max_packet_size:
                packet = data[_ASM_SIZE:]
                if body_fault(packet) is None:
                    log = self._log
                    skipped: list[SkippedRange] = []
                    if log.open:
                        log.close()
                        skipped = log.take()
                    stats.packets += 1
                    stats.octets_good += len(data)
                    self._base += len(data)
                    return DeframeResult([bytes(packet)], skipped)
        self._buf += data
        return DeframeResult(self._scan(final=False), self._log.take())

    def flush(self) -> DeframeResult:
        """End of stream: give up on a packet still waiting for octets and report everything held."""
        packets = self._scan(final=True)
        self._log.close()
        return DeframeResult(packets, self._log.take())

    def reset(self) -> None:
        """Forget everything: as if newly built (empty buffer, counters and offsets from zero)."""
        self._buf.clear()
        self._base = 0
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
                size, reason = self._judge(view, at + _ASM_SIZE, end)
                if size:
                    packets.append(bytes(view[at + _ASM_SIZE:at + _ASM_SIZE + size]))
                    stats.packets += 1
                    stats.octets_good += _ASM_SIZE + size
                    pos = at + _ASM_SIZE + size
                    continue
                if reason is None:
                    if not final:
                        break
                    reason = TRUNCATED
                stats.count(reason)
                log.reject(base + at, base + at + 1, reason)
                pos = at + 1
        del buf[:pos]
        self._base = base + pos
        return packets

    def _judge(self, view: memoryview, head: int, end: int) -> tuple[int, str | None]:
        """(size, None) for a good packet at ``head``; (0, reason) to reject; (0, None) to wait for more."""
        if end - head < PRIMARY_HEADER_SIZE:
            return 0, None
        reason = header_fault(view, head, self.max_packet_size)
        if reason is not None:
            return 0, reason
        size = ((view[head + 4] << 8) | view[head + 5]) + 1 + PRIMARY_HEADER_SIZE
        if end - head < size:
            return 0, None
        reason = body_fault(view[head:head + size])
        return (0, reason) if reason else (size, None)
