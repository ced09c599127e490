"""The Gilbert-Elliott burst channel: nothing drawn at BER 0, the right mean error rate, errors in bursts."""

from __future__ import annotations

import numpy as np
import pytest

from firmware_sim.spacelink import BurstChannel

BLOCK = bytes(1119)


def test_a_clean_channel_draws_nothing_and_changes_nothing() -> None:
    rng = np.random.default_rng(1)
    state = rng.bit_generator.state
    channel = BurstChannel(rng)
    for _ in range(100):
        assert channel.apply(BLOCK, gap_bits=10_000) == (BLOCK, 0)
    assert not channel.active and rng.bit_generator.state == state
    assert channel.stats.blocks == 0


@pytest.mark.parametrize("burst_bits", [0.0, 50.0])
def test_the_long_run_bit_error_rate_is_the_one_asked_for(burst_bits: float) -> None:
    channel = BurstChannel(np.random.default_rng(7), ber=1e-3, burst_bits=burst_bits)
    flipped = 0
    for _ in range(3000):
        out, errors = channel.apply(BLOCK)
        flipped += errors
        assert sum((a ^ b).bit_count() for a, b in zip(out, BLOCK, strict=True)) == errors
    rate = flipped / channel.stats.bits
    assert 0.7e-3 < rate < 1.3e-3


def test_bursts_gather_errors_into_few_blocks() -> None:
    independent = BurstChannel(np.random.default_rng(5), ber=1e-4)
    bursty = BurstChannel(np.random.default_rng(5), ber=1e-4, burst_bits=200)
    for _ in range(5000):
        independent.apply(BLOCK)
        bursty.apply(BLOCK)
    per_hit_independent = independent.stats.bit_errors / independent.stats.blocks_hit
    per_hit_bursty = bursty.stats.bit_errors / bursty.stats.blocks_hit
    assert bursty.stats.blocks_hit < independent.stats.blocks_hit / 5
    assert per_hit_bursty > 20 * per_hit_independent
    assert bursty.stats.bursts > 0


def test_same_seed_same_errors() -> None:
    first = BurstChannel(np.random.default_rng(11), ber=1e-3, burst_bits=30)
    second = BurstChannel(np.random.default_rng(11), ber=1e-3, burst_bits=30)
    assert [first.apply(BLOCK, 500) for _ in range(200)] == [second.apply(BLOCK, 500) for _ in range(200)]


def test_impossible_rates_are_refused() -> None:
    with pytest.raises(ValueError, match="ber"):
        BurstChannel(np.random.default_rng(1), ber=0.6)
