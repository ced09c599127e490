"""TAI times of a bulk decode as UTC, in numpy: leap seconds applied once per distinct second, ISO text as octets."""

from __future__ import annotations

import numpy as np

from protocols.errors import ProtocolError
from protocols.timecode import NS_PER_S, tai_to_utc_ns

EPOCH_1958 = np.datetime64("1958-01-01T00:00:00", "ns")
UTC_WIDTH = 24
"""``YYYY-MM-DDTHH:MM:SS.mmmZ``."""
_MS_PER_DAY = 86_400_000
_FIRST_DAY, _LAST_DAY = np.array(["0000-01-01", "9999-12-31"], dtype="datetime64[D]").astype(np.int64).tolist()
"""The days (since 1970) of the years with a four-digit date."""
_NS_PER_MS = 1_000_000


def utc_ns(time_ns: np.ndarray) -> np.ndarray:
    """UTC ns since 1970 of TAI ns since 1958, leap seconds applied once per distinct second."""
    time_ns = np.asarray(time_ns, dtype=np.int64)
    if not len(time_ns):
        return np.empty(0, dtype=np.int64)
    seconds = time_ns // NS_PER_S
    first, last = _leap_ns(int(seconds.min()) * NS_PER_S), _leap_ns(int(seconds.max()) * NS_PER_S)
    if first == last:  # the offset only grows: the same at both ends, the same for every time (no leap between)
        return (EPOCH_1958 + (time_ns - first).astype("timedelta64[ns]")).view(np.int64)
    unique, inverse = np.unique(seconds, return_inverse=True)
    offsets = np.empty(len(unique), dtype=np.int64)
    _fill_leaps(unique.tolist(), offsets, 0, len(unique) - 1)
    return (EPOCH_1958 + (time_ns - offsets[inverse.reshape(-1)]).astype("timedelta64[ns]")).view(np.int64)


def _fill_leaps(seconds: list[int], offsets: np.ndarray, low: int, high: int) -> None:
    """TAI − UTC of sorted seconds ``low..high``: the offset only grows, so equal ends mean equal in between."""
    first, last = _leap_ns(seconds[low] * NS_PER_S), _leap_ns(seconds[high] * NS_PER_S)
    if first == last or high - low < 2:
        offsets[low:high + 1] = first
        offsets[high] = last
        return
    middle = (low + high) // 2
    _fill_leaps(seconds, offsets, low, middle)
    _fill_leaps(seconds, offsets, middle, high)


def _leap_ns(tai_ns: int) -> int:
    try:
        return tai_ns - tai_to_utc_ns(tai_ns)
    except ProtocolError:
        return 0  # before 1972: no leap-second table, TAI shown as UTC


def _day_table(day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Days (since 1970, ascending) to write a date for once each, and where each of ``day`` is among them: every
    day from the first to the last when they are no more than the times, else the distinct ones."""
    first, last = int(day.min()), int(day.max())
    if last - first < len(day):
        return np.arange(first, last + 1, dtype=np.int64), day - first
    return np.unique(day, return_inverse=True)


def utc_ascii(time_ns: np.ndarray) -> np.ndarray:
    """ISO UTC text (ms, trailing Z) of TAI ns since 1958 as an (n, 24) array of ASCII octets."""
    ms = utc_ns(time_ns) // _NS_PER_MS
    day, of_day = np.divmod(ms, _MS_PER_DAY)
    out = np.empty((len(ms), UTC_WIDTH), dtype=np.uint8)
    if not len(ms):
        return out
    days, inverse = _day_table(day)
    if days[0] < _FIRST_DAY or days[-1] > _LAST_DAY:  # a year beyond 0000–9999 has no fixed-width date
        raise ValueError("a UTC year out of 0000..9999")
    dates = np.datetime_as_string(days.astype("datetime64[D]"))
    out[:, :10] = dates.astype("S10").view(np.uint8).reshape(-1, 10)[inverse.reshape(-1)]
    hours, rest = np.divmod(of_day, 3_600_000)
    minutes, rest = np.divmod(rest, 60_000)
    seconds, millis = np.divmod(rest, 1000)
    for at, number, width in ((11, hours, 2), (14, minutes, 2), (17, seconds, 2), (20, millis, 3)):
        for k in range(width):
            out[:, at + width - 1 - k] = number // 10 ** k % 10 + 48
    out[:, 10], out[:, 13], out[:, 16], out[:, 19], out[:, 23] = (ord(c) for c in "T::.Z")
    return out
