"""Space packet headers, whole packets, sequence counters and idle packets."""

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocols.errors import FieldValueError, LengthError, ProtocolError, TruncatedError, VersionError
from protocols.spacepacket import (
    IDLE_APID,
    PRIMARY_HEADER,
    SPACE_PACKET,
    PacketType,
    SeqFlags,
    SequenceCounter,
    SpacePacket,
    SpacePacketHeader,
    idle_packet,
    packet_size_at,
)


def test_reference_header_vector() -> None:
    header = SpacePacketHeader(PacketType.TC, False, 0x22, SeqFlags.UNSEGMENTED, 17, 0)
    assert header.pack()[:4] == bytes.fromhex("10 22 C0 11")


@given(
    ptype=st.integers(0, 1), sec=st.booleans(), apid=st.integers(0, 0x7FF), flags=st.integers(0, 3),
    count=st.integers(0, 0x3FFF), length=st.integers(0, 0xFFFF),
)
def test_header_fast_path_agrees_with_the_construct_declaration(
    ptype: int, sec: bool, apid: int, flags: int, count: int, length: int
) -> None:
    header = SpacePacketHeader(ptype, sec, apid, flags, count, length)
    raw = header.pack()
    assert raw == PRIMARY_HEADER.build(dict(packet_type=ptype, sec_header_flag=sec, apid=apid, seq_flags=flags,
                                            seq_count=count, data_length=length))
    assert SpacePacketHeader.unpack(raw) == header


@given(st.integers(0, 0x7FF), st.integers(0, 0x3FFF), st.binary(min_size=1, max_size=2000))
def test_packet_round_trip_and_length_rule(apid: int, count: int, data: bytes) -> None:
    packet = SpacePacket(PacketType.TM, apid, count, data)
    raw = packet.pack()
    assert len(raw) == 6 + len(data)
    assert int.from_bytes(raw[4:6], "big") == len(data) - 1
    assert SpacePacket.unpack(raw) == packet
    assert SPACE_PACKET.parse(raw).data == data
    assert packet_size_at(raw) == len(raw)


@pytest.mark.parametrize("field,value", [("apid", 0x800), ("seq_count", 1 << 14), ("apid", -1)])
def test_out_of_range_header_fields_name_the_field(field: str, value: int) -> None:
    values = dict(packet_type=0, sec_header_flag=False, apid=1, seq_flags=3, seq_count=0, data_length=0)
    values[field] = value
    with pytest.raises(FieldValueError, match=field) as caught:
        SpacePacketHeader(**values).pack()
    assert caught.value.field == field and caught.value.value == value


def test_empty_data_field_is_refused() -> None:
    with pytest.raises(LengthError, match="data"):
        SpacePacket(PacketType.TM, 1, 0, b"").pack()


def test_length_mismatch_and_truncation_are_typed() -> None:
    raw = SpacePacket(PacketType.TM, 5, 0, b"abcd").pack()
    with pytest.raises(TruncatedError):
        SpacePacket.unpack(raw[:-1])
    with pytest.raises(LengthError):
        SpacePacket.unpack(raw + b"x")
    with pytest.raises(VersionError, match="version"):
        SpacePacket.unpack(bytes([0x20]) + raw[1:])


@given(st.binary(max_size=40))
def test_random_bytes_raise_only_protocol_errors(data: bytes) -> None:
    with contextlib.suppress(ProtocolError):
        SpacePacket.unpack(data)


def test_sequence_counters_are_per_apid_and_wrap_at_16384() -> None:
    counter = SequenceCounter()
    assert [counter.next(1) for _ in range(3)] == [0, 1, 2]
    assert counter.next(2) == 0
    for _ in range(16380):
        counter.next(1)
    assert counter.next(1) == 16383
    assert counter.next(1) == 0
    counter.reset(2)
    assert counter.peek(2) == 0


def test_idle_packet() -> None:
    raw = idle_packet(16, seq_count=3)
    packet = SpacePacket.unpack(raw)
    assert packet.is_idle and packet.apid == IDLE_APID and len(raw) == 16
    assert packet.data == b"\x55" * 10
    with pytest.raises(LengthError):
        idle_packet(6)
