"""The scheduler: integer cycles, deterministic order, idle spans cost nothing, predicates and stops."""

import time

import pytest

from firmware_sim.engine.clock import Clock
from firmware_sim.engine.pacing import RealTime
from firmware_sim.engine.scheduler import Scheduler
from firmware_sim.errors import ConfigurationError, SimError


def test_clock_converts_cycles_and_time() -> None:
    clock = Clock(1000)
    assert clock.period_ns == 1_000_000
    assert clock.cycles(1.5) == 1500 and clock.cycles(0.0001) == 1
    assert clock.seconds(2500) == 2.5 and clock.ns(3) == 3_000_000
    with pytest.raises(ConfigurationError, match="divide"):
        Clock(3)


def test_ties_run_in_priority_then_insertion_order() -> None:
    scheduler = Scheduler()
    order: list[str] = []
    scheduler.at(5, lambda: order.append("b"), priority=1)
    scheduler.at(5, lambda: order.append("a1"))
    scheduler.at(5, lambda: order.append("a2"))
    scheduler.at(3, lambda: order.append("early"))
    scheduler.run()
    assert order == ["early", "a1", "a2", "b"]


def test_idle_spans_cost_nothing() -> None:
    scheduler = Scheduler()
    hits: list[int] = []
    scheduler.every(3_600_000, lambda: hits.append(scheduler.cycle))  # hourly at 1 kHz
    started = time.perf_counter()
    scheduler.run(until_cycle=49 * 3_600_000)
    assert time.perf_counter() - started < 1.0
    assert len(hits) == 49 and scheduler.events_run == 49
    assert scheduler.now_s == 49 * 3600


def test_run_until_predicate_and_stop() -> None:
    scheduler = Scheduler()
    count = [0]

    def bump() -> None:
        count[0] += 1
        if count[0] == 10:
            scheduler.stop()

    scheduler.every(1, bump)
    assert scheduler.run(until=lambda: count[0] >= 5)
    assert count[0] == 5
    scheduler.run()
    assert count[0] == 10


def test_cancelled_timers_do_not_run() -> None:
    scheduler = Scheduler()
    ran: list[str] = []
    timer = scheduler.every(2, lambda: ran.append("x"))
    scheduler.run(until_cycle=5)
    timer.cancel()
    scheduler.run(until_cycle=20)
    assert ran == ["x", "x"]
    assert scheduler.next_due is None


def test_an_armed_timer_runs_once_where_it_was_armed_last() -> None:
    scheduler = Scheduler()
    ran: list[int] = []
    timer = scheduler.at(5, lambda: ran.append(scheduler.cycle))
    scheduler.arm(timer, 8)  # moved: not at 5 any more
    scheduler.run(until_cycle=6)
    assert ran == [] and scheduler.cycle == 6
    scheduler.run(until_cycle=10)
    assert ran == [8]
    scheduler.arm(timer, 12)  # a timer that has run may be armed again
    timer.cancel()
    scheduler.arm(timer, 14)  # and one that was cancelled
    scheduler.run()
    assert ran == [8, 14] and scheduler.cycle == 14


def test_a_stale_entry_does_not_move_the_clock() -> None:
    scheduler = Scheduler()
    timer = scheduler.at(50, lambda: None)
    scheduler.arm(timer, 70)
    timer.cancel()
    assert scheduler.next_due is None
    assert not scheduler.run() and scheduler.cycle == 0


def test_an_action_may_cancel_move_or_add_what_its_own_cycle_runs() -> None:
    scheduler = Scheduler()
    ran: list[str] = []
    cancelled = scheduler.at(5, lambda: ran.append("cancelled"))
    moved = scheduler.at(5, lambda: ran.append(f"moved to {scheduler.cycle}"))

    def first() -> None:
        ran.append("first")
        cancelled.cancel()
        scheduler.arm(moved, 6)
        scheduler.call_at(5, ran.append, "added")

    scheduler.at(5, first, priority=-1)
    scheduler.run()
    assert ran == ["first", "added", "moved to 6"] and scheduler.events_run == 3


def test_every_needs_a_positive_period() -> None:
    with pytest.raises(SimError, match="period"):
        Scheduler().every(0, lambda: None)


def test_real_time_pacing_follows_the_wall_clock_without_drift() -> None:
    pacing = RealTime()
    scheduler = Scheduler(Clock(1000), pacing)
    scheduler.every(1, lambda: None)
    started = time.perf_counter()
    scheduler.run(until_cycle=100)
    elapsed = time.perf_counter() - started
    assert 0.095 <= elapsed < 0.5
    assert pacing.deadline(100_000_000) - pacing.deadline(0) == 100_000_000
