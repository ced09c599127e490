"""What flight software knows: latest values, bounded histories, events and verification records."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


class Series:
    """A bounded time series: past ``limit`` points it keeps every other point and samples half as often."""

    __slots__ = ("_skip", "limit", "stride", "times", "values")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.stride = 1
        self._skip = 0
        self.times: list[int] = []
        self.values: list[Any] = []

    def add(self, time_ns: int, value: Any) -> None:
        """Record one sample (or skip it, when decimating)."""
        if self._skip:
            self._skip -= 1
            return
        self._skip = self.stride - 1
        self.times.append(time_ns)
        self.values.append(value)
        if len(self.times) >= self.limit:
            del self.times[1::2], self.values[1::2]
            self.stride *= 2


@dataclass
class Verification:
    """The service-1 reports of one telecommand, in arrival order, with their virtual times."""

    device: str
    command: str
    seq_count: int
    sent_ns: int
    stages: list[tuple[int, str]] = field(default_factory=list)
    failure: str | None = None

    @property
    def stage_names(self) -> list[str]:
        """The reports' names in arrival order, e.g. ["acceptance-ok", "start-ok", "completion-ok"]."""
        return [stage for _, stage in self.stages]

    @property
    def accepted(self) -> bool:
        """True once acceptance succeeded."""
        return any(s == "acceptance-ok" for _, s in self.stages)

    @property
    def completed(self) -> bool:
        """True once completion succeeded."""
        return any(s == "completion-ok" for _, s in self.stages)

    @property
    def failed(self) -> bool:
        """True once any stage failed."""
        return self.failure is not None

    @property
    def done(self) -> bool:
        """True when no further report is expected (completed or failed)."""
        return self.completed or self.failed

    def finished_ns(self) -> int | None:
        """Virtual time of the last report, once done."""
        return self.stages[-1][0] if self.done and self.stages else None


@dataclass(frozen=True)
class EventRecord:
    """An event report flight software received."""

    time_ns: int
    device: str
    name: str
    severity: str
    data: dict[str, Any]


class TelemetryStore:
    """Latest value of every parameter, bounded histories of watched ones, the latest events (and counts of all)."""

    def __init__(self, watch: Iterable[str] | None = None, history_limit: int = 100_000,
                 event_limit: int = 100_000) -> None:
        self.watch_all = watch is None
        self.watched: set[str] = set()
        self._watched_names: dict[str, set[str]] = {}
        """The watched parameters by device, so that an update looks names up without building keys."""
        for key in watch or ():
            self.watch(key)
        self.history_limit = history_limit
        self.latest: dict[str, dict[str, Any]] = {}
        self.updated_ns: dict[str, int] = {}
        self.history: dict[str, Series] = {}
        self.events: deque[EventRecord] = deque(maxlen=event_limit)
        self.events_by_key: dict[str, int] = {}

    def watch(self, key: str) -> None:
        """Keep a history of ``device.parameter`` from now on."""
        self.watched.add(key)
        device, _, name = key.partition(".")
        self._watched_names.setdefault(device, set()).add(name)

    def update(self, device: str, time_ns: int, names: Iterable[str], values: Iterable[Any]) -> None:
        """New values of some of a device's parameters."""
        latest = self.latest.setdefault(device, {})
        self.updated_ns[device] = time_ns
        everything = self.watch_all
        watched = self._watched_names.get(device)
        if not (everything or watched):
            latest.update(zip(names, values, strict=True))
            return
        for name, value in zip(names, values, strict=True):
            latest[name] = value
            if everything or name in watched:  # type: ignore[operator]
                key = f"{device}.{name}"
                series = self.history.get(key)
                if series is None:
                    series = self.history[key] = Series(self.history_limit)
                series.add(time_ns, value)

    def value(self, device: str, parameter: str) -> Any:
        """The latest value; KeyError when the parameter has not been reported yet."""
        return self.latest[device][parameter]

    def get(self, device: str, parameter: str, default: Any = None) -> Any:
        """The latest value, or ``default``."""
        return self.latest.get(device, {}).get(parameter, default)

    def add_event(self, record: EventRecord) -> None:
        """An event report arrived."""
        self.events.append(record)
        key = f"{record.device}.{record.name}"
        self.events_by_key[key] = self.events_by_key.get(key, 0) + 1

    def event_count(self, device: str, name: str) -> int:
        """How many times ``device`` reported event ``name``."""
        return self.events_by_key.get(f"{device}.{name}", 0)
