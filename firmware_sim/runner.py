"""Run a scenario on a bench: the timeline, the faults, the expectations, the phases — and what happened."""

from __future__ import annotations

import operator
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from firmware_sim.bench import Bench, ModelClass
from firmware_sim.engine.pacing import AsFastAsPossible, Pacing
from firmware_sim.engine.scheduler import Timer
from firmware_sim.errors import SimError
from firmware_sim.fsw.telemetry import TelemetryStore, Verification
from firmware_sim.scenario.model import Condition, EventCondition, Expectation, Scenario, Step
from firmware_sim.scenario.timespec import format_time
from protocols.errors import ProtocolError

NS_PER_S = 1_000_000_000
CHECK_PERIOD_S = 1.0
GRACE_NS = 60 * NS_PER_S
"""How long a run goes on after its timeline finished, when the scenario gives no duration."""

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt, "<=": operator.le, "==": operator.eq, "!=": operator.ne, ">=": operator.ge, ">": operator.gt,
}


def holds(condition: Condition | EventCondition, store: TelemetryStore, events_before: int = 0) -> bool:
    """Whether a condition holds now (an event condition: raised more often than ``events_before``)."""
    if isinstance(condition, EventCondition):
        return store.event_count(condition.device, condition.event) > events_before
    value = store.get(condition.device, condition.parameter)
    if value is None:
        return False
    try:
        return _OPS[condition.op](value, condition.value)
    except TypeError:
        return False


@dataclass
class StepResult:
    """What became of one timeline step."""

    index: int
    step: Step
    fired_ns: int | None = None
    verification: Verification | None = None
    outcome: str = "pending"  # pending, sent, completed, failed, timed-out, error
    detail: str = ""


@dataclass
class ExpectationResult:
    """Whether an expectation held, and when it was decided."""

    expectation: Expectation
    passed: bool | None = None
    decided_ns: int | None = None
    detail: str = ""
    open: bool = False
    """True when the run ended before it could be judged (before its deadline with the condition not yet met, or,
    checked at the end, before the scenario's end): not decided, so not passed."""

    @property
    def failed(self) -> bool:
        """True when it was judged and did not hold."""
        return self.passed is False and not self.open


