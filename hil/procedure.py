"""One scripting driver for flight-software tests: a bench of any size, commanded by name, in virtual time."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from firmware_sim.bench import DEFAULT_EPOCH_UTC, Bench, ModelClass
from firmware_sim.devices.base import DeviceModel
from firmware_sim.engine.link import Link, Port
from firmware_sim.errors import ConfigurationError, SimError, UnknownNameError
from firmware_sim.fsw.telemetry import EventRecord, Verification
from firmware_sim.runner import holds
from firmware_sim.scenario import load_scenario, parse_condition
from firmware_sim.scenario.model import BenchSettings, EventCondition, LinkSettings
from firmware_sim.scenario.names import known_device, known_event, known_hk_set, known_packet, known_parameter
from firmware_sim.seeds import check_seed
from hil.replay.node import recorded_models
from protocols.describe import PacketView, describe
from protocols.dictionary import Device, Dictionary
from protocols.errors import ProtocolError

NS_PER_S = 1_000_000_000
TO_DEVICE = "to-device"
FROM_DEVICE = "from-device"
"""Directions in the packet log, as link faults name them: from flight software to the device, and back."""
STAGES = ("acceptance", "completion")
"""The verification stages ``wait_for`` waits for."""


class ProcedureError(SimError, AssertionError):
    """A procedure step did not happen in time or failed (an AssertionError, so pytest reports a failure)."""


class NotReportedError(SimError, LookupError):
    """A parameter's latest value was asked for before any report carried it."""

    def __init__(self, device: str, parameter: str) -> None:
        super().__init__(f"{device}.{parameter} has not been reported yet")
        self.device = device
        self.parameter = parameter


class LoggedPacket:
    """One packet delivered across a link: virtual time of arrival, link, direction, octets; decoded on demand."""

    __slots__ = ("_dictionary", "_view", "direction", "link", "raw", "time_ns")

    def __init__(self, time_ns: int, link: str, direction: str, raw: bytes, dictionary: Dictionary) -> None:
        self.time_ns = time_ns
        self.link = link
        self.direction = direction
        self.raw = raw
        self._dictionary = dictionary
        self._view: PacketView | None = None

    @property
    def view(self) -> PacketView:
        """The packet decoded with the bench's dictionary (headers, PUS fields, named values)."""
        if self._view is None:
            self._view = describe(self.raw, self._dictionary)
        return self._view

    def __repr__(self) -> str:
        return f"LoggedPacket({self.time_ns / NS_PER_S:.6f} s, {self.link} {self.direction}, {self.view.name})"


