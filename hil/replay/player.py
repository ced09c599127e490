"""Send a schedule of packets to a transport on absolute wall-clock deadlines, measuring lateness per packet."""

from __future__ import annotations

import time
from array import array

from firmware_sim.engine.pacing import RealTime
from hil.progress import NoProgress, ProgressSink
from hil.replay.report import LatenessStats, ReplayReport
from hil.replay.schedule import Schedule
from hil.transports import Transport

SPIN_NS = 200_000
"""Sleep until this long before a deadline, then spin on the monotonic clock."""
PROGRESS_EVERY_NS = 100_000_000


class Player:
    """Plays a schedule ``loops`` times (0: until interrupted) at ``speed``; every deadline is one anchor + offset."""

    def __init__(self, transport: Transport, schedule: Schedule, speed: float = 1.0, loops: int = 1,
                 spin_ns: int = SPIN_NS, progress: ProgressSink | None = None) -> None:
        if speed <= 0:
            raise ValueError(f"speed={speed}: must be above 0")
        if loops < 0:
            raise ValueError(f"loops={loops}: must be 0 (forever) or more")
        self.transport = transport
        self.schedule = schedule
        self.speed = speed
        self.loops = loops
        self.pacing = RealTime(speed, spin_ns)
        self.progress = progress or NoProgress()
        self.lateness = array("q")
        """Per packet: monotonic ns just before ``send`` minus its deadline (empty with ``asap``)."""

    def run(self) -> ReplayReport:
        """Send every pass; Ctrl-C stops after the packet in flight and still returns the report."""
        schedule, pacing, send = self.schedule, self.pacing, self.transport.send
        paced = schedule.mode != "asap"
        sent = octets = passes = 0
        interrupted = False
        next_progress = 0
        start = time.monotonic_ns()
        pacing.start(0)
        try:
            while self.loops == 0 or passes < self.loops:
                base = passes * schedule.period_ns
                for packet, offset in zip(schedule.packets, schedule.offsets_ns, strict=True):
                    if paced:
                        virtual = base + offset
                        pacing.wait_until(virtual)
                        self.lateness.append(time.monotonic_ns() - pacing.deadline(virtual))
                    send(packet)
                    sent += 1
                    octets += len(packet)
                    now = time.monotonic_ns()
                    if now >= next_progress:
                        next_progress = now + PROGRESS_EVERY_NS
                        self.progress.update(sent)
                passes += 1
        except KeyboardInterrupt:
            interrupted = True
        duration = time.monotonic_ns() - start
        self.progress.update(sent)
        stats = LatenessStats.of(self.lateness) if paced else None
        return ReplayReport(self.transport.url, schedule.mode, self.speed, sent, octets, passes, duration,
                            stats, interrupted, schedule.reordered)
