"""A bench driven like a test procedure: send, wait in virtual time, inject faults, read telemetry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from firmware_sim.bench import Bench
from firmware_sim.errors import SimError
from firmware_sim.fsw.telemetry import EventRecord, Verification
from firmware_sim.runner import holds
from firmware_sim.scenario.model import BenchSettings, Condition, EventCondition

NS_PER_S = 1_000_000_000


class ProcedureError(SimError, AssertionError):
    """A procedure step did not happen in time (an AssertionError, so pytest reports it as a failure)."""


class Procedure:
    """Wraps a Bench with the verbs of a flight-software test: every wait is in virtual time."""

    def __init__(self, bench: Bench) -> None:
        self.bench = bench
        self.fsw = bench.fsw
        self.store = bench.store

    @classmethod
    def from_scenario(cls, path: str | Path, seed: int | None = None) -> Procedure:
        """A bench configured by a scenario file's [bench] section (its timeline is not run)."""
        from firmware_sim.scenario import load_scenario

        scenario = load_scenario(Path(path))
        return cls(Bench(scenario.bench, scenario.seed if seed is None else seed, scenario.start_utc, watch=None))

    @classmethod
    def default(cls, seed: int = 0, **device_options: dict[str, Any]) -> Procedure:
        """The default bench (every device modelled), optionally with model options per device."""
        return cls(Bench(BenchSettings(devices=dict(device_options)), seed, watch=None))

    @property
    def now_s(self) -> float:
        """Virtual seconds since T0."""
        return self.bench.now_s

    def send(self, device: str, command: str, **args: Any) -> Verification:
        """Send a command by name with engineering-unit arguments."""
        return self.fsw.send(device, command, args)

    def run(self, seconds: float) -> None:
        """Let ``seconds`` of virtual time pass."""
        self.bench.run(seconds)

    def wait_until(self, condition: Callable[[], bool] | str, timeout_s: float) -> float:
        """Run until ``condition`` holds (a callable or ``"device.param >= value"`` / ``"device.event:name"``).

        Returns the virtual time it took; raises ProcedureError after ``timeout_s`` of virtual time.
        """
        check = self._predicate(condition)
        start = self.bench.now_s
        if not self.bench.run(timeout_s, until=check) and not check():
            raise ProcedureError(f"{condition if isinstance(condition, str) else 'condition'} "
                                 f"not met within {timeout_s:g} s of virtual time")
        return self.bench.now_s - start

    def complete(self, device: str, command: str, timeout_s: float = 600.0, **args: Any) -> Verification:
        """Send a command and wait for its completion report; raise ProcedureError if it fails or times out."""
        record = self.send(device, command, **args)
        self.wait_for(record, timeout_s=timeout_s)
        return record

    def wait_for(self, record: Verification, stage: str = "completion", timeout_s: float = 600.0) -> Verification:
        """Wait for a command's acceptance or completion; a failure report raises ProcedureError."""
        done = (lambda: record.accepted or record.failed) if stage == "acceptance" else (lambda: record.done)
        self.bench.run(timeout_s, until=done)
        if record.failed:
            raise ProcedureError(f"{record.device} {record.command}: {record.failure} "
                                 f"(reports: {[s for _, s in record.stages]})")
        if not done():
            raise ProcedureError(f"{record.device} {record.command}: no {stage} within {timeout_s:g} s "
                                 f"(reports: {[s for _, s in record.stages]})")
        return record

    def inject(self, target: str, fault: str, **params: Any) -> None:
        """Inject a fault into a device (``"sampler"``) or a link (``"link.sampler"``)."""
        self.bench.inject(target, fault, params)

    def latest(self, device: str, parameter: str) -> Any:
        """The latest reported value of a parameter (KeyError if never reported)."""
        return self.store.value(device, parameter)

    def history(self, device: str, parameter: str) -> list[tuple[float, Any]]:
        """Every reported value of a parameter as (virtual seconds, value), oldest first."""
        series = self.store.history.get(f"{device}.{parameter}")
        if series is None:
            return []
        return [(t / NS_PER_S, v) for t, v in zip(series.times, series.values, strict=True)]

    def events(self, device: str | None = None, name: str | None = None) -> list[EventRecord]:
        """Event reports received, optionally of one device and one event name."""
        return [e for e in self.store.events if (device is None or e.device == device)
                and (name is None or e.name == name)]

    def _predicate(self, condition: Callable[[], bool] | str) -> Callable[[], bool]:
        if callable(condition):
            return condition
        from firmware_sim.scenario.conditions import parse_condition

        parsed: Condition | EventCondition = parse_condition(condition, self.bench.dictionary)
        baseline = (self.store.event_count(parsed.device, parsed.event)
                    if isinstance(parsed, EventCondition) else 0)
        return lambda: holds(parsed, self.store, baseline)
