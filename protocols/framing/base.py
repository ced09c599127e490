"""What every device-link framing shares: skipped-range reports, counters and the Framer/Deframer protocols."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import NamedTuple, Protocol, runtime_checkable

NO_SYNC = "no sync"
BAD_HEADER = "bad header"
BAD_CRC = "bad crc"
BAD_LENGTH = "bad length"
BAD_COBS = "bad cobs"
OVERSIZE = "oversize"
TRUNCATED = "truncated"
REASONS = (NO_SYNC, BAD_HEADER, BAD_CRC, BAD_LENGTH, BAD_COBS, OVERSIZE, TRUNCATED)
"""Every ``SkippedRange.reason`` a deframer reports: short words that stay stable."""


class SkippedRange(NamedTuple):
    """Octets a deframer dropped: absolute stream offsets ``[start, stop)``, why, and the candidate's header.

    ``header`` holds the 6-octet primary header of a rejected candidate packet whose header could be read
    (reasons bad crc, bad length, truncated and oversize), so that its sender can be told; else it is empty.
    """

    start: int
    stop: int
    reason: str
    header: bytes = b""

    @property
    def size(self) -> int:
        """Octets in the range."""
        return self.stop - self.start


class DeframeResult(NamedTuple):
    """What one ``feed`` produced: whole packets in stream order, and the ranges it gave up on."""

    packets: list[bytes]
    skipped: list[SkippedRange]


@dataclass
class DeframerStats:
    """Running counters of a deframer; ``octets_in == octets_good + octets_skipped + buffered`` always."""

    octets_in: int = 0
    """Every octet fed."""
    packets: int = 0
    """Packets delivered."""
    octets_good: int = 0
    """Octets of delivered frames (packet and framing) and of idle filler such as empty COBS frames."""
    octets_skipped: int = 0
    """Octets judged bad: those in reported ranges plus the run still open (reported when it ends)."""
    ranges_skipped: int = 0
    """Skipped ranges reported."""
    header_errors: int = 0
    """Candidates rejected for a bad primary header (version; no CRC where the deframer requires one)."""
    length_errors: int = 0
    """Frames whose length field disagrees with the octets they hold (with no CRC: with the next marker)."""
    crc_errors: int = 0
    """Packets rejected because their CRC-16 did not check."""
    cobs_errors: int = 0
    """Frames that are not valid COBS."""
    oversize: int = 0
    """Frames longer than the deframer's maximum packet size allows."""
    truncated: int = 0
    """Frames cut short: still waiting at ``expire``/``flush``, or failing their CRC with the next marker inside."""

    def count(self, reason: str) -> None:
        """Add one to the error counter that matches ``reason``."""
        name = _COUNTERS.get(reason)
        if name is not None:
            setattr(self, name, getattr(self, name) + 1)

    def clear(self) -> None:
        """Set every counter back to zero."""
        for item in fields(self):
            setattr(self, item.name, 0)


_COUNTERS = {
    BAD_HEADER: "header_errors",
    BAD_LENGTH: "length_errors",
    BAD_CRC: "crc_errors",
    BAD_COBS: "cobs_errors",
    OVERSIZE: "oversize",
    TRUNCATED: "truncated",
}


@runtime_checkable
class Framer(Protocol):
    """Turns one space packet into the octets that carry it on a device link."""

    def frame(self, packet: bytes) -> bytes:
        """The framed octets of ``packet``; raises FramingError if it is not a space packet."""
        ...

    def wrap(self, octets: bytes) -> bytes:
        """``octets`` framed as they are, whether or not they are one whole space packet (to send malformed ones)."""
        ...

    def wire_size(self, packet_size: int) -> int:
        """The most octets a packet of ``packet_size`` takes once framed."""
        ...


@runtime_checkable
class Deframer(Protocol):
    """Incremental, never-raising deframer: octets in, whole packets and skipped ranges out."""

    stats: DeframerStats

    def feed(self, data: bytes) -> DeframeResult:
        """Take the next octets of the stream; return the packets and skipped ranges they complete."""
        ...

    def feed_frame(self, data: bytes) -> bytes | None:
        """``feed`` of exactly one whole frame holding a good packet, with nothing held before it: the packet; None
        when ``data`` is anything else (or the framing has no such shortcut), and then nothing is taken."""
        ...

    @property
    def buffered(self) -> int:
        """Octets held, waiting for more of the stream."""
        ...

    def flush(self) -> DeframeResult:
        """End of stream: settle everything held (a frame still waiting is reported as truncated)."""
        ...

    def expire(self) -> DeframeResult:
        """The line went quiet or its reader went away: drop the frame still waiting (truncated), rescan the rest."""
        ...

    def reset(self) -> None:
        """Forget everything: as if newly built (empty buffer, counters and offsets from zero)."""
        ...
