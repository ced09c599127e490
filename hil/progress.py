"""Progress on stderr: a rich bar on a terminal, otherwise a plain line every few seconds."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Protocol, TextIO

LINE_EVERY_NS = 5_000_000_000


class ProgressSink(Protocol):
    """Told how many packets went out so far."""

    def update(self, done: int) -> None:
        """``done`` packets sent so far."""


class NoProgress:
    """Shows nothing."""

    def update(self, done: int) -> None:
        """Ignore."""

    def __enter__(self) -> NoProgress:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        return None


class LineProgress(NoProgress):
    """A line ``farside: LABEL: N/M packets`` every few seconds."""

    def __init__(self, label: str, total: int | None, stream: TextIO, every_ns: int = LINE_EVERY_NS) -> None:
        self.label, self.total, self.stream, self.every_ns = label, total, stream, every_ns
        self._next = time.monotonic_ns() + every_ns

    def update(self, done: int) -> None:
        """Print a line when the last one is old enough."""
        now = time.monotonic_ns()
        if now >= self._next:
            self._next = now + self.every_ns
            of = f"/{self.total}" if self.total else ""
            print(f"farside: {self.label}: {done}{of} packets", file=self.stream, flush=True)


class BarProgress(NoProgress):
    """A rich progress bar on the terminal."""

    def __init__(self, label: str, total: int | None, stream: TextIO) -> None:
        from rich.console import Console  # rich only where a bar is drawn
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                  TimeElapsedColumn(), console=Console(file=stream), transient=True)
        self._task = self._progress.add_task(label, total=total)

    def update(self, done: int) -> None:
        """Move the bar."""
        self._progress.update(self._task, completed=done)

    def __enter__(self) -> BarProgress:
        self._progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._progress.stop()


def progress_for(label: str, total: int | None, stream: TextIO | None = None, enabled: bool = True) -> NoProgress:
    """The right progress display for ``stream`` (stderr by default): a bar on a terminal, lines otherwise."""
    stream = sys.stderr if stream is None else stream
    if not enabled:
        return NoProgress()
    if stream.isatty():
        return BarProgress(label, total, stream)
    return LineProgress(label, total, stream)
