"""Dispersion values: drawn from the run's seed alone, clipped or checked against the option's declared range."""

from __future__ import annotations

import copy
import math
import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from hil.campaign.model import Dispersion

STREAM = zlib.crc32(b"campaign.dispersions")
"""The spawn key that keeps dispersion draws apart from every generator the bench spawns from the same seed."""


def generator(seed: int) -> np.random.Generator:
    """The generator a run's dispersions are drawn from: a pure function of its seed."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(STREAM,))))


def draw(dispersions: tuple[Dispersion, ...], seed: int) -> dict[str, Any]:
    """One value per dispersion, in file order, keyed by parameter."""
    rng = generator(seed)
    return {d.parameter: _draw_one(d, rng) for d in dispersions}


def _draw_one(dispersion: Dispersion, rng: np.random.Generator) -> Any:
    if dispersion.distribution == "choice":
        return dispersion.values[int(rng.integers(len(dispersion.values)))]
    if dispersion.distribution == "uniform":
        assert dispersion.low is not None and dispersion.high is not None
        value = float(rng.uniform(dispersion.low, dispersion.high))
    else:
        assert dispersion.mean is not None and dispersion.sd is not None
        value = float(rng.normal(dispersion.mean, dispersion.sd))
    return clip(dispersion, value)


def clip(dispersion: Dispersion, value: float) -> float | int:
    """A drawn number within the dispersion's low/high and the option's declared range (an integer if it takes one).

    A side without a bound is not clipped; a value still out of the option's range (or not finite) is left for
    the option's own check to refuse, as for any run.
    """
    spec = dispersion.spec
    low = max(x for x in (dispersion.low, spec.minimum, -math.inf) if x is not None)
    high = min(x for x in (dispersion.high, spec.maximum, math.inf) if x is not None)
    value = min(max(value, low), high)
    if spec.above and spec.minimum is not None and value <= spec.minimum:
        value = math.nextafter(spec.minimum, math.inf)
    if spec.kind == "integer" and math.isfinite(value):
        whole = round(value)
        if math.isfinite(low):
            whole = max(whole, math.ceil(low))
        if math.isfinite(high):
            whole = min(whole, math.floor(high))
        return whole
    return value


def apply(options: Mapping[str, Mapping[str, Any]], values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Bench device options with the drawn values set (``relay.orbit.x`` sets ``orbit.x`` of relay's options)."""
    devices = {name: copy.deepcopy(dict(opts)) for name, opts in options.items()}
    for parameter, value in values.items():
        device, *keys = parameter.split(".")
        table = devices.setdefault(device, {})
        for key in keys[:-1]:
            table = table.setdefault(key, {})
        table[keys[-1]] = value
    return devices
