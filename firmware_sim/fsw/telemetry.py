"""What flight software knows: latest values, bounded histories, events and verification records."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

Decoder = Callable[[bytes], tuple[Any, ...]]
"""Engineering values of a housekeeping packet, in set order."""
Follower = Callable[[Any], None]
"""Told each new value of one parameter."""
_UNKNOWN = object()


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


class _SetPlan(NamedTuple):
    """What the store works out once about one housekeeping set of one device."""

    names: tuple[str, ...]
    members: frozenset[str]
    histories: list[tuple[int, Series]]
    """The positions of the watched names among ``names``, and their series."""
    followers: list[tuple[int, Follower]]
    """The positions of the followed names among ``names``, and who follows them."""
    eager: bool
    """True when a report is decoded as it arrives (the set holds a watched or followed parameter)."""
    overlapping: tuple[int, ...]
    """The device's other sets (as far as seen) that share a parameter with this one."""
    notify: bool
    """True when the set holds a parameter the listener wants to hear of."""


_Waiting = tuple[_SetPlan, bytes, Decoder]
"""A report kept undecoded: its set's plan, the packet, and the packet's decoder."""


class TelemetryStore:
    """Latest value of every parameter, bounded histories of watched ones, the latest events (and counts of all).

    A housekeeping report may be kept undecoded (``defer``) until one of its values is asked for: at most one per
    set, the newest; a set with a watched or followed parameter is decoded at once, for its history or followers.
    """

    def __init__(self, watch: Iterable[str] | None = None, history_limit: int = 100_000,
                 event_limit: int = 100_000) -> None:
        self.watch_all = watch is None
        self.watched: set[str] = set()
        self._watched_names: dict[str, set[str]] = {}
        """The watched parameters by device, so that an update looks names up without building keys."""
        self._sets: dict[tuple[str, int], tuple[str, ...]] = {}
        """Every housekeeping set seen, by device and SID: its parameter names."""
        self._plans: dict[tuple[str, int], _SetPlan] = {}
        self._interest: dict[str, set[str]] = {}
        self._followers: dict[str, dict[str, list[Follower]]] = {}
        """Who follows which parameters, by device."""
        self._listener: Callable[[], None] | None = None
        for key in watch or ():
            self.watch(key)
        self.history_limit = history_limit
        self._latest: dict[str, dict[str, Any]] = {}
        self._pending: dict[str, dict[int, _Waiting]] = {}
        """Reports not decoded yet, by device and SID: (the set's plan, packet, decoder). The sets pending for one
        device never share a parameter, so each parameter has at most one report waiting."""
        self.updated_ns: dict[str, int] = {}
        self.history: dict[str, Series] = {}
        self.events: deque[EventRecord] = deque(maxlen=event_limit)
        self.events_by_key: dict[str, int] = {}

    @property
    def latest(self) -> dict[str, dict[str, Any]]:
        """The latest values by device and parameter (every report still undecoded is decoded first)."""
        for device, pending in self._pending.items():
            for sid in list(pending):
                self._apply(device, pending.pop(sid))
        return self._latest

    def watch(self, key: str) -> None:
        """Keep a history of ``device.parameter`` from now on."""
        self.watched.add(key)
        self._plans.clear()
        device, _, name = key.partition(".")
        self._watched_names.setdefault(device, set()).add(name)

    def notify(self, keys: Iterable[str], listener: Callable[[], None]) -> None:
        """Call ``listener`` (one, replacing any before) whenever a value of one of ``keys`` arrives:
        ``device.parameter`` or ``device.event`` (an event report of that name)."""
        self._listener = listener
        self._interest.clear()
        for key in keys:
            device, _, name = key.partition(".")
            self._interest.setdefault(device, set()).add(name)
        self._plans.clear()

    def follow(self, device: str, parameter: str, follower: Follower) -> None:
        """Tell ``follower`` every new value of ``device.parameter``, and the latest one now if there is one."""
        self._followers.setdefault(device, {}).setdefault(parameter, []).append(follower)
        self._plans.clear()
        latest = self.get(device, parameter, _UNKNOWN)  # a report of it still undecoded is decoded now
        if latest is not _UNKNOWN:
            follower(latest)

    def update(self, device: str, time_ns: int, names: Iterable[str], values: Iterable[Any]) -> None:
        """New values of some of a device's parameters."""
        if type(names) is not tuple:
            names = tuple(names)
        self._store(device, time_ns, names, values)  # type: ignore[arg-type]
        if self._listener is not None and not self._interest.get(device, set()).isdisjoint(names):
            self._listener()

    def _store(self, device: str, time_ns: int, names: tuple[str, ...], values: Iterable[Any]) -> None:
        """``update`` without telling the listener."""
        pending = self._pending.get(device)
        if pending:
            members = frozenset(names)
            for sid in [sid for sid, entry in pending.items() if not members.isdisjoint(entry[0].members)]:
                self._apply(device, pending.pop(sid))
        latest = self._latest.setdefault(device, {})
        self.updated_ns[device] = time_ns
        everything = self.watch_all
        watched = self._watched_names.get(device)
        if everything or watched:
            for name, value in zip(names, values, strict=True):
                latest[name] = value
                if everything or name in watched:  # type: ignore[operator]
                    self._series(f"{device}.{name}").add(time_ns, value)
        else:
            latest.update(zip(names, values, strict=True))
        followers = self._followers.get(device)
        if followers:
            for name in names:
                for follower in followers.get(name, ()):
                    follower(latest[name])

    def defer(self, device: str, sid: int, time_ns: int, names: tuple[str, ...], raw: bytes,
              decode: Decoder) -> None:
        """A report of housekeeping set ``sid`` (parameters ``names``) whose values ``decode(raw)`` gives (it must
        not fail), decoded only when one of them is asked for; at once when one of them is watched."""
        plan = self._plans.get((device, sid))
        if plan is None:
            plan = self._plan(device, sid, names)
        if self.watch_all:
            self.update(device, time_ns, names, decode(raw))
            return
        pending = self._pending.get(device)
        if pending is None:
            pending = self._pending[device] = {}
        for other in plan.overlapping:  # an older value must not win over this report's once decoded
            entry = pending.pop(other, None)
            if entry is not None:
                self._apply(device, entry)
        self.updated_ns[device] = time_ns
        if plan.eager:
            pending.pop(sid, None)
            self._record(device, time_ns, plan, decode(raw))
        else:
            pending[sid] = (plan, raw, decode)  # a newer report of the same set replaces it whole
        if plan.notify and self._listener is not None:
            self._listener()

    def _record(self, device: str, time_ns: int, plan: _SetPlan, values: tuple[Any, ...]) -> None:
        """Store a decoded report of a set decoded at once; add to the watched histories, tell the followers."""
        self._latest.setdefault(device, {}).update(zip(plan.names, values, strict=True))
        for index, series in plan.histories:
            series.add(time_ns, values[index])
        for index, follower in plan.followers:
            follower(values[index])

    def _plan(self, device: str, sid: int, names: tuple[str, ...]) -> _SetPlan:
        """Work out (once; ``watch`` and ``follow`` start afresh) where a set's watched and followed values go and which
        sets it overlaps."""
        self._sets[(device, sid)] = names
        members = frozenset(names)
        overlapping = tuple(other for (owner, other), others in self._sets.items()
                            if owner == device and other != sid and not members.isdisjoint(others))
        for other in overlapping:  # the other set's plan must learn of this one too
            self._plans.pop((device, other), None)
        watched = self._watched_names.get(device, set())
        histories = [(i, self._series(f"{device}.{name}")) for i, name in enumerate(names) if name in watched]
        followed = self._followers.get(device, {})
        followers = [(i, follower) for i, name in enumerate(names) for follower in followed.get(name, ())]
        notify = not members.isdisjoint(self._interest.get(device, ()))
        plan = self._plans[(device, sid)] = _SetPlan(names, members, histories, followers,
                                                     bool(histories or followers), overlapping, notify)
        return plan

    def _settle(self, device: str, pending: dict[int, _Waiting], parameter: str) -> None:
        """Decode the report among the device's ``pending`` ones that holds a value of ``parameter``, if one does."""
        for sid, entry in pending.items():
            if parameter in entry[0].members:
                del pending[sid]
                self._apply(device, entry)
                return

    def _apply(self, device: str, entry: _Waiting) -> None:
        plan, raw, decode = entry
        self._latest.setdefault(device, {}).update(zip(plan.names, decode(raw), strict=True))

    def _series(self, key: str) -> Series:
        series = self.history.get(key)
        if series is None:
            series = self.history[key] = Series(self.history_limit)
        return series

    def value(self, device: str, parameter: str) -> Any:
        """The latest value; KeyError when the parameter has not been reported yet."""
        pending = self._pending.get(device)
        if pending:
            self._settle(device, pending, parameter)
        return self._latest[device][parameter]

    def get(self, device: str, parameter: str, default: Any = None) -> Any:
        """The latest value, or ``default``."""
        pending = self._pending.get(device)
        if pending:
            self._settle(device, pending, parameter)
        return self._latest.get(device, {}).get(parameter, default)

    def add_event(self, record: EventRecord) -> None:
        """An event report arrived."""
        self.events.append(record)
        key = f"{record.device}.{record.name}"
        self.events_by_key[key] = self.events_by_key.get(key, 0) + 1
        if self._listener is not None and record.name in self._interest.get(record.device, ()):
            self._listener()

    def event_count(self, device: str, name: str) -> int:
        """How many times ``device`` reported event ``name``."""
        return self.events_by_key.get(f"{device}.{name}", 0)
