"""The relay geometry: Queqiao-2-like orbit over the Chang'e-6 site, visibility, light time and pass schedules."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from firmware_sim.errors import ConfigurationError, SimError
from firmware_sim.relay_orbit import (
    ANOMALISTIC_MONTH_S,
    MOON_RADIUS_KM,
    NS_PER_HOUR,
    NS_PER_S,
    QUEQIAO2,
    SPEED_OF_LIGHT_KM_S,
    AllOf,
    Always,
    OrbitElements,
    RelayGeometry,
    SignalSchedule,
    Window,
)

SURFACE_PHASE_NS = 49 * NS_PER_HOUR
MONTH_NS = int(ANOMALISTIC_MONTH_S) * NS_PER_S


@pytest.fixture(scope="module")
def geometry() -> RelayGeometry:
    """One geometry shared by the module (its schedules are cached lazily)."""
    return RelayGeometry()


def _grid(start_ns: int, end_ns: int, step_s: float) -> np.ndarray:
    return np.arange(start_ns, end_ns, int(step_s * NS_PER_S), dtype=np.int64)


def test_orbit_is_the_reference_24_hour_200_by_16000_km_orbit() -> None:
    """Perilune and apolune altitudes, inclination and a period of about a day (Kepler gives 24.3 h)."""
    assert (QUEQIAO2.perilune_altitude_km, QUEQIAO2.apolune_altitude_km, QUEQIAO2.inclination_deg) == (
        200.0, 16_000.0, 62.4)
    assert 23.5 < QUEQIAO2.period_s / 3600 < 25.0
    assert 0.79 < QUEQIAO2.eccentricity < 0.81


def test_apolune_dwells_over_the_south_and_perilune_over_the_north(geometry: RelayGeometry) -> None:
    """The relay spends most of its orbit far out over the southern hemisphere, as a frozen orbit does."""
    times = _grid(0, round(QUEQIAO2.period_s * NS_PER_S), 60)
    positions = geometry.relay_positions_km(times)
    radius = np.linalg.norm(positions, axis=0)
    latitude = np.degrees(np.arcsin(positions[2] / radius))
    far, near = np.argmax(radius), np.argmin(radius)
    assert radius[far] == pytest.approx(MOON_RADIUS_KM + 16_000, abs=5)
    assert radius[near] == pytest.approx(MOON_RADIUS_KM + 200, abs=20)
    assert latitude[far] < -60 < 60 < latitude[near]
    assert np.mean(latitude < 0) > 0.8


def test_far_side_site_never_sees_earth(geometry: RelayGeometry) -> None:
    """Earth stays on the Moon-fixed +x axis, below the landing site's horizon."""
    assert float(geometry.site.zenith[0]) < -0.6


def test_light_time_spans_perigee_to_apogee_plus_the_relay_leg(geometry: RelayGeometry) -> None:
    """Moon-centre light time runs 1.21–1.35 s over the anomalistic month; through the relay it stays in 1.21–1.40 s."""
    month = _grid(0, MONTH_NS, 600)
    centre = geometry.earth_moon_km(month) / SPEED_OF_LIGHT_KM_S
    assert centre.min() == pytest.approx(1.21, abs=1e-4) and centre.max() == pytest.approx(1.35, abs=1e-4)
    through_relay = geometry.light_time_many(month)
    up = geometry.relay_visible_many(month) & geometry.earth_visible_many(month)
    assert through_relay[up].min() >= 1.21 and through_relay[up].max() <= 1.40
    surface = geometry.light_time_many(_grid(0, SURFACE_PHASE_NS, 60))
    assert surface.min() >= 1.21 and surface.max() <= 1.40
    assert geometry.light_time_ns(0) == round(float(geometry.light_time_many(np.array([0]))[0]) * NS_PER_S)


def test_lander_sees_the_relay_most_of_each_orbit_and_loses_it_for_part(geometry: RelayGeometry) -> None:
    """Over the 49 h surface phase: up ~89 % of the time, hidden a few hours near each perilune."""
    link = geometry.schedule.link
    fraction = link.fraction_up(0, SURFACE_PHASE_NS)
    assert 0.80 < fraction < 0.95
    period = round(QUEQIAO2.period_s * NS_PER_S)
    for start in (0, period):
        assert 0.75 < link.fraction_up(start, start + period) < 0.97
    windows = link.windows(0, SURFACE_PHASE_NS)
    gaps = [(b.start_ns - a.end_ns) / NS_PER_HOUR for a, b in itertools.pairwise(windows)]
    assert len(windows) == 3 and windows[0].start_ns == 0  # landed with the relay in view
    assert all(1.0 < g < 5.0 for g in gaps)
    assert 18.0 < windows[1].duration_s / 3600 < 23.0


def test_transitions_agree_with_stepping(geometry: RelayGeometry) -> None:
    """The cached schedule matches a fresh 20 s stepping, and each transition is a real change of state."""
    times = _grid(0, SURFACE_PHASE_NS, 20)
    stepped = geometry.relay_visible_many(times)
    cached = np.array([geometry.schedule.relay.state_at(t) for t in times.tolist()])
    assert np.array_equal(stepped, cached)
    relay = geometry.schedule.relay
    t = 0
    while (change := relay.next_transition(t)) is not None and change.t_ns < SURFACE_PHASE_NS:
        before, after = geometry.relay_visible_many(np.array([change.t_ns - 1_000_000, change.t_ns]))
        assert (bool(before), bool(after)) == (not change.up, change.up)
        look = geometry.look(change.t_ns)
        assert look.elevation_deg == pytest.approx(geometry.min_elevation_deg, abs=0.01)
        t = change.t_ns


