"""Relay geometry: a Queqiao-2-like lunar orbit, the far-side landing site, visibility, light time, pass schedules."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from firmware_sim.errors import ConfigurationError, SimError
from protocols.dictionary.relay import LIGHT_TIME_S

NS_PER_S = 1_000_000_000
NS_PER_HOUR = 3600 * NS_PER_S
DAY_S = 86_400.0

MOON_RADIUS_KM = 1737.4
MOON_MU_KM3_S2 = 4902.800
"""Lunar gravitational parameter GM."""
SIDEREAL_MONTH_S = 27.321661 * DAY_S
"""The Moon's rotation period; tidal locking keeps Earth near the Moon-fixed +x axis."""
ANOMALISTIC_MONTH_S = 27.554550 * DAY_S
"""Perigee to perigee of the Moon's orbit round Earth."""
SPEED_OF_LIGHT_KM_S = 299_792.458
EARTH_MOON_PERIGEE_KM = LIGHT_TIME_S[0] * SPEED_OF_LIGHT_KM_S
"""Chosen so that the one-way Moon-centre light time is REFERENCE's 1.21 s at perigee ..."""
EARTH_MOON_APOGEE_KM = LIGHT_TIME_S[2] * SPEED_OF_LIGHT_KM_S
"""... and 1.35 s at apogee (1.28 s mean)."""
_EARTH_MOON_MEAN_KM = (EARTH_MOON_PERIGEE_KM + EARTH_MOON_APOGEE_KM) / 2
_EARTH_MOON_SWING_KM = (EARTH_MOON_APOGEE_KM - EARTH_MOON_PERIGEE_KM) / 2
"""The Earth–Moon distance swings by this either side of the mean over the anomalistic month."""
MOON_PERIGEE_AFTER_LANDING_S = 9.6 * 3600.0
"""The Moon passed perigee on 2024-06-02 near 08 UTC, about 9.6 h after the 2024-06-01 22:23 UTC landing."""
LANDING_UTC = "2024-06-01T22:23:00Z"
"""Geometry time zero: Chang'e-6 touchdown."""
LANDING_TAI_NS = 2_095_971_817_000_000_000
"""The landing in mission time (ns since 1958-01-01 TAI, 37 s of TAI−UTC)."""
DEFAULT_MIN_ELEVATION_DEG = 10.0
GEOMETRY_RANGE_NS = 200 * 365 * 86_400 * NS_PER_S
"""Geometry times must lie within ± this (200 years) of the landing: int64 nanoseconds with room to look ahead."""

_SCAN_STEP_NS = 30 * NS_PER_S
_RESOLUTION_NS = 1_000_000
_CHUNK_NS = 24 * NS_PER_HOUR
_HORIZON_NS = 60 * 24 * NS_PER_HOUR

Predicate = Callable[[np.ndarray], np.ndarray]
"""Vectorised visibility test: int64 geometry times (ns) in, booleans out."""


@dataclass(frozen=True)
class OrbitElements:
    """Keplerian elements of the relay's lunar orbit in a Moon-centred inertial frame (z = lunar spin axis,
    x = Earth's direction at geometry time zero); the mean anomaly is the one at time zero.

    Defaults: REFERENCE's 200 × 16 000 km, 62.4° orbit (period from Kepler, ≈ 24.3 h); perilune argument 90°
    puts perilune over the north and the apolune dwell over the south, as in Queqiao-2's frozen orbit; the
    node and the phase place the apolune over the landing site's meridian during the surface phase.
    """

    perilune_altitude_km: float = 200.0
    apolune_altitude_km: float = 16_000.0
    inclination_deg: float = 62.4
    raan_deg: float = -50.0
    arg_perilune_deg: float = 90.0
    mean_anomaly_deg: float = 180.0

    @property
    def semi_major_axis_km(self) -> float:
        """Half the sum of the perilune and apolune radii."""
        return MOON_RADIUS_KM + (self.perilune_altitude_km + self.apolune_altitude_km) / 2

    @property
    def eccentricity(self) -> float:
        """(r_apolune − r_perilune) / (r_apolune + r_perilune)."""
        return (self.apolune_altitude_km - self.perilune_altitude_km) / (2 * self.semi_major_axis_km)

    @property
    def mean_motion(self) -> float:
        """Radians per second."""
        return math.sqrt(MOON_MU_KM3_S2 / self.semi_major_axis_km ** 3)

    @property
    def period_s(self) -> float:
        """Orbital period in seconds."""
        return 2 * math.pi / self.mean_motion


