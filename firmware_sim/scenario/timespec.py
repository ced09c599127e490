"""Scenario times and durations ("T+1h20m", "250ms", "2d", plain numbers = seconds) as integer nanoseconds."""

from __future__ import annotations

import math
import re
from fractions import Fraction

from firmware_sim.errors import ScenarioError

NS_PER_UNIT: dict[str, int] = {
    "d": 86_400_000_000_000,
    "h": 3_600_000_000_000,
    "m": 60_000_000_000,
    "s": 1_000_000_000,
    "ms": 1_000_000,
    "us": 1_000,
    "µs": 1_000,
    "ns": 1,
}
"""Nanoseconds in one of each unit a duration may use, largest first."""

UNITS_TEXT = "d, h, m, s, ms, us, ns"
MAX_DAYS = 36_500
MAX_NS = MAX_DAYS * NS_PER_UNIT["d"]
"""The longest time or delay a scenario may give (100 years): more is a typo, and runs never get that far."""
_ORDER = {unit: rank for rank, unit in enumerate(("d", "h", "m", "s", "ms", "us", "ns"))} | {"µs": 5}
_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)"
_PART = re.compile(rf"\s*({_NUMBER})\s*(ms|us|µs|ns|d|h|m|s)(?![A-Za-z])")
_PLAIN = re.compile(rf"\s*{_NUMBER}\s*")
_T_PREFIX = re.compile(r"\s*[Tt](?:\s*[+-]|0\s*$)")

Duration = str | int | float
MAX_TEXT = 100
"""The longest text a time or duration may be (its numbers are read exactly, so their digits are bounded)."""


def parse_duration(value: Duration, *, path: str = "<string>", line: int | None = None,
                   what: str = "duration") -> int:
    """Nanoseconds of a delay: "45m", "1h20m30s", "250ms", "2d", "1.5h", or a plain number of seconds."""
    if isinstance(value, str) and _T_PREFIX.match(value):
        hint = _T_PREFIX.sub("", value).strip()
        raise ScenarioError(path, line, f"{what} {value!r} is a delay, not a time since T0: "
                                        f"write {hint or '0s'!r}")
    return _nanoseconds(value, path, line, what)


def parse_time(value: Duration, *, path: str = "<string>", line: int | None = None, what: str = "time") -> int:
    """Nanoseconds since T0 of a time: "T+30h", "T+1h20m30s", "T0", or a duration ("45m", 90) meaning T+ that."""
    if isinstance(value, str):
        text = value.strip()
        if text.upper() == "T0":
            return 0
        if text[:1] in ("T", "t"):
            rest = text[1:].lstrip()
            if rest.startswith("-") and rest[1:].strip():
                raise ScenarioError(path, line, f"{what} {value!r} is before T0; times must be T+ something")
            if not rest.startswith("+") or not rest[1:].strip():
                raise ScenarioError(path, line, f"{what} {value!r} is not a time: write T+ then a duration, "
                                                f"e.g. 'T+1h20m'")
            return _nanoseconds(rest[1:], path, line, what, shown=value)
    return _nanoseconds(value, path, line, what)


def _nanoseconds(value: Duration, path: str, line: int | None, what: str, shown: Duration | None = None) -> int:
    shown = value if shown is None else shown
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ScenarioError(path, line, f"{what} must be text like '1h20m' or a number of seconds, "
                                        f"not {type(value).__name__} {value!r}")
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ScenarioError(path, line, f"{what} {value!r} is not a finite number of seconds")
        if value < 0:
            raise ScenarioError(path, line, f"{what} {value!r} is negative; times and delays must be ≥ 0")
        return _whole_ns(Fraction(repr(value)) * NS_PER_UNIT["s"], shown, path, line, what)
    text = value.strip()
    if len(text) > MAX_TEXT:
        raise ScenarioError(path, line, f"{what} {text[:20]!r}… is {len(text)} characters long, too long for a time")
    if text.startswith("-"):
        raise ScenarioError(path, line, f"{what} {shown!r} is negative; times and delays must be ≥ 0")
    if _PLAIN.fullmatch(text):
        return _whole_ns(Fraction(text.strip()) * NS_PER_UNIT["s"], shown, path, line, what)
    total = Fraction(0)
    position, last_rank = 0, -1
    while position < len(text):
        match = _PART.match(text, position)
        if match is None:
            if _PLAIN.fullmatch(text, position):
                raise ScenarioError(path, line, f"{what} {shown!r} is malformed: {text[position:].strip()!r} has "
                                                f"no unit ({UNITS_TEXT})")
            raise ScenarioError(path, line, f"{what} {shown!r} is malformed: expected numbers with units "
                                            f"({UNITS_TEXT}) such as '1h20m30s', '250ms' or '2d'")
        number, unit = match.groups()
        rank = _ORDER[unit]
        if rank <= last_rank:
            raise ScenarioError(path, line, f"{what} {shown!r} is malformed: give each unit once, largest first "
                                            f"(e.g. '1h20m30s')")
        last_rank = rank
        total += Fraction(number) * NS_PER_UNIT[unit]
        position = match.end()
    if not text:
        raise ScenarioError(path, line, f"{what} is empty: write e.g. '30s' or 'T+1h'")
    return _whole_ns(total, shown, path, line, what)


def _whole_ns(total: Fraction, shown: Duration, path: str, line: int | None, what: str) -> int:
    if total.denominator != 1:
        raise ScenarioError(path, line, f"{what} {shown!r} is not a whole number of nanoseconds")
    if total > MAX_NS:
        raise ScenarioError(path, line, f"{what} {shown!r} is longer than {MAX_DAYS}d (100 years), the most a "
                                        f"scenario may give")
    return int(total)


def format_duration(ns: int) -> str:
    """The shortest unit text for a non-negative number of nanoseconds, e.g. "1h20m30s", "250ms", "0s"."""
    if ns < 0:
        raise ValueError(f"negative duration {ns} ns")
    if ns == 0:
        return "0s"
    parts = []
    for unit in ("d", "h", "m", "s", "ms", "us", "ns"):
        count, ns = divmod(ns, NS_PER_UNIT[unit])
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def format_time(ns: int) -> str:
    """A time since T0 as scenario text: "T+1h20m30s"."""
    return f"T+{format_duration(ns)}"
