"""The commands every device answers by name: ping, housekeeping control and parameter access."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import construct as cs

from protocols.dictionary.checks import MAX_INTERVAL_MS, MIN_INTERVAL_MS
from protocols.dictionary.elements import Command, DeviceTables
from protocols.dictionary.fields import Field
from protocols.errors import ArgumentError, field_error
from protocols.services import housekeeping, parameters, test


def _sid_field(device: DeviceTables) -> Field:
    return Field(name="sid", raw=cs.Int16ub, enum={s.name: s.sid for s in device.housekeeping},
                 description="housekeeping set, by name or SID")


def _param_field(device: DeviceTables, writable_only: bool) -> Field:
    chosen = [p for p in device.parameters if p.writable or not writable_only]
    return Field(name="param", raw=cs.Int16ub, enum={p.name: p.id for p in chosen},
                 description="parameter, by name or ID")


def _check_args(command: Command, values: Mapping[str, Any]) -> None:
    names = [a.name for a in command.args]
    for name in values:
        if name not in names:
            raise field_error(ArgumentError, name, values[name],
                              f"unexpected; {command.name} takes {', '.join(names) or 'no arguments'}")
    for arg in command.args:
        if arg.name not in values:
            raise ArgumentError(f"missing argument {arg.name} ({arg.range_text()}); {command.name} takes "
                                f"{', '.join(names)}", field=arg.name, value=None)


def _one_or_list(items: list[Any]) -> Any:
    return items[0] if len(items) == 1 else items


@dataclass(frozen=True, kw_only=True)
class Ping(Command):
    """TC[17,1]: are you alive? Answered by TM[17,2]."""

    def encode(self, device: DeviceTables, values: Mapping[str, Any]) -> bytes:
        """No app data."""
        _check_args(self, values)
        return b""

    def decode(self, device: DeviceTables, app_data: bytes) -> dict[str, Any]:
        """No arguments; extra octets are an error."""
        if app_data:
            raise field_error(ArgumentError, "app_data", len(app_data), "TC[17,1] carries no data")
        return {}


@dataclass(frozen=True, kw_only=True)
class SidCommand(Command):
    """TC[3,5], TC[3,6] or TC[3,27]: one housekeeping set by name or SID."""

    def encode(self, device: DeviceTables, values: Mapping[str, Any]) -> bytes:
        """N=1 and the SID."""
        _check_args(self, values)
        return housekeeping.encode_sids([self.args[0].to_raw(values["sid"])])

    def decode(self, device: DeviceTables, app_data: bytes) -> dict[str, Any]:
        """The set name(s)."""
        return {"sid": _one_or_list([self.args[0].to_engineering(s) for s in housekeeping.decode_sids(app_data)])}


@dataclass(frozen=True, kw_only=True)
class IntervalCommand(Command):
    """TC[3,31]: a housekeeping set's new collection interval in milliseconds."""

    def encode(self, device: DeviceTables, values: Mapping[str, Any]) -> bytes:
        """N=1, the SID and the interval."""
        _check_args(self, values)
        sid_arg, interval_arg = self.args
        return housekeeping.encode_intervals([(sid_arg.to_raw(values["sid"]), interval_arg.to_raw(values["interval"]))])

    def decode(self, device: DeviceTables, app_data: bytes) -> dict[str, Any]:
        """The set name(s) and interval(s)."""
        pairs = housekeeping.decode_intervals(app_data)
        return {"sid": _one_or_list([self.args[0].to_engineering(s) for s, _ in pairs]),
                "interval": _one_or_list([i for _, i in pairs])}


@dataclass(frozen=True, kw_only=True)
class ParamGet(Command):
    """TC[20,1]: report one parameter's value (answered by TM[20,2])."""

    def encode(self, device: DeviceTables, values: Mapping[str, Any]) -> bytes:
        """N=1 and the parameter ID."""
        _check_args(self, values)
        return parameters.encode_ids([self.args[0].to_raw(values["param"])])

    def decode(self, device: DeviceTables, app_data: bytes) -> dict[str, Any]:
        """The parameter name(s)."""
        return {"param": _one_or_list([self.args[0].to_engineering(p) for p in parameters.decode_ids(app_data)])}


@dataclass(frozen=True, kw_only=True)
class ParamSet(Command):
    """TC[20,3]: set one writable parameter; the value is typed by the parameter's declaration."""

    def encode(self, device: DeviceTables, values: Mapping[str, Any]) -> bytes:
        """N=1, the parameter ID and its raw value."""
        _check_args(self, values)
        param = device.parameter(self.args[0].to_raw(values["param"]))
        value = values["value"]
        if isinstance(value, str) and not (param.enum and value in param.enum):
            value = param.from_text(value)
        return parameters.encode_values([(param.id, param.to_raw(value))], lambda pid: device.parameter(pid).raw)

    def decode(self, device: DeviceTables, app_data: bytes) -> dict[str, Any]:
        """Parameter name(s) and engineering value(s)."""
        pairs = parameters.decode_values(app_data, lambda pid: device.parameter(pid).raw)
        return {"param": _one_or_list([device.parameter(p).name for p, _ in pairs]),
                "value": _one_or_list([device.parameter(p).to_engineering(v) for p, v in pairs])}


def standard_commands(device: DeviceTables) -> tuple[Command, ...]:
    """The standard commands, with argument enums drawn from this device's sets and parameters; ``param-set`` only
    for a device with a writable parameter."""
    sid = _sid_field(device)
    interval = Field(name="interval", raw=cs.Int32ub, unit="ms", minimum=MIN_INTERVAL_MS, maximum=MAX_INTERVAL_MS,
                     description="collection interval")
    value = Field(name="value", raw=cs.Float64b, description="new value, typed by the parameter")
    commands = (
        Ping(name="ping", service=test.SERVICE, subtype=test.PING, description="are you alive (TC[17,1] → TM[17,2])"),
        SidCommand(name="hk-enable", service=3, subtype=housekeeping.ENABLE_PERIODIC, args=(sid,),
                   description="enable periodic housekeeping of a set (TC[3,5])"),
        SidCommand(name="hk-disable", service=3, subtype=housekeeping.DISABLE_PERIODIC, args=(sid,),
                   description="disable periodic housekeeping of a set (TC[3,6])"),
        SidCommand(name="hk-now", service=3, subtype=housekeeping.ONE_SHOT, args=(sid,),
                   description="report a set once, now (TC[3,27])"),
        IntervalCommand(name="hk-interval", service=3, subtype=housekeeping.MODIFY_INTERVAL, args=(sid, interval),
                        description="change a set's collection interval (TC[3,31])"),
        ParamGet(name="param-get", service=parameters.SERVICE, subtype=parameters.REPORT_REQUEST,
                 args=(_param_field(device, writable_only=False),),
                 description="report a parameter's value (TC[20,1] → TM[20,2])"),
        ParamSet(name="param-set", service=parameters.SERVICE, subtype=parameters.SET,
                 args=(_param_field(device, writable_only=True), value),
                 description="set a writable parameter (TC[20,3])"),
    )
    return commands if any(p.writable for p in device.parameters) else commands[:-1]
