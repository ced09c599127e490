"""Block-drawn normal noise: the generator's own values in its order, however they are taken."""

from __future__ import annotations

import numpy as np

from firmware_sim.devices.noise import NOISE_BLOCK, NormalNoise


def test_values_come_in_the_generators_order_across_blocks() -> None:
    noise = NormalNoise(np.random.default_rng(7))
    taken = [noise(), *noise.take(6), *noise.take(3)]
    while len(taken) < 3 * NOISE_BLOCK:
        taken += [*noise.take(6), noise()]
    assert taken == np.random.default_rng(7).standard_normal(len(taken)).tolist()


def test_a_scaled_value_is_the_generators_normal_bit_for_bit() -> None:
    rng, noise = np.random.default_rng(11), NormalNoise(np.random.default_rng(11))
    for scale in (1.0, 0.02, 0.1, 3.7e-5, 250.0) * 500:
        assert float(rng.normal(0.0, scale)) == scale * noise()
    drawn = rng.normal(0.0, 0.05, 3000).tolist()
    assert drawn == [0.05 * z for z in [*noise.take(1000), *noise.take(1000), *noise.take(1000)]]
