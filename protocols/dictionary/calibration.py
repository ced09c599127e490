"""Calibrations: how raw counts from hardware become engineering values, and back."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any


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

    @property
    def coefficients(self) -> tuple[float, float]:
        """Polynomial coefficients, lowest power first: (c0, c1) with engineering = c0 + c1 × raw."""
        return self.offset, self.scale

    def describe(self) -> str:
        """One-line human description."""
        return f"{self.offset:g} + {self.scale:g} × raw"

    def as_data(self) -> dict[str, Any]:
        """The calibration as JSON-ready data: ``{"kind": "polynomial", "coefficients": [c0, c1]}``."""
        return {"kind": "polynomial", "coefficients": list(self.coefficients)}


class _Segments:
    """Piecewise-linear y(x) through sorted points, extrapolating the end segments; precomputed slopes."""

    __slots__ = ("_inner", "_slopes", "_xs", "_ys")

    def __init__(self, xs: list[float], ys: list[float]) -> None:
        self._xs, self._ys = tuple(xs), tuple(ys)
        self._slopes = tuple((ys[i + 1] - ys[i]) / (xs[i + 1] - xs[i]) for i in range(len(xs) - 1))
        self._inner = self._xs[1:-1]

    def __call__(self, x: float) -> float:
        # generated codecs write this arithmetic out (fields._interpolation): change both together
        i = bisect_right(self._inner, x)
        return self._ys[i] + self._slopes[i] * (x - self._xs[i])

    @property
    def xs(self) -> tuple[float, ...]:
        """The points' x values, increasing."""
        return self._xs

    @property
    def ys(self) -> tuple[float, ...]:
        """The points' y values."""
        return self._ys

    @property
    def slopes(self) -> tuple[float, ...]:
        """Slope of each segment between neighbouring points."""
        return self._slopes


@dataclass(frozen=True)
class Table:
    """Piecewise-linear interpolation through (raw, engineering) points, e.g. a thermistor curve."""

    points: tuple[tuple[float, float], ...]
    _forward: _Segments = field(init=False, repr=False, compare=False)
    _inverse: _Segments = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        raws = [r for r, _ in self.points]
        engs = [e for _, e in self.points]
        if len(self.points) < 2 or raws != sorted(raws) or len(set(raws)) != len(raws):
            raise ValueError("a calibration table needs two or more points with increasing raw values")
        if engs != sorted(engs) and engs != sorted(engs, reverse=True):
            raise ValueError("a calibration table must be monotonic to be invertible")
        inverse = sorted((e, r) for r, e in self.points)
        object.__setattr__(self, "_forward", _Segments(raws, engs))
        object.__setattr__(self, "_inverse", _Segments([e for e, _ in inverse], [r for _, r in inverse]))

    @property
    def segments(self) -> tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]]:
        """Raw points, engineering points and segment slopes: y = ys[i] + slopes[i] × (x − xs[i])."""
        return self._forward.xs, self._forward.ys, self._forward.slopes

    @property
    def inverse_segments(self) -> tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]]:
        """``segments`` of ``to_raw``: engineering points, raw points and slopes, the engineering points increasing."""
        return self._inverse.xs, self._inverse.ys, self._inverse.slopes

    def to_engineering(self, raw: float) -> float:
        """Engineering value of a raw count (linear extrapolation outside the table)."""
        return self._forward(raw)

    def to_raw(self, value: float) -> float:
        """Raw count (unrounded) for an engineering value."""
        return self._inverse(value)

    def describe(self) -> str:
        """One-line human description."""
        return "table " + ", ".join(f"{r:g}→{e:g}" for r, e in self.points)

    def as_data(self) -> dict[str, Any]:
        """The calibration as JSON-ready data: ``{"kind": "table", "points": [[raw, eng], ...]}``."""
        return {"kind": "table", "points": [[r, e] for r, e in self.points]}


Calibration = Linear | Table
