"""The IMU: lunar gravity at rest plus bias and noise drawn from the rng; rest calibration removes gyro bias."""

from __future__ import annotations

import math

import numpy as np
import pytest

from firmware_sim.devices.imu import Imu, ImuSpec
from firmware_sim.devices.noise import NormalNoise

LUNAR_G = 1.62


def _samples(imu: Imu, n: int, interval: float) -> np.ndarray:
    rows = [imu.sample((0.0, 0.0, 0.0), (0.0, 0.0, LUNAR_G), interval) for _ in range(n)]
    return np.array([s.gyro + s.accel for s in rows])


def test_at_rest_it_reads_lunar_gravity_on_the_vertical_axis() -> None:
    imu = Imu(NormalNoise(np.random.default_rng(1)))
    data = _samples(imu, 2000, 0.05)
    mean = data.mean(axis=0)
    assert mean[5] == pytest.approx(LUNAR_G + imu.accel_bias[2], abs=0.001)
    assert mean[5] == pytest.approx(LUNAR_G, abs=0.02)
    assert np.allclose(mean[3:5], imu.accel_bias[:2], atol=0.001)
    assert np.allclose(mean[:3], imu.gyro_bias, atol=0.001)


def test_noise_follows_the_noise_density_and_the_averaging_interval() -> None:
    spec = ImuSpec()
    imu = Imu(NormalNoise(np.random.default_rng(2)), spec)
    fast = _samples(imu, 4000, 0.02).std(axis=0)
    slow = _samples(imu, 4000, 1.0).std(axis=0)
    assert fast[5] == pytest.approx(spec.accel_noise_density / math.sqrt(0.02), rel=0.1)
    assert fast[1] == pytest.approx(spec.gyro_noise_density / math.sqrt(0.02), rel=0.1)
    assert slow[5] == pytest.approx(fast[5] * math.sqrt(0.02), rel=0.1)


def test_bias_comes_from_the_seed() -> None:
    a, b, c = (Imu(NormalNoise(np.random.default_rng(seed))) for seed in (5, 5, 6))
    assert a.gyro_bias == b.gyro_bias and a.accel_bias == b.accel_bias
    assert a.gyro_bias != c.gyro_bias
    assert all(abs(x) < 5 * 5.0 / 3600.0 for x in a.gyro_bias)  # 5 deg/h 1σ


def test_calibration_leaves_a_much_smaller_gyro_bias() -> None:
    imu = Imu(NormalNoise(np.random.default_rng(3)), ImuSpec(gyro_bias_dph=20.0))
    before = max(abs(b) for b in imu.residual_gyro_bias)
    estimate = imu.calibrate(120.0)
    after = max(abs(b) for b in imu.residual_gyro_bias)
    assert after < before / 5
    assert estimate == pytest.approx(imu.gyro_bias, abs=0.001)


def test_a_failed_channel_stays_frozen() -> None:
    imu = Imu(NormalNoise(np.random.default_rng(4)))
    imu.fail_channel("accelerometer", 2, 9.9)
    samples = _samples(imu, 10, 0.1)
    assert (samples[:, 5] == 9.9).all() and samples[:, 4].std() > 0
