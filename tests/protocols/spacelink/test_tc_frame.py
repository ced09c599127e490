"""TC transfer frames: control frame vectors, the three types, round trips and typed refusals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocols.crc import crc16, crc16_ok
from protocols.errors import CrcError, FieldValueError, LengthError, TruncatedError, VersionError
from protocols.spacelink.tc_frame import ControlCommand, FrameType, TcFrame, parse_control_command

SCID = 91


def test_unlock_frame_vector() -> None:
    octets = TcFrame.unlock(SCID, 1).pack()
    assert octets[:-2] == bytes.fromhex("305B04070000")
    assert crc16_ok(octets) and len(octets) == 8


def test_set_vr_frame_vector() -> None:
    octets = TcFrame.set_vr(SCID, 1, 5).pack()
    assert octets[:-2] == bytes.fromhex("305B0409008200" "05")
    assert int.from_bytes(octets[-2:], "big") == crc16(octets[:-2])
    frame = TcFrame.unpack(octets)
    assert frame.frame_type is FrameType.BC and frame.map_id is None
    assert frame.control_command() == ControlCommand("set_vr", 5)


def test_ad_frame_vector_with_segment_header() -> None:
    octets = TcFrame.ad(SCID, 2, 0x2A, b"\x10\x22\xc0\x11", map_id=3).pack()
    assert octets[:-2] == bytes.fromhex("005B080B2A" "C3" "1022C011")  # 12 octets: length field 11
    assert TcFrame.unpack(octets) == TcFrame(SCID, 2, 0x2A, b"\x10\x22\xc0\x11", map_id=3)


@given(st.integers(0, 0x3FF), st.integers(0, 63), st.integers(0, 255), st.binary(min_size=0, max_size=1016),
       st.sampled_from(["ad", "bd"]), st.one_of(st.none(), st.integers(0, 63)), st.booleans())
def test_round_trip(scid: int, vcid: int, seq: int, data: bytes, kind: str, map_id: int | None, fecf: bool) -> None:
    frame = TcFrame.ad(scid, vcid, seq, data, map_id) if kind == "ad" else TcFrame.bd(scid, vcid, data, map_id)
    octets = frame.pack(fecf)
    assert len(octets) == frame.size - (0 if fecf else 2)
    assert TcFrame.unpack(octets, fecf=fecf, segment_header=map_id is not None) == frame
    assert TcFrame.unpack(octets + b"\x55" * 6, fecf=fecf, segment_header=map_id is not None,
                          trailing_ok=True) == frame


def test_typed_refusals() -> None:
    good = TcFrame.ad(SCID, 1, 0, b"abc").pack()
    with pytest.raises(TruncatedError):
        TcFrame.unpack(good[:4])
    with pytest.raises(TruncatedError):
        TcFrame.unpack(good[:-1])
    with pytest.raises(LengthError):
        TcFrame.unpack(good + b"\x00")
    with pytest.raises(CrcError):
        TcFrame.unpack(good[:-1] + bytes([good[-1] ^ 1]))
    with pytest.raises(VersionError):
        TcFrame.unpack(bytes([good[0] | 0x40]) + good[1:], fecf=False)
    with pytest.raises(FieldValueError):
        TcFrame.unpack(bytes([good[0] | 0x10]) + good[1:], fecf=False)  # control without bypass
    with pytest.raises(LengthError):
        TcFrame.unpack(bytes.fromhex("005B0401000000"), fecf=False)  # length field 1: shorter than a header
    with pytest.raises(LengthError):
        TcFrame.ad(SCID, 1, 0, bytes(1017)).pack()
    with pytest.raises(FieldValueError):
        TcFrame.ad(SCID, 64, 0, b"x").pack()
    with pytest.raises(FieldValueError):
        TcFrame.set_vr(SCID, 1, 256)
    with pytest.raises(FieldValueError):
        TcFrame.ad(SCID, 1, 0, b"x").control_command()


@pytest.mark.parametrize("data", [b"", b"\x01", b"\x82\x00", b"\x82\x01\x05", b"\x00\x00"])
def test_unknown_control_commands_are_refused(data: bytes) -> None:
    with pytest.raises(FieldValueError):
        parse_control_command(data)
