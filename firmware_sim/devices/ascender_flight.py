"""The ascender's flight: true state, strapdown navigation, attitude, and the IMU samples that sense them."""

from __future__ import annotations

import math
from typing import Any

from firmware_sim.devices.ascent import (
    MOON_RADIUS_M,
    State,
    coast,
    gravity,
    navigate,
    on_surface,
    orbit_altitudes_km,
    step,
    thrust_angle,
)
from firmware_sim.devices.imu import Imu, ImuSample

Vector = tuple[float, float, float]


class Flight:
    """Truth and navigation of one vehicle in the ascent plane, with its attitude and IMU.

    Body axes: z along the thrust axis, x in the plane (downrange when upright), y out of the plane; the
    y gyro reads the pitch rate, positive as the nose tips toward downrange. Pitch is the thrust axis above
    the local horizontal (90° standing on the lander). Navigation is exact on the lander, then integrates
    the IMU, so its bias and noise show in the estimated attitude, velocity and orbit.
    """

    def __init__(self, imu: Imu, site_elevation_m: float, mass: float) -> None:
        self.imu = imu
        self.vehicle = on_surface(site_elevation_m, mass)
        self.nav = self.vehicle
        self.ground_radius = self.vehicle.radius
        self.attitude = [0.0, 90.0, 0.0]
        """True roll, pitch and yaw, deg."""
        self.attitude_error = [0.0, 0.0, 0.0]
        """Navigation minus true attitude, deg: the integrated gyro error since lift-off."""
        self.lifted_off = False
        self.impacted = False
        self.liftoff_mass = 0.0
        self.max_acceleration = 0.0
        self.thrust_axis = thrust_angle(self.vehicle, 90.0)
        self.sample: ImuSample = imu.sample((0.0, 0.0, 0.0), self._rest_force(), 1.0)
        self._sampled_s = 0.0

    @property
    def free(self) -> bool:
        """Off the lander and not yet back on the ground."""
        return self.lifted_off and not self.impacted

    @property
    def sensed_acceleration(self) -> float:
        """Specific force along the thrust axis in flight (on the lander: 0, guidance does not need it)."""
        return self.sample.accel[2] if self.lifted_off else 0.0

    def begin_burn(self, now_s: float) -> None:
        """The engine is about to fire: the thrust axis is where the attitude points."""
        self.thrust_axis = thrust_angle(self.vehicle, self.attitude[1])
        self._sampled_s = now_s

    def burn_step(self, thrust: float, mass_flow: float, pitch: float, mass: float, dt: float) -> bool:
        """Fly ``dt`` seconds under ``thrust`` at ``pitch``; True when this step lifted the vehicle off."""
        state = step(self.vehicle, thrust, mass_flow, pitch, dt,
                     ground_radius=None if self.lifted_off else self.ground_radius)
        self.vehicle = State(state.x, state.y, state.vx, state.vy, mass)
        lifted = not self.lifted_off and self.vehicle.speed > 0.0
        if lifted:
            self.lifted_off = True
            self.liftoff_mass = mass
        axis = thrust_angle(self.vehicle, pitch)
        rates = (0.0, -math.degrees(_wrap_rad(axis - self.thrust_axis)) / dt, 0.0)
        self.thrust_axis = axis
        if self.lifted_off:
            accel = thrust / mass
            self.max_acceleration = max(self.max_acceleration, accel)
            self.sample = self.imu.sample(rates, (0.0, 0.0, accel), dt)
            self._integrate_error(rates, dt)
            estimated_axis = axis + math.radians(self.attitude_error[1])
            self.nav = navigate(self.nav, self.sample.accel[2], self.sample.accel[0], estimated_axis, dt)
            self._check_impact()
        else:
            self.sample = self.imu.sample(rates, self._rest_force(), dt)
            self.nav = self.vehicle
        self.attitude[1] = pitch
        return lifted

    def coast(self, dt: float) -> None:
        """Engine off: Kepler arcs; a trajectory that meets the ground goes in ≤ 1 s arcs to find the impact."""
        if not self.free:
            return
        periapsis, _ = orbit_altitudes_km(self.vehicle)
        chunk = dt if MOON_RADIUS_M + periapsis * 1000.0 >= self.ground_radius else 1.0
        remaining = dt
        while remaining > 0.0 and not self.impacted:
            span = min(chunk, remaining)
            self.vehicle = coast(self.vehicle, span)
            self.nav = coast(self.nav, span)
            remaining -= span
            self._check_impact()

    def sample_idle(self, now_s: float) -> None:
        """Sample the IMU at rest (or in free fall, holding attitude to the local horizontal) since the last one."""
        interval = max(now_s - self._sampled_s, 0.02)
        self._sampled_s = now_s
        if self.free:
            rates = (0.0, math.degrees(self.vehicle.horizontal_velocity / self.vehicle.radius), 0.0)
            self.sample = self.imu.sample(rates, (0.0, 0.0, 0.0), interval)
            self._integrate_error(rates, interval)
        else:
            self.sample = self.imu.sample((0.0, 0.0, 0.0), self._rest_force(), interval)

    def slew_step(self, target: Vector, rate: float, dt: float) -> bool:
        """Turn toward ``target`` (roll, pitch, yaw) at ``rate`` deg/s for ``dt``; True on arrival."""
        deltas = [_wrap_deg(target[0] - self.attitude[0]), target[1] - self.attitude[1],
                  _wrap_deg(target[2] - self.attitude[2])]
        largest = max(abs(d) for d in deltas)
        fraction = 1.0 if largest <= rate * dt else rate * dt / largest
        moves = [d * fraction for d in deltas]
        self.attitude = [_wrap_deg(self.attitude[0] + moves[0]), self.attitude[1] + moves[1],
                         _wrap_deg(self.attitude[2] + moves[2])]
        rates = (moves[0] / dt, -moves[1] / dt, moves[2] / dt)
        self.sample = self.imu.sample(rates, (0.0, 0.0, 0.0), dt)
        self._integrate_error(rates, dt)
        self._sampled_s += dt
        return fraction == 1.0

    def publish_navigation(self, t: dict[str, Any]) -> None:
        """Write the navigation estimate: altitude, velocities, osculating orbit and attitude."""
        nav = self.nav
        t["altitude"] = nav.altitude
        t["velocity"] = nav.speed
        t["vertical_velocity"] = nav.vertical_velocity
        t["horizontal_velocity"] = abs(nav.horizontal_velocity)
        t["periapsis"], t["apoapsis"] = orbit_altitudes_km(nav)
        self.publish_attitude(t)

    def publish_attitude(self, t: dict[str, Any]) -> None:
        """Write the estimated roll, pitch and yaw."""
        err = self.attitude_error
        t["roll"] = _wrap_deg(self.attitude[0] + err[0])
        t["pitch"] = max(-90.0, min(90.0, self.attitude[1] + err[1]))
        t["yaw"] = _wrap_deg(self.attitude[2] + err[2])

    def publish_imu(self, t: dict[str, Any]) -> None:
        """Write the latest gyro and accelerometer outputs."""
        t["gyro_rate_x"], t["gyro_rate_y"], t["gyro_rate_z"] = self.sample.gyro
        t["accel_x"], t["accel_y"], t["accel_z"] = self.sample.accel

    def _rest_force(self) -> Vector:
        return 0.0, 0.0, gravity(self.vehicle.radius)

    def _integrate_error(self, true_rates: Vector, dt: float) -> None:
        gyro = self.sample.gyro
        self.attitude_error[0] += (gyro[0] - true_rates[0]) * dt
        self.attitude_error[1] -= (gyro[1] - true_rates[1]) * dt
        self.attitude_error[2] += (gyro[2] - true_rates[2]) * dt

    def _check_impact(self) -> None:
        if self.vehicle.radius < self.ground_radius:
            self.impacted = True
            self.vehicle = State(self.vehicle.x, self.vehicle.y, 0.0, 0.0, self.vehicle.mass)
            self.nav = self.vehicle


def _wrap_deg(angle: float) -> float:
    return (angle + 180.0) % 360.0 - 180.0


def _wrap_rad(angle: float) -> float:
    return (angle + math.pi) % (2.0 * math.pi) - math.pi