@dataclass(frozen=True)
class Site:
    """A place on the lunar surface (selenographic latitude and longitude, east positive)."""

    latitude_deg: float = -41.64
    longitude_deg: float = -153.99
    altitude_km: float = 0.0

    @cached_property
    def position_km(self) -> np.ndarray:
        """Moon-fixed position (x toward Earth, z north)."""
        lat, lon = math.radians(self.latitude_deg), math.radians(self.longitude_deg)
        radius = MOON_RADIUS_KM + self.altitude_km
        return radius * np.array([math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat)])

    @property
    def zenith(self) -> np.ndarray:
        """Unit local vertical (spherical Moon)."""
        return self.position_km / float(np.linalg.norm(self.position_km))


QUEQIAO2 = OrbitElements()
"""The relay's orbit used by default."""
CHANGE6_SITE = Site()
"""Chang'e-6 landing site, Apollo basin, 41.64° S 153.99° W (far side)."""


@dataclass(frozen=True)
class Look:
    """What the geometry gives at one instant."""

    t_ns: int
    elevation_deg: float
    range_km: float
    relay_visible: bool
    earth_visible: bool
    earth_moon_km: float
    light_time_s: float

    @property
    def link_up(self) -> bool:
        """Lander sees the relay and the relay sees Earth."""
        return self.relay_visible and self.earth_visible


@dataclass(frozen=True)
class Transition:
    """A visibility change: from ``t_ns`` on the signal is ``up``."""

    t_ns: int
    up: bool


@dataclass(frozen=True)
class Window:
    """An interval during which a signal is up (clipped to the interval asked for)."""

    start_ns: int
    end_ns: int

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return (self.end_ns - self.start_ns) / NS_PER_S


class Schedule:
    """A boolean signal of geometry time with cheap state and next-transition queries."""

    def state_at(self, t_ns: int) -> bool:
        """The signal at ``t_ns``."""
        raise NotImplementedError

    def next_transition(self, t_ns: int) -> Transition | None:
        """The first change strictly after ``t_ns`` (None if none within the search horizon)."""
        raise NotImplementedError

    def next_rise(self, t_ns: int) -> int | None:
        """When the signal next comes up after ``t_ns``."""
        return self._next(t_ns, True)

    def next_set(self, t_ns: int) -> int | None:
        """When the signal next goes down after ``t_ns``."""
        return self._next(t_ns, False)

    def _next(self, t_ns: int, up: bool) -> int | None:
        change = self.next_transition(t_ns)
        while change is not None and change.up != up:
            change = self.next_transition(change.t_ns)
        return None if change is None else change.t_ns

    def windows(self, start_ns: int, end_ns: int) -> list[Window]:
        """The up intervals within [start_ns, end_ns)."""
        result: list[Window] = []
        t, up = start_ns, self.state_at(start_ns)
        while t < end_ns:
            change = self.next_transition(t)
            stop = end_ns if change is None else min(change.t_ns, end_ns)
            if up:
                result.append(Window(t, stop))
            if change is None:
                break
            t, up = change.t_ns, change.up
        return result

    def fraction_up(self, start_ns: int, end_ns: int) -> float:
        """Share of [start_ns, end_ns) during which the signal is up."""
        total = sum(w.end_ns - w.start_ns for w in self.windows(start_ns, end_ns))
        return total / (end_ns - start_ns)


