"""A heap of due cycles with deterministic tie-breaks: idle spans cost nothing."""

from __future__ import annotations

import heapq
from collections.abc import Callable
from itertools import count
from typing import Any

from firmware_sim.engine.clock import Clock
from firmware_sim.engine.pacing import AsFastAsPossible, Pacing
from firmware_sim.errors import SimError

Action = Callable[[], None]
_NO_ARG = object()


class Timer:
    """A handle on a scheduled action: ``cancel()`` stops it (and its repeats), ``Scheduler.arm`` sets it anew."""

    __slots__ = ("action", "armed", "period", "priority")

    def __init__(self, action: Action, period: int = 0, priority: int = 0) -> None:
        self.action = action
        self.period = period
        self.priority = priority
        self.armed: int | None = None
        """The insertion number of the one heap entry that may run the action (None: none may)."""

    @property
    def cancelled(self) -> bool:
        """True when the action will not run (unless the timer is armed anew)."""
        return self.armed is None

    def cancel(self) -> None:
        """Do not run this action again (until the timer is armed anew)."""
        self.armed = None


class Scheduler:
    """Runs actions at their due cycles in order (cycle, priority, insertion), pacing virtual time."""

    def __init__(self, clock: Clock | None = None, pacing: Pacing | None = None) -> None:
        self.clock = clock or Clock()
        self.pacing = pacing or AsFastAsPossible()
        self.cycle = 0
        """The current cycle; only the scheduler moves it, and ``now_ns`` with it."""
        self.now_ns = 0
        """Virtual time in nanoseconds (``cycle`` × the clock period)."""
        self._period = self.clock.period_ns
        self.events_run = 0
        self._paced = not isinstance(self.pacing, AsFastAsPossible)
        self._heap: list[tuple[int, int, int, Timer | None, Callable[..., None], object]] = []
        self._order = count()
        self._stopped = False

    @property
    def now_s(self) -> float:
        """Virtual time in seconds."""
        return self.clock.seconds(self.cycle)

    def at(self, cycle: int, action: Action, priority: int = 0) -> Timer:
        """Run ``action`` at ``cycle`` (now if it is in the past); the returned timer can cancel it or move it."""
        timer = Timer(action, 0, priority)
        self.arm(timer, cycle)
        return timer

    def arm(self, timer: Timer, cycle: int) -> None:
        """Make ``timer``'s action due at ``cycle`` (now if that is past; then every period, if it repeats), calling off
        the run it was due for before: a wake-up that moves needs no new timer."""
        if cycle < self.cycle:
            cycle = self.cycle
        timer.armed = order = next(self._order)
        heapq.heappush(self._heap, (cycle, timer.priority, order, timer, timer.action, _NO_ARG))

    def call_at(self, cycle: int, function: Callable[[Any], None], argument: Any, priority: int = 0) -> None:
        """Run ``function(argument)`` at ``cycle``: the cheapest way to schedule, not cancellable."""
        if cycle < self.cycle:
            cycle = self.cycle
        heapq.heappush(self._heap, (cycle, priority, next(self._order), None, function, argument))

    def after(self, cycles: int, action: Action, priority: int = 0) -> Timer:
        """Run ``action`` ``cycles`` cycles from now (0: later in this cycle)."""
        return self.at(self.cycle + cycles, action, priority)

    def after_ns(self, ns: int, action: Action, priority: int = 0) -> Timer:
        """Run ``action`` at the first cycle at or after ``ns`` nanoseconds from now."""
        return self.at(self.cycle + self.clock.cycles_ns(ns), action, priority)

    def every(self, period: int, action: Action, priority: int = 0, first: int | None = None) -> Timer:
        """Run ``action`` every ``period`` cycles, first at ``first`` (default: one period from now)."""
        if period < 1:
            raise SimError(f"period={period}: a repeating action needs a period of at least one cycle")
        timer = Timer(action, period, priority)
        self.arm(timer, self.cycle + period if first is None else first)
        return timer

    @property
    def next_due(self) -> int | None:
        """The next cycle with something to do, or None when nothing is scheduled."""
        heap = self._heap
        while heap and heap[0][3] is not None and heap[0][3].armed != heap[0][2]:
            heapq.heappop(heap)  # a timer's entry from before it was cancelled or armed anew
        return heap[0][0] if heap else None

    def stop(self) -> None:
        """Make ``run`` return after the current action."""
        self._stopped = True

    def step(self) -> bool:
        """Advance to the next due cycle and run everything due then; False when nothing is left."""
        due = self.next_due
        if due is None:
            return False
        if not self._advance(due):
            return True
        heap, pop, push = self._heap, heapq.heappop, heapq.heappush
        run = 0
        while heap and heap[0][0] == due:
            _, priority, number, timer, function, argument = pop(heap)
            if timer is not None:
                if timer.armed != number:
                    continue
                if timer.period:
                    timer.armed = number = next(self._order)
                    push(heap, (due + timer.period, priority, number, timer, function, argument))
            run += 1
            if argument is _NO_ARG:
                function()
            else:
                function(argument)
        self.events_run += run
        return True

    def _advance(self, cycle: int) -> bool:
        """Move the clock to ``cycle``; False if outside input cut the wait short (the clock is then earlier)."""
        if cycle > self.cycle:
            if self._paced:
                interrupted_ns = self.pacing.wait_until(self.clock.ns(cycle))
                if interrupted_ns is not None:
                    self._move(min(cycle, max(self.cycle, interrupted_ns // self._period)))
                    self.pacing.dispatch()
                    return False
            self._move(cycle)
        return True

    def _move(self, cycle: int) -> None:
        self.cycle = cycle
        self.now_ns = cycle * self._period

    def run(self, until_cycle: int | None = None, until: Callable[[], bool] | None = None) -> bool:
        """Step until ``until_cycle`` is reached, ``until()`` holds, ``stop()`` is called, or nothing is left.

        Returns True when the predicate came true (or the cycle was reached), False otherwise.
        """
        self._stopped = False
        self.pacing.start(self.now_ns)
        try:
            if not self._paced:
                return self._run_unpaced(until_cycle, until)
            while not self._stopped:
                if until is not None and until():
                    return True
                due = self.next_due
                if due is None or (until_cycle is not None and due > until_cycle):
                    if until_cycle is not None:
                        if not self._advance(until_cycle):
                            continue
                        return until is None or until()
                    return False
                self.step()
            return until is not None and until()
        finally:
            self.pacing.finish()

    def _run_unpaced(self, until_cycle: int | None, until: Callable[[], bool] | None) -> bool:
        """``run`` as fast as possible: the steps of ``step`` in one loop, the same order and the same checks."""
        heap, pop, push, order, period = self._heap, heapq.heappop, heapq.heappush, self._order, self._period
        run = 0
        try:
            while not self._stopped:
                if until is not None and until():
                    return True
                while heap and heap[0][3] is not None and heap[0][3].armed != heap[0][2]:
                    pop(heap)  # stale entries go without moving the clock
                if not heap or (until_cycle is not None and heap[0][0] > until_cycle):
                    if until_cycle is not None:
                        if until_cycle > self.cycle:
                            self._move(until_cycle)
                        return until is None or until()
                    return False
                due = heap[0][0]
                if due > self.cycle:
                    self.cycle = due
                    self.now_ns = due * period
                while heap and heap[0][0] == due:
                    _, priority, number, timer, function, argument = pop(heap)
                    if timer is not None:
                        if timer.armed != number:
                            continue
                        if timer.period:
                            timer.armed = number = next(order)
                            push(heap, (due + timer.period, priority, number, timer, function, argument))
                    run += 1
                    if argument is _NO_ARG:
                        function()
                    else:
                        function(argument)
            return until is not None and until()
        finally:
            self.events_run += run
