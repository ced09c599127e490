"""Fused whole-packet codecs agree octet for octet with the generic path and fail with typed errors."""

import contextlib
import struct

import construct as cs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_roundtrip import DEVICES, values_of

from protocols.dictionary import Field, Table
from protocols.dictionary.fields import RecordCodec
from protocols.errors import ArgumentError, ArgumentRangeError, CrcError, ProtocolError
from protocols.pus import PusTc, PusTm
from protocols.timecode import cuc_decode, cuc_encode

SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SETS = [(d.name, s.name) for d in DEVICES.values() for s in d.housekeeping]
FUNCTIONS = [(d.name, f.name) for d in DEVICES.values() for f in d.functions]
TABLE = Table(((-3000, 35.0), (-100, 2.0), (250, -4.5), (4000, -41.0)))
TABLE_FIELDS = (Field(name="count", raw=cs.Int16sb, calibration=TABLE),
                Field(name="reading", raw=cs.Float64b, calibration=TABLE))
times = st.integers(0, (1 << 32) * 10**9 - 1).map(lambda ns: cuc_decode(cuc_encode(ns)))


@pytest.mark.parametrize(("device_name", "set_name"), SETS)
@SETTINGS
@given(data=st.data(), seq=st.integers(0, 16383), counter=st.integers(0, 0xFFFF), time_ns=times)
def test_fused_housekeeping_matches_the_generic_path(device_name: str, set_name: str, data: st.DataObject,
                                                     seq: int, counter: int, time_ns: int) -> None:
    device = DEVICES[device_name]
    hk = device.hk_set(set_name)
    values = [data.draw(values_of(device.parameter(p))) for p in hk.parameters]
    fused = device.hk_codec(set_name).encode(values, seq, counter, time_ns)
    generic = PusTm(device.apid, 3, 25, device.encode_hk(hk.sid, values), seq, counter, time_ns).pack()
    assert fused == generic
    report = device.decode_hk_packet(fused)
    assert (report.sid, report.seq_count, report.msg_counter, report.time_ns) == (hk.sid, seq, counter, time_ns)
    assert report.values == device.decode_hk(PusTm.unpack(fused).app_data)[1]


@pytest.mark.parametrize(("device_name", "function_name"), FUNCTIONS)
@SETTINGS
@given(data=st.data(), seq=st.integers(0, 16383), ack=st.integers(0, 15), source=st.integers(0, 0xFFFF))
def test_fused_function_matches_the_generic_path(device_name: str, function_name: str, data: st.DataObject,
                                                 seq: int, ack: int, source: int) -> None:
    device = DEVICES[device_name]
    function = device.command(function_name)
    args = [data.draw(values_of(a)) for a in function.args]
    fused = device.function_codec(function_name).encode(args, seq, ack, source)
    named = dict(zip((a.name for a in function.args), args, strict=True))
    generic = PusTc(device.apid, 8, 1, function.encode(device, named), seq, source, ack).pack()
    assert fused == generic
    call = device.decode_function_packet(fused)
    assert (call.name, call.seq_count, call.ack_flags, call.source_id) == (function_name, seq, ack, source)
    assert call.args == function.decode(device, PusTc.unpack(fused).app_data)


def test_fused_errors_are_typed() -> None:
    sampler = DEVICES["sampler"]
    drill = sampler.function_codec("drill-start")
    with pytest.raises(ArgumentRangeError, match="target_depth"):
        drill.encode([2.6, 100, "high", 50], 0)
    with pytest.raises(ArgumentError, match="takes target_depth"):
        drill.encode([1.0], 0)
    raw = bytearray(drill.encode([1.0, 100, "high", 50], 0))
    raw[-1] ^= 1
    with pytest.raises(CrcError):
        sampler.decode_function_packet(bytes(raw))
    hk = sampler.hk_codec("drill")
    with pytest.raises(ArgumentError, match="values"):
        hk.encode([1, 2], 0, 0, 0)


@given(st.binary(max_size=80))
def test_fused_decoders_take_junk_with_protocol_errors_only(data: bytes) -> None:
    for device in DEVICES.values():
        for decode in (device.decode_hk_packet, device.decode_function_packet):
            with contextlib.suppress(ProtocolError):
                decode(data)


@SETTINGS
@given(value=st.one_of(st.floats(-80.0, 80.0), st.sampled_from([35.0, 2.0, -4.5, -41.0, 0.0])),
       count=st.one_of(st.integers(-32768, 32767), st.sampled_from([-3000, -100, 250, 4000])))
def test_generated_table_conversions_are_the_tables(value: float, count: int) -> None:
    """A record codec's written-out interpolation gives the table's own values, inside the table and beyond its ends."""
    codec = RecordCodec(TABLE_FIELDS, strict=False)
    assert codec.encode(value, value) == codec.layout.pack(*(f.to_raw_saturating(value) for f in TABLE_FIELDS))
    decoded = codec.decode(struct.pack(">hd", count, count + 0.25))
    assert decoded == (TABLE.to_engineering(count), TABLE.to_engineering(count + 0.25))
