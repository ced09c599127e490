"""CCSDS time codes (301.0-B-4): CUC on the 1958 TAI epoch and CDS short, from integer nanoseconds."""

from __future__ import annotations

import struct
from bisect import bisect_right
from datetime import UTC, datetime

import construct as cs

from protocols.errors import TimeCodeError, TruncatedError, field_error

NS_PER_S = 1_000_000_000
NS_PER_DAY = 86_400 * NS_PER_S
EPOCH_1958_TO_1970_S = 378_691_200
"""Seconds from 1958-01-01 to 1970-01-01 (4383 days)."""

CUC_PFIELD = 0x1E
"""Level-1 CUC (1958 TAI epoch), 4 coarse + 2 fine octets."""
CUC_SIZE = 6
CUC_FINE_UNITS = 1 << 16
CDS_PFIELD = 0x40
CDS_SIZE = 6

CUC_TIME = cs.Struct("coarse" / cs.Int32ub, "fine" / cs.Int16ub)
"""CUC T-field: whole seconds since 1958 TAI, then units of 2⁻¹⁶ s."""
CDS_SHORT = cs.Struct("day" / cs.Int16ub, "ms_of_day" / cs.Int32ub)
"""CDS short T-field: days since 1958-01-01 and milliseconds of that day."""

_CUC = struct.Struct(">IH")
_CDS = struct.Struct(">HI")
_MAX_CUC_NS = (1 << 32) * NS_PER_S - 1

# TAI − UTC since 1972 (IERS Bulletin C): (UTC second since 1958 at which it takes effect, offset in s).
_LEAP_TABLE_UTC = (
    (1972, 1, 1, 10), (1972, 7, 1, 11), (1973, 1, 1, 12), (1974, 1, 1, 13), (1975, 1, 1, 14),
    (1976, 1, 1, 15), (1977, 1, 1, 16), (1978, 1, 1, 17), (1979, 1, 1, 18), (1980, 1, 1, 19),
    (1981, 7, 1, 20), (1982, 7, 1, 21), (1983, 7, 1, 22), (1985, 7, 1, 23), (1988, 1, 1, 24),
    (1990, 1, 1, 25), (1991, 1, 1, 26), (1992, 7, 1, 27), (1993, 7, 1, 28), (1994, 7, 1, 29),
    (1996, 1, 1, 30), (1997, 7, 1, 31), (1999, 1, 1, 32), (2006, 1, 1, 33), (2009, 1, 1, 34),
    (2012, 7, 1, 35), (2015, 7, 1, 36), (2017, 1, 1, 37),
)
_EPOCH_1958 = datetime(1958, 1, 1, tzinfo=UTC)
_LEAP_STARTS_UTC_NS = tuple(
    int((datetime(y, m, d, tzinfo=UTC) - _EPOCH_1958).total_seconds()) * NS_PER_S for y, m, d, _ in _LEAP_TABLE_UTC
)
_LEAP_OFFSETS_NS = tuple(off * NS_PER_S for *_, off in _LEAP_TABLE_UTC)
_LEAP_STARTS_TAI_NS = tuple(s + o for s, o in zip(_LEAP_STARTS_UTC_NS, _LEAP_OFFSETS_NS, strict=True))


