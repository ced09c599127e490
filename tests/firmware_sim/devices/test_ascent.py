"""Ascent dynamics: orbit elements, a guided six-minute ascent to 15 × 180 km, coasting and strapdown navigation."""

from __future__ import annotations

import math

import pytest

from firmware_sim.devices.ascent import (
    MOON_GM,
    MOON_RADIUS_M,
    STANDARD_G,
    SURFACE_G,
    AscentGuidance,
    State,
    coast,
    navigate,
    on_surface,
    orbit_altitudes_km,
    periapsis_speed,
    simulate_ascent,
    step,
    thrust_angle,
)

LIFTOFF_MASS = 780.0


def _circular(altitude_km: float) -> State:
    r = MOON_RADIUS_M + altitude_km * 1000.0
    return State(0.0, r, math.sqrt(MOON_GM / r), 0.0, 400.0)


def _energy(s: State) -> float:
    return 0.5 * s.speed**2 - MOON_GM / s.radius


def test_surface_gravity_is_lunar() -> None:
    assert round(SURFACE_G, 2) == 1.62


def test_orbit_altitudes_at_rest_and_in_a_circular_orbit() -> None:
    """At rest the 'orbit' is a fall through the centre; a circular speed gives equal altitudes."""
    assert orbit_altitudes_km(on_surface()) == pytest.approx((-1737.4, 0.0))
    assert orbit_altitudes_km(_circular(100.0)) == pytest.approx((100.0, 100.0), abs=1e-6)


def test_orbit_altitudes_of_an_ellipse() -> None:
    """The periapsis speed of 15 × 180 km, given at 15 km horizontally, gives back 15 × 180 km."""
    r = MOON_RADIUS_M + 15_000.0
    state = State(0.0, r, periapsis_speed(15.0, 180.0), 0.0, 1.0)
    assert orbit_altitudes_km(state) == pytest.approx((15.0, 180.0), abs=1e-6)
    assert 1700.0 < periapsis_speed(15.0, 180.0) < 1720.0


def test_a_vertical_burn_does_not_make_orbit() -> None:
    """Six minutes straight up: fast, high, but no horizontal speed — it falls back (periapsis at the centre)."""
    result = simulate_ascent(LIFTOFF_MASS, max_burn_s=360.0)
    assert result.final.altitude > 100_000.0
    assert abs(result.final.horizontal_velocity) < 1e-6
    assert result.periapsis_km == pytest.approx(-1737.4, abs=0.01)


def test_guided_ascent_reaches_15_by_180_km_in_about_six_minutes() -> None:
    """780 kg, 3000 N, Isp 315 s: vertical rise, pitch-over, insertion — cut off in the target orbit at ~360 s."""
    guidance = AscentGuidance(15.0, 180.0)
    result = simulate_ascent(LIFTOFF_MASS, guidance=guidance)
    assert result.cut_by_guidance and guidance.phase == "complete"
    assert 340.0 < result.burn_time_s < 380.0
    assert result.periapsis_km == pytest.approx(15.0, abs=1.0)
    assert result.apoapsis_km == pytest.approx(180.0, abs=5.0)
    flow = 3000.0 / (315.0 * STANDARD_G)
    assert result.final.mass == pytest.approx(LIFTOFF_MASS - flow * result.burn_time_s, rel=1e-6)
    assert 6.5 < result.max_acceleration < 7.5  # 3000 N on ≈430 kg at burnout


def test_guidance_follows_the_other_targets() -> None:
    """A higher apoapsis costs a longer burn; the periapsis stays where guidance holds the altitude."""
    low = simulate_ascent(LIFTOFF_MASS, guidance=AscentGuidance(15.0, 100.0))
    high = simulate_ascent(LIFTOFF_MASS, guidance=AscentGuidance(20.0, 300.0))
    assert low.burn_time_s < high.burn_time_s
    assert low.apoapsis_km == pytest.approx(100.0, abs=5.0)
    assert high.periapsis_km == pytest.approx(20.0, abs=1.0) and high.apoapsis_km == pytest.approx(300.0, abs=8.0)


