"""The surface container's load cell."""

from __future__ import annotations

from dataclasses import dataclass

from firmware_sim.devices.noise import NormalNoise

LOAD_CELL_NOISE_G = 0.3


@dataclass
class LoadCell:
    """The surface container's load cell: the sample on it, plus its zero bias, any drift and noise."""

    noise: NormalNoise
    bias_g: float = 0.0
    drift_g: float = 0.0
    loaded_g: float = 0.0

    def read(self) -> float:
        """One gross reading in grams (before the flight software subtracts its tare)."""
        return self.loaded_g + self.bias_g + self.drift_g + LOAD_CELL_NOISE_G * self.noise()

    def average(self, samples: int) -> float:
        """The mean of ``samples`` readings."""
        return sum(self.read() for _ in range(samples)) / samples
