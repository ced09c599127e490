"""The ascender's platform: heater zones with first-order thermal lags, and its 28 V bus and battery.

Both advance in closed form over any elapsed time, so an idle ascender costs nothing between reports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class Zone:
    """A heater zone: relaxes toward the temperature its heater mode sustains; has operating limits.

    Its heater's mode and setpoint change through ``Platform.set_heater`` (the bus load follows them).
    """

    name: str
    tau_s: float
    unheated_c: float
    """Equilibrium with the heater off."""
    heater_rise_c: float
    """Equilibrium rise with the heater on all the time."""
    low_c: float
    high_c: float
    temperature: float = 20.0
    mode: str = "auto"
    setpoint: float = 20.0
    outside: bool = False

    @property
    def equilibrium(self) -> float:
        """The temperature the current mode sustains (an ideal thermostat in auto)."""
        if self.mode == "off":
            return self.unheated_c
        if self.mode == "on":
            return self.unheated_c + self.heater_rise_c
        return min(max(self.setpoint, self.unheated_c), self.unheated_c + self.heater_rise_c)

    @property
    def duty(self) -> float:
        """Fraction of the time the heater is powered."""
        return (self.equilibrium - self.unheated_c) / self.heater_rise_c

    @property
    def powered(self) -> bool:
        """True when the heater draws current (some of the time, in auto)."""
        return self.duty > 0.0

    def advance(self, dt: float) -> bool:
        """Move ``dt`` seconds on; True when the zone just left its limits."""
        target = self.equilibrium
        self.temperature = target + (self.temperature - target) * math.exp(-dt / self.tau_s)
        out = not self.low_c <= self.temperature <= self.high_c
        left = out and not self.outside
        if out:
            self.outside = True
        elif self.low_c + 1.0 <= self.temperature <= self.high_c - 1.0:
            self.outside = False
        return left


def default_zones() -> dict[str, Zone]:
    """Tanks (big thermal mass), valves and IMU, all held at 20 °C by thermostats from power-on."""
    return {
        "fuel_tank": Zone("fuel_tank", 3600.0, 8.0, 35.0, 5.0, 40.0),
        "oxidiser_tank": Zone("oxidiser_tank", 3600.0, 8.0, 35.0, 5.0, 40.0),
        "valves": Zone("valves", 900.0, 2.0, 40.0, 5.0, 50.0),
        "imu": Zone("imu", 600.0, 15.0, 35.0, 0.0, 45.0),
    }


HEATER_BITS = {"fuel_tank": 0, "oxidiser_tank": 1, "valves": 2, "imu": 3}
HEATER_CURRENT_A = 0.6
BASE_CURRENT_A = 2.3
"""Control electronics, IMU and transceiver."""
ENGINE_CURRENT_A = 2.0
"""Engine and latch valve coils while burning."""
LANDER_SUPPLY_V = 29.0
BATTERY_AH = 60.0
BATTERY_RESISTANCE_OHM = 0.05


@dataclass
class Power:
    """The 28 V bus: fed by the lander through the umbilical, then by the ascender's own battery."""

    umbilical: bool = True
    charge: float = 100.0
    extra_a: float = 0.0
    """Loads beyond electronics and heaters (valve coils)."""
    heater_a: float = 0.0
    """What the heaters draw on average, set by the platform when a heater setting changes."""
    current: float = BASE_CURRENT_A
    voltage: float = LANDER_SUPPLY_V

    def advance(self, dt: float) -> None:
        """Draw the present load for ``dt`` seconds."""
        self.current = BASE_CURRENT_A + self.extra_a + self.heater_a
        if self.umbilical:
            self.voltage = LANDER_SUPPLY_V
            return
        self.charge = max(0.0, self.charge - self.current * dt / (BATTERY_AH * 36.0))
        self.voltage = 26.0 + 3.0 * self.charge / 100.0 - BATTERY_RESISTANCE_OHM * self.current


@dataclass
class Platform:
    """Heater zones, electronics and injector temperatures and the bus, advanced together."""

    zones: dict[str, Zone] = field(default_factory=default_zones)
    power: Power = field(default_factory=Power)
    electronics_c: float = 22.0
    injector_c: float = 30.0
    injector_target_c: float = 30.0
    injector_tau_s: float = 1800.0

    def __post_init__(self) -> None:
        self.power.heater_a = self._heater_current()

    def set_heater(self, name: str, mode: str, setpoint: float | None = None) -> None:
        """Set a zone's heater mode (and its setpoint, if given); the bus load follows."""
        zone = self.zones[name]
        zone.mode = mode
        if setpoint is not None:
            zone.setpoint = setpoint
        self.power.heater_a = self._heater_current()

    def _heater_current(self) -> float:
        """What the heaters draw on average at their present duties."""
        return sum(HEATER_CURRENT_A * zone.duty for zone in self.zones.values())

    @property
    def heater_mask(self) -> int:
        """Bit per powered heater: 0 fuel tank, 1 oxidiser tank, 2 valves, 3 IMU."""
        mask = 0
        for name, zone in self.zones.items():
            if zone.powered:
                mask |= 1 << HEATER_BITS[name]
        return mask

    def advance(self, dt: float) -> list[Zone]:
        """Move ``dt`` seconds on; returns the zones that just left their limits."""
        if dt <= 0.0:
            return []
        left = [zone for zone in self.zones.values() if zone.advance(dt)]
        self.power.advance(dt)
        self.electronics_c = 25.0 + (self.electronics_c - 25.0) * math.exp(-dt / 1200.0)
        self.injector_c = self.injector_target_c + (self.injector_c - self.injector_target_c) * math.exp(
            -dt / self.injector_tau_s)
        return left

    def engine_heating(self, burning: bool, in_flight: bool) -> None:
        """The injector soaks toward its firing temperature while burning, then cools toward its environment."""
        if burning:
            self.injector_target_c, self.injector_tau_s = 130.0, 90.0
        else:
            self.injector_target_c, self.injector_tau_s = (-40.0 if in_flight else 30.0), 1800.0