def test_guidance_phases_in_order() -> None:
    guidance = AscentGuidance()
    guidance.start()
    state = on_surface(mass=LIFTOFF_MASS)
    seen = [guidance.phase]
    t = 0.0
    while t < 500.0:
        accel = 3000.0 / state.mass
        pitch = guidance.update(t, state, accel, 0.05)
        if guidance.cutoff(state, accel, pitch):
            break
        state = step(state, 3000.0, 0.971, pitch, 0.05, ground_radius=MOON_RADIUS_M)
        if guidance.phase != seen[-1]:
            seen.append(guidance.phase)
        t += 0.05
    seen.append(guidance.phase)
    assert seen == ["vertical_rise", "pitch_over", "orbit_insertion", "terminal", "complete"]


def test_the_vehicle_stays_on_the_ground_until_thrust_beats_weight() -> None:
    state = on_surface(mass=LIFTOFF_MASS)
    held = step(state, 1000.0, 0.3, 90.0, 0.1, ground_radius=state.radius)  # 1000 N < 780 kg × 1.62 m/s²
    assert held.speed == 0.0 and held.mass == pytest.approx(LIFTOFF_MASS - 0.03)
    rising = step(state, 3000.0, 0.97, 90.0, 0.1, ground_radius=state.radius)
    assert rising.vertical_velocity > 0.0


def test_coast_matches_numerical_integration_and_conserves_energy() -> None:
    r = MOON_RADIUS_M + 15_000.0
    start = State(0.0, r, periapsis_speed(15.0, 180.0), 3.0, 430.0)
    numeric = start
    for _ in range(20_000):
        numeric = step(numeric, 0.0, 0.0, 0.0, 0.1)
    kepler = coast(start, 2000.0)
    assert math.hypot(kepler.x - numeric.x, kepler.y - numeric.y) < 1.0
    assert _energy(kepler) == pytest.approx(_energy(start), rel=1e-9)
    period = 2 * math.pi * math.sqrt(((2 * MOON_RADIUS_M + 195_000.0) / 2) ** 3 / MOON_GM)
    back = coast(start, period)
    assert math.hypot(back.x - start.x, back.y - start.y) < 1e-3 * r


def test_coast_over_the_top_of_a_hop() -> None:
    """A near-vertical hop (eccentricity ≈ 1) coasts through its apex the same as integration does."""
    start = State(300.0, MOON_RADIUS_M + 500.0, 13.0, 40.0, 700.0)
    numeric = kepler = start
    for _ in range(60):
        for _ in range(100):
            numeric = step(numeric, 0.0, 0.0, 0.0, 0.01)
        kepler = coast(kepler, 1.0)
        assert kepler.altitude == pytest.approx(numeric.altitude, abs=0.01)


def test_coast_of_a_vertical_throw() -> None:
    """Straight up at 30 m/s: back on the ground after ≈2 × 30 / 1.62 s."""
    start = State(0.0, MOON_RADIUS_M, 0.0, 30.0, 1.0)
    assert coast(start, 30.0 / SURFACE_G).altitude == pytest.approx(30.0**2 / (2 * SURFACE_G), rel=1e-3)
    assert coast(start, 2 * 30.0 / SURFACE_G).altitude == pytest.approx(0.0, abs=0.5)


def test_coast_of_a_circular_orbit_and_an_unbound_one() -> None:
    circular = _circular(100.0)
    quarter = coast(circular, 0.25 * 2 * math.pi * math.sqrt(circular.radius**3 / MOON_GM))
    assert quarter.radius == pytest.approx(circular.radius)
    assert quarter.x == pytest.approx(circular.radius, rel=1e-6)  # clockwise, downrange first
    fast = State(0.0, MOON_RADIUS_M, 3000.0, 0.0, 1.0)
    assert orbit_altitudes_km(fast)[1] > 1e8
    assert coast(fast, 10.0) == fast


def test_navigation_with_perfect_sensors_tracks_the_truth() -> None:
    truth = nav = State(0.0, MOON_RADIUS_M + 5000.0, 300.0, 40.0, 600.0)
    pitch = 20.0
    for _ in range(1000):
        truth = step(truth, 3000.0, 0.97, pitch, 0.02)
        axis = thrust_angle(truth, pitch)
        nav = navigate(nav, 3000.0 / truth.mass, 0.0, axis, 0.02)
    assert math.hypot(nav.vx - truth.vx, nav.vy - truth.vy) < 0.05
    assert math.hypot(nav.x - truth.x, nav.y - truth.y) < 1.0
