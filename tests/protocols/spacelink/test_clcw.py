"""CLCW: every field at the bit position the standard gives it, round trips, refusals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocols.errors import FieldValueError, TruncatedError, VersionError
from protocols.spacelink.clcw import Clcw


def test_fields_vector() -> None:
    word = Clcw(vcid=1, report_value=0x2A, lockout=True, retransmit=True, farm_b_counter=2)
    assert word.to_int() == 0x01042C2A
    assert word.pack() == bytes.fromhex("01042C2A")
    assert Clcw.unpack(bytes.fromhex("01042C2A")) == word


@pytest.mark.parametrize(("field", "value", "word"), [
    ("status", 7, 0x1C000000),
    ("cop_in_effect", 3, 0x03000000),
    ("vcid", 63, 0x00FC0000),
    ("no_rf_available", True, 0x00008000),
    ("no_bit_lock", True, 0x00004000),
    ("lockout", True, 0x00002000),
    ("wait", True, 0x00001000),
    ("retransmit", True, 0x00000800),
    ("farm_b_counter", 3, 0x00000600),
    ("report_value", 255, 0x000000FF),
])
def test_each_field_sits_where_the_standard_puts_it(field: str, value: object, word: int) -> None:
    base = Clcw(vcid=0, report_value=0, cop_in_effect=0)
    assert base._replace(**{field: value}).to_int() == word


@given(st.builds(Clcw, vcid=st.integers(0, 63), report_value=st.integers(0, 255), lockout=st.booleans(),
                 wait=st.booleans(), retransmit=st.booleans(), farm_b_counter=st.integers(0, 3),
                 no_rf_available=st.booleans(), no_bit_lock=st.booleans(), status=st.integers(0, 7),
                 cop_in_effect=st.integers(0, 3), version=st.just(0)))
def test_round_trip(word: Clcw) -> None:
    assert Clcw.unpack(word.pack()) == word
    assert Clcw.from_int(word.to_int()) == word


def test_refusals() -> None:
    with pytest.raises(FieldValueError):
        Clcw.from_int(0x80000000)  # type 1: not a CLCW
    with pytest.raises(VersionError):
        Clcw.from_int(0x20000000)
    with pytest.raises(TruncatedError):
        Clcw.unpack(b"\x00\x00\x00")
    with pytest.raises(FieldValueError):
        Clcw(vcid=64, report_value=0).to_int()
