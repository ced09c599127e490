"""Decoded columns as text, in bulk: the exact strings Python's ``repr``/``str`` give, as Arrow string arrays.

Floats are formatted once per distinct value (telemetry repeats itself; times, which do not, one by one): Arrow's
shortest round-trip formatting where it agrees with ``repr`` (positional notation, ``.0`` put after whole numbers
in the octets), ``repr`` itself for the rest (exponents, found by one scan of the octets; very small magnitudes;
infinities). NaN becomes null, written as an empty cell. Columns formatted alike (floats; integers of one dtype)
can be formatted together, end to end, and sliced apart. UTC text is the ASCII digits ``hil.decode.utc`` builds by
integer arithmetic.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from functools import partial

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hil.decode.arrow import arrow_array, string_array
from hil.decode.calibrate import label_texts
from hil.decode.utc import UTC_WIDTH, utc_ascii
from protocols.dictionary.fields import Field

NO_TEXT = string_array([""])[0]
"""The empty string as an Arrow scalar (a Python str argument would be converted with pandas' checks)."""
POSITIONAL_FROM = 1e-4
"""The smallest magnitude ``repr`` writes without an exponent (below it: ``1e-05``)."""
_POINT_ZERO = np.frombuffer(b".0", dtype=np.uint8)


def float_text(values: np.ndarray, repeats: bool = True, prefix: str = "") -> pa.Array:
    """``prefix`` and the ``repr`` of every float64 (null for NaN); without ``repeats`` (times: hardly a value twice)
    each value is formatted as it comes, not once per distinct value."""
    values = np.ascontiguousarray(values, dtype=np.float64)
    if not repeats:
        return _each_float_text(values, prefix)
    encoded = arrow_array(values.view(np.int64)).dictionary_encode()  # by bit pattern: -0.0 stays itself
    distinct = encoded.dictionary.to_numpy().view(np.float64)
    return pc.take(_each_float_text(distinct, prefix), encoded.indices)


def _each_float_text(values: np.ndarray, prefix: str = "") -> pa.Array:
    """``prefix`` and the ``repr`` of each float64 (null for NaN)."""
    text = pc.cast(arrow_array(values), pa.string())
    offsets, octets = _string_buffers(text)
    nan = np.isnan(values)
    magnitude = np.abs(values)
    agrees = ((magnitude >= POSITIONAL_FROM) & (magnitude != np.inf) | (values == 0)) & ~_holding(offsets, octets, b"e")
    text = _point_zero(offsets, octets, agrees & (values == np.trunc(values)), nan, prefix)
    other = ~agrees & ~nan
    if other.any():
        text = pc.replace_with_mask(text, arrow_array(other),
                                    string_array([prefix + repr(v) for v in values[other].tolist()]))
    return text


def _string_buffers(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The offsets (int32) and octets of a string array, as numpy views."""
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int32, count=len(text) + 1, offset=4 * text.offset)
    data = text.buffers()[2]
    return offsets, np.frombuffer(data, dtype=np.uint8) if data is not None else np.empty(0, dtype=np.uint8)


def _holding(offsets: np.ndarray, octets: np.ndarray, octet: bytes) -> np.ndarray:
    """Whether each string holds ``octet``: one scan of the octets, then the rows of the few found."""
    found = np.flatnonzero(octets[offsets[0]:offsets[-1]] == ord(octet)) + offsets[0]
    rows = np.zeros(len(offsets) - 1, dtype=bool)
    rows[np.searchsorted(offsets, found, side="right") - 1] = True
    return rows


def _point_zero(offsets: np.ndarray, octets: np.ndarray, whole: np.ndarray, null: np.ndarray,
                prefix: str = "") -> pa.Array:
    """The strings with ``prefix`` before each and ``.0`` after each ``whole`` one (Arrow writes a whole number
    without it), null where ``null`` is true: one copy of the octets with both put in."""
    base = offsets[0]
    ends = offsets[1:][whole] - base
    at, put = np.repeat(ends, 2), np.tile(_POINT_ZERO, len(ends))
    mark = np.frombuffer(prefix.encode(), dtype=np.uint8)
    if len(mark):  # after the .0 of the string before, at the same place: np.insert keeps the order given
        at = np.concatenate([at, np.repeat(offsets[:-1] - base, len(mark))])
        put = np.concatenate([put, np.tile(mark, len(offsets) - 1)])
    octets = np.insert(octets[base:offsets[-1]], at, put)
    offsets = (offsets - base + 2 * np.concatenate(([0], np.cumsum(whole, dtype=np.int32)))
               + len(mark) * np.arange(len(offsets), dtype=np.int32))
    nulls = int(np.count_nonzero(null))
    validity = pa.py_buffer(np.packbits(~null, bitorder="little")) if nulls else None
    return pa.StringArray.from_buffers(len(whole), pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(octets),
                                       validity, nulls)


def int_text(values: np.ndarray, prefix: str = "") -> pa.Array:
    """``prefix`` and the ``str`` of every integer (with a prefix, once per distinct value)."""
    if not prefix:
        return pc.cast(arrow_array(values), pa.string())
    encoded = arrow_array(values).dictionary_encode()
    text = pc.cast(encoded.dictionary, pa.string())
    return pc.take(pc.binary_join_element_wise(string_array([prefix])[0], text, NO_TEXT), encoded.indices)


def enum_text(parameter: Field, raw: np.ndarray, prefix: str = "") -> pa.Array:
    """``prefix`` and the label of every raw value, or the number where the enumeration has none (as the scalar
    codec)."""
    encoded = arrow_array(raw).dictionary_encode()
    names = label_texts(parameter, encoded.dictionary.to_pylist())
    return pc.take(string_array([prefix + csv_field(n) for n in names]), encoded.indices)


def csv_field(text: str) -> str:
    """``text`` as ``csv.writer`` writes a field (minimal quoting: only when a comma, quote or line break is in it)."""
    if not any(c in text for c in ',"\r\n'):
        return text
    line = io.StringIO()
    csv.writer(line, lineterminator="\n").writerow([text])  # the rare label that may need quoting: as csv does
    return line.getvalue()[:-1]


def value_format(parameter: Field, values: np.ndarray, raw: np.ndarray | None,
                 prefix: str = "") -> tuple[str | None, Callable[[np.ndarray], pa.Array]]:
    """How a decoded column becomes CSV fields of the text ``str`` gives its values (labels for enumerations, quoted
    as ``csv.writer`` would; null for NaN), each after ``prefix``: what columns it can be formatted together with
    (``"float"``, an ``int_kind``, with the prefix; None: on its own) and the function of its values that does it."""
    if parameter.enum is not None and raw is not None:
        return None, partial(_labels, parameter, raw, prefix)
    if values.dtype.kind == "f":
        return f"float{prefix}", partial(float_text, prefix=prefix)
    if values.dtype.kind in "iu":
        return int_kind(values) + prefix, partial(int_text, prefix=prefix)
    return None, partial(_object_text, prefix=prefix)


def int_kind(values: np.ndarray) -> str:
    """What integer columns are formatted together with ``values``: those of its dtype."""
    return f"int:{values.dtype.str}"


def formatted_together(text: Callable[[np.ndarray], pa.Array], columns: Sequence[np.ndarray]) -> list[pa.Array]:
    """``text`` of each column (same dtype, or floats) from one call on them all end to end: a few big Arrow
    calls, not many small ones."""
    whole = text(columns[0] if len(columns) == 1 else np.concatenate(columns))
    ends = np.cumsum([len(c) for c in columns]).tolist()
    return [whole.slice(start, end - start) for start, end in zip([0, *ends], ends, strict=False)]


def _labels(parameter: Field, raw: np.ndarray, prefix: str, values: np.ndarray) -> pa.Array:
    """The enumeration's labels of a column, from its raw numbers (``values`` are those labels)."""
    return enum_text(parameter, raw, prefix)


def _object_text(values: np.ndarray, prefix: str = "") -> pa.Array:
    """CSV fields of the text ``str`` gives each value, after ``prefix``."""
    return string_array([prefix + csv_field(str(v)) for v in values.tolist()])


def utc_text(time_ns: np.ndarray) -> pa.Array:
    """ISO UTC text (ms, trailing Z) of TAI ns since 1958 as an Arrow string array."""
    octets = utc_ascii(time_ns)
    offsets = np.arange(0, octets.size + 1, UTC_WIDTH, dtype=np.int32)
    return pa.StringArray.from_buffers(len(octets), pa.py_buffer(offsets), pa.py_buffer(octets))