class Procedure:
    """A bench driven with the verbs of a flight-software test; every wait is in virtual time.

    ``log`` holds every packet delivered across any link, in arrival order (a test's bus monitor).
    """

    def __init__(self, bench: Bench) -> None:
        if bench.external:
            raise ConfigurationError(f"a procedure runs in virtual time: {', '.join(bench.external)} "
                                     f"are real nodes (use farside serve or farside run)")
        self.bench = bench
        self.fsw = bench.fsw
        self.store = bench.store
        self.log: list[LoggedPacket] = []
        for name, link in bench.links.items():
            self._observe(link.a, name, FROM_DEVICE)
            self._observe(link.b, name, TO_DEVICE)

    # making one --------------------------------------------------------------------------------------------
    @classmethod
    def default(cls, seed: int = 0, **device_options: dict[str, Any]) -> Procedure:
        """The default bench (every default device modelled), optionally with model options per device."""
        for device, options in device_options.items():
            if not isinstance(options, Mapping):
                raise ConfigurationError(f"{device}={options!r}: model options are a dict per device, "
                                         f"e.g. relay={{'visibility': 'always'}}")
        return cls(Bench(BenchSettings(devices=dict(device_options)), check_seed(seed), watch=None))

    @classmethod
    def from_scenario(cls, path: str | Path, seed: int | None = None) -> Procedure:
        """A bench configured by a scenario file's [bench] section (its timeline is not run).

        ``replay://`` nodes are loaded here, as ``farside run`` loads them.
        """
        scenario = load_scenario(Path(path))
        return cls(Bench(scenario.bench, scenario.seed if seed is None else check_seed(seed), scenario.start_utc,
                         watch=None, models=recorded_models(scenario.bench)))

    @classmethod
    def for_device(cls, device: str, *, seed: int = 0, options: Mapping[str, Any] | None = None,
                   model: ModelClass | None = None, baud: int = 115_200, framing: str = "asm",
                   clock_hz: int = 1000, start_utc: str = DEFAULT_EPOCH_UTC) -> Procedure:
        """A one-device bench: ``device`` (its registered model, or ``model``) on one link to flight software.

        The test plays flight software's part in downlink: the stand-in forwards nothing to a radio by itself
        (``write`` puts packets on the radio's link).
        """
        settings = BenchSettings(clock_hz=clock_hz, links={device: LinkSettings(baud, framing)},
                                 devices={device: dict(options)} if options else {}, members=(device,))
        bench = Bench(settings, check_seed(seed), start_utc, watch=None, models={device: model} if model else None)
        bench.fsw.relay = None
        return cls(bench)

    # what is on the bench ----------------------------------------------------------------------------------
    @property
    def now_s(self) -> float:
        """Virtual seconds since T0."""
        return self.bench.now_s

    def model(self, device: str) -> DeviceModel:
        """The model of a device on the bench (for white-box checks)."""
        try:
            return self.bench.devices[device]
        except KeyError:
            raise ConfigurationError(f"no model of {device!r} on this bench; models: "
                                     f"{', '.join(self.bench.devices)}") from None

    # commanding --------------------------------------------------------------------------------------------
    def send(self, device: str, command: str, /, ack: int = 0xF, **args: Any) -> Verification:
        """Send a command by name with engineering-unit arguments; returns its growing verification record."""
        return self.fsw.send(device, command, args, ack)

    def send_raw(self, device: str, packet: bytes) -> Verification:
        """Send an already-built TC (malformed ones too) on a device's link; its reports are tracked."""
        return self.fsw.send_packet(device, packet, self._name_of(packet))

    def write(self, device: str, octets: bytes, framed: bool = True) -> None:
        """Put octets on a device's link from flight software's end, untracked: a packet the port frames
        (e.g. TM for the radio to downlink), or with ``framed=False`` the wire octets as they are."""
        link = self._link(device)
        if framed:
            link.a.send(octets)
        else:
            link.carry(link.a, octets, octets)

    def track(self, device: str, seq_count: int) -> Verification:
        """Collect the reports ``device`` sends about a TC of ``seq_count`` put on the wire by ``write``."""
        return self.fsw.track(device, seq_count)

    def inject(self, target: str, fault: str, **params: Any) -> None:
        """Inject a fault into a device (``"sampler"``) or a link (``"link.sampler"``)."""
        self.bench.inject(target, fault, params)

    # time ----------------------------------------------------------------------------------------------------
    def run(self, seconds: float) -> None:
        """Let ``seconds`` of virtual time pass."""
        self.bench.run(_seconds("run", "seconds", seconds))

    def wait_until(self, condition: Callable[[], bool] | str, timeout_s: float, *, new_only: bool = True) -> float:
        """Run until ``condition`` holds (a callable or ``"device.param >= value"`` / ``"device.event:name"``).

        A parameter condition that holds already returns at once. An event condition, like a scenario's
        ``when``, waits for the event raised after the call; ``new_only=False`` counts those raised before too.
        Returns the virtual time it took; raises ProcedureError after ``timeout_s`` of virtual time.
        """
        timeout_s = _seconds("wait_until", "timeout_s", timeout_s)
        check = self._predicate(condition, new_only)
        start = self.bench.now_s
        if not self.bench.run(timeout_s, until=check) and not check():
            raise ProcedureError(f"{condition if isinstance(condition, str) else 'condition'} "
                                 f"not met within {timeout_s:g} s of virtual time{self._earlier(condition)}")
        return self.bench.now_s - start

    def complete(self, device: str, command: str, /, timeout_s: float = 600.0, **args: Any) -> Verification:
        """Send a command and wait for its completion report; raise ProcedureError if it fails or times out."""
        return self.wait_for(self.send(device, command, **args), timeout_s=timeout_s)

    def wait_for(self, record: Verification, stage: str = "completion", timeout_s: float = 600.0) -> Verification:
        """Wait for a command's acceptance or completion; a failure report raises ProcedureError."""
        if stage not in STAGES:
            raise UnknownNameError("", None, f"wait_for(stage={stage!r}): no stage {stage!r}; stages: "
                                             f"{', '.join(STAGES)}")
        timeout_s = _seconds("wait_for", "timeout_s", timeout_s)
        done = (lambda: record.accepted or record.failed) if stage == "acceptance" else (lambda: record.done)
        self.bench.run(timeout_s, until=done)
        if record.failed:
            raise ProcedureError(f"{record.device} {record.command}: {record.failure} "
                                 f"(reports: {record.stage_names})")
        if not done():
            raise ProcedureError(f"{record.device} {record.command}: no {stage} within {timeout_s:g} s "
                                 f"(reports: {record.stage_names})")
        return record

    # what came back -------------------------------------------------------------------------------------------
    def latest(self, device: str, parameter: str) -> Any:
        """The latest reported value of a parameter (NotReportedError before any report carried it)."""
        self._parameter(device, parameter, f"latest({device!r}, {parameter!r})")
        value = self.store.get(device, parameter, _MISSING)
        if value is _MISSING:
            raise NotReportedError(device, parameter)
        return value

    def history(self, device: str, parameter: str) -> list[tuple[float, Any]]:
        """Every reported value of a parameter as (virtual seconds, value), oldest first."""
        self._parameter(device, parameter, f"history({device!r}, {parameter!r})")
        series = self.store.history.get(f"{device}.{parameter}")
        if series is None:
            return []
        return [(t / NS_PER_S, v) for t, v in zip(series.times, series.values, strict=True)]

    def events(self, device: str | None = None, name: str | None = None) -> list[EventRecord]:
        """Event reports flight software received, optionally of one device and one event name."""
        where = f"events({device!r}, {name!r})"
        devices = self._devices(device, where)
        if name is not None:
            known_event(devices, name, where)
        return [e for e in self.store.events if (device is None or e.device == device)
                and (name is None or e.name == name)]

    def packets(self, device: str | None = None, name: str | None = None,
                direction: str | None = FROM_DEVICE) -> list[PacketView]:
        """Decoded packets from the log: on one device's link, of one name (``"pong"``, ``"hk:drill"``,
        ``"event:rock-detected"``), in one direction (None: both)."""
        where = f"packets({device!r}, {name!r}, direction={direction!r})"
        devices = self._devices(device, where)
        if name is not None:
            known_packet(devices, name, where)
        if direction not in (TO_DEVICE, FROM_DEVICE, None):
            raise UnknownNameError("", None, f"{where}: no direction {direction!r}; directions: {TO_DEVICE}, "
                                             f"{FROM_DEVICE}, None (both)")
        views = (p.view for p in self.log if (device is None or p.link == device)
                 and (direction is None or p.direction == direction))
        return [v for v in views if name is None or v.name == name]

    def hk(self, device: str, set_name: str) -> list[PacketView]:
        """A device's housekeeping reports of one set, oldest first."""
        known_hk_set(self._device(device, f"hk({device!r}, {set_name!r})"), set_name, f"hk({device!r}, {set_name!r})")
        return self.packets(device, f"hk:{set_name}")

    # internals ------------------------------------------------------------------------------------------------
    def _device(self, name: str, where: str) -> Device:
        """The dictionary entry of a device on this bench, else UnknownNameError."""
        device = known_device(self.bench.dictionary, name, where)
        if name not in self.bench.links:
            raise UnknownNameError("", None, f"{where}: {name} is not on this bench; devices on it: "
                                             f"{', '.join(self.bench.links)}")
        return device

    def _devices(self, name: str | None, where: str) -> list[Device]:
        """That device on this bench, or (None) every device on it."""
        names = self.bench.links if name is None else (name,)
        return [self._device(n, where) for n in names]

    def _parameter(self, device: str, parameter: str, where: str) -> None:
        known_parameter(self._device(device, where), parameter, where)

    def _link(self, device: str) -> Link:
        link = self.bench.links.get(device)
        if link is None:
            raise ConfigurationError(f"no link to {device!r} on this bench; links: {', '.join(self.bench.links)}")
        return link

    def _observe(self, port: Port, link: str, direction: str) -> None:
        """Log every packet ``port`` delivers, then hand it on to whoever listens there."""
        inner = port.handler
        log, dictionary, scheduler = self.log, self.bench.dictionary, self.bench.scheduler

        def handler(packet: bytes) -> None:
            log.append(LoggedPacket(scheduler.now_ns, link, direction, packet, dictionary))
            if inner is not None:
                inner(packet)

        port.handler = handler

    def _name_of(self, packet: bytes) -> str:
        try:
            return describe(packet, self.bench.dictionary).name or "raw TC"
        except (ProtocolError, TypeError):  # not a packet: send_packet says what it needs
            return "raw TC"

    def _predicate(self, condition: Callable[[], bool] | str, new_only: bool) -> Callable[[], bool]:
        if callable(condition):
            return condition
        parsed = parse_condition(condition, self.bench.dictionary)
        self._device(parsed.device, f"wait_until({condition!r})")
        new = new_only and isinstance(parsed, EventCondition)
        baseline = self.store.event_count(parsed.device, parsed.event) if new else 0  # type: ignore[union-attr]
        return lambda: holds(parsed, self.store, baseline)

    def _earlier(self, condition: Callable[[], bool] | str) -> str:
        """What a timeout message adds about an awaited event that was raised before the wait began."""
        if callable(condition):
            return ""
        parsed = parse_condition(condition, self.bench.dictionary)
        if not isinstance(parsed, EventCondition):
            return ""
        count = self.store.event_count(parsed.device, parsed.event)
        return f" (raised {count} time{'s' * (count != 1)} before; new_only=False counts those)" if count else ""


def _seconds(verb: str, name: str, value: float) -> float:
    """``value`` if it is a finite, non-negative number of virtual seconds, else ValueError naming the call."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{verb}({name}={value!r}): a number of virtual seconds, finite and not negative")
    return value


_MISSING = object()