class SignalSchedule(Schedule):
    """Transitions of one predicate, found by stepping (30 s) and refined by bisection (1 ms), cached lazily
    a day at a time from ``origin_ns`` on; a transition's time is the first instant of the new state."""

    def __init__(self, predicate: Predicate, origin_ns: int = 0, step_ns: int = _SCAN_STEP_NS,
                 resolution_ns: int = _RESOLUTION_NS, chunk_ns: int = _CHUNK_NS,
                 horizon_ns: int = _HORIZON_NS) -> None:
        self.predicate = predicate
        self.origin_ns = origin_ns
        self.step_ns = step_ns
        self.resolution_ns = resolution_ns
        self.chunk_ns = max(step_ns, chunk_ns - chunk_ns % step_ns)
        self.horizon_ns = horizon_ns
        _within_range("the schedule's origin", origin_ns)
        self.initial = bool(predicate(np.array([origin_ns], dtype=np.int64))[0])
        self.times: list[int] = []
        self._covered_ns = origin_ns
        self._last = self.initial

    def state_at(self, t_ns: int) -> bool:
        """The cached signal at ``t_ns`` (consistent with ``next_transition``)."""
        self._check(t_ns)
        self._extend(t_ns)
        return self.initial ^ bool(bisect_right(self.times, t_ns) % 2)

    def next_transition(self, t_ns: int) -> Transition | None:
        """The first change strictly after ``t_ns``."""
        self._check(t_ns)
        limit = t_ns + self.horizon_ns
        while True:
            index = bisect_right(self.times, t_ns)
            if index < len(self.times):
                return Transition(self.times[index], self.initial ^ bool((index + 1) % 2))
            if self._covered_ns >= limit:
                return None
            self._extend(self._covered_ns + 1)

    def _check(self, t_ns: int) -> None:
        if t_ns < self.origin_ns:
            raise SimError(f"t={t_ns} ns precedes the schedule's origin {self.origin_ns} ns")
        _within_range("t", t_ns)

    def _extend(self, until_ns: int) -> None:
        while self._covered_ns < until_ns:
            start = self._covered_ns
            times = np.arange(start + self.step_ns, start + self.chunk_ns + 1, self.step_ns, dtype=np.int64)
            states = self.predicate(times)
            previous_t, previous = start, self._last
            for t, state in zip(times.tolist(), states.tolist(), strict=True):
                if state != previous:
                    self.times.append(self._refine(previous_t, t, bool(state)))
                    previous = state
                previous_t = t
            self._last = previous
            self._covered_ns = int(times[-1])

    def _refine(self, low: int, high: int, new_state: bool) -> int:
        """Bisect (low: old state, high: new state) down to the resolution; the new state's first instant."""
        while high - low > self.resolution_ns:
            middle = (low + high) // 2
            if bool(self.predicate(np.array([middle], dtype=np.int64))[0]) == new_state:
                high = middle
            else:
                low = middle
        return high


def _within_range(what: str, t_ns: int) -> None:
    """Refuse a geometry time the int64 arithmetic cannot hold (a start date centuries away)."""
    if not -GEOMETRY_RANGE_NS <= t_ns <= GEOMETRY_RANGE_NS:
        raise ConfigurationError(f"{what}={t_ns} ns: geometry times must lie within 200 years of the landing "
                                 f"({LANDING_UTC})")


class AllOf(Schedule):
    """Up while every member schedule is up (e.g. the link: relay visible AND relay sees Earth)."""

    def __init__(self, *members: Schedule) -> None:
        self.members = members

    def state_at(self, t_ns: int) -> bool:
        """All members up at ``t_ns``."""
        return all(m.state_at(t_ns) for m in self.members)

    def next_transition(self, t_ns: int) -> Transition | None:
        """The first instant after ``t_ns`` where the conjunction changes."""
        current = self.state_at(t_ns)
        t = t_ns
        while True:
            changes = [c for c in (m.next_transition(t) for m in self.members) if c is not None]
            if not changes:
                return None
            t = min(c.t_ns for c in changes)
            state = self.state_at(t)
            if state != current:
                return Transition(t, state)


