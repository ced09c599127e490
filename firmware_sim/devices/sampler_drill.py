"""Drill-string physics: rotary-percussive penetration, torque, motor current and coring through the regolith."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from firmware_sim.devices.regolith import Layer, RegolithColumn, Rock

PERCUSSION_GAIN = {"off": 1.0, "low": 1.8, "high": 2.6}
"""How much the hammer speeds cutting: blows fracture what the rotating bit then clears."""
PERCUSSION_CURRENT_A = {"off": 0.0, "low": 0.5, "high": 0.9}
"""Bus current the hammer draws."""

BASE_RATE_MM_MIN = 150.0
"""Fastest cutting rate in loose fines (hardness 1) at the reference rotation rate, hammer off."""
REFERENCE_RPM = 120.0
CUTTING_TORQUE_NM = 1.0
"""Cutting torque per unit hardness with the bit fully loaded."""
ROD_FRICTION_NM_PER_M = 1.2
"""Torque the outer rod's wall friction adds per metre in the hole."""
ENGAGE_M = 0.005
"""Depth over which the bit's full face comes to bear on a rock."""
SPIN_ACCEL_RPM_S = 60.0
TORQUE_LAG_S = 0.3
RAMP_STOP_S = 2.0
RETRACT_RPM = 30.0
"""The rod turns slowly while it is pulled out, to ease wall friction."""

CORE_DIAMETER_CM = 1.4
CORE_AREA_CM2 = math.pi * (CORE_DIAMETER_CM / 2) ** 2
NOMINAL_CORE_DENSITY = 1.65
"""Density the flight software assumes when it turns bag length into core mass."""
ROCK_CORE_RECOVERY = 0.6

DRILL_CURRENT_TRIP_A = 7.5
"""The rotation drive's overcurrent protection trips above this."""
OVERCURRENT_RAMP_A_S = 5.0
"""How fast a shorted winding's extra current grows."""

Noise = Callable[[], float]


def core_recovery(depth_m: float) -> float:
    """Fraction of drilled length that enters the coring bag: loose fines at the top flow out more."""
    return 0.78 + 0.12 * min(1.0, depth_m)


