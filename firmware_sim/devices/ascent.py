"""Ascent dynamics: a planar point mass over a spherical Moon, ascent guidance, orbit elements, Kepler coasting."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

MOON_GM = 4.9028e12
"""Lunar gravitational parameter, m³/s² (4902.8 km³/s²)."""
MOON_RADIUS_M = 1_737_400.0
"""Mean lunar radius, m."""
STANDARD_G = 9.80665
"""Standard gravity for specific impulse, m/s²."""
SURFACE_G = MOON_GM / MOON_RADIUS_M**2
"""Gravity at the mean radius, ≈1.62 m/s²."""
ESCAPE_APOAPSIS_KM = 1e9
"""Apoapsis reported for an unbound (parabolic or hyperbolic) trajectory."""


class State(NamedTuple):
    """Position and velocity in the orbit plane (m, m/s; Moon-centred, inertial), and mass (kg).

    The launch site is at (0, r_site); downrange is +x, so the ascent turns clockwise. A named tuple: the
    ascent makes several per physics step.
    """

    x: float
    y: float
    vx: float
    vy: float
    mass: float

    @property
    def radius(self) -> float:
        """Distance from the Moon's centre, m."""
        return math.hypot(self.x, self.y)

    @property
    def altitude(self) -> float:
        """Height above the mean lunar radius, m."""
        return self.radius - MOON_RADIUS_M

    @property
    def speed(self) -> float:
        """Inertial speed, m/s."""
        return math.hypot(self.vx, self.vy)

    @property
    def vertical_velocity(self) -> float:
        """Radial speed, positive up, m/s."""
        return (self.x * self.vx + self.y * self.vy) / self.radius

    @property
    def horizontal_velocity(self) -> float:
        """Speed along the local horizontal in the downrange direction, m/s."""
        return (self.y * self.vx - self.x * self.vy) / self.radius

    def horizon_angle(self) -> float:
        """Inertial angle (rad) of the local downrange horizontal; local vertical is this plus 90°."""
        return math.atan2(-self.x, self.y)


def on_surface(site_elevation_m: float = 0.0, mass: float = 0.0) -> State:
    """A vehicle at rest on the launch site."""
    return State(0.0, MOON_RADIUS_M + site_elevation_m, 0.0, 0.0, mass)


def gravity(radius: float) -> float:
    """Gravitational acceleration at ``radius`` metres, m/s²."""
    return MOON_GM / (radius * radius)


def thrust_angle(state: State, pitch_deg: float) -> float:
    """Inertial angle (rad) of a thrust axis ``pitch_deg`` above the local downrange horizontal."""
    return state.horizon_angle() + math.radians(pitch_deg)


def orbit_altitudes_km(state: State) -> tuple[float, float]:
    """Periapsis and apoapsis altitude (km above the mean radius) of the osculating orbit.

    A trajectory that meets the surface has a periapsis below it (down to −1737.4 km for a vertical one);
    an unbound one reports ``ESCAPE_APOAPSIS_KM``.
    """
    r = state.radius
    energy = 0.5 * (state.vx**2 + state.vy**2) - MOON_GM / r
    h = state.x * state.vy - state.y * state.vx
    e = math.sqrt(max(0.0, 1.0 + 2.0 * energy * h * h / MOON_GM**2))
    if energy >= 0.0:
        periapsis = h * h / (MOON_GM * (1.0 + e))
        return (periapsis - MOON_RADIUS_M) / 1000.0, ESCAPE_APOAPSIS_KM
    a = -MOON_GM / (2.0 * energy)
    return (a * (1.0 - e) - MOON_RADIUS_M) / 1000.0, (a * (1.0 + e) - MOON_RADIUS_M) / 1000.0


def periapsis_speed(periapsis_km: float, apoapsis_km: float) -> float:
    """Speed at periapsis of an orbit given by its altitudes, m/s (vis-viva)."""
    rp = MOON_RADIUS_M + periapsis_km * 1000.0
    ra = MOON_RADIUS_M + apoapsis_km * 1000.0
    return math.sqrt(MOON_GM * (2.0 / rp - 2.0 / (rp + ra)))


