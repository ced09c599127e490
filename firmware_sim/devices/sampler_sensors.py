"""Sensor noise drawn in blocks from the device's generator, and the surface container's load cell."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NOISE_BLOCK = 2048


class NormalNoise:
    """Standard normal draws from the device's generator, fetched a block at a time (cheap per call)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._block: list[float] = []

    def __call__(self) -> float:
        """The next standard normal value."""
        if not self._block:
            self._block = self._rng.standard_normal(NOISE_BLOCK).tolist()
            self._block.reverse()
        return self._block.pop()


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
