"""Turn runs of rejected octets into skipped-range reports that do not depend on how the stream was chunked."""

from __future__ import annotations

from protocols.framing.base import NO_SYNC, DeframerStats, SkippedRange

SKIP_SPAN = 1 << 16
"""A run of bad octets is reported in pieces of at most this many octets, so endless noise still gets reported."""


class SkipLog:
    """Merges contiguous bad octets into one run, reports it when it ends, and counts them in the stats."""

    __slots__ = ("_header", "_start", "_stats", "_stop", "ranges", "reason", "span")

    def __init__(self, stats: DeframerStats, span: int = SKIP_SPAN) -> None:
        self._stats = stats
        self.span = span
        self._start = self._stop = 0
        self.reason = ""
        """The open run's reason; empty while no run is open."""
        self._header = b""  # the rejected candidate's primary header, reported with the run's first piece
        self.ranges: list[SkippedRange] = []

    def skip(self, start: int, stop: int) -> None:
        """Drop ``[start, stop)``: it extends the open run if it follows on, else opens a "no sync" run."""
        if not self.reason or self._stop != start:
            self.close()
            self._start, self.reason, self._header = start, NO_SYNC, b""
        self._grow(start, stop)

    def reject(self, start: int, stop: int, reason: str, header: bytes = b"") -> None:
        """Drop ``[start, stop)`` as the start of a new run with its own ``reason`` (and candidate ``header``)."""
        self.close()
        self._start, self.reason, self._header = start, reason, header
        self._grow(start, stop)

    def close(self) -> None:
        """End the open run, reporting it if it holds any octets."""
        if self.reason and self._stop > self._start:
            self._emit(self._start, self._stop)
        self.reason = ""

    def take(self) -> list[SkippedRange]:
        """The ranges reported since the last call."""
        ranges, self.ranges = self.ranges, []
        return ranges

    def _grow(self, start: int, stop: int) -> None:
        self._stats.octets_skipped += stop - start
        self._stop = stop
        while self._stop - self._start >= self.span:
            self._emit(self._start, self._start + self.span)
            self._start += self.span

    def _emit(self, start: int, stop: int) -> None:
        self.ranges.append(SkippedRange(start, stop, self.reason, self._header))
        self._header = b""
        self._stats.ranges_skipped += 1
