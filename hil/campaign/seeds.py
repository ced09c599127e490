"""The seeds of a campaign: ``"A:B"`` (half-open, A up to B−1), ``"1,2,5"``, or a list of integers."""

from __future__ import annotations

from typing import Any

from firmware_sim.seeds import SEED_RANGE

MAX_RUNS = 1_000_000
"""The most seeds (and runs) a campaign takes: more is a typo, not a campaign."""


def parse_seeds(value: Any) -> tuple[int, ...]:
    """The seeds ``value`` names; ValueError saying why when it names none or names them wrongly."""
    if isinstance(value, str):
        text = value.strip()
        if ":" in text:
            first, _, last = text.partition(":")
            start, stop = _integer(first), _integer(last)
            if stop <= start:
                raise ValueError(f"seeds {text!r}: the range is empty (A:B runs A up to B-1, so B must be above A)")
            if stop - start > MAX_RUNS:
                raise ValueError(f"seeds {text!r}: {stop - start:_} seeds; at most {MAX_RUNS:_}")
            seeds: list[int] = list(range(start, stop))
        else:
            seeds = [_integer(part) for part in text.split(",")]
    elif isinstance(value, list):
        seeds = [_integer(item) for item in value]
    else:
        raise ValueError('seeds must be a range "A:B" (half-open), "1,2,5" or a list of integers')
    if not seeds:
        raise ValueError("seeds: no seed given")
    if len(seeds) > MAX_RUNS:
        raise ValueError(f"seeds: {len(seeds):_} seeds; at most {MAX_RUNS:_}")
    for seed in seeds:
        if not SEED_RANGE[0] <= seed <= SEED_RANGE[1]:
            raise ValueError(f"seed {seed} is outside {SEED_RANGE[0]}..{SEED_RANGE[1]:_}")
    if len(set(seeds)) != len(seeds):
        twice = next(s for i, s in enumerate(seeds) if s in seeds[:i])
        raise ValueError(f"seed {twice} is given twice")
    return tuple(seeds)


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"seed {value!r} is not an integer")
    if isinstance(value, int):
        return value
    try:
        return int(value.strip())
    except ValueError:
        raise ValueError(f"seed {value.strip()!r} is not an integer") from None
