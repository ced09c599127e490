"""Progress of a campaign: runs done of the total, failures and open runs so far and the time left (stderr)."""

from __future__ import annotations

import time
from typing import Protocol, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from hil.report.text import clock

PLAIN_EVERY_S = 5.0


class CampaignProgress(Protocol):
    """Told each finished run; closed at the end."""

    def update(self, done: int, failures: int, still_open: int = 0) -> None:
        """``done`` runs of this session finished: ``failures`` of them failed (or raised, timed out, lost their
        worker), ``still_open`` ended with expectations not judged."""

    def close(self) -> None:
        """The campaign ended."""


def _not_passed(failures: int, still_open: int) -> str:
    """``3 failed`` or ``3 failed, 2 open`` (open runs named only when there are some)."""
    return f"{failures} failed" + (f", {still_open} open" if still_open else "")


def _eta(done: int, total: int, elapsed: float) -> str:
    if done == 0 or done >= total:
        return "--"
    return clock(elapsed / done * (total - done))


class BarCampaignProgress:
    """A rich bar: runs done/total, failures and open runs, ETA."""

    def __init__(self, stream: TextIO, total: int) -> None:
        self._total = total
        self._wall0 = time.perf_counter()
        self._progress = Progress(TextColumn("runs"), BarColumn(), MofNCompleteColumn(),
                                  TextColumn("{task.fields[detail]}"), TimeElapsedColumn(),
                                  console=Console(file=stream), transient=True)
        self._task = self._progress.add_task("runs", total=total, detail="")
        self._progress.start()

    def update(self, done: int, failures: int, still_open: int = 0) -> None:
        """Move the bar."""
        eta = _eta(done, self._total, time.perf_counter() - self._wall0)
        self._progress.update(self._task, completed=done, detail=f"{_not_passed(failures, still_open)}  ETA {eta}")

    def close(self) -> None:
        """Remove the bar."""
        self._progress.stop()


class LineCampaignProgress:
    """A plain line every few seconds of wall time (logs, CI), and one at the end."""

    def __init__(self, stream: TextIO, total: int) -> None:
        self._stream = stream
        self._total = total
        self._wall0 = self._last = time.perf_counter()

    def update(self, done: int, failures: int, still_open: int = 0) -> None:
        """Print a line when enough wall time has passed since the last one (and for the last run)."""
        now = time.perf_counter()
        if now - self._last < PLAIN_EVERY_S and done < self._total:
            return
        self._last = now
        eta = _eta(done, self._total, now - self._wall0)
        print(f"farside: {done}/{self._total} runs, {_not_passed(failures, still_open)}, ETA {eta}", file=self._stream,
              flush=True)

    def close(self) -> None:
        """Nothing to tidy."""


class QuietCampaignProgress:
    """No output."""

    def update(self, done: int, failures: int, still_open: int = 0) -> None:
        """Nothing."""

    def close(self) -> None:
        """Nothing."""


def campaign_progress(stream: TextIO, total: int, quiet: bool = False) -> CampaignProgress:
    """A bar on a terminal, plain lines otherwise, nothing when quiet."""
    if quiet:
        return QuietCampaignProgress()
    return BarCampaignProgress(stream, total) if stream.isatty() else LineCampaignProgress(stream, total)