def cuc_encode(tai_ns: int) -> bytes:
    """The 6-octet CUC T-field (implicit P-field 0x1E) for nanoseconds since 1958-01-01 TAI."""
    if not 0 <= tai_ns <= _MAX_CUC_NS:
        raise field_error(TimeCodeError, "tai_ns", tai_ns, "outside the 32-bit CUC range")
    coarse, rest = divmod(tai_ns, NS_PER_S)
    return _CUC.pack(coarse, (rest << 16) // NS_PER_S)


def cuc_decode(data: bytes | bytearray | memoryview, offset: int = 0) -> int:
    """Nanoseconds since 1958-01-01 TAI from the 6-octet CUC T-field at ``offset``."""
    if len(data) - offset < CUC_SIZE:
        raise TruncatedError(f"CUC time needs {CUC_SIZE} octets, have {len(data) - offset}",
                             field="time", value=len(data) - offset)
    coarse, fine = _CUC.unpack_from(data, offset)
    return coarse * NS_PER_S + ((fine * NS_PER_S + 0xFFFF) >> 16)  # rounded up: re-encodes to the same code


def cuc_with_pfield(tai_ns: int) -> bytes:
    """The CUC time code with its explicit P-field octet (0x1E) in front."""
    return bytes((CUC_PFIELD,)) + cuc_encode(tai_ns)


def cuc_decode_with_pfield(data: bytes | bytearray | memoryview) -> int:
    """Decode a CUC time code that starts with its P-field; only 0x1E (4+2 octets) is accepted."""
    if not data:
        raise TruncatedError("CUC time code is empty", field="p_field", value=0)
    if data[0] != CUC_PFIELD:
        raise field_error(TimeCodeError, "p_field", f"0x{data[0]:02X}", f"expected 0x{CUC_PFIELD:02X}")
    return cuc_decode(data, 1)


def tai_minus_utc_ns(utc_ns: int) -> int:
    """TAI − UTC in nanoseconds at a UTC instant (ns since 1958-01-01 UTC); valid from 1972 on."""
    index = bisect_right(_LEAP_STARTS_UTC_NS, utc_ns) - 1
    if index < 0:
        raise field_error(TimeCodeError, "utc_ns", utc_ns, "leap seconds are tabulated from 1972 on")
    return _LEAP_OFFSETS_NS[index]


def utc_to_tai_ns(utc_ns: int) -> int:
    """Convert ns since 1958-01-01 UTC to ns since 1958-01-01 TAI."""
    return utc_ns + tai_minus_utc_ns(utc_ns)


def tai_to_utc_ns(tai_ns: int) -> int:
    """Convert ns since 1958-01-01 TAI to ns since 1958-01-01 UTC."""
    index = bisect_right(_LEAP_STARTS_TAI_NS, tai_ns) - 1
    if index < 0:
        raise field_error(TimeCodeError, "tai_ns", tai_ns, "leap seconds are tabulated from 1972 on")
    return tai_ns - _LEAP_OFFSETS_NS[index]


def datetime_to_utc_ns(moment: datetime) -> int:
    """Nanoseconds since 1958-01-01 UTC for an aware datetime (naive ones are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - _EPOCH_1958
    return (delta.days * 86_400 + delta.seconds) * NS_PER_S + delta.microseconds * 1000


def utc_ns_to_datetime(utc_ns: int) -> datetime:
    """An aware UTC datetime for nanoseconds since 1958-01-01 UTC (microsecond resolution)."""
    seconds, ns = divmod(utc_ns, NS_PER_S)
    return datetime.fromtimestamp(seconds - EPOCH_1958_TO_1970_S, UTC).replace(microsecond=ns // 1000)


def cds_encode(utc_ns: int, with_pfield: bool = False) -> bytes:
    """CDS short (16-bit day, 32-bit ms of day) for nanoseconds since 1958-01-01 UTC."""
    day, rest = divmod(utc_ns, NS_PER_DAY)
    if not 0 <= day <= 0xFFFF:
        raise field_error(TimeCodeError, "utc_ns", utc_ns, "outside the 16-bit CDS day range")
    body = _CDS.pack(day, rest // 1_000_000)
    return bytes((CDS_PFIELD,)) + body if with_pfield else body


def cds_decode(data: bytes | bytearray | memoryview, with_pfield: bool = False) -> int:
    """Nanoseconds since 1958-01-01 UTC from a CDS short time code."""
    offset = 0
    if with_pfield:
        if not data:
            raise TruncatedError("CDS time code is empty", field="p_field", value=0)
        if data[0] != CDS_PFIELD:
            raise field_error(TimeCodeError, "p_field", f"0x{data[0]:02X}", f"expected 0x{CDS_PFIELD:02X}")
        offset = 1
    if len(data) - offset < CDS_SIZE:
        raise TruncatedError(f"CDS time needs {CDS_SIZE} octets, have {len(data) - offset}",
                             field="time", value=len(data) - offset)
    day, ms = _CDS.unpack_from(data, offset)
    if ms >= 86_401_000:
        raise field_error(TimeCodeError, "ms_of_day", ms, "a day (with a leap second) has at most 86401000 ms")
    return day * NS_PER_DAY + ms * 1_000_000
