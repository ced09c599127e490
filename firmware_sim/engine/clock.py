"""Virtual time: an integer cycle count at a fixed rate; time in integer nanoseconds."""

from __future__ import annotations

from dataclasses import dataclass, field

from firmware_sim.errors import ConfigurationError

NS_PER_S = 1_000_000_000


@dataclass(frozen=True)
class Clock:
    """The bench clock's rate; converts between cycles, nanoseconds and seconds."""

    rate_hz: int = 1000
    period_ns: int = field(init=False)
    """Nanoseconds per cycle."""

    def __post_init__(self) -> None:
        if not 1 <= self.rate_hz <= NS_PER_S or NS_PER_S % self.rate_hz:
            raise ConfigurationError(f"clock rate {self.rate_hz} Hz: must divide 1 GHz (e.g. 100, 1000, 10000)")
        object.__setattr__(self, "period_ns", NS_PER_S // self.rate_hz)

    def cycles(self, seconds: float) -> int:
        """Whole cycles in ``seconds`` (rounded up, at least one for a positive span)."""
        ns = round(seconds * NS_PER_S)
        return -(-ns // self.period_ns)

    def cycles_ns(self, ns: int) -> int:
        """Whole cycles covering ``ns`` nanoseconds (rounded up)."""
        return -(-ns // self.period_ns)

    def ns(self, cycle: int) -> int:
        """Virtual nanoseconds at ``cycle``."""
        return cycle * self.period_ns

    def seconds(self, cycle: int) -> float:
        """Virtual seconds at ``cycle``."""
        return cycle * self.period_ns / NS_PER_S
