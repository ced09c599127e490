"""Raw numpy columns to engineering values with the same arithmetic as the dictionary's scalar codecs."""

from __future__ import annotations

import numpy as np

from protocols.dictionary.calibration import Linear, Table
from protocols.dictionary.fields import Field

_LUT_BITS = 16


def engineering(field: Field, raw: np.ndarray) -> np.ndarray:
    """Engineering values of a raw column: enum labels (object), calibrated floats, or the raw numbers."""
    if field.enum is not None:
        return _labels(field, raw)
    cal = field.calibration
    if cal is None:
        if field.is_float:
            with np.errstate(invalid="ignore"):  # NaN bit patterns in raw telemetry stay NaN, as per packet
                return raw.astype(np.float64)
        return raw.astype(np.int64 if raw.dtype.kind == "i" else raw.dtype.newbyteorder("="))
    x = raw.astype(np.float64)
    if isinstance(cal, Linear):
        return x * cal.scale + cal.offset if cal.offset else x * cal.scale
    if isinstance(cal, Table):
        return _table(cal, x)
    raise TypeError(f"{field.name}: no vectorised form of calibration {type(cal).__name__}")


def _labels(field: Field, raw: np.ndarray) -> np.ndarray:
    """Enum label per value, or the raw integer where the enumeration has no label (like the scalar codec)."""
    labels = {value: label for label, value in (field.enum or {}).items()}
    if raw.dtype.kind == "u" and raw.dtype.itemsize * 8 <= _LUT_BITS:
        lut = np.array(list(range(1 << (raw.dtype.itemsize * 8))), dtype=object)
        for value, label in labels.items():
            if 0 <= value < len(lut):
                lut[value] = label
        return lut[raw]
    unique, inverse = np.unique(raw, return_inverse=True)
    mapped = np.array([labels.get(int(u), int(u)) for u in unique.tolist()] + [None], dtype=object)[:-1]
    return mapped[inverse]


def label_texts(field: Field, raw: list[int]) -> list[str]:
    """The label of each raw value of an enumeration, or the number as text where it has none."""
    labels = {value: label for label, value in (field.enum or {}).items()}
    return [labels.get(value, str(value)) for value in raw]


def _table(cal: Table, x: np.ndarray) -> np.ndarray:
    """Piecewise-linear with end extrapolation: the table's own segments, chosen as its scalar bisect_right does."""
    xs, ys, slopes = cal.segments
    i = np.searchsorted(np.asarray(xs[1:-1], dtype=np.float64), x, side="right")
    return np.asarray(ys, dtype=np.float64)[i] + np.asarray(slopes)[i] * (x - np.asarray(xs, dtype=np.float64)[i])