def step(state: State, thrust_n: float, mass_flow: float, pitch_deg: float, dt: float,
         ground_radius: float | None = None) -> State:
    """Advance ``dt`` seconds with constant thrust at ``pitch_deg`` above the local horizontal (RK4).

    With ``ground_radius`` the vehicle rests on the ground (only losing mass) until thrust beats gravity.
    """
    pitch = math.radians(pitch_deg)
    cos_p, sin_p = math.cos(pitch), math.sin(pitch)
    if ground_radius is not None and state.radius <= ground_radius and state.speed == 0.0:
        mass_end = max(state.mass - mass_flow * dt, 1e-6)
        if thrust_n / mass_end * sin_p <= gravity(state.radius):
            return State(state.x, state.y, state.vx, state.vy, mass_end)

    def deriv(x: float, y: float, vx: float, vy: float, m: float) -> tuple[float, float, float, float]:
        r = math.hypot(x, y)
        ex, ey = x / r, y / r
        g = MOON_GM / (r * r)
        a = thrust_n / m
        # thrust direction: cos(pitch) along the downrange horizontal (ey, -ex), sin(pitch) along the vertical
        ax = a * (cos_p * ey + sin_p * ex) - g * ex
        ay = a * (-cos_p * ex + sin_p * ey) - g * ey
        return vx, vy, ax, ay

    x, y, vx, vy, m = state.x, state.y, state.vx, state.vy, state.mass
    half = 0.5 * dt
    k1 = deriv(x, y, vx, vy, m)
    m_half, m_end = m - mass_flow * half, m - mass_flow * dt
    k2 = deriv(x + half * k1[0], y + half * k1[1], vx + half * k1[2], vy + half * k1[3], m_half)
    k3 = deriv(x + half * k2[0], y + half * k2[1], vx + half * k2[2], vy + half * k2[3], m_half)
    k4 = deriv(x + dt * k3[0], y + dt * k3[1], vx + dt * k3[2], vy + dt * k3[3], m_end)
    sixth = dt / 6.0
    return State(x + sixth * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]),
                 y + sixth * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1]),
                 vx + sixth * (k1[2] + 2 * k2[2] + 2 * k3[2] + k4[2]),
                 vy + sixth * (k1[3] + 2 * k2[3] + 2 * k3[3] + k4[3]),
                 m_end)


def coast(state: State, dt: float) -> State:
    """Two-body Kepler propagation of an engine-off vehicle by ``dt`` seconds (bound orbits; else unchanged)."""
    r0 = state.radius
    v2 = state.vx**2 + state.vy**2
    energy = 0.5 * v2 - MOON_GM / r0
    if energy >= 0.0 or dt == 0.0 or r0 == 0.0:
        return state
    a = -MOON_GM / (2.0 * energy)
    h = state.x * state.vy - state.y * state.vx
    rv = state.x * state.vx + state.y * state.vy
    # eccentricity vector
    ex = ((v2 - MOON_GM / r0) * state.x - rv * state.vx) / MOON_GM
    ey = ((v2 - MOON_GM / r0) * state.y - rv * state.vy) / MOON_GM
    e_norm = math.hypot(ex, ey)
    e = min(e_norm, 1.0 - 1e-12)  # a radial fall has e = 1: keep it a (very thin) ellipse
    n = math.sqrt(MOON_GM / a**3)
    sign = 1.0 if h >= 0.0 else -1.0
    if e < 1e-9:
        angle = sign * n * dt
        c, s = math.cos(angle), math.sin(angle)
        return State(c * state.x - s * state.y, s * state.x + c * state.y,
                     c * state.vx - s * state.vy, s * state.vx + c * state.vy, state.mass)
    e0 = math.atan2(rv / math.sqrt(MOON_GM * a), 1.0 - r0 / a)
    ecc = _solve_kepler((e0 - e * math.sin(e0) + n * dt) % (2.0 * math.pi), e)
    b = a * math.sqrt(1.0 - e * e)
    px, py = a * (math.cos(ecc) - e), sign * b * math.sin(ecc)
    r = a * (1.0 - e * math.cos(ecc))
    k = math.sqrt(MOON_GM * a) / r
    pvx, pvy = -k * math.sin(ecc), sign * k * math.sqrt(1.0 - e * e) * math.cos(ecc)
    ux, uy = ex / e_norm, ey / e_norm  # periapsis direction
    return State(ux * px - uy * py, uy * px + ux * py, ux * pvx - uy * pvy, uy * pvx + ux * pvy, state.mass)


