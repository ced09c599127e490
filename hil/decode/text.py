"""Decoded columns as text, in bulk: the exact strings Python's ``repr``/``str`` give, as Arrow string arrays.

Floats are formatted once per distinct value (telemetry repeats itself): Arrow's shortest round-trip formatting
where it agrees with ``repr`` (positional notation, ``.0`` added to whole numbers), ``repr`` itself for the rest
(exponents, very small magnitudes, infinities). NaN becomes null, written as an empty cell. UTC text is built as
ASCII digits by integer arithmetic.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from protocols.dictionary.fields import Field
from protocols.errors import ProtocolError
from protocols.timecode import NS_PER_S, tai_to_utc_ns

EPOCH_1958 = np.datetime64("1958-01-01T00:00:00", "ns")
POSITIONAL_FROM = 1e-4
"""The smallest magnitude ``repr`` writes without an exponent (below it: ``1e-05``)."""
UTC_WIDTH = 24
"""``YYYY-MM-DDTHH:MM:SS.mmmZ``."""
_MS_PER_DAY = 86_400_000
_NS_PER_MS = 1_000_000


def float_text(values: np.ndarray) -> pa.Array:
    """``repr`` of every float64 (null for NaN)."""
    values = np.ascontiguousarray(values, dtype=np.float64)
    encoded = pa.array(values.view(np.int64)).dictionary_encode()  # by bit pattern: -0.0 stays itself
    distinct = encoded.dictionary.to_numpy().view(np.float64)
    return pc.take(_unique_float_text(distinct), encoded.indices)


def _unique_float_text(values: np.ndarray) -> pa.Array:
    text = pc.cast(pa.array(values), pa.string())
    finite = np.isfinite(values)
    magnitude = np.abs(values)
    agrees = finite & ((magnitude >= POSITIONAL_FROM) | (values == 0))
    agrees &= ~pc.match_substring(text, "e").to_numpy(zero_copy_only=False)
    whole = agrees & ~pc.match_substring(text, ".").to_numpy(zero_copy_only=False)
    text = pc.if_else(pa.array(whole), pc.binary_join_element_wise(text, ".0", ""), text)
    other = np.flatnonzero(~agrees & ~np.isnan(values))
    if len(other):
        mask = np.zeros(len(values), dtype=bool)
        mask[other] = True
        text = pc.replace_with_mask(text, pa.array(mask), pa.array([repr(v) for v in values[other].tolist()]))
    return pc.if_else(pa.array(np.isnan(values)), pa.scalar(None, pa.string()), text)


def int_text(values: np.ndarray) -> pa.Array:
    """``str`` of every integer."""
    return pc.cast(pa.array(values), pa.string())


def enum_text(parameter: Field, raw: np.ndarray) -> pa.Array:
    """The label of every raw value, or the number where the enumeration has none (as the scalar codec)."""
    labels = {value: label for label, value in (parameter.enum or {}).items()}
    encoded = pa.array(raw).dictionary_encode()
    names = [labels.get(v, str(v)) for v in encoded.dictionary.to_pylist()]
    return pc.take(pa.array([csv_field(n) for n in names], type=pa.string()), encoded.indices)


def csv_field(text: str) -> str:
    """``text`` as ``csv.writer`` writes a field (minimal quoting: only when a comma, quote or line break is in it)."""
    if not any(c in text for c in ',"\r\n'):
        return text
    line = io.StringIO()
    csv.writer(line, lineterminator="\n").writerow([text])  # the rare label that may need quoting: as csv does
    return line.getvalue()[:-1]


def value_text(parameter: Field, values: np.ndarray, raw: np.ndarray | None) -> pa.Array:
    """A decoded column as CSV fields of the text ``str`` gives its values (labels for enumerations, null for
    NaN); only labels can need quoting, and they are quoted as ``csv.writer`` would."""
    if parameter.enum is not None and raw is not None:
        return enum_text(parameter, raw)
    if values.dtype.kind == "f":
        return float_text(values)
    if values.dtype.kind in "iu":
        return int_text(values)
    return pa.array([csv_field(str(v)) for v in values.tolist()], type=pa.string())


def utc_ns(time_ns: np.ndarray) -> np.ndarray:
    """UTC ns since 1970 of TAI ns since 1958, leap seconds applied once per distinct second."""
    time_ns = np.asarray(time_ns, dtype=np.int64)
    if not len(time_ns):
        return np.empty(0, dtype=np.int64)
    unique, inverse = np.unique(time_ns // NS_PER_S, return_inverse=True)
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


def utc_ascii(time_ns: np.ndarray) -> np.ndarray:
    """ISO UTC text (ms, trailing Z) of TAI ns since 1958 as an (n, 24) array of ASCII octets."""
    ms = utc_ns(time_ns) // _NS_PER_MS
    day, of_day = np.divmod(ms, _MS_PER_DAY)
    days, inverse = np.unique(day, return_inverse=True)
    out = np.empty((len(ms), UTC_WIDTH), dtype=np.uint8)
    if not len(ms):
        return out
    dates = np.datetime_as_string(days.astype("datetime64[D]"))
    if np.any(np.char.str_len(dates) != 10):  # a year beyond 0000–9999 has no fixed-width date
        raise ValueError("a UTC year out of 0000..9999")
    out[:, :10] = dates.astype("S10").view(np.uint8).reshape(-1, 10)[inverse.reshape(-1)]
    hours, rest = np.divmod(of_day, 3_600_000)
    minutes, rest = np.divmod(rest, 60_000)
    seconds, millis = np.divmod(rest, 1000)
    for at, number, width in ((11, hours, 2), (14, minutes, 2), (17, seconds, 2), (20, millis, 3)):
        for k in range(width):
            out[:, at + width - 1 - k] = number // 10 ** k % 10 + 48
    out[:, 10], out[:, 13], out[:, 16], out[:, 19], out[:, 23] = (ord(c) for c in "T::.Z")
    return out


def utc_text(time_ns: np.ndarray) -> pa.Array:
    """ISO UTC text (ms, trailing Z) of TAI ns since 1958 as an Arrow string array."""
    octets = utc_ascii(time_ns)
    offsets = np.arange(0, octets.size + 1, UTC_WIDTH, dtype=np.int32)
    return pa.StringArray.from_buffers(len(octets), pa.py_buffer(offsets), pa.py_buffer(octets))
