"""A device: a state machine behind a PUS interface — verification, housekeeping, events, ping, parameters."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from operator import itemgetter
from typing import Any

import numpy as np

from firmware_sim.engine.link import Port
from firmware_sim.engine.scheduler import Scheduler, Timer
from firmware_sim.errors import CommandRefusedError, ConfigurationError
from firmware_sim.params import check_options, fault_method, fault_names
from protocols.dictionary import Device, Field
from protocols.errors import CrcError, ProtocolError, UnknownCommandError, UnknownParameterError
from protocols.framing.base import BAD_CRC
from protocols.pus import AckFlags, PusTc, PusTm
from protocols.services import events, housekeeping, parameters, test, verification
from protocols.services.verification import FailureCode
from protocols.spacepacket import PRIMARY_HEADER_SIZE, SEQ_COUNT_MODULUS, SpacePacketHeader

HK_LINK_SHARE = 0.9
"""Housekeeping may take at most this share of the device link's capacity; a faster schedule is refused."""
EVENT_LOG_LIMIT = 10_000
"""Events a device keeps in its own log (the oldest go first); reports on the wire are not limited."""
ACK_ACCEPTANCE, ACK_START, ACK_PROGRESS, ACK_COMPLETION = (int(flag) for flag in (
    AckFlags.ACCEPTANCE, AckFlags.START, AckFlags.PROGRESS, AckFlags.COMPLETION))
"""The acknowledgement flags as plain ints: ``int & IntFlag`` runs the enum's Python code on every TC."""


@dataclass
class Execution:
    """A command that has started and will complete later; the device calls ``complete`` or ``fail``."""

    name: str
    request_id: bytes
    ack_flags: int
    started_ns: int
    done: bool = False


@dataclass
class DeviceCounters:
    """What a device saw on its interface."""

    commands_accepted: int = 0
    commands_rejected: int = 0
    commands_completed: int = 0
    commands_failed: int = 0
    bad_packets: int = 0
    tm_sent: int = 0
    events_sent: int = 0
    internal_errors: int = 0
    """Commands whose handling raised an unexpected error (a model bug): reported as failed, never fatal."""
    last_internal_error: str = ""
    failures: dict[str, int] = field(default_factory=dict)