class Always(Schedule):
    """A signal that never changes."""

    def __init__(self, up: bool = True) -> None:
        self.up = up

    def state_at(self, t_ns: int) -> bool:
        """Always the same."""
        return self.up

    def next_transition(self, t_ns: int) -> Transition | None:
        """Never."""
        return None


@dataclass(frozen=True)
class PassSchedule:
    """The three signals a radio cares about: relay above the lander's mask, Earth seen by the relay, both."""

    relay: Schedule
    earth: Schedule
    link: Schedule


class RelayGeometry:
    """Relay position, lander→relay look angles, Earth occultation and light time as functions of geometry time
    (integer ns since the landing; negative times are fine for the functions, not for the schedules)."""

    def __init__(self, orbit: OrbitElements = QUEQIAO2, site: Site = CHANGE6_SITE,
                 min_elevation_deg: float = DEFAULT_MIN_ELEVATION_DEG,
                 moon_perigee_s: float = MOON_PERIGEE_AFTER_LANDING_S, origin_ns: int = 0) -> None:
        if not 0 <= orbit.perilune_altitude_km < orbit.apolune_altitude_km:
            raise ConfigurationError(f"orbit {orbit}: need 0 <= perilune altitude < apolune altitude")
        if not -90 <= min_elevation_deg < 90:
            raise ConfigurationError(f"min_elevation_deg={min_elevation_deg}: must be within -90..90")
        _within_range("origin_ns", origin_ns)
        self.orbit = orbit
        self.site = site
        self.min_elevation_deg = min_elevation_deg
        self.moon_perigee_s = moon_perigee_s
        self.origin_ns = origin_ns
        self._a = orbit.semi_major_axis_km
        self._e = orbit.eccentricity
        self._n = orbit.mean_motion
        self._m0 = math.radians(orbit.mean_anomaly_deg)
        self._b = self._a * math.sqrt(1 - self._e * self._e)  # semi-minor axis
        inc, raan, argp = (math.radians(orbit.inclination_deg), math.radians(orbit.raan_deg),
                           math.radians(orbit.arg_perilune_deg))
        # perifocal → inertial: P toward perilune, Q 90° ahead in the orbit plane
        self._p = np.array([math.cos(raan) * math.cos(argp) - math.sin(raan) * math.sin(argp) * math.cos(inc),
                            math.sin(raan) * math.cos(argp) + math.cos(raan) * math.sin(argp) * math.cos(inc),
                            math.sin(argp) * math.sin(inc)])
        self._q = np.array([-math.cos(raan) * math.sin(argp) - math.sin(raan) * math.cos(argp) * math.cos(inc),
                            -math.sin(raan) * math.sin(argp) + math.cos(raan) * math.cos(argp) * math.cos(inc),
                            math.cos(argp) * math.sin(inc)])
        self._site = site.position_km
        self._zenith = site.zenith
        self._p_list, self._q_list = self._p.tolist(), self._q.tolist()
        self._site_list, self._zenith_list = self._site.tolist(), self._zenith.tolist()
        self._sin_mask = math.sin(math.radians(min_elevation_deg))

    # vectorised core --------------------------------------------------------------------------------------
    def relay_positions_km(self, t_ns: np.ndarray) -> np.ndarray:
        """Moon-fixed relay positions, shape (3, N), for int64 geometry times."""
        t = np.asarray(t_ns, dtype=np.int64).astype(np.float64) / NS_PER_S
        mean = np.remainder(self._m0 + self._n * t, math.tau)
        e = self._e
        ecc = mean + 0.85 * e * np.sign(np.sin(mean))  # Danby's start: converges for any e < 1
        for _ in range(50):
            step = (ecc - e * np.sin(ecc) - mean) / (1 - e * np.cos(ecc))
            ecc = ecc - step
            if float(np.max(np.abs(step), initial=0.0)) < 1e-13:
                break
        x_orb = self._a * (np.cos(ecc) - e)
        y_orb = self._b * np.sin(ecc)
        inertial = np.outer(self._p, x_orb) + np.outer(self._q, y_orb)
        theta = math.tau * t / SIDEREAL_MONTH_S  # Moon's rotation since time zero
        cos_t, sin_t = np.cos(theta), np.sin(theta)
        return np.stack([cos_t * inertial[0] + sin_t * inertial[1], -sin_t * inertial[0] + cos_t * inertial[1],
                         inertial[2]])

    def earth_moon_km(self, t_ns: np.ndarray) -> np.ndarray:
        """Earth–Moon centre distance over the anomalistic month (perigee 1.21 light-s, apogee 1.35)."""
        t = np.asarray(t_ns, dtype=np.int64).astype(np.float64) / NS_PER_S
        phase = math.tau * (t - self.moon_perigee_s) / ANOMALISTIC_MONTH_S
        return _EARTH_MOON_MEAN_KM - _EARTH_MOON_SWING_KM * np.cos(phase)

    def _sight(self, relay: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Range (km) and sine of elevation of the relay from the site."""
        line = relay - self._site[:, None]
        distance = np.sqrt(np.einsum("ij,ij->j", line, line))
        return distance, (self._zenith @ line) / distance

    @staticmethod
    def _earth_clear(relay: np.ndarray, earth_km: np.ndarray) -> np.ndarray:
        """True where the segment relay→Earth (Earth on the Moon-fixed +x axis) misses the Moon."""
        to_earth = -relay
        to_earth[0] += earth_km
        along = -np.einsum("ij,ij->j", relay, to_earth) / np.einsum("ij,ij->j", to_earth, to_earth)
        along = np.clip(along, 0.0, 1.0)
        closest = relay + to_earth * along
        return np.einsum("ij,ij->j", closest, closest) > MOON_RADIUS_KM ** 2

    def relay_visible_many(self, t_ns: np.ndarray) -> np.ndarray:
        """Relay above the lander's elevation mask, vectorised."""
        _, sin_el = self._sight(self.relay_positions_km(t_ns))
        return sin_el >= self._sin_mask

    def earth_visible_many(self, t_ns: np.ndarray) -> np.ndarray:
        """Relay has a line of sight to Earth past the Moon, vectorised."""
        return self._earth_clear(self.relay_positions_km(t_ns), self.earth_moon_km(t_ns))

    def light_time_many(self, t_ns: np.ndarray) -> np.ndarray:
        """One-way lander→relay→Earth-centre light time in seconds, vectorised."""
        relay = self.relay_positions_km(t_ns)
        up_leg, _ = self._sight(relay)
        to_earth = -relay
        to_earth[0] += self.earth_moon_km(t_ns)
        down_leg = np.sqrt(np.einsum("ij,ij->j", to_earth, to_earth))
        return (up_leg + down_leg) / SPEED_OF_LIGHT_KM_S

    # one instant (scalar arithmetic: telemetry and per-packet light time stay cheap) ----------------------
    def relay_position_km(self, t_ns: int) -> tuple[float, float, float]:
        """Moon-fixed relay position at one instant."""
        t = t_ns / NS_PER_S
        sin, cos = math.sin, math.cos
        mean = math.remainder(self._m0 + self._n * t, math.tau)
        e = self._e
        ecc = mean + 0.85 * e * math.copysign(1.0, sin(mean))
        for _ in range(50):
            step = (ecc - e * sin(ecc) - mean) / (1 - e * cos(ecc))
            ecc -= step
            if abs(step) < 1e-13:
                break
        x_orb = self._a * (cos(ecc) - e)
        y_orb = self._b * sin(ecc)
        p, q = self._p_list, self._q_list
        x, y, z = (p[0] * x_orb + q[0] * y_orb, p[1] * x_orb + q[1] * y_orb, p[2] * x_orb + q[2] * y_orb)
        theta = math.tau * t / SIDEREAL_MONTH_S
        cos_t, sin_t = cos(theta), sin(theta)
        return cos_t * x + sin_t * y, -sin_t * x + cos_t * y, z

    def look(self, t_ns: int) -> Look:
        """Everything at one geometry time (sums over tuples: the same additions, in the same order, as ever)."""
        rx, ry, rz = self.relay_position_km(t_ns)
        sx, sy, sz = self._site_list
        lx, ly, lz = rx - sx, ry - sy, rz - sz
        distance = math.sqrt(sum((lx * lx, ly * ly, lz * lz)))
        zx, zy, zz = self._zenith_list
        sin_el = sum((zx * lx, zy * ly, zz * lz)) / distance
        earth = self._earth_moon(t_ns)
        ex, ey, ez = earth - rx, -ry, -rz
        down = math.sqrt(sum((ex * ex, ey * ey, ez * ez)))
        along = min(1.0, max(0.0, -sum((rx * ex, ry * ey, rz * ez)) / (down * down)))
        cx, cy, cz = rx + ex * along, ry + ey * along, rz + ez * along
        clear = sum((cx * cx, cy * cy, cz * cz)) > MOON_RADIUS_KM ** 2
        elevation = math.degrees(math.asin(max(-1.0, min(1.0, sin_el))))
        return Look(t_ns, elevation, distance, sin_el >= self._sin_mask, clear, earth,
                    (distance + down) / SPEED_OF_LIGHT_KM_S)

    def _earth_moon(self, t_ns: int) -> float:
        phase = math.tau * (t_ns / NS_PER_S - self.moon_perigee_s) / ANOMALISTIC_MONTH_S
        return _EARTH_MOON_MEAN_KM - _EARTH_MOON_SWING_KM * math.cos(phase)

    def light_time_ns(self, t_ns: int) -> int:
        """One-way lander→relay→Earth light time in integer nanoseconds: ``look``'s arithmetic, only the legs."""
        rx, ry, rz = self.relay_position_km(t_ns)
        sx, sy, sz = self._site_list
        lx, ly, lz = rx - sx, ry - sy, rz - sz
        ex, ey, ez = self._earth_moon(t_ns) - rx, -ry, -rz
        up = math.sqrt(sum((lx * lx, ly * ly, lz * lz)))
        return round((up + math.sqrt(sum((ex * ex, ey * ey, ez * ez)))) / SPEED_OF_LIGHT_KM_S * NS_PER_S)

    # schedules --------------------------------------------------------------------------------------------
    @cached_property
    def schedule(self) -> PassSchedule:
        """Rise/set schedules from ``origin_ns`` on, computed lazily and cached."""
        relay = SignalSchedule(self.relay_visible_many, self.origin_ns)
        earth = SignalSchedule(self.earth_visible_many, self.origin_ns)
        return PassSchedule(relay, earth, AllOf(relay, earth))

    def next_rise(self, t_ns: int) -> int | None:
        """Next time the relay rises above the lander's mask after ``t_ns``."""
        return self.schedule.relay.next_rise(t_ns)

    def next_set(self, t_ns: int) -> int | None:
        """Next time the relay sets below the lander's mask after ``t_ns``."""
        return self.schedule.relay.next_set(t_ns)

    def passes(self, start_ns: int, end_ns: int) -> list[Window]:
        """Link windows (relay visible and Earth in view) within [start_ns, end_ns)."""
        return self.schedule.link.windows(start_ns, end_ns)