def _solve_kepler(mean: float, e: float) -> float:
    """Eccentric anomaly in [0, 2π) for a mean anomaly in [0, 2π): Newton kept inside a shrinking bracket."""
    low, high = 0.0, 2.0 * math.pi
    ecc = mean + 0.85 * e * math.copysign(1.0, math.sin(mean))
    for _ in range(100):
        residual = ecc - e * math.sin(ecc) - mean
        if residual > 0.0:
            high = ecc
        else:
            low = ecc
        nxt = ecc - residual / (1.0 - e * math.cos(ecc))
        if not low < nxt < high:
            nxt = 0.5 * (low + high)
        if abs(nxt - ecc) < 1e-14:
            return nxt
        ecc = nxt
    return ecc


PHASES = ("idle", "vertical_rise", "pitch_over", "orbit_insertion", "terminal", "complete")


class AscentGuidance:
    """Vertical rise, pitch-over, then steering to the target periapsis altitude with zero climb rate.

    During insertion the radial acceleration is the one that brings altitude and climb rate to
    (target periapsis, 0) at burnout along a linear profile; time to go comes from the rocket equation and
    the sensed thrust acceleration. The engine is cut when the apoapsis (with the shutdown tail-off) reaches
    the target. Pitch is the thrust axis above the local horizontal, rate-limited like a real vehicle.
    """

    def __init__(self, target_periapsis_km: float = 15.0, target_apoapsis_km: float = 180.0, *,
                 vertical_rise_s: float = 10.0, pitch_rate_dps: float = 4.0, terminal_s: float = 8.0,
                 exhaust_velocity: float = 315.0 * STANDARD_G, tail_off_s: float = 0.08) -> None:
        self.target_periapsis_km = target_periapsis_km
        self.target_apoapsis_km = target_apoapsis_km
        self.vertical_rise_s = vertical_rise_s
        self.pitch_rate_dps = pitch_rate_dps
        self.terminal_s = terminal_s
        self.exhaust_velocity = exhaust_velocity
        self.tail_off_s = tail_off_s
        self.phase = "idle"
        self.pitch_deg = 90.0
        self.time_to_go = math.inf
        self._target_speed = periapsis_speed(target_periapsis_km, target_apoapsis_km)

    def start(self) -> None:
        """Engine lit: begin the vertical rise."""
        self.phase = "vertical_rise"
        self.pitch_deg = 90.0

    def update(self, burn_s: float, nav: State, thrust_accel: float, dt: float) -> float:
        """The pitch to fly for the next ``dt`` seconds, given the navigation state and sensed acceleration."""
        if self.phase in ("idle", "complete"):
            return self.pitch_deg
        if self.phase == "vertical_rise":
            if burn_s < self.vertical_rise_s:
                return self.pitch_deg
            self.phase = "pitch_over"
        if thrust_accel <= 0.0:
            return self.pitch_deg  # flame-out: hold attitude
        command = self._steering(nav, thrust_accel)
        if self.phase == "terminal":
            return self.pitch_deg
        limit = self.pitch_rate_dps * dt
        self.pitch_deg += max(-limit, min(limit, command - self.pitch_deg))
        if self.phase == "pitch_over" and abs(command - self.pitch_deg) < 0.5:
            self.phase = "orbit_insertion"
        if self.phase == "orbit_insertion" and self.time_to_go < self.terminal_s:
            self.phase = "terminal"
        return self.pitch_deg

    def _steering(self, nav: State, thrust_accel: float) -> float:
        ve = self.exhaust_velocity
        deficit = max(0.0, self._target_speed - nav.horizontal_velocity)
        self.time_to_go = ve / thrust_accel * (1.0 - math.exp(-deficit / ve))
        t_go = max(self.time_to_go, self.terminal_s)
        r = nav.radius
        height_error = MOON_RADIUS_M + self.target_periapsis_km * 1000.0 - r
        radial = 6.0 * height_error / t_go**2 - 4.0 * nav.vertical_velocity / t_go
        radial += gravity(r) - nav.horizontal_velocity**2 / r
        sine = max(-0.5, min(1.0, radial / thrust_accel))
        return math.degrees(math.asin(sine))

    def cutoff(self, nav: State, thrust_accel: float, pitch_deg: float) -> bool:
        """True when the orbit after the shutdown tail-off reaches the target apoapsis."""
        if self.phase not in ("orbit_insertion", "terminal"):
            return False
        angle = thrust_angle(nav, pitch_deg)
        dv = thrust_accel * self.tail_off_s
        ahead = State(nav.x, nav.y, nav.vx + dv * math.cos(angle), nav.vy + dv * math.sin(angle), nav.mass)
        periapsis, apoapsis = orbit_altitudes_km(ahead)
        if periapsis > 0.0 and apoapsis >= self.target_apoapsis_km:
            self.phase = "complete"
            return True
        return False


