"""What a real-time session asks of the host while it runs: a CPU wake-up latency limit, a real-time priority.

- **Wake-up latency (PM QoS).** While a process holds ``/dev/cpu_dma_latency`` open with a limit written to it,
  the kernel's idle governor picks no idle state slower to leave than that limit (``cyclictest`` and tuned's
  latency profiles do the same). A sleeping serve then wakes sooner for a TC, at the price of CPUs that poll
  instead of sleeping deeply. Closing the file (or the process ending) lifts the request.
- **SCHED_FIFO.** Under load an ordinary process that a TC wakes waits for a time slice (milliseconds on a busy
  machine); a SCHED_FIFO thread runs at once. Linux still keeps 5 % of every second for ordinary work
  (``sched_rt_runtime_us``), so a runaway real-time loop cannot lock the machine up.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hil.ports.base import describe

WAKE_LATENCY_DEVICE = Path("/dev/cpu_dma_latency")
"""The kernel's PM QoS request file for CPU wake-up latency (root only, mode 600, on most systems)."""
MAX_WAKE_LATENCY_US = 2_000_000_000
"""The largest limit the kernel takes: a 32-bit count of microseconds."""


@dataclass
class HostRequest:
    """One thing asked of the host: in force until undone (``undo`` set), or refused (``why`` says why)."""

    granted: str
    """What is in force, for the terminal."""
    refused: str
    """What was asked and could not be had, for the terminal (the reason is appended)."""
    undo: Callable[[], None] | None = None
    why: str = ""

    @property
    def in_force(self) -> bool:
        """True until undone, when it was granted."""
        return self.undo is not None

    def describe(self) -> str:
        """One line for the terminal."""
        return self.granted if self.in_force else f"{self.refused} ({self.why})"

    def release(self) -> None:
        """Undo it (idempotent)."""
        if self.undo is not None:
            undo, self.undo = self.undo, None
            undo()


def hold_wake_latency(limit_us: int, device: Path = WAKE_LATENCY_DEVICE) -> HostRequest:
    """Ask the kernel to keep CPU wake-up latency at most ``limit_us`` until the request is released."""
    if not 0 <= limit_us <= MAX_WAKE_LATENCY_US:
        raise ValueError(f"wake-up latency limit {limit_us} µs: 0..{MAX_WAKE_LATENCY_US}")
    request = HostRequest(f"CPU wake-up latency held at ≤ {limit_us} µs ({device}) while the bench runs",
                          "CPU wake-up latency not held; TCs may wait longer for a sleeping CPU")
    try:
        fd = os.open(device, os.O_WRONLY | os.O_CLOEXEC)
    except OSError as error:
        request.why = f"{device}: {describe(error)}" + (" (needs root)" if isinstance(error, PermissionError) else "")
        return request
    try:
        os.write(fd, struct.pack("=i", limit_us))
    except OSError as error:
        os.close(fd)
        request.why = f"{device}: {describe(error)}"
        return request
    request.undo = lambda: os.close(fd)
    return request


def raise_rt_priority(priority: int) -> HostRequest:
    """Run the calling thread at SCHED_FIFO ``priority`` (1..99) until the request is released."""
    if not 1 <= priority <= 99:
        raise ValueError(f"SCHED_FIFO priority {priority}: 1..99")
    request = HostRequest(f"the bench's loop runs at SCHED_FIFO priority {priority}",
                          f"SCHED_FIFO priority {priority} not taken; the loop runs at normal priority")
    if not hasattr(os, "sched_setscheduler"):
        request.why = "this system has no SCHED_FIFO"
        return request
    policy, previous = os.sched_getscheduler(0), os.sched_getparam(0)
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(priority))
    except OSError as error:
        request.why = describe(error) + (" (needs root or CAP_SYS_NICE)" if isinstance(error, PermissionError) else "")
        return request
    request.undo = lambda: os.sched_setscheduler(0, policy, previous)
    return request
