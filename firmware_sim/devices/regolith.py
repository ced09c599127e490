"""The ground the sampler works in: a seeded, layered regolith column with rock inclusions, and its surface."""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

import numpy as np

COLUMN_DEPTH_M = 3.0
"""Depth the generated column reaches: below the drill's 2.5 m design length."""

SURFACE_DENSITY = 1.45
DEEP_DENSITY = 1.85
DENSITY_SCALE_M = 0.5
"""Bulk density (g/cm³) rises from loose surface fines toward compacted regolith (Apollo core profile)."""

SURFACE_HARDNESS = 1.0
DEEP_HARDNESS = 4.5
HARDNESS_SCALE_M = 0.7
"""Drilling-resistance index: 1 is loose surface fines; it rises with compaction and relative density."""

ROCKS_PER_METRE = 1.2
ROCK_HARDNESS_MEDIAN = 12.0
ROCK_HARDNESS_SPREAD = 0.6
ROCK_THICKNESS_MEDIAN_M = 0.025
"""Rock inclusions in the drill path: basalt and breccia clasts of a few centimetres, mostly far harder than fines."""

PEBBLE_CHANCE = 0.12
"""Chance that a scoop brings up a pebble along with the fines."""


@dataclass(frozen=True)
class Layer:
    """One regolith layer: its extent, bulk density and drilling hardness."""

    top_m: float
    bottom_m: float
    density_g_cm3: float
    hardness: float


@dataclass(frozen=True)
class Rock:
    """A rock inclusion the bit must cut through (or stall on)."""

    top_m: float
    bottom_m: float
    hardness: float
    density_g_cm3: float


def density_profile(depth_m: float) -> float:
    """Mean bulk density (g/cm³) at a depth, before layer-to-layer scatter."""
    return DEEP_DENSITY - (DEEP_DENSITY - SURFACE_DENSITY) * math.exp(-max(depth_m, 0.0) / DENSITY_SCALE_M)


def hardness_profile(depth_m: float) -> float:
    """Mean drilling hardness at a depth, before layer-to-layer scatter."""
    return DEEP_HARDNESS - (DEEP_HARDNESS - SURFACE_HARDNESS) * math.exp(-max(depth_m, 0.0) / HARDNESS_SCALE_M)


@dataclass
class RegolithColumn:
    """The column under the drill: layers top down, and rock inclusions sorted by depth."""

    layers: list[Layer]
    rocks: list[Rock] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._tops = [layer.top_m for layer in self.layers]
        self.rocks.sort(key=lambda r: r.top_m)

    @classmethod
    def generate(cls, rng: np.random.Generator, depth_m: float = COLUMN_DEPTH_M, *, hardness_scale: float = 1.0,
                 rocks_per_m: float = ROCKS_PER_METRE) -> RegolithColumn:
        """A random column: layers of 8–50 cm with scattered density and hardness, and a few rocks.

        ``hardness_scale`` multiplies every layer's drilling hardness (not the rocks'); ``rocks_per_m`` is the
        mean number of rock inclusions per metre. Neither changes which random numbers are drawn for the layers.
        """
        layers: list[Layer] = []
        top = 0.0
        while top < depth_m:
            bottom = min(depth_m, top + float(rng.uniform(0.08, 0.5)))
            middle = (top + bottom) / 2
            density = min(2.0, max(1.3, density_profile(middle) + float(rng.normal(0.0, 0.04))))
            hardness = hardness_profile(middle) * float(rng.lognormal(0.0, 0.25))
            if rng.random() < 0.2:
                hardness *= 1.6  # a compacted or coarse ejecta layer
            layers.append(Layer(top, bottom, density, hardness * hardness_scale))
            top = bottom
        rocks: list[Rock] = []
        for _ in range(int(rng.poisson(rocks_per_m * depth_m))):
            rock_top = float(rng.uniform(0.05, depth_m))
            thickness = min(0.12, max(0.008, float(rng.lognormal(math.log(ROCK_THICKNESS_MEDIAN_M), 0.6))))
            hardness = min(80.0, max(6.0, float(rng.lognormal(math.log(ROCK_HARDNESS_MEDIAN), ROCK_HARDNESS_SPREAD))))
            rock = Rock(rock_top, rock_top + thickness, hardness, float(rng.uniform(2.8, 3.2)))
            if not any(r.top_m < rock.bottom_m and rock.top_m < r.bottom_m for r in rocks):
                rocks.append(rock)
        return cls(layers, rocks)

    def layer_at(self, depth_m: float) -> Layer:
        """The layer at a depth (the deepest one below the column's end)."""
        index = bisect.bisect_right(self._tops, depth_m) - 1
        return self.layers[min(max(index, 0), len(self.layers) - 1)]

    def rock_at(self, depth_m: float) -> Rock | None:
        """The rock inclusion at a depth, if the bit is in one."""
        for rock in self.rocks:
            if rock.top_m > depth_m:
                return None
            if depth_m < rock.bottom_m:
                return rock
        return None

    def density_at(self, depth_m: float) -> float:
        """Bulk density (g/cm³) at a depth: the rock's if in one, else the layer's."""
        rock = self.rock_at(depth_m)
        return rock.density_g_cm3 if rock else self.layer_at(depth_m).density_g_cm3

    def add_rock(self, top_m: float, thickness_m: float, hardness: float) -> Rock:
        """Put a rock in the drill path (replacing whatever rock overlapped it); returns it."""
        rock = Rock(top_m, top_m + thickness_m, hardness, 3.0)
        self.rocks = [r for r in self.rocks if not (r.top_m < rock.bottom_m and rock.top_m < r.bottom_m)]
        self.rocks.append(rock)
        self.rocks.sort(key=lambda r: r.top_m)
        return rock


