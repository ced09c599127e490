"""A device's dictionary: its APID, functions, parameters, housekeeping sets and events, with fast lookups."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from protocols.dictionary.checks import (
    MAX_APID,
    MAX_EVENT_ID,
    MAX_INTERVAL_MS,
    MAX_PARAMETER_ID,
    MAX_SID,
    MIN_INTERVAL_MS,
    require_integer,
    require_name,
    require_severity,
)
from protocols.dictionary.elements import Command, Event, Function, HousekeepingSet, Parameter
from protocols.dictionary.fields import RecordCodec, Value
from protocols.dictionary.packets import FunctionCall, FunctionPacketCodec, HousekeepingPacketCodec, HousekeepingReport
from protocols.dictionary.standard import standard_commands
from protocols.errors import (
    ArgumentError,
    DictionaryError,
    TruncatedError,
    UnknownCommandError,
    UnknownEventError,
    UnknownParameterError,
    field_error,
)
from protocols.pus import PusTc, PusTm
from protocols.services.events import event_id
from protocols.services.functions import function_id
from protocols.services.housekeeping import report_sid

__all__ = ["Command", "Device", "Event", "Function", "HousekeepingReader", "HousekeepingSet", "Parameter"]


class HousekeepingReader(NamedTuple):
    """What reading one housekeeping set's TM[3,25] packets takes: the set's fused codec and its parameters' names."""

    codec: HousekeepingPacketCodec
    parameters: tuple[str, ...]


def _index(items: Sequence[Any], key: str, what: str, device: str) -> dict[Any, Any]:
    table: dict[Any, Any] = {}
    for item in items:
        value = getattr(item, key)
        if value in table:
            raise DictionaryError(f"{device}: duplicate {what} {value!r}")
        table[value] = item
    return table


def _check(device: Device) -> None:
    """Refuse a device whose name, APID, IDs or severities the wire or the exports cannot carry."""
    require_name("device", device.name)
    require_integer(device.name, "apid", device.apid, 0, MAX_APID, "11 bits, the last one marks idle packets")
    for function in device.functions:
        require_name(f"{device.name}: function", function.name)
    for p in device.parameters:
        require_integer(f"{device.name}: parameter {p.name}", "id", p.id, 0, MAX_PARAMETER_ID,
                        "services 3 and 20 carry it in 16 bits")
    for hk in device.housekeeping:
        where = f"{device.name}: housekeeping set {hk.name}"
        require_name(f"{device.name}: housekeeping set", hk.name)
        require_integer(where, "sid", hk.sid, 0, MAX_SID, "service 3 carries it in 16 bits")
        require_integer(where, "interval_ms", hk.interval_ms, MIN_INTERVAL_MS, MAX_INTERVAL_MS,
                        "what hk-interval sets")
    for event in device.events:
        where = f"{device.name}: event {event.name}"
        require_name(f"{device.name}: event", event.name)
        require_integer(where, "id", event.id, 0, MAX_EVENT_ID, "TM[5,x] carries it in 16 bits")
        require_severity(where, event.severity)


