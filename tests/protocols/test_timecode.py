"""CUC and CDS time codes, leap seconds and the 1958 epoch."""

import contextlib
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocols.errors import ProtocolError, TimeCodeError, TruncatedError
from protocols.timecode import (
    EPOCH_1958_TO_1970_S,
    NS_PER_S,
    cds_decode,
    cds_encode,
    cuc_decode,
    cuc_decode_with_pfield,
    cuc_encode,
    cuc_with_pfield,
    datetime_to_utc_ns,
    tai_to_utc_ns,
    utc_ns_to_datetime,
    utc_to_tai_ns,
)


def test_epoch_offset_1958_to_1970() -> None:
    assert datetime_to_utc_ns(datetime(1970, 1, 1, tzinfo=UTC)) == EPOCH_1958_TO_1970_S * NS_PER_S
    assert EPOCH_1958_TO_1970_S == 4383 * 86400


def test_cuc_layout_and_pfield() -> None:
    assert cuc_encode(5 * NS_PER_S + NS_PER_S // 2) == bytes.fromhex("00000005 8000")
    assert cuc_with_pfield(0)[0] == 0x1E
    assert cuc_decode_with_pfield(cuc_with_pfield(7 * NS_PER_S)) == 7 * NS_PER_S
    with pytest.raises(TimeCodeError, match="p_field"):
        cuc_decode_with_pfield(b"\x2e" + bytes(6))


@given(st.integers(0, (1 << 32) * NS_PER_S - 1))
def test_cuc_resolution_and_stable_reencoding(ns: int) -> None:
    code = cuc_encode(ns)
    back = cuc_decode(code)
    assert abs(back - ns) < NS_PER_S / 65536 + 1
    assert cuc_encode(back) == code


def test_cuc_out_of_range() -> None:
    with pytest.raises(TimeCodeError, match="tai_ns"):
        cuc_encode(-1)
    with pytest.raises(TruncatedError):
        cuc_decode(b"\x00" * 5)


def test_landing_time_in_tai_has_37_leap_seconds() -> None:
    landing_utc = datetime_to_utc_ns(datetime(2024, 6, 1, 22, 23, tzinfo=UTC))
    landing_tai = utc_to_tai_ns(landing_utc)
    assert landing_tai - landing_utc == 37 * NS_PER_S
    assert tai_to_utc_ns(landing_tai) == landing_utc
    assert utc_ns_to_datetime(landing_utc) == datetime(2024, 6, 1, 22, 23, tzinfo=UTC)


def test_cds_short_round_trip_with_and_without_pfield() -> None:
    moment = datetime_to_utc_ns(datetime(2024, 6, 3, 23, 38, 0, 250000, tzinfo=UTC))
    assert cds_decode(cds_encode(moment)) == moment
    coded = cds_encode(moment, with_pfield=True)
    assert coded[0] == 0x40 and cds_decode(coded, with_pfield=True) == moment
    day = int.from_bytes(coded[1:3], "big")
    assert day == (datetime(2024, 6, 3, tzinfo=UTC) - datetime(1958, 1, 1, tzinfo=UTC)).days


@given(st.binary(max_size=10), st.booleans())
def test_random_time_codes_raise_only_protocol_errors(data: bytes, pfield: bool) -> None:
    for decode in (lambda d: cds_decode(d, pfield), cuc_decode, cuc_decode_with_pfield):
        with contextlib.suppress(ProtocolError):
            decode(data)
