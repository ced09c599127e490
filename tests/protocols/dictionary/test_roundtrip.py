"""Every command, housekeeping set and event of every device survives a whole-packet round trip; junk never crashes."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterable
from typing import Any

import construct as cs
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocols import pus, timecode
from protocols.dictionary.ascender import ASCENDER
from protocols.dictionary.calibration import Table
from protocols.dictionary.fields import Field, Value
from protocols.dictionary.model import Command, Device, Event, Function
from protocols.dictionary.relay import RELAY
from protocols.dictionary.sampler import SAMPLER
from protocols.dictionary.standard import ParamSet
from protocols.errors import ProtocolError
from protocols.pus import PusTc, PusTm
from protocols.services import events, functions, housekeeping, parameters, verification
from protocols.services.events import Severity
from protocols.spacepacket import SpacePacket, SpacePacketHeader

DEVICES = {d.name: d for d in (SAMPLER, ASCENDER, RELAY)}
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

def _uses_table(fields: Iterable[Field]) -> bool:
    return any(isinstance(f.calibration, Table) for f in fields)


COMMANDS = [pytest.param(d.name, c.name, id=f"{d.name}:{c.name}")
            for d in DEVICES.values() for c in d.commands]
SETS = [pytest.param(d.name, s.name, id=f"{d.name}:{s.name}")
        for d in DEVICES.values() for s in d.housekeeping]
EVENTS = [pytest.param(d.name, e.name, id=f"{d.name}:{e.name}")
          for d in DEVICES.values() for e in d.events]


# --- drawing valid values --------------------------------------------------------------------------------
def _float32_inward(value: float, upward: bool) -> float:
    """The float32 nearest ``value`` on the inside of a range bound."""
    rounded = np.float32(value)
    if (upward and rounded < value) or (not upward and rounded > value):
        rounded = np.nextafter(rounded, np.float32(np.inf if upward else -np.inf))
    return float(rounded)


def values_of(f: Field) -> st.SearchStrategy[Value]:
    """Engineering values a field accepts: its enum labels, or numbers within its limits."""
    if f.enum is not None:
        return st.sampled_from(list(f.enum))
    low, high = f.engineering_limits
    assert low is not None and high is not None, f"{f.name} has no limits"
    if f.calibration is not None or f.type_name == "float64":
        return st.floats(low, high, allow_nan=False)
    if f.is_float:
        return st.floats(_float32_inward(low, True), _float32_inward(high, False), width=32)
    return st.integers(math.ceil(low), math.floor(high))


def assert_same_value(f: Field, sent: Value, got: Value) -> None:
    """Exact for enums, integers and floats; within one calibration step for calibrated integers."""
    if f.enum is not None or f.calibration is None:
        assert got == sent, f"{f.name}: sent {sent!r}, got {got!r}"
        return
    assert isinstance(got, float)
    raw = math.floor(f.calibration.to_raw(got) + 0.5)
    step = max(abs(f.to_engineering(raw + 1) - f.to_engineering(raw)),  # type: ignore[operator]
               abs(f.to_engineering(raw) - f.to_engineering(raw - 1)))  # type: ignore[operator]
    assert abs(got - sent) <= step * (1 + 1e-9), f"{f.name}: sent {sent!r}, got {got!r}, step {step}"


def draw_args(draw: st.DrawFn, device: Device, command: Command) -> tuple[dict[str, Value], dict[str, Field]]:
    """Valid argument values for a command, and the field each value is typed by."""
    if isinstance(command, ParamSet):  # the value is typed by the parameter it sets
        param = device.parameter(draw(values_of(command.args[0])))
        return {"param": param.name, "value": draw(values_of(param))}, {"param": command.args[0], "value": param}
    values = {a.name: draw(values_of(a)) for a in command.args}
    return values, {a.name: a for a in command.args}


# --- round trips -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("device_name", "command_name"), COMMANDS)
@FAST
@given(data=st.data())
def test_every_command_round_trips_through_a_whole_tc(device_name: str, command_name: str,
                                                      data: st.DataObject) -> None:
    """Encode valid arguments, pack a TC, unpack it, select the command again and decode the same values."""
    device = DEVICES[device_name]
    command = device.command(command_name)
    values, typed_by = draw_args(data.draw, device, command)
    app_data = command.encode(device, values)
    tc = PusTc(apid=device.apid, service=command.service, subtype=command.subtype, app_data=app_data,
               seq_count=data.draw(st.integers(0, 16383)), source_id=data.draw(st.integers(0, 0xFFFF)))
    received = PusTc.unpack(tc.pack())
    assert received == tc
    assert device.command_for(received.service, received.subtype, received.app_data) is command
    decoded = command.decode(device, received.app_data)
    assert decoded.keys() == values.keys()
    for name, sent in values.items():
        assert_same_value(typed_by[name], sent, decoded[name])
    assert command.encode(device, decoded) == app_data


@pytest.mark.parametrize(("device_name", "set_name"), SETS)
@FAST
@given(data=st.data())
def test_every_housekeeping_set_round_trips_through_a_tm_3_25(device_name: str, set_name: str,
                                                             data: st.DataObject) -> None:
    """Encode in-range values of a set, pack a TM[3,25], unpack it and decode the same values."""
    device = DEVICES[device_name]
    hk = device.hk_set(set_name)
    params = [device.parameter(name) for name in hk.parameters]
    values = [data.draw(values_of(p)) for p in params]
    app_data = device.encode_hk(hk.sid, values)
    tm = PusTm(apid=device.apid, service=3, subtype=housekeeping.REPORT, app_data=app_data,
               seq_count=data.draw(st.integers(0, 16383)), msg_counter=data.draw(st.integers(0, 0xFFFF)),
               time_ns=data.draw(st.integers(0, (1 << 32) * 10**9 - 1)))
    received = PusTm.unpack(tm.pack())
    assert (received.apid, received.service, received.subtype, received.app_data) == (device.apid, 3, 25, app_data)
    decoded_set, decoded = device.decode_hk(received.app_data)
    assert decoded_set is hk
    for param, sent, got in zip(params, values, decoded, strict=True):
        assert_same_value(param, sent, got)
    assert device.encode_hk(hk.sid, decoded) == app_data


@pytest.mark.parametrize(("device_name", "event_name"), EVENTS)
@FAST
@given(data=st.data())
def test_every_event_round_trips_through_a_tm_5_x(device_name: str, event_name: str, data: st.DataObject) -> None:
    """Encode in-range event data, pack a TM[5,severity], unpack it and decode the same values."""
    device = DEVICES[device_name]
    event = device.event(event_name)
    values = [data.draw(values_of(f)) for f in event.data]
    same_event, app_data = device.encode_event(event.name, values)
    assert same_event is event
    tm = PusTm(apid=device.apid, service=events.SERVICE, subtype=int(event.severity), app_data=app_data,
               seq_count=data.draw(st.integers(0, 16383)))
    received = PusTm.unpack(tm.pack())
    assert received.subtype == event.severity
    decoded_event, decoded = device.decode_event(received.app_data)
    assert decoded_event is event
    assert list(decoded) == [f.name for f in event.data]
    for f, sent in zip(event.data, values, strict=True):
        assert_same_value(f, sent, decoded[f.name])
    assert device.encode_event(event.id, list(decoded.values()))[1] == app_data


def test_every_command_set_and_event_is_covered() -> None:
    """The parametrised round trips above reach every declared item (standard commands included)."""
    assert len(COMMANDS) == sum(len(d.commands) for d in DEVICES.values()) > 3 * 7
    assert all(any(c.name == "param-set" for c in d.commands) for d in DEVICES.values())
    assert {s.values[1] for s in SETS} >= {"drill", "burn-navigation", "link"}
    assert len(EVENTS) == sum(len(d.events) for d in DEVICES.values())


def test_table_calibrated_field_encodes_through_its_table() -> None:
    """A thermistor reading goes on the wire as the count its table gives (the fast path once used to_engineering)."""
    temperature = SAMPLER.parameter("electronics_temp")
    assert isinstance(temperature.calibration, Table)
    assert temperature.to_raw(25.0) == 2048
    platform = ["safe", 28.0, 1.0, 25.0, 0, 0, 0]
    assert SAMPLER.hk_set("platform").parameters[3] == "electronics_temp"
    _, decoded = SAMPLER.decode_hk(SAMPLER.encode_hk("platform", platform))
    assert decoded[3] == pytest.approx(25.0, abs=0.5)


def test_argumentless_function_and_dataless_event_can_be_declared() -> None:
    """A function with no arguments and an event with no data are valid declarations."""
    stop = Function(name="stop", function_id=1)
    assert stop.encode_args() == b"\x00\x01"
    assert Event(id=1, name="tick", severity=Severity.INFO).codec.size == 0


# --- junk in, ProtocolError out --------------------------------------------------------------------------
def _tolerates(decode: Callable[[], Any]) -> None:
    """Run a decoder: success or a ProtocolError are fine; any other exception propagates and fails."""
    with contextlib.suppress(ProtocolError):
        decode()


@st.composite
def near_packets(draw: st.DrawFn) -> bytes:
    """Valid PUS TCs, TMs and space packets, then sometimes damaged: a flipped octet, cut short or extended."""
    apid = draw(st.integers(0, 0x7FF))
    body = draw(st.binary(max_size=64))
    kind = draw(st.sampled_from(("tc", "tm", "sp")))
    if kind == "tc":
        packet = PusTc(apid, draw(st.integers(0, 255)), draw(st.integers(0, 255)), body).pack()
    elif kind == "tm":
        packet = PusTm(apid, draw(st.integers(0, 255)), draw(st.integers(0, 255)), body).pack()
    else:
        packet = SpacePacket(draw(st.integers(0, 1)), apid, draw(st.integers(0, 16383)), body or b"\x00",
                             draw(st.booleans())).pack()
    damage = draw(st.sampled_from(("none", "flip", "cut", "extend")))
    if damage == "flip":
        at = draw(st.integers(0, len(packet) - 1))
        packet = packet[:at] + bytes([packet[at] ^ draw(st.integers(1, 255))]) + packet[at + 1:]
    elif damage == "cut":
        packet = packet[:draw(st.integers(0, len(packet) - 1))]
    elif damage == "extend":
        packet += draw(st.binary(min_size=1, max_size=8))
    return packet


JUNK = st.one_of(st.binary(max_size=96), near_packets())


@FUZZ
@given(data=JUNK, verify_crc=st.booleans())
def test_packet_decoders_raise_only_protocol_errors(data: bytes, verify_crc: bool) -> None:
    """PusTc/PusTm/decode_packet/space-packet decoders on junk and damaged packets."""
    _tolerates(lambda: PusTc.unpack(data, verify_crc))
    _tolerates(lambda: PusTm.unpack(data, verify_crc))
    _tolerates(lambda: pus.decode_packet(data, verify_crc))
    _tolerates(lambda: pus.decode_packet(memoryview(data), verify_crc))
    _tolerates(lambda: SpacePacket.unpack(data))
    _tolerates(lambda: SpacePacketHeader.unpack(data))


@FUZZ
@given(data=st.binary(max_size=16), offset=st.integers(0, 16), with_pfield=st.booleans())
def test_time_code_decoders_raise_only_protocol_errors(data: bytes, offset: int, with_pfield: bool) -> None:
    """CUC and CDS decoders on junk, at any offset."""
    _tolerates(lambda: timecode.cuc_decode(data, offset))
    _tolerates(lambda: timecode.cuc_decode_with_pfield(data))
    _tolerates(lambda: timecode.cds_decode(data, with_pfield))
    _tolerates(lambda: SpacePacketHeader.unpack(data, offset))


@FUZZ
@given(data=st.one_of(st.binary(max_size=40), st.builds(lambda n, rest: bytes([n]) + rest,
                                                         st.integers(0, 8), st.binary(max_size=40))),
       subtype=st.integers(0, 255))
def test_service_decoders_raise_only_protocol_errors(data: bytes, subtype: int) -> None:
    """Services 1, 3, 5, 8 and 20 app-data decoders on junk (short counted lists included)."""
    _tolerates(lambda: housekeeping.decode_sids(data))
    _tolerates(lambda: housekeeping.decode_intervals(data))
    _tolerates(lambda: housekeeping.report_sid(data))
    _tolerates(lambda: events.event_id(data))
    _tolerates(lambda: events.decode_event_ids(data))
    _tolerates(lambda: functions.function_id(data))
    _tolerates(lambda: parameters.decode_ids(data))
    _tolerates(lambda: parameters.decode_values(data, lambda pid: (cs.Int8ub, cs.Int32ub, cs.Float32b)[pid % 3]))
    _tolerates(lambda: verification.decode(subtype, data))


def _sized(prefix_sizes: dict[int, int]) -> st.SearchStrategy[bytes]:
    """A known 16-bit ID, then a tail of exactly the size it needs, one octet off, or anything."""

    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        ident = draw(st.sampled_from(sorted(prefix_sizes)))
        size = prefix_sizes[ident]
        tail_size = draw(st.sampled_from((size, size, max(size - 1, 0), size + 1)))
        tail = draw(st.one_of(st.binary(min_size=tail_size, max_size=tail_size), st.binary(max_size=64)))
        return ident.to_bytes(2, "big") + tail

    return build()


def _parameter_lists(device: Device) -> st.SearchStrategy[bytes]:
    """TC[20,1]/TC[20,3] app data naming real parameter IDs, with values of the right size or one octet off."""

    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        count = draw(st.integers(0, 3))
        out = bytes([draw(st.sampled_from((count, count, count + 1, 255)))])
        for _ in range(count):
            param = draw(st.sampled_from(device.parameters))
            size = param.raw.sizeof() + draw(st.sampled_from((0, 0, 0, -1, 1)))
            out += param.id.to_bytes(2, "big") + draw(st.binary(min_size=max(size, 0), max_size=max(size, 0)))
        return out

    return build()


@pytest.mark.parametrize("device_name", list(DEVICES))
@FUZZ
@given(data=st.data())
def test_device_decoders_raise_only_protocol_errors(device_name: str, data: st.DataObject) -> None:
    """command_for, every command's decode (standard ones too), decode_hk and decode_event on junk and near-valid
    app data."""
    device = DEVICES[device_name]
    functions_ = _sized({f.function_id: f.codec.size for f in device.functions})  # type: ignore[misc]
    sets = _sized({s.sid: device._hk_codecs[s.sid].size for s in device.housekeeping})  # type: ignore[attr-defined]
    events_ = _sized({e.id: e.codec.size for e in device.events})
    app_data = data.draw(st.one_of(st.binary(max_size=48), functions_, sets, events_, _parameter_lists(device)),
                         label="app_data")
    service = data.draw(st.sampled_from((1, 3, 5, 8, 17, 20, 0, 255)))
    subtype = data.draw(st.integers(0, 40))
    _tolerates(lambda: device.command_for(service, subtype, app_data))
    _tolerates(lambda: device.command_for(8, 1, app_data))
    for command in device.commands:
        _tolerates(lambda c=command: c.decode(device, app_data))
    _tolerates(lambda: device.decode_hk(app_data))
    _tolerates(lambda: device.decode_event(app_data))
