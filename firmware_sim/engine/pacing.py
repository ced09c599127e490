"""How virtual time relates to the wall clock: as fast as possible, or locked to it with absolute deadlines."""

from __future__ import annotations

import time
from typing import Protocol

SPEED_RANGE = (0.01, 1000.0)
"""Slowest and fastest real-time pacing, in virtual seconds per wall-clock second (``--speed``, ``?speed=``)."""


class Pacing(Protocol):
    """A strategy the scheduler calls before advancing virtual time."""

    def start(self, virtual_ns: int) -> None:
        """Anchor the strategy at the current virtual time."""

    def wait_until(self, virtual_ns: int) -> int | None:
        """Return None when virtual time ``virtual_ns`` may begin, or the earlier virtual instant input arrived."""

    def dispatch(self) -> None:
        """Hand the input that cut a wait short to the bench (the scheduler's clock is at its arrival)."""

    def finish(self) -> None:
        """The run stopped (pause, end)."""


class AsFastAsPossible:
    """Never waits: headless CI runs."""

    def start(self, virtual_ns: int) -> None:
        """Nothing to anchor."""

    def wait_until(self, virtual_ns: int) -> None:
        """Never waits."""

    def dispatch(self) -> None:
        """No input to hand over."""

    def finish(self) -> None:
        """Nothing to release."""


class RealTime:
    """Locks virtual time to the wall clock with absolute deadlines, so lateness never accumulates."""

    def __init__(self, speed: float = 1.0, spin_ns: int = 200_000) -> None:
        self.speed = speed
        self.spin_ns = spin_ns
        self.late_cycles = 0
        self.max_late_ns = 0
        self._wall0 = 0
        self._virtual0 = 0

    def start(self, virtual_ns: int) -> None:
        """Anchor: this virtual instant is now on the wall clock."""
        self._wall0 = time.monotonic_ns()
        self._virtual0 = virtual_ns

    def deadline(self, virtual_ns: int) -> int:
        """Wall-clock deadline (monotonic ns) of a virtual instant."""
        return self._wall0 + round((virtual_ns - self._virtual0) / self.speed)

    def wait_until(self, virtual_ns: int) -> None:
        """Sleep, then spin briefly, until the deadline; count it as late if it already passed."""
        deadline = self.deadline(virtual_ns)
        now = time.monotonic_ns()
        if now > deadline:
            self.late_cycles += 1
            self.max_late_ns = max(self.max_late_ns, now - deadline)
            return
        if deadline - now > self.spin_ns:
            time.sleep((deadline - now - self.spin_ns) / 1e9)
        while time.monotonic_ns() < deadline:
            pass

    def dispatch(self) -> None:
        """No input to hand over."""

    def finish(self) -> None:
        """Nothing to release."""