@dataclass(frozen=True, kw_only=True)
class Device:
    """One device's dictionary: APID, functions, parameters, housekeeping sets and events."""

    name: str
    apid: int
    description: str
    functions: tuple[Function, ...]
    parameters: tuple[Parameter, ...]
    housekeeping: tuple[HousekeepingSet, ...]
    events: tuple[Event, ...]
    commands: tuple[Command, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check(self)
        by_param_name = _index(self.parameters, "name", "parameter", self.name)
        by_param_id = _index(self.parameters, "id", "parameter ID", self.name)
        by_sid = _index(self.housekeeping, "sid", "SID", self.name)
        by_set_name = _index(self.housekeeping, "name", "housekeeping set", self.name)
        by_event_id = _index(self.events, "id", "event ID", self.name)
        by_event_name = _index(self.events, "name", "event", self.name)
        _index(self.functions, "function_id", "function ID", self.name)
        codecs, hk_packets = {}, {}
        for hk in self.housekeeping:
            missing = [p for p in hk.parameters if p not in by_param_name]
            if missing:
                raise DictionaryError(f"{self.name}: housekeeping set {hk.name} names unknown {missing}")
            fields = [by_param_name[p] for p in hk.parameters]
            codecs[hk.sid] = RecordCodec(fields, strict=False)
            hk_packets[hk.sid] = HousekeepingPacketCodec(self.apid, hk.sid, fields)
        function_packets = {f.name: FunctionPacketCodec(self.apid, f.name, f.function_id or 0, f.args)
                            for f in self.functions}
        commands = (*standard_commands(self), *self.functions)
        state = {
            "commands": commands,
            "_commands": _index(commands, "name", "command", self.name),
            "_functions": {f.function_id: f for f in self.functions},
            "_standard": {(c.service, c.subtype): c for c in commands if c.function_id is None},
            "_params": {**by_param_name, **by_param_id},
            "_sets": {**by_set_name, **by_sid},
            "_events": {**by_event_name, **by_event_id},
            "_hk_codecs": codecs,
            "_hk_packets": hk_packets,
            "_hk_readers_by_key": {hk.sid.to_bytes(2, "big"): HousekeepingReader(hk_packets[hk.sid], hk.parameters)
                                   for hk in self.housekeeping},
            "_function_packets": function_packets,
            "_function_packets_by_key": {c.function_id.to_bytes(2, "big"): c for c in function_packets.values()},
        }
        for key, value in state.items():
            object.__setattr__(self, key, value)

    # lookups -------------------------------------------------------------------------------------------
    def command(self, name: str) -> Command:
        """The command of that name (standard or device function)."""
        try:
            return self._commands[name]  # type: ignore[attr-defined]
        except KeyError:
            allowed = ", ".join(c.name for c in self.commands)
            raise field_error(UnknownCommandError, "command", name, f"{self.name} commands: {allowed}") from None

    def command_for(self, service: int, subtype: int, app_data: bytes) -> Command:
        """The command a TC's service, subtype (and function ID for 8,1) select."""
        if service == 8 and subtype == 1:
            fid = function_id(app_data)
            try:
                return self._functions[fid]  # type: ignore[attr-defined]
            except KeyError:
                raise field_error(UnknownCommandError, "function_id", fid,
                                  f"{self.name} has no such function") from None
        try:
            return self._standard[(service, subtype)]  # type: ignore[attr-defined]
        except KeyError:
            raise field_error(UnknownCommandError, "service", f"{service},{subtype}",
                              f"{self.name} takes no such telecommand") from None

    def parameter(self, key: str | int) -> Parameter:
        """A parameter by name or ID."""
        try:
            return self._params[key]  # type: ignore[attr-defined]
        except KeyError:
            allowed = ", ".join(p.name for p in self.parameters)
            raise field_error(UnknownParameterError, "parameter", key, f"{self.name} parameters: {allowed}") from None

    def hk_set(self, key: str | int) -> HousekeepingSet:
        """A housekeeping set by name or SID."""
        try:
            return self._sets[key]  # type: ignore[attr-defined]
        except KeyError:
            allowed = ", ".join(f"{s.name} ({s.sid})" for s in self.housekeeping)
            raise field_error(UnknownParameterError, "sid", key, f"{self.name} housekeeping sets: {allowed}") from None

    def event(self, key: str | int) -> Event:
        """An event definition by name or ID."""
        try:
            return self._events[key]  # type: ignore[attr-defined]
        except KeyError:
            allowed = ", ".join(e.name for e in self.events)
            raise field_error(UnknownEventError, "event", key, f"{self.name} events: {allowed}") from None

    # encoding ------------------------------------------------------------------------------------------
    def encode_command(self, name: str, values: Mapping[str, Any] | None = None) -> tuple[Command, bytes]:
        """The command and its TC app data for named argument values."""
        command = self.command(name)
        return command, command.encode(self, values or {})

    def telecommand(self, name: str, values: Mapping[str, Any] | None = None, seq_count: int = 0,
                    source_id: int = 0, ack: int = 0xF) -> bytes:
        """A whole PUS-C TC (headers and CRC) for a command by name with engineering-unit or label arguments."""
        command, app_data = self.encode_command(name, values)
        return PusTc(self.apid, command.service, command.subtype, app_data, seq_count, source_id, ack).pack()

    def encode_hk(self, sid: int | str, values: Sequence[Any]) -> bytes:
        """TM[3,25] app data: the SID, then the set's parameter values (engineering, in set order)."""
        codec = self._hk_codecs.get(sid)  # type: ignore[attr-defined]
        if codec is None:
            sid = self.hk_set(sid).sid
            codec = self._hk_codecs[sid]  # type: ignore[attr-defined]
        return sid.to_bytes(2, "big") + codec.encode_values(values)

    def decode_hk(self, app_data: bytes) -> tuple[HousekeepingSet, tuple[Value, ...]]:
        """The set and its engineering values from TM[3,25] app data."""
        sid = report_sid(app_data)
        hk = self.hk_set(sid)
        codec = self._hk_codecs[sid]  # type: ignore[attr-defined]
        if len(app_data) != 2 + codec.size:
            raise field_error(TruncatedError if len(app_data) < 2 + codec.size else ArgumentError, "app_data",
                              len(app_data), f"{self.name} set {hk.name} reports are {2 + codec.size} octets")
        return hk, codec.decode(app_data, 2)

    def event_data(self, key: str | int, values: Sequence[Any]) -> tuple[Event, dict[str, Any]]:
        """The event and its data values by name, given in declaration order."""
        event = self._event_taking(key, values)
        return event, dict(zip(event.codec.names, values, strict=True))

    def encode_event(self, key: str | int, values: Sequence[Any] = ()) -> tuple[Event, bytes]:
        """The event and TM[5,severity] app data: event ID, then its data fields."""
        event = self._event_taking(key, values)
        return event, event.id.to_bytes(2, "big") + event.codec.encode_values(values)

    def _event_taking(self, key: str | int, values: Sequence[Any]) -> Event:
        """The event, once its data values are as many as it declares (ArgumentError naming both if not)."""
        event = self.event(key)
        if len(values) != len(event.codec.names):
            count = len(event.codec.names)
            raise field_error(ArgumentError, "values", tuple(values),
                              f"{self.name} event {event.name} takes {count} value{'' if count == 1 else 's'}"
                              f"{': ' if count else ''}{', '.join(event.codec.names)}")
        return event

    # whole packets, fused fast path ------------------------------------------------------------------------
    def hk_codec(self, key: str | int) -> HousekeepingPacketCodec:
        """The fused TM[3,25] codec of one housekeeping set (by name or SID)."""
        return self._hk_packets[self.hk_set(key).sid]  # type: ignore[attr-defined]

    def function_codec(self, name: str) -> FunctionPacketCodec:
        """The fused TC[8,1] codec of one function."""
        try:
            return self._function_packets[name]  # type: ignore[attr-defined]
        except KeyError:
            self.command(name)  # unknown names raise UnknownCommandError listing the commands
            raise field_error(UnknownCommandError, "command", name, "is not a TC[8,1] function") from None

    def hk_reader_for(self, raw: bytes) -> HousekeepingReader | None:
        """The fused codec and parameter names of the set a TM[3,25] packet's SID names (None: no such set)."""
        return self._hk_readers_by_key.get(raw[19:21])  # type: ignore[attr-defined]

    def decode_hk_packet(self, raw: bytes) -> HousekeepingReport:
        """Decode a whole TM[3,25] packet of this device to engineering values."""
        reader = self.hk_reader_for(raw)
        if reader is None:
            tm = PusTm.unpack(raw)
            hk, values = self.decode_hk(tm.app_data)  # raises the precise error for an unknown SID
            return HousekeepingReport(hk.sid, values, tm.seq_count, tm.msg_counter, tm.time_ns)
        return reader.codec.decode(raw)

    def decode_function_packet(self, raw: bytes) -> FunctionCall:
        """Decode a whole TC[8,1] packet of this device to the function name and named arguments."""
        codec = self._function_packets_by_key.get(raw[11:13])  # type: ignore[attr-defined]
        if codec is None:
            tc = PusTc.unpack(raw)
            command = self.command_for(tc.service, tc.subtype, tc.app_data)  # raises for unknown functions
            return FunctionCall(command.name, command.decode(self, tc.app_data), tc.seq_count, tc.ack_flags,
                                tc.source_id)
        return codec.decode(raw)

    def decode_event(self, app_data: bytes) -> tuple[Event, dict[str, Value]]:
        """The event definition and its data values from TM[5,x] app data."""
        event = self.event(event_id(app_data))
        if len(app_data) != 2 + event.codec.size:
            raise field_error(TruncatedError if len(app_data) < 2 + event.codec.size else ArgumentError,
                              "app_data", len(app_data), f"event {event.name} is {2 + event.codec.size} octets")
        return event, event.codec.decode_mapping(app_data, 2)
