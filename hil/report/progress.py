"""Progress of a long run in virtual time: a bar on a terminal, a plain line now and then otherwise."""

from __future__ import annotations

import time
from typing import Protocol, TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from hil.report.text import clock

NS_PER_S = 1e9
PLAIN_EVERY_S = 5.0


class ProgressReporter(Protocol):
    """Told the virtual time now and then; closed at the end."""

    def update(self, now_ns: int, end_ns: int | None) -> None:
        """Virtual time reached ``now_ns`` of ``end_ns`` (None: unknown end)."""

    def close(self) -> None:
        """The run ended."""


class BarProgress:
    """A rich progress bar over virtual time, with the speed against real time."""

    def __init__(self, stream: TextIO, end_ns: int | None) -> None:
        self._progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[detail]}"),
                                  TimeElapsedColumn(), console=Console(file=stream), transient=True)
        self._task = self._progress.add_task("virtual time", total=end_ns / NS_PER_S if end_ns else None, detail="")
        self._wall0 = time.perf_counter()
        self._progress.start()

    def update(self, now_ns: int, end_ns: int | None) -> None:
        """Move the bar."""
        wall = max(time.perf_counter() - self._wall0, 1e-9)
        speed = now_ns / NS_PER_S / wall
        self._progress.update(self._task, completed=now_ns / NS_PER_S, total=end_ns / NS_PER_S if end_ns else None,
                              detail=f"{clock(now_ns / NS_PER_S)}  {speed:,.0f}× real time")

    def close(self) -> None:
        """Remove the bar."""
        self._progress.stop()


class LineProgress:
    """A plain line every few seconds of wall time (logs, CI)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._wall0 = self._last = time.perf_counter()

    def update(self, now_ns: int, end_ns: int | None) -> None:
        """Print a line when enough wall time has passed since the last one."""
        wall = time.perf_counter()
        if wall - self._last < PLAIN_EVERY_S:
            return
        self._last = wall
        share = f" ({100 * now_ns / end_ns:.0f} %)" if end_ns else ""
        speed = now_ns / NS_PER_S / max(wall - self._wall0, 1e-9)
        print(f"farside: {clock(now_ns / NS_PER_S)}{share}, {speed:,.0f}× real time", file=self._stream, flush=True)

    def close(self) -> None:
        """Nothing to tidy."""


def progress_reporter(stream: TextIO, end_ns: int | None) -> ProgressReporter:
    """A bar on a terminal, plain lines otherwise."""
    return BarProgress(stream, end_ns) if stream.isatty() else LineProgress(stream)
