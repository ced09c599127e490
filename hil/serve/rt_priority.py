"""SCHED_FIFO for a real-time session: its loop preempts ordinary work the moment a port wakes it.

Under load an ordinary process that a TC wakes waits for the scheduler to give it a CPU (milliseconds on a busy
machine); a SCHED_FIFO thread runs at once. Linux still keeps 5 % of every second for ordinary work
(``sched_rt_runtime_us``), so a runaway real-time loop cannot lock the machine up.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from hil.ports.base import describe


@dataclass
class RtPriority:
    """The calling thread's scheduling while raised: the priority, and the policy to go back to, or why not."""

    priority: int
    previous: tuple[int, int] | None = None
    problem: str = ""

    @property
    def raised(self) -> bool:
        """True while the thread runs at the real-time priority."""
        return self.previous is not None

    def describe(self) -> str:
        """One line for the terminal: what the loop runs at, or why not."""
        if self.raised:
            return f"the bench's loop runs at SCHED_FIFO priority {self.priority}"
        return f"SCHED_FIFO priority {self.priority} not taken ({self.problem}); the loop runs at normal priority"

    def restore(self) -> None:
        """Back to the scheduling the thread had (idempotent)."""
        if self.previous is not None:
            policy, priority = self.previous
            os.sched_setscheduler(0, policy, os.sched_param(priority))
            self.previous = None


def raise_rt_priority(priority: int) -> RtPriority:
    """Run the calling thread at SCHED_FIFO ``priority`` (1..99); the result says whether it could."""
    if not 1 <= priority <= 99:
        raise ValueError(f"SCHED_FIFO priority {priority}: 1..99")
    raised = RtPriority(priority)
    if not hasattr(os, "SCHED_FIFO"):
        raised.problem = "this system has no SCHED_FIFO"
        return raised
    previous = (os.sched_getscheduler(0), os.sched_getparam(0).sched_priority)
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(priority))
    except OSError as error:
        raised.problem = describe(error) + (" (needs root or CAP_SYS_NICE)" if isinstance(error, PermissionError)
                                            else "")
        return raised
    raised.previous = previous
    return raised
