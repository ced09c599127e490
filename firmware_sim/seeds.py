"""The seeds a bench takes: one 64-bit word, as numpy's SeedSequence draws every node's generator from it."""

from __future__ import annotations

SEED_RANGE = (0, 2**64 - 1)
"""Smallest and largest seed (scenario files and ``--seed`` alike)."""


def check_seed(seed: object) -> int:
    """``seed`` if it is a whole number in ``SEED_RANGE``, else ValueError saying what a seed is."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not SEED_RANGE[0] <= seed <= SEED_RANGE[1]:
        raise ValueError(f"seed={seed!r}: a seed is a whole number from {SEED_RANGE[0]} to {SEED_RANGE[1]:_}")
    return seed
