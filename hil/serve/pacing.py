"""Wall-clock pacing that also watches the bench's real ports: input cuts a wait short and enters at its instant."""

from __future__ import annotations

import contextlib
import ctypes
import select
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from firmware_sim.engine.pacing import RealTime

Receive = Callable[[bytes], None]
Gone = Callable[[], None]
PR_SET_TIMERSLACK = 29


@dataclass
class Watched:
    """A port the pacing services: where its octets go, who hears that its peer left, and its registered fd."""

    port: Any
    receive: Receive
    gone: Gone | None = None
    fd: int | None = None
    octets_in: int = 0
    disconnects: int = 0
    """The port's disconnect count when last looked at."""


def disconnects_of(port: Any) -> int:
    """How often ``port`` has lost its peer (0 for a port without counters)."""
    return getattr(getattr(port, "stats", None), "disconnects", 0)


@dataclass
class Lateness:
    """How late cycles began against their wall-clock deadlines (ns), bounded: a histogram, not a list."""

    cycles: int = 0
    late: int = 0
    max_ns: int = 0
    buckets_us: list[int] = field(default_factory=lambda: [0] * 64)
    """Counts of lateness in 50 µs bins; the last bin holds everything beyond."""

    def note(self, late_ns: int) -> None:
        """Count one cycle that began ``late_ns`` after its deadline (0 when on time)."""
        self.cycles += 1
        if late_ns > 0:
            self.late += 1
            self.max_ns = max(self.max_ns, late_ns)
        self.buckets_us[min(late_ns // 50_000, 63)] += 1


def tighten_timer_slack(slack_ns: int = 1_000) -> bool:
    """Ask Linux to wake this thread within ``slack_ns`` of a timeout (default slack is 50 µs); False elsewhere."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(PR_SET_TIMERSLACK, slack_ns, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


class WallClockIo(RealTime):
    """Absolute-deadline real-time pacing; between deadlines it waits on the ports with ``select``.

    When a port becomes readable before the deadline (during the final spin too), the wait returns the virtual
    instant of its arrival and ``dispatch`` reads the port and hands the octets to the bench at that instant.
    Ports that are down (no fd to watch) are serviced every ``retry_s`` so they can come back. A wake-up
    socket cuts the wait short when a signal arrives, so Ctrl-C or SIGTERM take effect at once.

    Every wait re-reads each port's fd first: a port may close its fd outside ``service()`` (a write that finds
    its peer gone), and a closed fd must not be waited on. A port closed by another thread must keep its fd open
    until its next ``service()`` (``hil.emu.socketpair_port`` shuts it down); closing the ports comes after the
    loop has stopped.

    ``select.select`` is called on a ready-made list of fds: microsecond timeouts (epoll and poll round up to
    whole milliseconds) and none of the ``selectors`` bookkeeping, which costs more than the system call.
    """

    def __init__(self, speed: float = 1.0, spin_ns: int = 200_000, retry_s: float = 0.2) -> None:
        super().__init__(speed, spin_ns)
        tighten_timer_slack()
        self.retry_ns = int(retry_s * 1e9)
        self.watched: list[Watched] = []
        self.lateness = Lateness()
        self.tick: Callable[[], None] | None = None
        """Called at every wait (at most every ``retry_s``): status lines and other wall-clock chores."""
        self._ready: list[Watched] = []
        self._serviced_at = 0
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._by_fd: dict[int, Watched | None] = {self._wake_r.fileno(): None}
        """What each watched fd belongs to (None: the wake-up socket)."""
        self._fds = list(self._by_fd)
        self._previous_wakeup_fd: int | None = None

    # ports ---------------------------------------------------------------------------------------------------
    def watch(self, port: Any, receive: Receive, gone: Gone | None = None) -> None:
        """Service ``port`` (a hil.ports DuplexPort) and hand what it reads to ``receive``.

        ``gone()`` is called each time the port's peer goes away, after the last octets it sent, so the bench can
        drop a frame it left half-sent (default: ``expire`` of the boundary ``receive`` belongs to, if it has one).
        """
        watched = Watched(port, receive, gone, disconnects=disconnects_of(port))
        self.watched.append(watched)
        self._register(watched)

    def _register(self, watched: Watched) -> None:
        fd = watched.port.fileno()
        if fd == watched.fd:
            return
        if watched.fd is not None and self._by_fd.get(watched.fd) is watched:  # its number may be another's now
            del self._by_fd[watched.fd]
        watched.fd = fd
        if fd is not None:
            self._by_fd[fd] = watched
        self._fds = list(self._by_fd)

    def _refresh(self) -> None:
        """Re-read every port's fd, so a wait never watches one a port has closed since it was last serviced."""
        for watched in self.watched:
            self._register(watched)

    def _service(self, watched: Watched) -> None:
        self._notice_departure(watched)  # a peer lost while writing: before anything its successor sends
        octets = watched.port.service()
        self._register(watched)
        if octets:
            watched.octets_in += len(octets)
            watched.receive(octets)
        self._notice_departure(watched)  # a peer lost while reading: after the last octets it sent

    @staticmethod
    def _notice_departure(watched: Watched) -> None:
        disconnects = disconnects_of(watched.port)
        if disconnects != watched.disconnects:
            watched.disconnects = disconnects
            if watched.gone is not None:
                watched.gone()

    def wake(self) -> None:
        """Cut the current wait short (safe from a signal handler or another thread)."""
        with contextlib.suppress(OSError):
            self._wake_w.send(b"\0")

    def take_signals(self) -> None:
        """Let signals wake the wait at once (their Python handlers still run)."""
        self._previous_wakeup_fd = signal.set_wakeup_fd(self._wake_w.fileno(), warn_on_full_buffer=False)

    # pacing --------------------------------------------------------------------------------------------------
    def virtual_now(self) -> int:
        """The virtual instant the wall clock is at now."""
        return self._virtual0 + int((time.monotonic_ns() - self._wall0) * self.speed)

    def wait_until(self, virtual_ns: int) -> int | None:
        """Wait for the deadline of ``virtual_ns`` or for input; None at the deadline, else the input's instant."""
        deadline = self.deadline(virtual_ns)
        wait, clock = select.select, time.monotonic_ns
        while True:
            self._refresh()
            now = clock()
            if now - self._serviced_at >= self.retry_ns:
                self._chores(now)
            remaining = deadline - now
            sleep_ns = min(remaining - self.spin_ns, self._serviced_at + self.retry_ns - now)
            readable = wait(self._fds, (), (), sleep_ns / 1e9 if sleep_ns > 0 else 0)[0]
            if readable:
                return self._woken(readable)
            if remaining <= self.spin_ns:
                break
        fds = self._fds
        while (now := clock()) < deadline:  # the spin still listens: input enters at its instant, not the deadline
            readable = wait(fds, (), (), 0)[0]
            if readable:
                return self._woken(readable)
        late = now - deadline
        self.lateness.note(late)
        if late > 0:
            self.late_cycles += 1
            self.max_late_ns = max(self.max_late_ns, late)
        return None

    def _woken(self, readable: list[int]) -> int:
        """Note the fds that cut the wait short; the virtual instant they did."""
        by_fd = self._by_fd
        self._ready = [by_fd[fd] for fd in readable]
        return self.virtual_now()

    def _chores(self, now: int) -> None:
        self._serviced_at = now
        for watched in self.watched:
            if watched.fd is None:
                self._service(watched)
        if self.tick is not None:
            self.tick()

    def dispatch(self) -> None:
        """Read every port that woke the wait and pass its octets into the bench (the clock is at their arrival)."""
        ready, self._ready = self._ready, []
        for watched in ready:
            if watched is None:
                self._drain_wake()
            else:
                self._service(watched)

    def _drain_wake(self) -> None:
        try:
            while self._wake_r.recv(256):
                pass
        except BlockingIOError:
            pass

    def close(self) -> None:
        """Stop watching; restore the previous signal wake-up fd (idempotent)."""
        if self._wake_r.fileno() < 0:
            return
        if self._previous_wakeup_fd is not None:
            signal.set_wakeup_fd(self._previous_wakeup_fd)
            self._previous_wakeup_fd = None
        self._by_fd.clear()
        self._fds = []
        self._wake_r.close()
        self._wake_w.close()