@dataclass(frozen=True)
class ScoopBite:
    """What one scoop bite took: fines and any pebble."""

    fines_g: float
    pebble_g: float

    @property
    def mass_g(self) -> float:
        """Total mass in the scoop."""
        return self.fines_g + self.pebble_g


class SurfaceRegolith:
    """The surface in the arm's working sector: density varies smoothly with position; pebbles turn up."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._phases = rng.uniform(0.0, 2 * math.pi, size=4).tolist()
        self._excavated: dict[tuple[int, int], float] = {}

    def density(self, azimuth_deg: float, reach_m: float, depth_m: float) -> float:
        """Bulk density (g/cm³) at a point of the working sector and a depth below the surface."""
        a, r = math.radians(azimuth_deg), reach_m
        patch = 0.04 * math.sin(3 * a + self._phases[0]) + 0.03 * math.sin(2.1 * r + self._phases[1]) \
            + 0.02 * math.sin(5 * a + 3.3 * r + self._phases[2])
        return density_profile(depth_m) * (1.0 + patch)

    def bite(self, azimuth_deg: float, reach_m: float, depth_m: float, volume_cm3: float) -> ScoopBite:
        """Take one bite: the fines (density × volume × how much stays in the scoop) and perhaps a pebble.

        A spot scooped before is dug deeper into: its next bite starts where the last one stopped.
        """
        site = (round(azimuth_deg / 3.0), round(reach_m / 0.1))
        start = self._excavated.get(site, 0.0)
        self._excavated[site] = start + depth_m
        retained = float(self._rng.uniform(0.72, 0.92))
        fines = self.density(azimuth_deg, reach_m, start + depth_m / 2) * volume_cm3 * retained
        pebble = float(self._rng.uniform(4.0, 30.0)) if self._rng.random() < PEBBLE_CHANCE else 0.0
        return ScoopBite(fines, pebble)


class RegolithSite:
    """The landing site's ground: the column under the drill and the surface the arm scoops."""

    def __init__(self, column: RegolithColumn, surface: SurfaceRegolith) -> None:
        self.column = column
        self.surface = surface

    @classmethod
    def generate(cls, rng: np.random.Generator, *, hardness_scale: float = 1.0,
                 rocks_per_m: float = ROCKS_PER_METRE) -> RegolithSite:
        """A site drawn from the device's generator (column first, then the surface's own stream)."""
        column_rng, surface_rng = rng.spawn(2)
        column = RegolithColumn.generate(column_rng, hardness_scale=hardness_scale, rocks_per_m=rocks_per_m)
        return cls(column, SurfaceRegolith(surface_rng))
