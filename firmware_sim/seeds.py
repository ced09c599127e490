"""The seeds a bench takes: one 64-bit word, as numpy's SeedSequence draws every node's generator from it."""

from __future__ import annotations

SEED_RANGE = (0, 2**64 - 1)
"""Smallest and largest seed (scenario files and ``--seed`` alike)."""
