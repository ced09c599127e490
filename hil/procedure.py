"""One scripting driver for flight-software tests: a bench of any size, commanded by name, in virtual time."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from firmware_sim.bench import DEFAULT_EPOCH_UTC, Bench, ModelClass
from firmware_sim.devices.base import DeviceModel
from firmware_sim.engine.link import Link, Port
from firmware_sim.errors import ConfigurationError, SimError
from firmware_sim.fsw.telemetry import EventRecord, Verification
from firmware_sim.runner import holds
from firmware_sim.scenario import load_scenario, parse_condition
from firmware_sim.scenario.model import BenchSettings, EventCondition, LinkSettings
from hil.replay.node import recorded_models
from protocols.describe import PacketView, describe
from protocols.dictionary import Dictionary
from protocols.errors import ProtocolError

NS_PER_S = 1_000_000_000
TO_DEVICE = "to-device"
FROM_DEVICE = "from-device"
"""Directions in the packet log, as link faults name them: from flight software to the device, and back."""


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
        return cls(Bench(BenchSettings(devices=dict(device_options)), seed, watch=None))

    @classmethod
    def from_scenario(cls, path: str | Path, seed: int | None = None) -> Procedure:
        """A bench configured by a scenario file's [bench] section (its timeline is not run).

        ``replay://`` nodes are loaded here, as ``farside run`` loads them.
        """
        scenario = load_scenario(Path(path))
        return cls(Bench(scenario.bench, scenario.seed if seed is None else seed, scenario.start_utc, watch=None,
                         models=recorded_models(scenario.bench)))

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
        bench = Bench(settings, seed, start_utc, watch=None, models={device: model} if model else None)
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

    def complete(self, device: str, command: str, /, timeout_s: float = 600.0, **args: Any) -> Verification:
        """Send a command and wait for its completion report; raise ProcedureError if it fails or times out."""
        return self.wait_for(self.send(device, command, **args), timeout_s=timeout_s)

    def wait_for(self, record: Verification, stage: str = "completion", timeout_s: float = 600.0) -> Verification:
        """Wait for a command's acceptance or completion; a failure report raises ProcedureError."""
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
        value = self.store.get(device, parameter, _MISSING)
        if value is _MISSING:
            raise NotReportedError(device, parameter)
        return value

    def history(self, device: str, parameter: str) -> list[tuple[float, Any]]:
        """Every reported value of a parameter as (virtual seconds, value), oldest first."""
        series = self.store.history.get(f"{device}.{parameter}")
        if series is None:
            return []
        return [(t / NS_PER_S, v) for t, v in zip(series.times, series.values, strict=True)]

    def events(self, device: str | None = None, name: str | None = None) -> list[EventRecord]:
        """Event reports flight software received, optionally of one device and one event name."""
        return [e for e in self.store.events if (device is None or e.device == device)
                and (name is None or e.name == name)]

    def packets(self, device: str | None = None, name: str | None = None,
                direction: str | None = FROM_DEVICE) -> list[PacketView]:
        """Decoded packets from the log: on one device's link, of one name (``"pong"``, ``"hk:drill"``,
        ``"event:rock-detected"``), in one direction (None: both)."""
        views = (p.view for p in self.log if (device is None or p.link == device)
                 and (direction is None or p.direction == direction))
        return [v for v in views if name is None or v.name == name]

    def hk(self, device: str, set_name: str) -> list[PacketView]:
        """A device's housekeeping reports of one set, oldest first."""
        return self.packets(device, f"hk:{set_name}")

    # internals ------------------------------------------------------------------------------------------------
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
        except ProtocolError:
            return "raw TC"

    def _predicate(self, condition: Callable[[], bool] | str) -> Callable[[], bool]:
        if callable(condition):
            return condition
        parsed = parse_condition(condition, self.bench.dictionary)
        baseline = self.store.event_count(parsed.device, parsed.event) if isinstance(parsed, EventCondition) else 0
        return lambda: holds(parsed, self.store, baseline)


_MISSING = object()
