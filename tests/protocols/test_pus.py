"""PUS-C TC and TM packets: reference vector, round trips, agreement with the construct declarations, errors."""

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocols.errors import CrcError, FieldValueError, ProtocolError, TruncatedError, VersionError
from protocols.pus import PUS_TC_PACKET, PUS_TM_PACKET, AckFlags, PusTc, PusTm, decode_packet, request_id
from protocols.spacepacket import SpacePacket, idle_packet
from protocols.timecode import cuc_decode, cuc_encode

tcs = st.builds(
    PusTc, apid=st.integers(0, 0x7FE), service=st.integers(0, 255), subtype=st.integers(0, 255),
    app_data=st.binary(max_size=300), seq_count=st.integers(0, 0x3FFF), source_id=st.integers(0, 0xFFFF),
    ack_flags=st.integers(0, 15), seq_flags=st.integers(0, 3),
)
on_grid_times = st.integers(0, (1 << 32) * 10**9 - 1).map(lambda ns: cuc_decode(cuc_encode(ns)))
tms = st.builds(
    PusTm, apid=st.integers(0, 0x7FE), service=st.integers(0, 255), subtype=st.integers(0, 255),
    app_data=st.binary(max_size=300), seq_count=st.integers(0, 0x3FFF), msg_counter=st.integers(0, 0xFFFF),
    time_ns=on_grid_times, dest_id=st.integers(0, 0xFFFF), time_ref=st.integers(0, 15), seq_flags=st.integers(0, 3),
)


def test_reference_tc_17_1_vector() -> None:
    tc = PusTc(apid=1, service=17, subtype=1, seq_count=22, source_id=0, ack_flags=AckFlags.ALL)
    assert tc.pack() == bytes.fromhex("18 01 C0 16 00 06 2F 11 01 00 00 AB 62")


@given(tcs)
def test_tc_round_trip_matches_construct(tc: PusTc) -> None:
    raw = tc.pack()
    assert PusTc.unpack(raw) == tc
    parsed = PUS_TC_PACKET.parse(raw).body.value
    assert (parsed.header.apid, parsed.secondary.service, parsed.secondary.subtype, parsed.app_data) == (
        tc.apid, tc.service, tc.subtype, tc.app_data)
    assert parsed.secondary.flags.ack_flags == tc.ack_flags


@given(tms)
def test_tm_round_trip_matches_construct(tm: PusTm) -> None:
    raw = tm.pack()
    assert PusTm.unpack(raw) == tm
    parsed = PUS_TM_PACKET.parse(raw).body.value
    assert parsed.secondary.msg_counter == tm.msg_counter
    assert parsed.secondary.time.coarse == tm.time_ns // 10**9
    assert parsed.header.data_length == len(raw) - 7


def test_time_field_is_cuc_4_plus_2() -> None:
    raw = PusTm(apid=5, service=3, subtype=25, time_ns=2_000_000_000 * 10**9 + 500_000_000).pack()
    assert raw[13:19] == (2_000_000_000).to_bytes(4, "big") + (0x8000).to_bytes(2, "big")


def test_bad_crc_names_both_values() -> None:
    raw = bytearray(PusTc(apid=1, service=17, subtype=1).pack())
    raw[-1] ^= 1
    with pytest.raises(CrcError, match=r"crc=0x.*computed 0x"):
        PusTc.unpack(bytes(raw))
    assert PusTc.unpack(bytes(raw), verify_crc=False).service == 17


def test_wrong_packet_type_and_pus_version_are_typed() -> None:
    tm = PusTm(apid=1, service=3, subtype=25).pack()
    with pytest.raises(FieldValueError, match="packet_type"):
        PusTc.unpack(tm)
    tc = bytearray(PusTc(apid=1, service=17, subtype=1).pack())
    tc[6] = 0x1F  # PUS version 1
    with pytest.raises(VersionError, match="pus_version"):
        PusTc.unpack(bytes(tc), verify_crc=False)


def test_truncated_packets() -> None:
    raw = PusTm(apid=1, service=3, subtype=25, app_data=b"12345").pack()
    for cut in (0, 3, 6, 18, len(raw) - 1):
        with pytest.raises(TruncatedError):
            PusTm.unpack(raw[:cut])


def test_decode_packet_dispatches_on_type() -> None:
    assert isinstance(decode_packet(PusTc(apid=1, service=17, subtype=1).pack()), PusTc)
    assert isinstance(decode_packet(PusTm(apid=1, service=17, subtype=2).pack()), PusTm)
    assert isinstance(decode_packet(idle_packet(10)), SpacePacket)


@given(st.binary(max_size=64))
def test_random_bytes_raise_only_protocol_errors(data: bytes) -> None:
    for decoder in (PusTc.unpack, PusTm.unpack, decode_packet):
        with contextlib.suppress(ProtocolError):
            decoder(data)


def test_request_id_is_the_first_four_octets_of_the_tc() -> None:
    tc = PusTc(apid=0x110, service=8, subtype=1, seq_count=77)
    assert tc.request_id == tc.pack()[:4] == request_id(0x110, 77)


@pytest.mark.parametrize("field,kwargs", [("apid", {"apid": 0x800}), ("service", {"service": 256}),
                                          ("seq_count", {"seq_count": -1}), ("ack_flags", {"ack_flags": 16})])
def test_out_of_range_fields_name_the_field(field: str, kwargs: dict[str, int]) -> None:
    values = {"apid": 1, "service": 17, "subtype": 1, **kwargs}
    with pytest.raises(FieldValueError, match=field):
        PusTc(**values).pack()


@pytest.mark.parametrize("apid, seq_count, seq_flags",
                         [(0, 0, 0), (0x7FF, 0x3FFF, 3), (0x110, 77, 1), (0x2A5, 0x1555, 2)])
def test_request_id_matches_the_packed_header_at_every_field_edge(apid: int, seq_count: int, seq_flags: int) -> None:
    tc = PusTc(apid, 17, 1, b"", seq_count, 0, 0xF, seq_flags)
    assert tc.request_id == tc.pack()[:4] == request_id(apid, seq_count, seq_flags)
