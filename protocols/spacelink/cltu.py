"""CLTUs (231.0-B): start sequence EB90, BCH codeblocks, tail; an encoder and a never-raising stream decoder."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import NamedTuple

from protocols.spacelink.bch import CODEBLOCK_SIZE, FILL, INFO_SIZE, decode_codeblock, parity_octet
from protocols.spacelink.randomizer import tc_randomize
from protocols.spacelink.tc_frame import MAX_FRAME_SIZE

START_SEQUENCE = bytes.fromhex("EB90")
TAIL_SEQUENCE = bytes.fromhex("C5C5C5C5C5C5C579")

TAIL = "tail"
REJECTED = "rejected"
TRUNCATED = "truncated"
TOO_LONG = "too long"
MAX_CODEBLOCKS = -(-MAX_FRAME_SIZE // INFO_SIZE)
"""Codeblocks of the longest CLTU a TC frame needs (147 for 1024 octets); a longer run is cut off there."""


def encode_cltu(frame: bytes | bytearray | memoryview, randomize: bool = False) -> bytes:
    """A CLTU carrying ``frame`` (TC-randomized first when ``randomize``); a short last block is padded with 55."""
    data = tc_randomize(frame) if randomize else bytes(frame)
    short = len(data) % INFO_SIZE
    if short or not data:
        data += bytes([FILL]) * (INFO_SIZE - short)
    parts = [START_SEQUENCE]
    for pos in range(0, len(data), INFO_SIZE):
        info = data[pos:pos + INFO_SIZE]
        parts.append(info)
        parts.append(bytes([parity_octet(info)]))
    parts.append(TAIL_SEQUENCE)
    return b"".join(parts)


class CltuResult(NamedTuple):
    """One CLTU found in the stream: its information octets (fill included), how it ended, its error count.

    ``ended_by`` is "tail", "rejected" (a codeblock with two or more errors; the tail sequence with a bit error
    ends a CLTU this way too), "too long" (more codeblocks than any TC frame needs: the CLTU is cut off there and
    the hunt for a start sequence resumes at the next codeblock) or "truncated" (the stream ended first, on
    ``flush``). ``start`` is the stream
    offset of its start sequence.
    """

    data: bytes
    codeblocks: int
    corrected: int
    ended_by: str
    start: int


@dataclass
class CltuStats:
    """Running counters of a CLTU decoder."""

    octets_in: int = 0
    cltus: int = 0
    codeblocks: int = 0
    """Codeblocks accepted."""
    corrected_bits: int = 0
    """Single-bit errors corrected."""
    rejected_codeblocks: int = 0
    """Codeblocks that ended a CLTU because they could not be corrected (the tail excluded)."""
    too_long: int = 0
    """CLTUs cut off after ``max_codeblocks`` codeblocks with no tail (memory stays bounded)."""
    tails: int = 0
    octets_skipped: int = 0
    """Octets searched through without finding a start sequence."""

    def clear(self) -> None:
        """Set every counter back to zero."""
        for item in fields(self):
            setattr(self, item.name, 0)


class CltuDecoder:
    """Hunts for start sequences and decodes codeblocks until the tail or a rejected codeblock ends the CLTU."""

    def __init__(self, randomized: bool = False, max_codeblocks: int = MAX_CODEBLOCKS) -> None:
        self.randomized = randomized
        self.max_codeblocks = max_codeblocks
        self.stats = CltuStats()
        self._buf = bytearray()
        self._base = 0  # stream offset of _buf[0]
        self._info: list[bytes] | None = None  # None while searching
        self._start = 0
        self._corrected = 0

    @property
    def buffered(self) -> int:
        """Octets held, waiting for more of the stream."""
        return len(self._buf)

    def feed(self, data: bytes | bytearray | memoryview) -> list[CltuResult]:
        """Take the next octets; return the CLTUs they complete."""
        self.stats.octets_in += len(data)
        self._buf += data
        return self._scan()

    def flush(self) -> list[CltuResult]:
        """End of stream: a CLTU still open is delivered as truncated; the rest is dropped."""
        results = self._scan()
        if self._info is not None:
            results.append(self._end(TRUNCATED))
        self.stats.octets_skipped += len(self._buf)
        self._base += len(self._buf)
        self._buf.clear()
        return results

    def reset(self) -> None:
        """Forget everything: as if newly built."""
        self.stats.clear()
        self._buf.clear()
        self._base = self._start = self._corrected = 0
        self._info = None

    def _scan(self) -> list[CltuResult]:
        buf, stats = self._buf, self.stats
        results: list[CltuResult] = []
        pos = 0
        end = len(buf)
        while True:
            if self._info is None:
                at = buf.find(START_SEQUENCE, pos)
                if at < 0:
                    keep = max(pos, end - (len(START_SEQUENCE) - 1))
                    stats.octets_skipped += keep - pos
                    pos = keep
                    break
                stats.octets_skipped += at - pos
                self._info, self._start, self._corrected = [], self._base + at, 0
                pos = at + len(START_SEQUENCE)
                continue
            if end - pos < CODEBLOCK_SIZE:
                break
            block = buf[pos:pos + CODEBLOCK_SIZE]
            if block == TAIL_SEQUENCE:
                stats.tails += 1
                results.append(self._end(TAIL))
                pos += CODEBLOCK_SIZE
                continue
            if len(self._info) >= self.max_codeblocks:
                stats.too_long += 1
                results.append(self._end(TOO_LONG))
                continue  # search again from this codeblock's first octet
            info, corrected = decode_codeblock(block)
            if info is None:
                stats.rejected_codeblocks += 1
                results.append(self._end(REJECTED))
                continue  # search again from the rejected block's first octet
            self._info.append(info)
            self._corrected += corrected
            stats.codeblocks += 1
            stats.corrected_bits += corrected
            pos += CODEBLOCK_SIZE
        del buf[:pos]
        self._base += pos
        return results

    def _end(self, how: str) -> CltuResult:
        info = self._info or []
        data = b"".join(info)
        if self.randomized:
            data = tc_randomize(data)
        self.stats.cltus += 1
        result = CltuResult(data, len(info), self._corrected, how, self._start)
        self._info = None
        return result
