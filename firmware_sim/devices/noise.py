"""Standard normal noise drawn in blocks from a device's generator, one value or a few at a time."""

from __future__ import annotations

import numpy as np

NOISE_BLOCK = 2048


class NormalNoise:
    """Standard normal draws from the device's generator, fetched a block at a time (cheap per call).

    The values come in the generator's order, however they are taken: a block of n draws is the next n
    single ones. So a normal value of mean 0 and deviation s is ``s * noise()``, as the generator's own
    ``normal(0.0, s)`` makes it.
    """

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._block: list[float] = []
        """The values not yet taken, the next one last."""

    def __call__(self) -> float:
        """The next standard normal value."""
        if not self._block:
            self._refill()
        return self._block.pop()

    def take(self, count: int) -> list[float]:
        """The next ``count`` standard normal values, in order."""
        if len(self._block) < count:
            self._refill()
        taken = self._block[-count:]
        del self._block[-count:]
        taken.reverse()
        return taken

    def _refill(self) -> None:
        """Draw the next block, to be taken after the values still left."""
        block = self._rng.standard_normal(NOISE_BLOCK).tolist()
        block.reverse()
        self._block = block + self._block
