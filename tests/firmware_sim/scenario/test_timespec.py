"""Scenario times and durations: text to integer nanoseconds, refusals that name the text, round trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware_sim.errors import ScenarioError
from firmware_sim.scenario.timespec import (
    MAX_NS,
    NS_PER_UNIT,
    format_duration,
    format_time,
    parse_duration,
    parse_time,
)

S = 1_000_000_000
H = 3600 * S


@pytest.mark.parametrize(("text", "ns"), [
    ("T+30h", 30 * H),
    ("T+1h20m30s", H + 20 * 60 * S + 30 * S),
    ("T+90s", 90 * S),
    ("45m", 45 * 60 * S),
    ("250ms", 250_000_000),
    ("2d", 48 * H),
    ("1.5h", 5400 * S),
    ("1h 20m", 80 * 60 * S),
    ("T+ 5m", 300 * S),
    ("3us", 3000),
    ("3µs", 3000),
    ("7ns", 7),
    ("T0", 0),
    ("0s", 0),
    ("90", 90 * S),
    (90, 90 * S),
    (0.1, 100_000_000),
    (1.5, 1_500_000_000),
])
def test_times_parse_to_integer_nanoseconds(text: str | float, ns: int) -> None:
    assert parse_time(text) == ns


@pytest.mark.parametrize(("text", "ns"), [("30s", 30 * S), ("2h", 2 * H), (5, 5 * S), ("1d2h3m4s5ms6us7ns",
                                          86_400 * S + 2 * H + 3 * 60 * S + 4 * S + 5_006_007)])
def test_durations_parse(text: str | int, ns: int) -> None:
    assert parse_duration(text) == ns


@pytest.mark.parametrize(("text", "problem"), [
    ("T-5m", "is before T0"),
    ("-3s", "negative"),
    (-1, "negative"),
    ("5min", "malformed"),
    ("1h20", "'20' has no unit"),
    ("30s1h", "largest first"),
    ("1h1h", "largest first"),
    ("", "empty"),
    ("T+", "write T+ then a duration"),
    ("abc", "malformed"),
    ("0.1ns", "whole number of nanoseconds"),
    (float("nan"), "finite"),
    (float("inf"), "finite"),
    (True, "not bool"),
    ("1e3s", "malformed"),
    ("__import__('os')", "malformed"),
])
def test_bad_times_are_refused_naming_the_text(text: object, problem: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_time(text, path="plan.toml", line=7, what="at")  # type: ignore[arg-type]
    message = str(caught.value)
    assert message.startswith("plan.toml:7: at ")
    assert problem in message
    if isinstance(text, str) and text:
        assert repr(text) in message


def test_a_delay_refuses_the_time_form_and_suggests_the_duration() -> None:
    with pytest.raises(ScenarioError, match=r"after 'T\+30s' is a delay.*write '30s'"):
        parse_duration("T+30s", what="after")


def test_errors_without_a_line_name_only_the_file() -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_time("soon")
    assert str(caught.value).startswith("<string>: time 'soon'")
    assert caught.value.line is None


@pytest.mark.parametrize(("ns", "text"), [(0, "0s"), (250_000_000, "250ms"), (H + 20 * 60 * S + 30 * S, "1h20m30s"),
                                          (48 * H + 1, "2d1ns")])
def test_format_duration_is_compact(ns: int, text: str) -> None:
    assert format_duration(ns) == text
    assert format_time(ns) == f"T+{text}"


def test_format_refuses_negative() -> None:
    with pytest.raises(ValueError):
        format_duration(-1)


@given(st.integers(min_value=0, max_value=MAX_NS))
def test_format_then_parse_round_trips(ns: int) -> None:
    assert parse_duration(format_duration(ns)) == ns
    assert parse_time(format_time(ns)) == ns


_UNITS = ("d", "h", "m", "s", "ms", "us", "ns")


@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=len(_UNITS), max_size=len(_UNITS)),
       st.lists(st.booleans(), min_size=len(_UNITS), max_size=len(_UNITS)).filter(any),
       st.sampled_from(["", " "]))
def test_any_ordered_unit_text_parses_to_its_sum(counts: list[int], used: list[bool], gap: str) -> None:
    parts = [(count, unit) for count, unit, keep in zip(counts, _UNITS, used, strict=True) if keep]
    text = gap.join(f"{count}{unit}" for count, unit in parts)
    total = sum(count * NS_PER_UNIT[unit] for count, unit in parts)
    if total > MAX_NS:
        with pytest.raises(ScenarioError, match="longer than 36500d"):
            parse_time(f"T+{text}")
    else:
        assert parse_time(f"T+{text}") == total


@pytest.mark.parametrize("value", ["T+36501d", "36500d1ns", 10**30, 1e300, "1" * 5000 + "s", "9" * 5000])
def test_times_beyond_100_years_and_absurdly_long_numbers_are_refused(value: str | int | float) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_time(value, path="plan.toml", line=4, what="at")
    assert str(caught.value).startswith("plan.toml:4: at ")
    assert parse_time("T+36500d") == MAX_NS


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=999))
def test_decimal_seconds_are_exact(whole: int, millis: int) -> None:
    assert parse_duration(f"{whole}.{millis:03d}s") == whole * S + millis * 1_000_000
    assert parse_duration(f"{whole}.{millis:03d}") == whole * S + millis * 1_000_000
