"""Calibrations: how raw counts from hardware become engineering values, and back."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass


@dataclass(frozen=True)
class Linear:
    """Engineering value = offset + scale × raw (e.g. an ADC count to volts)."""

    scale: float
    offset: float = 0.0

    def to_engineering(self, raw: float) -> float:
        """Engineering value of a raw count."""
        return self.offset + self.scale * raw

    def to_raw(self, value: float) -> float:
        """Raw count (unrounded) for an engineering value."""
        return (value - self.offset) / self.scale

    def describe(self) -> str:
        """One-line human description."""
        return f"{self.offset:g} + {self.scale:g} × raw"


@dataclass(frozen=True)
class Table:
    """Piecewise-linear interpolation through (raw, engineering) points, e.g. a thermistor curve."""

    points: tuple[tuple[float, float], ...]

    def __post_init__(self) -> None:
        raws = [r for r, _ in self.points]
        engs = [e for _, e in self.points]
        if len(self.points) < 2 or raws != sorted(raws) or len(set(raws)) != len(raws):
            raise ValueError("a calibration table needs two or more points with increasing raw values")
        if engs != sorted(engs) and engs != sorted(engs, reverse=True):
            raise ValueError("a calibration table must be monotonic to be invertible")

    def to_engineering(self, raw: float) -> float:
        """Engineering value of a raw count (linear extrapolation outside the table)."""
        return _interpolate(self.points, raw)

    def to_raw(self, value: float) -> float:
        """Raw count (unrounded) for an engineering value."""
        swapped = tuple((e, r) for r, e in self.points)
        return _interpolate(tuple(sorted(swapped)), value)

    def describe(self) -> str:
        """One-line human description."""
        return "table " + ", ".join(f"{r:g}→{e:g}" for r, e in self.points)


def _interpolate(points: tuple[tuple[float, float], ...], x: float) -> float:
    xs = [p[0] for p in points]
    i = min(max(bisect_right(xs, x) - 1, 0), len(points) - 2)
    (x0, y0), (x1, y1) = points[i], points[i + 1]
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0)


Calibration = Linear | Table
