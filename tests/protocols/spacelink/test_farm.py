"""FARM-1: the state table for AD, BD and BC frames, windows, lockout, wait, and the CLCW it reports."""

from __future__ import annotations

import pytest

from protocols.errors import FieldValueError
from protocols.spacelink.clcw import Clcw
from protocols.spacelink.farm import (
    ACCEPTED,
    BUFFER_FULL,
    DUPLICATE,
    INVALID,
    LOCKED_OUT,
    LOCKOUT_AREA,
    NOT_EXPECTED,
    WRONG_VC,
    Farm1,
    FarmState,
)
from protocols.spacelink.tc_frame import TcFrame

SCID, VC = 91, 1


def ad(seq: int, data: bytes = b"cmd") -> TcFrame:
    """A type-AD frame on the test VC."""
    return TcFrame.ad(SCID, VC, seq, data)


def test_in_sequence_frames_are_accepted_and_vr_advances() -> None:
    farm = Farm1(VC)
    for seq in range(300):
        result = farm.handle(ad(seq % 256, bytes([seq % 256])))
        assert result.accepted and result.data == bytes([seq % 256])
    assert farm.vr == 300 % 256
    assert farm.clcw() == Clcw(VC, 300 % 256)


def test_positive_window_sets_retransmit_until_the_expected_frame_arrives() -> None:
    farm = Farm1(VC, window=10, vr=250)
    assert farm.handle(ad(252)).reason == NOT_EXPECTED
    assert farm.clcw().retransmit and farm.state is FarmState.OPEN
    assert farm.handle(ad(254)).reason == NOT_EXPECTED  # V(R) + 4: last octet of the positive window
    assert farm.handle(ad(250)).accepted
    assert not farm.clcw().retransmit


def test_negative_window_discards_duplicates_quietly() -> None:
    farm = Farm1(VC, window=10, vr=3)
    for seq in (2, 1, 0, 255, 254):  # V(R) - 1 .. V(R) - 5
        result = farm.handle(ad(seq))
        assert not result.accepted and result.reason == DUPLICATE
    assert farm.clcw() == Clcw(VC, 3)


@pytest.mark.parametrize("seq", [8, 100, 253])
def test_lockout_area_locks_until_unlock(seq: int) -> None:
    farm = Farm1(VC, window=10, vr=3)
    assert farm.handle(ad(seq)).reason == LOCKOUT_AREA
    assert farm.clcw().lockout and farm.state is FarmState.LOCKOUT
    assert farm.handle(ad(3)).reason == LOCKED_OUT
    assert farm.handle(TcFrame.set_vr(SCID, VC, 9)).accepted  # accepted, but no effect in Lockout
    assert farm.vr == 3 and farm.lockout
    assert farm.handle(TcFrame.bd(SCID, VC, b"expedited")).data == b"expedited"  # BD always gets through
    assert farm.handle(TcFrame.unlock(SCID, VC)).accepted
    assert farm.state is FarmState.OPEN and farm.clcw() == Clcw(VC, 3, farm_b_counter=3)
    assert farm.handle(ad(3)).accepted


def test_set_vr_resynchronises_and_clears_retransmit() -> None:
    farm = Farm1(VC)
    farm.handle(ad(2))
    assert farm.retransmit
    assert farm.handle(TcFrame.set_vr(SCID, VC, 77)).accepted
    assert farm.clcw() == Clcw(VC, 77, farm_b_counter=1)
    assert farm.handle(ad(77)).accepted


def test_buffer_full_moves_to_wait_and_release_reopens() -> None:
    farm = Farm1(VC)
    farm.buffer_available = False
    assert farm.handle(ad(0)).reason == BUFFER_FULL
    clcw = farm.clcw()
    assert clcw.wait and clcw.retransmit and farm.state is FarmState.WAIT
    assert farm.handle(ad(0)).reason == BUFFER_FULL
    farm.release_buffer()
    assert farm.state is FarmState.OPEN and not farm.clcw().wait
    assert farm.handle(ad(0)).accepted and not farm.clcw().retransmit


def test_farm_b_counter_wraps_and_invalid_frames_change_nothing() -> None:
    farm = Farm1(VC)
    for _ in range(5):
        farm.handle(TcFrame.bd(SCID, VC, b"x"))
    assert farm.clcw().farm_b_counter == 1
    before = farm.clcw()
    assert farm.handle_octets(b"\x00\x01").reason == INVALID
    bad = bytearray(ad(0).pack())
    bad[-1] ^= 1
    assert farm.handle_octets(bytes(bad)).reason == INVALID
    assert farm.handle(TcFrame(SCID, VC, 0, b"\x42", True, True, None)).reason == INVALID  # unknown command
    assert farm.handle(TcFrame.ad(SCID, VC + 1, 0, b"x")).reason == WRONG_VC
    assert farm.clcw() == before
    assert farm.handle_octets(ad(0).pack() + b"\x55\x55").reason == ACCEPTED  # CLTU fill after the frame
    assert farm.stats.invalid == 3


def test_window_must_be_even() -> None:
    with pytest.raises(FieldValueError):
        Farm1(VC, window=7)
