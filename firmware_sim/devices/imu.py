"""A strapdown IMU: three gyros and three accelerometers with turn-on bias, white noise and rest calibration."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

from firmware_sim.devices.noise import NormalNoise

Vector = tuple[float, float, float]
SECONDS_PER_HOUR = 3600.0


@dataclass(frozen=True)
class ImuSpec:
    """Error figures of a tactical-grade IMU (1σ)."""

    gyro_bias_dph: float = 5.0
    """Turn-on gyro bias, deg/h."""
    gyro_arw_deg_per_rt_h: float = 0.05
    """Angle random walk, deg/√h (white rate noise density)."""
    accel_bias_ms2: float = 0.003
    """Turn-on accelerometer bias, m/s² (≈300 µg)."""
    accel_vrw_ms_per_rt_h: float = 0.05
    """Velocity random walk, m/s/√h (white acceleration noise density)."""

    @property
    def gyro_noise_density(self) -> float:
        """Gyro white noise, deg/s per √Hz."""
        return self.gyro_arw_deg_per_rt_h / math.sqrt(SECONDS_PER_HOUR)

    @property
    def accel_noise_density(self) -> float:
        """Accelerometer white noise, m/s² per √Hz."""
        return self.accel_vrw_ms_per_rt_h / math.sqrt(SECONDS_PER_HOUR)


class ImuSample(NamedTuple):
    """One averaged output: body rates (deg/s) and specific force (m/s²), x, y, z (a named tuple: one per sample)."""

    gyro: Vector
    accel: Vector


class Imu:
    """Sensor errors drawn once at power-on from the device's noise; each sample averages white noise over its interval.

    Body axes: z along the engine thrust axis (up when standing on the lander), x in the ascent plane,
    y out of it. Calibration at rest estimates the gyro biases and subtracts them from later outputs.
    ``gyro_offset_dph`` and ``accel_offset_ms2`` are fixed biases added on every axis to the drawn ones.
    """

    def __init__(self, noise: NormalNoise, spec: ImuSpec | None = None, *, gyro_offset_dph: float = 0.0,
                 accel_offset_ms2: float = 0.0) -> None:
        self.noise = noise
        self.spec = spec or ImuSpec()
        biases = noise.take(6)
        gyro_offset = gyro_offset_dph / SECONDS_PER_HOUR
        self.gyro_bias: Vector = tuple(b * self.spec.gyro_bias_dph / SECONDS_PER_HOUR + gyro_offset
                                       for b in biases[:3])  # type: ignore[assignment]
        self.accel_bias: Vector = tuple(b * self.spec.accel_bias_ms2 + accel_offset_ms2
                                        for b in biases[3:])  # type: ignore[assignment]
        self.gyro_correction: Vector = (0.0, 0.0, 0.0)
        self.failed: dict[tuple[str, int], float] = {}
        self._gyro_density = self.spec.gyro_noise_density
        self._accel_density = self.spec.accel_noise_density

    @property
    def residual_gyro_bias(self) -> Vector:
        """Gyro bias left after calibration, deg/s."""
        return tuple(b - c for b, c in zip(self.gyro_bias, self.gyro_correction, strict=True))  # type: ignore[return-value]

    def sample(self, rate_dps: Vector, specific_force: Vector, interval_s: float) -> ImuSample:
        """Outputs for true body rates and specific force, averaged over ``interval_s`` seconds."""
        n = self.noise.take(6)
        root = 1.0 / math.sqrt(max(interval_s, 1e-3))
        gs = self._gyro_density * root
        acs = self._accel_density * root
        gb = self.gyro_bias
        gc = self.gyro_correction
        ab = self.accel_bias
        gyro = (rate_dps[0] + gb[0] - gc[0] + gs * n[0], rate_dps[1] + gb[1] - gc[1] + gs * n[1],
                rate_dps[2] + gb[2] - gc[2] + gs * n[2])
        accel = (specific_force[0] + ab[0] + acs * n[3], specific_force[1] + ab[1] + acs * n[4],
                 specific_force[2] + ab[2] + acs * n[5])
        if self.failed:
            channels = {"gyro": list(gyro), "accelerometer": list(accel)}
            for (sensor, axis), value in self.failed.items():
                channels[sensor][axis] = value
            gyro, accel = tuple(channels["gyro"]), tuple(channels["accelerometer"])  # type: ignore[assignment]
        return ImuSample(gyro, accel)

    def calibrate(self, duration_s: float) -> Vector:
        """Average the gyros at rest for ``duration_s``: the estimate (deg/s) becomes the bias correction."""
        sigma = self.spec.gyro_noise_density / math.sqrt(duration_s)
        noise = self.noise.take(3)
        estimate = tuple(b + sigma * n for b, n in zip(self.gyro_bias, noise, strict=True))
        self.gyro_correction = estimate  # type: ignore[assignment]
        return estimate  # type: ignore[return-value]

    def fail_channel(self, sensor: str, axis: int, value: float) -> None:
        """One channel sticks at ``value`` (a dead or saturated sensor)."""
        self.failed[(sensor, axis)] = value
