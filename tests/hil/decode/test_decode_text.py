"""Bulk CSV text is exactly what Python writes: floats as ``repr``, labels quoted as ``csv.writer`` quotes them."""

from __future__ import annotations

import csv
import io
import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from hil.decode.text import csv_field, float_text, int_text, utc_text
from protocols.timecode import NS_PER_S

EDGES = [0.0, -0.0, 1e-4, 9.999999999999999e-05, 1e-5, 1e15, 1e16, 9999999999999998.0, 2.0 ** 53, 5e-324,
         1.7976931348623157e308, math.inf, -math.inf, math.nan, 0.1, 100.0, 2100000000.0000153]


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=200), st.sampled_from(["", ",", ";x"]),
       st.booleans())
def test_float_text_is_repr(values: list[float], prefix: str, repeats: bool) -> None:
    got = float_text(np.array(values + EDGES, dtype=np.float64), repeats, prefix).to_pylist()
    assert got == [None if math.isnan(v) else prefix + repr(v) for v in values + EDGES]


@given(st.lists(st.integers(-(1 << 63), (1 << 63) - 1), max_size=50), st.sampled_from(["", ","]))
def test_int_text_is_str(values: list[int], prefix: str) -> None:
    assert int_text(np.array(values, dtype=np.int64), prefix).to_pylist() == [prefix + str(v) for v in values]


@given(st.text(max_size=12))
def test_csv_field_quotes_as_the_csv_module(text: str) -> None:
    line = io.StringIO()
    csv.writer(line, lineterminator="\n").writerow([text, "x"])  # as the CSV writers did, one row at a time
    assert f"{csv_field(text)},x\n" == line.getvalue() or text == ""


def test_utc_text_applies_leap_seconds_and_keeps_milliseconds() -> None:
    tai_2017 = (59 * 365 + 15) * 86400 + 37  # 2017-01-01T00:00:00 UTC: TAI − UTC = 37 s
    times = np.array([tai_2017 * NS_PER_S + 999_999, 0, (tai_2017 - 2) * NS_PER_S], dtype=np.int64)
    assert utc_text(times).to_pylist() == ["2017-01-01T00:00:00.000Z", "1958-01-01T00:00:00.000Z",
                                           "2016-12-31T23:59:59.000Z"]
