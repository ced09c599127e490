"""The seeded regolith: layered column with rock inclusions under the drill, and the surface the arm scoops."""

from __future__ import annotations

import itertools
import statistics

import numpy as np
import pytest

from firmware_sim.devices.regolith import (
    COLUMN_DEPTH_M,
    RegolithColumn,
    RegolithSite,
    density_profile,
    hardness_profile,
)


def _site(seed: int) -> RegolithSite:
    return RegolithSite.generate(np.random.default_rng(seed))


def test_same_seed_same_ground_and_different_seed_different_ground() -> None:
    a, b, c = _site(5), _site(5), _site(6)
    assert a.column.layers == b.column.layers and a.column.rocks == b.column.rocks
    assert a.column.layers != c.column.layers
    assert a.surface.bite(10.0, 2.0, 0.03, 81.0) == b.surface.bite(10.0, 2.0, 0.03, 81.0)


@pytest.mark.parametrize("seed", range(10))
def test_layers_cover_the_column_without_gaps(seed: int) -> None:
    layers = _site(seed).column.layers
    assert layers[0].top_m == 0.0 and layers[-1].bottom_m == pytest.approx(COLUMN_DEPTH_M)
    assert all(upper.bottom_m == lower.top_m for upper, lower in itertools.pairwise(layers))
    assert all(0.0 < layer.bottom_m - layer.top_m <= 0.5 for layer in layers)
    assert all(1.3 <= layer.density_g_cm3 <= 2.0 and layer.hardness > 0.3 for layer in layers)


def test_regolith_gets_denser_and_harder_with_depth() -> None:
    assert density_profile(0.0) == pytest.approx(1.45) and density_profile(2.0) > 1.8
    assert hardness_profile(0.0) == pytest.approx(1.0) and hardness_profile(2.0) > 3.5
    columns = [_site(seed).column for seed in range(30)]
    shallow = [c.layer_at(0.05) for c in columns]
    deep = [c.layer_at(1.8) for c in columns]
    assert statistics.fmean(x.density_g_cm3 for x in deep) > statistics.fmean(x.density_g_cm3 for x in shallow) + 0.2
    assert statistics.fmean(x.hardness for x in deep) > 2 * statistics.fmean(x.hardness for x in shallow)


def test_rocks_are_few_centimetre_clasts_far_harder_than_the_fines() -> None:
    rocks = [r for seed in range(40) for r in _site(seed).column.rocks]
    assert 2.0 <= len(rocks) / 40 <= 5.0  # a few in a 3 m column
    assert all(0.008 <= r.bottom_m - r.top_m <= 0.12 for r in rocks)
    assert statistics.median(r.hardness for r in rocks) > 2 * hardness_profile(COLUMN_DEPTH_M)
    assert all(2.8 <= r.density_g_cm3 <= 3.2 for r in rocks)


def test_depth_lookups_see_rocks_and_layers() -> None:
    column = _site(3).column
    rock = column.add_rock(1.0, 0.05, 40.0)
    assert column.rock_at(1.02) == rock and column.rock_at(0.99) is None and column.rock_at(1.05) is None
    assert column.density_at(1.02) == 3.0
    assert column.density_at(0.99) == column.layer_at(0.99).density_g_cm3
    assert column.layer_at(-1.0) == column.layers[0] and column.layer_at(9.0) == column.layers[-1]


def test_an_added_rock_replaces_the_rocks_it_overlaps() -> None:
    column = RegolithColumn(layers=_site(1).column.layers, rocks=[])
    column.add_rock(0.5, 0.04, 20.0)
    column.add_rock(0.6, 0.02, 30.0)
    column.add_rock(0.52, 0.1, 50.0)
    assert [(r.top_m, r.hardness) for r in column.rocks] == [(0.52, 50.0)]


def test_scoop_bites_weigh_tens_of_grams_to_a_hundred_and_more() -> None:
    surface = _site(2).surface
    bites = [surface.bite(-50.0 + 5.0 * i, 2.5, 0.03, 81.0) for i in range(20)]
    assert all(75.0 <= b.fines_g <= 115.0 for b in bites)
    assert all(b.pebble_g == 0.0 or 4.0 <= b.pebble_g <= 30.0 for b in bites)


def test_a_spot_scooped_again_is_dug_deeper() -> None:
    surface = _site(4).surface
    assert surface.density(0.0, 2.0, 0.3) > surface.density(0.0, 2.0, 0.0)
    first = surface.bite(0.0, 2.0, 0.05, 100.0)
    later = [surface.bite(0.0, 2.0, 0.05, 100.0) for _ in range(8)]
    assert statistics.fmean(b.fines_g for b in later[4:]) > first.fines_g * 1.05