def test_next_rise_and_set_walk_the_windows(geometry: RelayGeometry) -> None:
    """next_set/next_rise step from window to window."""
    windows = geometry.passes(0, SURFACE_PHASE_NS)
    first_set = geometry.next_set(0)
    assert first_set == windows[0].end_ns
    assert geometry.next_rise(first_set) == windows[1].start_ns
    assert geometry.next_rise(windows[1].start_ns) == windows[2].start_ns


def test_relay_loses_earth_behind_the_moon_later_in_the_month(geometry: RelayGeometry) -> None:
    """Earth is always in view during the surface phase, but as the Moon turns under the orbit the relay
    passes behind it at perilune; the link is then down even when the lander sees the relay."""
    earth = geometry.schedule.earth
    assert earth.fraction_up(0, SURFACE_PHASE_NS) == 1.0
    hidden = _complement(earth.windows(0, MONTH_NS), MONTH_NS)
    assert hidden and all(gap.duration_s < 3 * 3600 for gap in hidden[1:])
    middle = (hidden[1].start_ns + hidden[1].end_ns) // 2
    x, y, z = geometry.relay_position_km(middle)
    assert x < 0 and math.hypot(y, z) < MOON_RADIUS_KM
    times = _grid(0, MONTH_NS, 3600)
    link = np.array([geometry.schedule.link.state_at(t) for t in times.tolist()])
    assert np.array_equal(link, geometry.relay_visible_many(times) & geometry.earth_visible_many(times))


def _complement(windows: list[Window], end_ns: int) -> list[Window]:
    result, t = [], 0
    for w in windows:
        if w.start_ns > t:
            result.append(Window(t, w.start_ns))
        t = w.end_ns
    if t < end_ns:
        result.append(Window(t, end_ns))
    return result


def test_scalar_look_agrees_with_the_vectorised_functions(geometry: RelayGeometry) -> None:
    """Telemetry (scalar) and schedules (vectorised) use the same geometry."""
    times = _grid(0, SURFACE_PHASE_NS, 3601)
    positions = geometry.relay_positions_km(times)
    light = geometry.light_time_many(times)
    for i, t in enumerate(times.tolist()):
        assert np.allclose(geometry.relay_position_km(t), positions[:, i], atol=1e-6)
        assert geometry.look(t).light_time_s == pytest.approx(float(light[i]), abs=1e-12)


def test_geometry_is_deterministic() -> None:
    """Two geometries built alike give identical transitions and light times."""
    a, b = RelayGeometry(), RelayGeometry()
    assert a.passes(0, SURFACE_PHASE_NS) == b.passes(0, SURFACE_PHASE_NS)
    assert [a.light_time_ns(t) for t in range(0, SURFACE_PHASE_NS, 3 * NS_PER_HOUR)] == [
        b.light_time_ns(t) for t in range(0, SURFACE_PHASE_NS, 3 * NS_PER_HOUR)]


def test_schedule_starts_at_its_origin_and_refuses_earlier_times() -> None:
    """A schedule begun later in the mission answers from there on only."""
    later = RelayGeometry(origin_ns=12 * NS_PER_HOUR)
    assert not later.schedule.relay.state_at(12 * NS_PER_HOUR)  # hidden near the first perilune
    with pytest.raises(SimError, match="precedes"):
        later.schedule.relay.state_at(0)


def test_other_elevation_masks_and_orbits() -> None:
    """A higher mask shortens passes; an orbit with its apolune over the north hides the relay far longer."""
    low, high = RelayGeometry(min_elevation_deg=0.0), RelayGeometry(min_elevation_deg=30.0)
    assert (low.schedule.relay.fraction_up(0, SURFACE_PHASE_NS)
            > high.schedule.relay.fraction_up(0, SURFACE_PHASE_NS))
    north = RelayGeometry(OrbitElements(arg_perilune_deg=270.0))
    assert north.schedule.relay.fraction_up(0, SURFACE_PHASE_NS) < 0.5
    with pytest.raises(ConfigurationError, match="perilune"):
        RelayGeometry(OrbitElements(perilune_altitude_km=500.0, apolune_altitude_km=100.0))


def test_generic_schedules() -> None:
    """A predicate's schedule, a conjunction and a constant behave as signals."""
    square = SignalSchedule(lambda t: (t // (90 * NS_PER_S)) % 2 == 0, step_ns=10 * NS_PER_S,
                            chunk_ns=3600 * NS_PER_S)
    assert square.state_at(0) and not square.state_at(90 * NS_PER_S)
    assert square.next_set(0) == 90 * NS_PER_S and square.next_rise(0) == 180 * NS_PER_S
    assert square.fraction_up(0, 3600 * NS_PER_S) == pytest.approx(0.5)
    both = AllOf(square, Always(True))
    assert both.windows(0, 400 * NS_PER_S)[1].start_ns == 180 * NS_PER_S
    assert Always(False).next_transition(0) is None and AllOf(Always(False)).next_transition(0) is None


@pytest.mark.parametrize("origin_ns", [10**20, -(10**20), 250 * 365 * 86_400 * NS_PER_S])
def test_geometry_times_centuries_away_are_configuration_errors_not_overflows(origin_ns: int) -> None:
    with pytest.raises(ConfigurationError, match="within 200 years of the landing"):
        RelayGeometry(origin_ns=origin_ns)
    with pytest.raises(ConfigurationError, match="within 200 years of the landing"):
        SignalSchedule(RelayGeometry().relay_visible_many, origin_ns=origin_ns)
    with pytest.raises(SimError, match="within 200 years"):
        RelayGeometry().schedule.relay.state_at(origin_ns if origin_ns > 0 else 10**20)
