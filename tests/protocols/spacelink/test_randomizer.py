"""Pseudo-randomizers: the REFERENCE sequences, their period, and that applying one twice is the identity."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from protocols.spacelink.randomizer import (
    PERIOD,
    TC_SEQUENCE,
    TM_SEQUENCE,
    lfsr_sequence,
    randomize,
    tc_randomize,
    tm_randomize,
)


def test_tm_sequence_starts_and_ends_as_the_standard_says() -> None:
    assert TM_SEQUENCE[:16] == bytes.fromhex("FF480EC09A0D70BC8E2C93ADA7B746CE")
    assert TM_SEQUENCE[-4:] == bytes.fromhex("4A66F558")
    assert len(TM_SEQUENCE) == PERIOD


def test_tc_sequence_starts_as_the_standard_says() -> None:
    assert TC_SEQUENCE[:16] == bytes.fromhex("FF399E5A68E906F56C892FA1315E08C0")


def test_both_sequences_repeat_after_255_octets() -> None:
    assert lfsr_sequence((0, 3, 5, 7), 2 * PERIOD) == TM_SEQUENCE * 2
    assert lfsr_sequence((0, 1, 2, 3, 4, 6), 2 * PERIOD) == TC_SEQUENCE * 2


def test_zero_frame_randomizes_to_the_sequence_itself() -> None:
    assert tm_randomize(bytes(600)) == (TM_SEQUENCE * 3)[:600]
    assert tc_randomize(bytes(10)) == TC_SEQUENCE[:10]
    assert randomize(b"") == b""


@given(st.binary(max_size=3000))
def test_randomizing_twice_gives_the_data_back(data: bytes) -> None:
    assert tm_randomize(tm_randomize(data)) == data
    assert tc_randomize(tc_randomize(bytearray(data))) == data