@dataclass
class RunResult:
    """Everything a summary needs."""

    scenario: Scenario
    bench: Bench
    steps: list[StepResult]
    expectations: list[ExpectationResult]
    phases: list[tuple[str, int]]
    faults: list[tuple[int, str, str, dict[str, Any]]]
    wall_time_s: float
    interrupted: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when every expectation passed and the run was not cut short."""
        return not self.interrupted and all(e.passed for e in self.expectations)

    @property
    def outcome(self) -> str:
        """``passed``, ``failed`` (an expectation failed) or ``open``: none failed, but the run has not passed (some
        not judged, or the run interrupted)."""
        if self.passed:
            return "passed"
        return "failed" if any(e.failed for e in self.expectations) else "open"


class ScenarioRun:
    """Drives a bench through a scenario in virtual time."""

    def __init__(self, scenario: Scenario, seed: int | None = None, pacing: Pacing | None = None,
                 watch: list[str] | None = None, models: Mapping[str, ModelClass] | None = None) -> None:
        self.scenario = scenario
        watched = set(watch or ()) | {f"{e.condition.device}.{e.condition.parameter}" for e in scenario.expectations
                                      if isinstance(e.condition, Condition)}
        self.bench = Bench(scenario.bench, scenario.seed if seed is None else seed, scenario.start_utc, pacing,
                           watch=sorted(watched), models=models)
        self.scheduler = self.bench.scheduler
        self.steps = [StepResult(i, s) for i, s in enumerate(scenario.timeline)]
        self.expectations = [ExpectationResult(e) for e in scenario.expectations]
        self.phases: list[tuple[str, int]] = []
        self.phase_listeners: list[Callable[[str, int], None]] = []
        """Told (phase name, virtual ns) when a phase starts, e.g. a recorder marking it."""
        self.faults: list[tuple[int, str, str, dict[str, Any]]] = []
        self.errors: list[str] = []
        self._current = 0
        self._interrupted = False
        self._waiting_when: tuple[StepResult, int] | None = None
        self._timeout: Timer | None = None
        self.timeline_done_ns: int | None = None if self.steps else 0
        self.bench.fsw.on_verification = self._on_verification
        for fault in scenario.faults:
            self.scheduler.at(self._cycle(fault.at_ns), lambda f=fault: self._inject(f.target, f.fault, f.params))
        for result in self.expectations:
            deadline = result.expectation.before_ns
            if deadline is not None:
                self.scheduler.at(self._cycle(deadline), lambda r=result: self._deadline(r), priority=10)
        self._check_period = self.bench.clock.cycles(CHECK_PERIOD_S)
        self._check_origin = self.scheduler.cycle
        self._ticks: set[int] = set()
        self._slot_passed: int | None = None
        if scenario.duration_ns is None or not isinstance(self.scheduler.pacing, AsFastAsPossible):
            self.scheduler.every(self._check_period, self._check, priority=5, first=self._check_origin)
        else:
            self.bench.store.notify(self._condition_keys(), self._changed)
            self._tick_at(self._check_origin)
            self._tick_at(self._tick_from(self._cycle(scenario.duration_ns)))
        self.scheduler.at(0, self._arm_next)

    def _cycle(self, ns: int) -> int:
        return self.bench.clock.cycles_ns(ns)

    # the once-a-second check, only in the seconds that need it -------------------------------------------------
    # Conditions are checked at whole seconds (priority 5: after the cycle's device work). With a duration and no
    # wall clock, a check runs only in a second in which a value a condition reads arrived (plus the first second
    # and the one that ends the run): in any other second it would find what the check before it found.
    def _condition_keys(self) -> set[str]:
        conditions = [e.condition for e in self.scenario.expectations]
        conditions += [s.when for s in self.scenario.timeline if s.when is not None]
        return {f"{c.device}.{c.event if isinstance(c, EventCondition) else c.parameter}" for c in conditions}

    def _tick_from(self, cycle: int) -> int:
        """The first check second at or after ``cycle``."""
        period, origin = self._check_period, self._check_origin
        return origin + max(0, -(-(cycle - origin) // period)) * period

    def _tick_at(self, cycle: int) -> None:
        if cycle not in self._ticks:
            self._ticks.add(cycle)
            self.scheduler.call_at(cycle, self._tick, cycle, priority=5)

    def _tick(self, cycle: int) -> None:
        self._ticks.discard(cycle)
        self._slot_passed = cycle
        self._check()

    def _changed(self) -> None:
        """A value a condition reads arrived: check at this second's check, or the next one if it has passed."""
        tick = self._tick_from(self.scheduler.cycle)
        self._tick_at(tick + self._check_period if tick == self._slot_passed else tick)

    # timeline -----------------------------------------------------------------------------------------------
    def _arm_next(self) -> None:
        if self._current >= len(self.steps):
            if self.timeline_done_ns is None:
                self.timeline_done_ns = self.scheduler.now_ns
            return
        result = self.steps[self._current]
        step = result.step
        if step.when is not None:
            baseline = (self.bench.store.event_count(step.when.device, step.when.event)
                        if isinstance(step.when, EventCondition) else 0)
            self._waiting_when = (result, baseline)
            self._check()
        elif step.at_ns is not None:
            self.scheduler.at(self._cycle(step.at_ns), lambda: self._fire(result))
        elif step.after_ns:
            self.scheduler.after_ns(step.after_ns, lambda: self._fire(result))
        else:
            self._fire(result)

    def _fire(self, result: StepResult) -> None:
        step = result.step
        now = self.scheduler.now_ns
        result.fired_ns = now
        if step.phase:
            self.phases.append((step.phase, now))
            for listener in self.phase_listeners:
                listener(step.phase, now)
        if step.command is None or step.device is None:
            result.outcome = "completed"
            self._advance()
            return
        try:
            result.verification = self.bench.fsw.send(step.device, step.command, step.args)
        except (ProtocolError, SimError) as exc:
            result.outcome, result.detail = "error", str(exc)
            self.errors.append(f"step {result.index + 1} (line {step.line}): {exc}")
            self._advance()
            return
        result.outcome = "sent"
        if step.wait == "none":
            self._advance()
            return
        if step.timeout_ns:
            self._timeout = self.scheduler.after_ns(step.timeout_ns, lambda: self._timed_out(result))

    def _on_verification(self, record: Verification) -> None:
        if self._current >= len(self.steps):
            return
        result = self.steps[self._current]
        if result.verification is not record:
            return
        if record.failed:
            result.outcome, result.detail = "failed", record.failure or ""
        elif record.completed:
            result.outcome = "completed"
        elif not (result.step.wait == "acceptance" and record.accepted):
            return
        self._advance()

    def _timed_out(self, result: StepResult) -> None:
        if self._current < len(self.steps) and self.steps[self._current] is result and result.outcome == "sent":
            result.outcome = "timed-out"
            result.detail = f"no completion within {result.step.timeout_ns / NS_PER_S:g} s"
            self._advance()

    def _advance(self) -> None:
        if self._timeout is not None:
            self._timeout.cancel()
            self._timeout = None
        self._current += 1
        self.scheduler.after(0, self._arm_next)

    # conditions, expectations, faults -----------------------------------------------------------------------
    def _check(self) -> None:
        store = self.bench.store
        if self._waiting_when is not None:
            result, baseline = self._waiting_when
            assert result.step.when is not None
            if holds(result.step.when, store, baseline):
                self._waiting_when = None
                delay = result.step.after_ns or 0
                self.scheduler.after_ns(delay, lambda: self._fire(result))
        for exp in self.expectations:
            if exp.passed is None and exp.expectation.before_ns is not None and holds(exp.expectation.condition, store):
                exp.passed, exp.decided_ns = True, self.scheduler.now_ns

    def _deadline(self, result: ExpectationResult) -> None:
        self._slot_passed = self.scheduler.cycle  # past this cycle's check (priority 10 comes after 5)
        self._check()
        if result.passed is None:
            result.passed, result.decided_ns = False, self.scheduler.now_ns
            result.detail = f"{_describe(result.expectation.condition, self.bench.store)} at the deadline"

    def _inject(self, target: str, fault: str, params: dict[str, Any]) -> None:
        try:
            self.bench.inject(target, fault, params)
        except SimError as exc:
            self.errors.append(f"fault {fault} on {target}: {exc}")
            return
        self.faults.append((self.scheduler.now_ns, target, fault, dict(params)))

    # running -------------------------------------------------------------------------------------------------
    def finished(self) -> bool:
        """True when the scenario's duration is reached, or the timeline is done and nothing is pending."""
        now = self.scheduler.now_ns
        if self.scenario.duration_ns is not None:
            return now >= self.scenario.duration_ns
        if self.timeline_done_ns is None or now < self.timeline_done_ns + GRACE_NS:
            return False
        return all(e.passed is not None or e.expectation.before_ns is None for e in self.expectations)

    def _may_finish_by(self, cycle: int) -> bool:
        """Whether ``finished`` can come true before the clock passes ``cycle`` (if not, nobody need ask it)."""
        duration = self.scenario.duration_ns
        return duration is None or self.bench.clock.ns(cycle) >= duration

    def run(self, until_ns: int | None = None, progress: Callable[[int, int | None], None] | None = None,
            chunk_s: float = 600.0, ended: bool = False) -> RunResult:
        """Run to the end (or ``until_ns``); ``progress(now_ns, end_ns)`` is called between chunks. ``ended``: the
        run reached its end by other means at ``until_ns`` (a board printed its end line), so checks at the end are
        judged there."""
        wall0 = time.perf_counter()
        end = self.scenario.duration_ns if until_ns is None else until_ns
        interrupted = False
        try:
            while not (self._interrupted or self.finished()) and (until_ns is None or self.scheduler.now_ns < until_ns):
                target = self.scheduler.cycle + self.bench.clock.cycles(chunk_s)
                if until_ns is not None:
                    target = min(target, self._cycle(until_ns))
                self.scheduler.run(until_cycle=target, until=self.finished if self._may_finish_by(target) else None)
                if progress is not None:
                    progress(self.scheduler.now_ns, end)
        except KeyboardInterrupt:
            interrupted = True
        interrupted = interrupted or self._interrupted
        cut = not ended and self._cut_short(interrupted)
        self._final_check(self._cut_detail(interrupted) if cut else None)
        return RunResult(self.scenario, self.bench, self.steps, self.expectations, self.phases, self.faults,
                         time.perf_counter() - wall0, interrupted, self.errors)

    def interrupt(self) -> None:
        """End the run once the current cycle's actions are done, as Ctrl-C does (safe from a signal handler)."""
        self._interrupted = True
        self.scheduler.stop()

    def _cut_short(self, interrupted: bool) -> bool:
        """True when the run stopped before the scenario's end (a scenario with no end of its own ends where it
        stops)."""
        return interrupted or (self.scenario.has_end and not self.finished())

    def _cut_detail(self, interrupted: bool) -> str:
        """Why a check at the end has no verdict: the run stopped (when, how) before the scenario's end."""
        how = "interrupted" if interrupted else "cut"
        end = self.scenario.duration_ns
        return (f"not judged: the run was {how} at {format_time(self.scheduler.now_ns)}, before its end"
                + ("" if end is None else f" ({format_time(end)})"))

    def _final_check(self, cut: str | None) -> None:
        """Decide what is left: at the end, checks at the end; ``cut`` (why, when the run stopped before its end)
        leaves them open."""
        self._check()
        self._settle_sent_steps()
        now = self.scheduler.now_ns
        for exp in self.expectations:
            if exp.passed is not None:
                continue
            exp.decided_ns = now
            before = exp.expectation.before_ns
            if before is None and cut is not None:
                exp.passed, exp.open, exp.detail = False, True, cut
                continue
            exp.passed = holds(exp.expectation.condition, self.bench.store)
            if not exp.passed:
                exp.open = before is not None and before > now  # its deadline is still to come
                when = "when the run ended" if exp.open else "at the end" if before is None else "at the deadline"
                exp.detail = f"{_describe(exp.expectation.condition, self.bench.store)} {when}"

    def _settle_sent_steps(self) -> None:
        """Steps the timeline did not wait for (``wait`` none or acceptance) take their command's final report."""
        for result in self.steps:
            record = result.verification
            if result.outcome != "sent" or record is None:
                continue
            if record.failed:
                result.outcome, result.detail = "failed", record.failure or ""
            elif record.completed:
                result.outcome = "completed"


def _describe(condition: Condition | EventCondition, store: TelemetryStore) -> str:
    if isinstance(condition, EventCondition):
        return f"{condition.device} event {condition.event} not seen"
    value = store.get(condition.device, condition.parameter)
    shown = f"{value:.7g}" if isinstance(value, float) else repr(value)  # float32 telemetry: its 7 digits
    return f"{condition.device}.{condition.parameter} = {shown}"
