"""The timing report of a replay: packets, duration, lateness percentiles and drift."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

DRIFT_SHARE = 0.10
"""Drift compares the mean lateness of the last and the first tenth of the packets."""


def percentile(values: Sequence[int], share: float) -> int:
    """The nearest-rank percentile of ``values`` (``share`` from 0 to 1); 0 for no values."""
    if not values:
        return 0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1))
    return ordered[rank]


def drift(values: Sequence[int], share: float = DRIFT_SHARE) -> float:
    """Mean of the last ``share`` of ``values`` minus the mean of the first (0 with fewer than 2 values)."""
    if len(values) < 2:
        return 0.0
    count = max(1, int(len(values) * share))
    return sum(values[-count:]) / count - sum(values[:count]) / count


@dataclass
class LatenessStats:
    """How late packets went out after their deadlines, in ns."""

    p50: int
    p99: int
    max: int
    drift: float

    @classmethod
    def of(cls, lateness: Sequence[int]) -> LatenessStats:
        """Statistics of per-packet lateness values."""
        return cls(percentile(lateness, 0.5), percentile(lateness, 0.99), max(lateness, default=0), drift(lateness))


@dataclass
class ReplayReport:
    """What a replay did: how much it sent, how long it took, and how well it kept time."""

    url: str
    mode: str
    speed: float
    packets: int
    octets: int
    passes: int
    duration_ns: int
    lateness: LatenessStats | None
    interrupted: bool = False
    reordered: int = 0

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; times in microseconds."""
        data: dict[str, Any] = {
            "to": self.url, "mode": self.mode, "speed": self.speed, "packets": self.packets,
            "octets": self.octets, "passes": self.passes, "duration_s": self.duration_ns / 1e9,
            "interrupted": self.interrupted, "reordered": self.reordered,
        }
        if self.lateness is not None:
            s = self.lateness
            data["lateness_us"] = {"p50": s.p50 / 1e3, "p99": s.p99 / 1e3, "max": s.max / 1e3}
            data["drift_us"] = round(s.drift / 1e3, 3)
        return data

    def to_text(self) -> str:
        """A few human lines."""
        passes = f"{self.passes} pass{'es' if self.passes != 1 else ''}"
        pace = "as fast as possible" if self.mode == "asap" else f"{self.mode}, speed {self.speed:g}"
        lines = [f"sent {self.packets} packets ({self.octets} octets, {passes}) in {self.duration_ns / 1e9:.3f} s "
                 f"to {self.url} ({pace}){' — interrupted' if self.interrupted else ''}"]
        if self.lateness is not None:
            s = self.lateness
            lines.append(f"lateness p50 {s.p50 / 1e3:.0f} µs, p99 {s.p99 / 1e3:.0f} µs, max {s.max / 1e3:.0f} µs; "
                         f"drift {s.drift / 1e3:+.0f} µs (last vs first 10 %)")
        if self.reordered:
            lines.append(f"{self.reordered} packets had times running backwards and went out right after the previous")
        return "\n".join(lines)