class DeviceModel:
    """Base of every emulated device; subclasses add physics and one ``cmd_<function>`` method per function.

    A ``cmd_`` method receives the decoded arguments (engineering units). It returns None when the command
    is complete at once, or an ``Execution`` from ``self.begin()`` that it completes later. It raises
    ``CommandRefusedError`` (with a FailureCode) to refuse without changing any state.
    """

    def __init__(self, definition: Device, scheduler: Scheduler, rng: np.random.Generator,
                 epoch_ns: int = 0, options: Mapping[str, Any] | None = None) -> None:
        self.definition = definition
        self.name = definition.name
        self.apid = definition.apid
        self.scheduler = scheduler
        self.rng = rng
        self.epoch_ns = epoch_ns
        self.options = check_options(self.name, type(self), options or {})
        self.port: Port | None = None
        self.counters = DeviceCounters()
        self.telemetry: dict[str, Any] = {p.name: _initial(p) for p in definition.parameters}
        self.event_log: deque[tuple[int, str, dict[str, Any]]] = deque(maxlen=EVENT_LOG_LIMIT)
        self.faults_injected: list[tuple[int, str, dict[str, Any]]] = []
        self._seq_count = 0
        """The source sequence count of this device's next packet (a device sends on its one APID)."""
        self._msg_counters: dict[tuple[int, int], int] = {}
        self._hk_enabled = {s.sid: s.enabled for s in definition.housekeeping}
        self._hk_interval_ms = {s.sid: s.interval_ms for s in definition.housekeeping}
        self._hk_timers: dict[int, Timer] = {}
        self._hk_getters = {s.sid: itemgetter(*s.parameters) for s in definition.housekeeping}
        self._hk_codecs = {s.sid: definition.hk_codec(s.sid) for s in definition.housekeeping}
        self._events_enabled = {e.id: True for e in definition.events}
        self._tick_timer: Timer | None = None
        self._held: list[Callable[[int], bytes]] | None = None
        """Packets made while a command starts, numbered only when sent (so each APID's counts go out in order)."""
        self._handlers: dict[str, Callable[..., Execution | None]] = {}
        for function in definition.functions:
            method = getattr(self, "cmd_" + function.name.replace("-", "_"), None)
            if method is None:
                raise ConfigurationError(f"{self.name}: no handler cmd_{function.name.replace('-', '_')}")
            self._handlers[function.name] = method

    # wiring ---------------------------------------------------------------------------------------------
    def attach(self, port: Port) -> None:
        """Connect the device to its port and start its periodic housekeeping."""
        self.port = port
        port.handler = self.on_packet
        port.on_rejected = self.on_rejected
        for sid, enabled in self._hk_enabled.items():
            if enabled:
                self._start_hk(sid)

    def now_ns(self) -> int:
        """Mission time (ns since 1958 TAI) now."""
        return self.epoch_ns + self.scheduler.now_ns

    # telemetry out ---------------------------------------------------------------------------------------
    def send_tm(self, service: int, subtype: int, app_data: bytes) -> None:
        """Send one TM packet, numbered and time-stamped."""
        key = (service, subtype)
        counter = self._msg_counters.get(key, 0)
        self._msg_counters[key] = (counter + 1) & 0xFFFF
        time_ns = self.epoch_ns + self.scheduler.now_ns
        if self._held is not None:
            self._hold(lambda seq: PusTm(self.apid, service, subtype, app_data, seq, counter, time_ns).pack())
            return
        self._deliver(PusTm(self.apid, service, subtype, app_data, self._next_seq(), counter, time_ns).pack())

    def _next_seq(self) -> int:
        """The sequence count for the next packet; advances the count (wrapping at 16384)."""
        seq = self._seq_count
        self._seq_count = (seq + 1) % SEQ_COUNT_MODULUS
        return seq

    def _deliver(self, packet: bytes) -> None:
        self.counters.tm_sent += 1
        if self.port is not None:
            self.port.send(packet)

    def _hold(self, build: Callable[[int], bytes]) -> None:
        """Keep a packet made while a command starts; it is numbered when sent, after the start report."""
        self.counters.tm_sent += 1
        assert self._held is not None
        self._held.append(build)

    def report_hk(self, sid: int) -> None:
        """Send TM[3,25] for one set with the current telemetry values (fused codec: one struct call)."""
        values = self._hk_getters[sid](self.telemetry)
        if not isinstance(values, tuple):
            values = (values,)
        counter = self._msg_counters.get((3, 25), 0)
        self._msg_counters[(3, 25)] = (counter + 1) & 0xFFFF
        codec, time_ns = self._hk_codecs[sid], self.epoch_ns + self.scheduler.now_ns
        if self._held is not None:
            self._hold(lambda seq: codec.encode(values, seq, counter, time_ns))
            return
        self._deliver(codec.encode(values, self._next_seq(), counter, time_ns))

    def emit(self, name: str, *values: Any) -> None:
        """Raise an event: logged always, reported as TM[5,severity] while the event is enabled."""
        event, data = self.definition.event_data(name, values)
        self.event_log.append((self.scheduler.now_ns, name, data))
        if self._events_enabled.get(event.id, True):
            self.counters.events_sent += 1
            self.send_tm(5, int(event.severity), self.definition.encode_event(event.id, values)[1])

    # periodic work -----------------------------------------------------------------------------------------
    def start_ticking(self, rate_hz: float) -> None:
        """Call ``tick(dt_s)`` at ``rate_hz`` until ``stop_ticking``; idle devices should not tick."""
        self.stop_ticking()
        period = max(1, self.scheduler.clock.cycles(1.0 / rate_hz))
        dt = period * self.scheduler.clock.period_ns / 1e9
        self._tick_timer = self.scheduler.every(period, partial(self.tick, dt), priority=-1)

    def stop_ticking(self) -> None:
        """Stop the physics tick."""
        if self._tick_timer is not None:
            self._tick_timer.cancel()
            self._tick_timer = None

    @property
    def ticking(self) -> bool:
        """True while the physics tick runs."""
        return self._tick_timer is not None

    def tick(self, dt_s: float) -> None:
        """Advance the physics by ``dt_s`` seconds (subclasses)."""

    def set_housekeeping(self, sid: int, enabled: bool) -> None:
        """Enable or disable one periodic housekeeping set now (as TC[3,5]/[3,6] would)."""
        self._hk_enabled[sid] = enabled
        if enabled:
            self._start_hk(sid)
        else:
            self._stop_hk(sid)

    def refresh_telemetry(self) -> None:
        """Bring telemetry up to now before a parameter report reads it (subclasses with lazy physics)."""

    def _start_hk(self, sid: int) -> None:
        self._stop_hk(sid)
        period = max(1, self.scheduler.clock.cycles(self._hk_interval_ms[sid] / 1000))
        self._hk_timers[sid] = self.scheduler.every(period, partial(self.report_hk, sid))

    def _stop_hk(self, sid: int) -> None:
        timer = self._hk_timers.pop(sid, None)
        if timer is not None:
            timer.cancel()

    # commands in -------------------------------------------------------------------------------------------
    def on_packet(self, raw: bytes) -> None:
        """A packet arrived on the device's port: verify, execute, report."""
        try:
            tc = PusTc.unpack(raw)
        except ProtocolError as exc:
            self._reject_undecodable(raw, exc)
            return
        request = tc.request_id
        if tc.apid != self.apid:
            self._fail(verification.ACCEPTANCE_FAIL, request, FailureCode.ILLEGAL_APID, f"apid {tc.apid}")
            return
        try:
            action = self._accept(tc)
        except CommandRefusedError as refused:
            self._fail(verification.ACCEPTANCE_FAIL, request, refused.code, refused.reason, refused.data)
            return
        except Exception as exc:  # a model bug must not stop the bench: refuse and count it
            self._internal_error(exc)
            self._fail(verification.ACCEPTANCE_FAIL, request, FailureCode.BAD_ARGUMENTS, str(exc))
            return
        self.counters.commands_accepted += 1
        if tc.ack_flags & ACK_ACCEPTANCE:
            self.send_tm(1, verification.ACCEPTANCE_OK, request)
        self._held = []
        try:
            execution = action()
        except CommandRefusedError as refused:
            self._held = None
            self._fail(verification.START_FAIL, request, refused.code, refused.reason, refused.data)
            return
        except Exception as exc:  # a model bug must not stop the bench: report the start as failed, count it
            self._held = None
            self._internal_error(exc)
            self._fail(verification.START_FAIL, request, FailureCode.EXECUTION_FAILED, str(exc), rejected=False)
            return
        held, self._held = self._held, None
        if tc.ack_flags & ACK_START:
            self.send_tm(1, verification.START_OK, request)
        for build in held:
            packet = build(self._next_seq())
            if self.port is not None:
                self.port.send(packet)
        if execution is None:
            self.counters.commands_completed += 1
            if tc.ack_flags & ACK_COMPLETION:
                self.send_tm(1, verification.COMPLETION_OK, request)
        else:
            execution.request_id, execution.ack_flags = request, tc.ack_flags

    def begin(self, name: str) -> Execution:
        """An execution for a command that completes later (request ID is filled in on return)."""
        return Execution(name, b"", 0, self.scheduler.now_ns)

    def progress(self, execution: Execution) -> None:
        """The long-running command passed a step: TM[1,5] if asked for."""
        if not execution.done and execution.ack_flags & ACK_PROGRESS:
            self.send_tm(1, verification.PROGRESS_OK, execution.request_id)

    def complete(self, execution: Execution) -> None:
        """The long-running command finished: TM[1,7] if asked for."""
        if execution.done:
            return
        execution.done = True
        self.counters.commands_completed += 1
        if execution.ack_flags & ACK_COMPLETION:
            self.send_tm(1, verification.COMPLETION_OK, execution.request_id)

    def fail(self, execution: Execution, code: int, reason: str, data: bytes = b"") -> None:
        """The long-running command failed: TM[1,8] with the failure code."""
        if execution.done:
            return
        execution.done = True
        self.counters.commands_failed += 1
        self._fail(verification.COMPLETION_FAIL, execution.request_id, code, reason, data, rejected=False)

    def _fail(self, subtype: int, request: bytes, code: int, reason: str, data: bytes = b"",
              rejected: bool = True) -> None:
        if rejected:
            self.counters.commands_rejected += 1
        name = verification.failure_name(code)
        self.counters.failures[name] = self.counters.failures.get(name, 0) + 1
        self.send_tm(1, subtype, verification.encode_failure(request, code, data))

    def on_rejected(self, header: bytes, reason: str) -> None:
        """The link refused a packet (bad CRC, bad length, truncated): TM[1,2] if it was a TC to this device."""
        if len(header) < PRIMARY_HEADER_SIZE or not header[0] & 0x10:
            return  # telemetry, or no header to answer to
        if ((header[0] & 0x07) << 8) | header[1] != self.apid:
            return  # another device's TC (or a damaged APID): nobody here to answer it
        self.counters.bad_packets += 1
        code = FailureCode.BAD_CHECKSUM if reason == BAD_CRC else FailureCode.INCOMPLETE_OR_BAD_LENGTH
        self._fail(verification.ACCEPTANCE_FAIL, bytes(header[:4]), code, f"refused by the link: {reason}")

    def _internal_error(self, exc: Exception) -> None:
        self.counters.internal_errors += 1
        self.counters.last_internal_error = f"{type(exc).__name__}: {exc}"

    def _reject_undecodable(self, raw: bytes, exc: ProtocolError) -> None:
        self.counters.bad_packets += 1
        if len(raw) < PRIMARY_HEADER_SIZE:
            return
        try:
            header = SpacePacketHeader.unpack(raw)
        except ProtocolError:
            return
        if not header.packet_type:
            return  # telemetry on a command port: nothing to verify
        request = raw[:4]
        code = FailureCode.BAD_CHECKSUM if isinstance(exc, CrcError) else FailureCode.INCOMPLETE_OR_BAD_LENGTH
        self._fail(verification.ACCEPTANCE_FAIL, request, code, str(exc))

    def _accept(self, tc: PusTc) -> Callable[[], Execution | None]:
        """Check a TC completely and return the action that executes it; raise CommandRefusedError if not acceptable."""
        service, subtype, data = tc.service, tc.subtype, tc.app_data
        try:
            if service == 8 and subtype == 1:
                return self._accept_function(tc)
            command = self.definition.command_for(service, subtype, data)
            args = command.decode(self.definition, data)
        except UnknownCommandError as exc:
            code = FailureCode.UNKNOWN_FUNCTION if service == 8 else (
                FailureCode.ILLEGAL_SUBTYPE if service in (1, 3, 5, 17, 20) else FailureCode.ILLEGAL_SERVICE)
            raise CommandRefusedError(code, str(exc)) from None
        except UnknownParameterError as exc:
            raise CommandRefusedError(FailureCode.UNKNOWN_PARAMETER, str(exc), _id_octets(exc.value)) from None
        except ProtocolError as exc:
            raise CommandRefusedError(FailureCode.BAD_ARGUMENTS, str(exc)) from None
        if service == test.SERVICE:
            return lambda: self.send_tm(test.SERVICE, test.PONG, b"")  # type: ignore[func-returns-value]
        if service == housekeeping.SERVICE:
            return self._accept_hk(subtype, data)
        if service == events.SERVICE:
            return self._accept_events(subtype, data)
        if service == parameters.SERVICE:
            return self._accept_parameters(subtype, data, args)
        raise CommandRefusedError(FailureCode.ILLEGAL_SERVICE, f"service {service} not handled")

    def _accept_function(self, tc: PusTc) -> Callable[[], Execution | None]:
        try:
            function = self.definition.command_for(8, 1, tc.app_data)
        except UnknownCommandError as exc:
            raise CommandRefusedError(FailureCode.UNKNOWN_FUNCTION, str(exc)) from None
        except ProtocolError as exc:
            raise CommandRefusedError(FailureCode.INCOMPLETE_OR_BAD_LENGTH, str(exc)) from None
        try:
            args = function.decode(self.definition, tc.app_data)
        except ProtocolError as exc:
            raise CommandRefusedError(FailureCode.BAD_ARGUMENTS, str(exc)) from None
        for arg in function.args:
            _check_in_range(arg, args[arg.name])
        handler = self._handlers[function.name]
        return lambda: handler(**args)

    def _accept_hk(self, subtype: int, data: bytes) -> Callable[[], None]:
        if subtype == housekeeping.MODIFY_INTERVAL:
            pairs = housekeeping.decode_intervals(data)
            self._require_sids([s for s, _ in pairs])
            for _, interval in pairs:
                if not 1 <= interval <= 86_400_000:
                    raise CommandRefusedError(FailureCode.ARGUMENT_OUT_OF_RANGE,
                                              f"interval={interval} ms: allowed 1..86400000")

            self._check_hk_load({**self._hk_interval_ms, **dict(pairs)}, self._hk_enabled)

            def modify() -> None:
                for sid, interval in pairs:
                    self._hk_interval_ms[sid] = interval
                    if self._hk_enabled[sid]:
                        self._start_hk(sid)
            return modify
        sids = housekeeping.decode_sids(data)
        self._require_sids(sids)
        if subtype == housekeeping.ENABLE_PERIODIC:
            self._check_hk_load(self._hk_interval_ms, {**self._hk_enabled, **dict.fromkeys(sids, True)})

        def apply() -> None:
            for sid in sids:
                if subtype == housekeeping.ONE_SHOT:
                    self.report_hk(sid)
                else:
                    self.set_housekeeping(sid, subtype == housekeeping.ENABLE_PERIODIC)
        return apply

    def _check_hk_load(self, intervals: Mapping[int, int], enabled: Mapping[int, bool]) -> None:
        """Refuse a housekeeping schedule the device link cannot carry (its capacity is in the reason and data)."""
        port = self.port
        link = port.link if port is not None else None
        if port is None or link is None or not link.timed:
            return  # a real wire: its own rate applies
        bits_per_s = sum(port.wire_octets(self._hk_codecs[sid].packet_size) * 10 * 1000 / intervals[sid]
                         for sid, on in enabled.items() if on)
        allowed = link.baud * HK_LINK_SHARE
        if bits_per_s > allowed:
            raise CommandRefusedError(
                FailureCode.ARGUMENT_OUT_OF_RANGE,
                f"housekeeping would need {bits_per_s:,.0f} bit/s; the {link.name} link carries {link.baud:,} bit/s "
                f"and housekeeping may use {HK_LINK_SHARE:.0%} of it", link.baud.to_bytes(4, "big"))

    def _require_sids(self, sids: list[int]) -> None:
        unknown = [s for s in sids if s not in self._hk_enabled]
        if unknown:
            raise CommandRefusedError(FailureCode.UNKNOWN_SID, f"unknown SID {unknown[0]}",
                                      unknown[0].to_bytes(2, "big"))

    def _accept_events(self, subtype: int, data: bytes) -> Callable[[], None]:
        ids = events.decode_event_ids(data)
        unknown = [i for i in ids if i not in self._events_enabled]
        if unknown:
            raise CommandRefusedError(FailureCode.BAD_ARGUMENTS, f"unknown event ID {unknown[0]}")

        def apply() -> None:
            for event_id in ids:
                self._events_enabled[event_id] = subtype == events.ENABLE
        return apply

    def _accept_parameters(self, subtype: int, data: bytes, args: dict[str, Any]) -> Callable[[], None]:
        device = self.definition
        if subtype == parameters.REPORT_REQUEST:
            ids = parameters.decode_ids(data)
            for pid in ids:
                try:
                    device.parameter(pid)
                except UnknownParameterError as exc:
                    raise CommandRefusedError(FailureCode.UNKNOWN_PARAMETER, str(exc), _id_octets(pid)) from None

            def report() -> None:
                self.refresh_telemetry()
                pairs = [(i, device.parameter(i).to_raw_saturating(self.telemetry[device.parameter(i).name]))
                         for i in ids]
                self.send_tm(parameters.SERVICE, parameters.REPORT,
                             parameters.encode_values(pairs, lambda pid: device.parameter(pid).raw))
            return report
        pairs = parameters.decode_values(data, lambda pid: device.parameter(pid).raw)
        updates = []
        for pid, raw in pairs:
            param = device.parameter(pid)
            if not param.writable:
                raise CommandRefusedError(FailureCode.PARAMETER_READ_ONLY, f"{param.name} is read-only",
                                     pid.to_bytes(2, "big"))
            value = param.to_engineering(raw)
            _check_in_range(param, value)
            updates.append((param.name, value))

        def apply() -> None:
            for name, value in updates:
                self.on_parameter_set(name, value)
        return apply

    def on_parameter_set(self, name: str, value: Any) -> None:
        """A writable parameter was set by TC[20,3] (subclasses may react)."""
        self.telemetry[name] = value

    # faults ------------------------------------------------------------------------------------------------
    @property
    def faults(self) -> tuple[str, ...]:
        """Names of the faults this device can be given (methods ``fault_<name>``)."""
        return fault_names(type(self))

    def inject(self, fault: str, **params: Any) -> None:
        """Inject a named fault (e.g. ``stuck-valve``) with its parameters."""
        method = fault_method(type(self), fault)
        if method is None:
            raise ConfigurationError(f"{self.name}: no fault {fault!r}; faults: {', '.join(self.faults) or 'none'}")
        try:
            method(self, **params)
        except TypeError as exc:
            raise ConfigurationError(f"{self.name} fault {fault}: {exc}") from None
        self.faults_injected.append((self.scheduler.now_ns, fault, dict(params)))

    def figures(self) -> dict[str, Any]:
        """Key figures for the run summary (subclasses)."""
        return {}


def _check_in_range(f: Field, value: Any) -> None:
    if f.enum is not None:
        if value not in f.enum:
            raise CommandRefusedError(FailureCode.ARGUMENT_OUT_OF_RANGE,
                                      f"{f.name}={value!r}: allowed {f.range_text()}")
        return
    low, high = f.engineering_limits
    slack = abs(f.calibration.to_engineering(1) - f.calibration.to_engineering(0)) / 2 if f.calibration else 0.0
    if (isinstance(value, float) and math.isnan(value)) or (low is not None and value < low - slack) or (
            high is not None and value > high + slack):
        raise CommandRefusedError(FailureCode.ARGUMENT_OUT_OF_RANGE, f"{f.name}={value!r}: allowed {f.range_text()}")


def _id_octets(value: Any) -> bytes:
    """A 16-bit ID as failure data (empty when the value is not one)."""
    return value.to_bytes(2, "big") if isinstance(value, int) and 0 <= value <= 0xFFFF else b""


def _initial(param: Field) -> Any:
    if param.enum:
        return next(iter(param.enum))
    low, high = param.engineering_limits
    if low is not None and low > 0:
        return low
    if high is not None and high < 0:
        return high
    return 0.0 if param.is_float or param.calibration else 0