@dataclass
class DrillString:
    """The bit, rod and coring bag: what drilling, retracting and stopping do to depth, torque and core."""

    column: RegolithColumn
    noise: Noise
    depth_m: float = 0.0
    deepest_m: float = 0.0
    rpm: float = 0.0
    torque_nm: float = 0.0
    current_a: float = 0.0
    feed_force_n: float = 0.0
    rate_mm_min: float = 0.0
    core_length_m: float = 0.0
    core_mass_g: float = 0.0
    shorted_winding: bool = False
    overcurrent_a: float = 0.0
    rocks_entered: list[Rock] = field(default_factory=list)
    _stop_decel_rpm_s: float = 1e6

    @property
    def tachometer_rpm(self) -> float:
        """Rotation rate the tachometer reads: the drive droops a little under load."""
        return self.rpm * (1.0 - 0.003 * self.torque_nm) if self.rpm else 0.0

    @property
    def core_estimate_g(self) -> float:
        """Core mass as the flight software sees it: bag length × core section × nominal density."""
        return self.core_length_m * 100 * CORE_AREA_CM2 * NOMINAL_CORE_DENSITY

    def hardness_at_bit(self, layer: Layer, rock: Rock | None) -> float:
        """Hardness the bit face meets at its depth: the ``layer``'s, rising to the ``rock``'s as the bit engages it."""
        if rock is None:
            return layer.hardness
        engaged = min(1.0, (self.depth_m - rock.top_m) / ENGAGE_M)
        return layer.hardness + engaged * (rock.hardness - layer.hardness)

    def drill(self, dt: float, rpm_cmd: float, percussion: str, feed_mm_min: float, target_m: float) -> None:
        """Advance one step of drilling toward ``target_m``: spin up, cut as fast as the ground allows."""
        self._spin(dt, rpm_cmd)
        layer, rock = self.column.layer_at(self.depth_m), self.column.rock_at(self.depth_m)
        hardness = self.hardness_at_bit(layer, rock)
        if self.rpm >= 0.5 * rpm_cmd:
            cutting_limit = BASE_RATE_MM_MIN * PERCUSSION_GAIN[percussion] * math.sqrt(self.rpm / REFERENCE_RPM) \
                / hardness
            rate = min(feed_mm_min, cutting_limit)
            load = rate / cutting_limit
        else:
            rate, load = 0.0, 0.2
        step = min(rate * dt / 60_000, max(0.0, target_m - self.depth_m))
        self._deepen(step, layer, rock)
        self.rate_mm_min = step * 60_000 / dt
        torque = self._base_torque() + CUTTING_TORQUE_NM * hardness * (0.25 + 0.75 * load)
        self._settle(dt, torque)
        self.feed_force_n = max(0.0, 40.0 + 30.0 * hardness * load + 3.0 * self.noise())

    def retract(self, dt: float, rate_mm_min: float) -> None:
        """Advance one step of pulling the string out, turning slowly."""
        self._spin(dt, RETRACT_RPM)
        step = min(self.depth_m, rate_mm_min * dt / 60_000)
        self.depth_m -= step
        self.rate_mm_min = -step * 60_000 / dt
        self._settle(dt, self._base_torque())
        self.feed_force_n = max(0.0, 5.0 + 2.0 * self.noise())

    def begin_stop(self, brake: bool) -> None:
        """Start stopping: the feed halts now; rotation ramps down over 2 s, or the brake stops it at once."""
        self._stop_decel_rpm_s = 1e6 if brake else max(self.rpm, 1.0) / RAMP_STOP_S
        self.rate_mm_min = 0.0

    def spin_down(self, dt: float) -> bool:
        """Advance one step of stopping; True once the rod is still."""
        self.rpm = max(0.0, self.rpm - self._stop_decel_rpm_s * dt)
        self.rate_mm_min = 0.0
        self._settle(dt, self._base_torque() if self.rpm else 0.0)
        self.feed_force_n = 0.0 if not self.rpm else self.feed_force_n * 0.5
        if self.rpm == 0.0:
            self.halt()
        return self.rpm == 0.0

    def halt(self) -> None:
        """Everything stops at once (a trip or a brake): no rotation, torque, current or feed."""
        self.rpm = self.torque_nm = self.current_a = self.feed_force_n = self.rate_mm_min = 0.0
        self.overcurrent_a = 0.0

    def _spin(self, dt: float, rpm_cmd: float) -> None:
        if self.rpm < rpm_cmd:
            self.rpm = min(rpm_cmd, self.rpm + SPIN_ACCEL_RPM_S * dt)
        else:
            self.rpm = max(rpm_cmd, self.rpm - SPIN_ACCEL_RPM_S * dt)

    def _base_torque(self) -> float:
        return 0.4 + 0.004 * self.rpm + ROD_FRICTION_NM_PER_M * self.depth_m

    def _settle(self, dt: float, torque_target: float) -> None:
        """Torque follows its target with the drive's lag and gauge noise; current follows torque."""
        self.torque_nm += (torque_target - self.torque_nm) * (1.0 - math.exp(-dt / TORQUE_LAG_S))
        self.torque_nm = max(0.0, self.torque_nm * (1.0 + 0.02 * self.noise()))
        if self.shorted_winding and self.rpm > 0:
            self.overcurrent_a += OVERCURRENT_RAMP_A_S * dt
        spinning = self.rpm > 0
        self.current_a = (0.15 + 0.13 * self.torque_nm + 0.0015 * self.rpm + self.overcurrent_a
                          + 0.01 * self.noise()) if spinning else 0.0

    def _deepen(self, step: float, layer: Layer, rock: Rock | None) -> None:
        """Cut ``step`` deeper from the bit's depth in ``layer`` (and ``rock``, if in one): the core grows."""
        if step <= 0.0:
            return
        if rock is not None and rock not in self.rocks_entered:
            self.rocks_entered.append(rock)
        recovery = ROCK_CORE_RECOVERY if rock else core_recovery(self.depth_m)
        density = rock.density_g_cm3 if rock else layer.density_g_cm3
        self.core_length_m += recovery * step
        self.core_mass_g += density * CORE_AREA_CM2 * recovery * step * 100
        self.depth_m += step
        self.deepest_m = max(self.deepest_m, self.depth_m)