@dataclass(frozen=True)
class AscentResult:
    """Outcome of a simulated ascent."""

    burn_time_s: float
    final: State
    periapsis_km: float
    apoapsis_km: float
    max_acceleration: float
    cut_by_guidance: bool


def simulate_ascent(mass_kg: float, thrust_n: float = 3000.0, isp_s: float = 315.0, *,
                    guidance: AscentGuidance | None = None, max_burn_s: float = 600.0, dt: float = 0.02,
                    dry_mass_kg: float = 0.0, site_elevation_m: float = 0.0) -> AscentResult:
    """Fly a full-thrust ascent from rest (ideal navigation); without guidance the thrust stays vertical."""
    flow = thrust_n / (isp_s * STANDARD_G)
    state = on_surface(site_elevation_m, mass_kg)
    ground = state.radius
    if guidance is not None:
        guidance.start()
    t, pitch, max_accel, cut = 0.0, 90.0, 0.0, False
    while t < max_burn_s - 1e-9 and state.mass - flow * dt > dry_mass_kg:
        accel = thrust_n / state.mass
        max_accel = max(max_accel, accel)
        if guidance is not None:
            pitch = guidance.update(t, state, accel, dt)
            if guidance.cutoff(state, accel, pitch):
                cut = True
                break
        state = step(state, thrust_n, flow, pitch, dt, ground_radius=ground)
        t += dt
    periapsis, apoapsis = orbit_altitudes_km(state)
    return AscentResult(t, state, periapsis, apoapsis, max_accel, cut)


def navigate(nav: State, force_axial: float, force_lateral: float, axis_angle: float, dt: float) -> State:
    """Strapdown update: sensed specific force (along and across the thrust axis at ``axis_angle``) plus gravity.

    The lateral body axis points 90° clockwise of the thrust axis (downrange when standing upright).
    """
    c, s = math.cos(axis_angle), math.sin(axis_angle)
    fx = force_axial * c + force_lateral * s
    fy = force_axial * s - force_lateral * c
    r = nav.radius
    g = MOON_GM / (r * r * r)
    vx = nav.vx + (fx - g * nav.x) * dt
    vy = nav.vy + (fy - g * nav.y) * dt
    return State(nav.x + 0.5 * (nav.vx + vx) * dt, nav.y + 0.5 * (nav.vy + vy) * dt, vx, vy, nav.mass)
