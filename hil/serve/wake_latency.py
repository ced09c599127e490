"""Linux PM QoS for a real-time session: keep every CPU out of idle states slower to leave than a limit.

While a process holds ``/dev/cpu_dma_latency`` open with a limit written to it, the kernel's idle governor picks no
idle state whose exit latency is above that limit (``cyclictest`` and tuned's latency profiles do the same). A
sleeping serve then wakes for a TC sooner, at the price of CPUs that poll instead of sleeping deeply. Closing the
file (or the process ending) lifts the request.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

from hil.ports.base import describe

DEVICE = Path("/dev/cpu_dma_latency")
"""The kernel's PM QoS request file for CPU wake-up latency (root only, mode 600, on most systems)."""
MAX_LIMIT_US = 2_000_000_000
"""The largest limit the kernel takes: a 32-bit count of microseconds."""


@dataclass
class WakeLatencyHold:
    """A CPU wake-up latency request: held while ``fd`` is open, or the reason it is not."""

    limit_us: int
    device: Path
    fd: int | None = None
    problem: str = ""

    @property
    def held(self) -> bool:
        """True while the request is in force."""
        return self.fd is not None

    def describe(self) -> str:
        """One line for the terminal: what is held, or why not."""
        if self.held:
            return f"CPU wake-up latency held at ≤ {self.limit_us} µs ({self.device}) while the bench runs"
        return f"CPU wake-up latency not held ({self.device}: {self.problem}); TCs may wait longer for a sleeping CPU"

    def release(self) -> None:
        """Lift the request (idempotent)."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def hold_wake_latency(limit_us: int, device: Path = DEVICE) -> WakeLatencyHold:
    """Ask the kernel to keep CPU wake-up latency at most ``limit_us``; the hold says whether it could."""
    if not 0 <= limit_us <= MAX_LIMIT_US:
        raise ValueError(f"wake-up latency limit {limit_us} µs: 0..{MAX_LIMIT_US}")
    hold = WakeLatencyHold(limit_us, device)
    try:
        fd = os.open(device, os.O_WRONLY | os.O_CLOEXEC)
    except OSError as error:
        hold.problem = describe(error) + (" (needs root)" if isinstance(error, PermissionError) else "")
        return hold
    try:
        os.write(fd, struct.pack("=i", limit_us))
    except OSError as error:
        os.close(fd)
        hold.problem = describe(error)
        return hold
    hold.fd = fd
    return hold
