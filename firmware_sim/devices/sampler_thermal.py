"""The sampler's heater zones: first-order temperatures under heaters and working mechanisms, solved exactly."""

from __future__ import annotations

import math
from dataclasses import dataclass

HEATER_BITS = {"drill": 0, "arm": 1, "sealing": 2, "electronics": 3}
"""Bit of each zone in heater_mask."""


@dataclass
class ThermalZone:
    """One zone: relaxes toward ambient + heater + the heat of the mechanism working in it."""

    name: str
    parameter: str
    ambient_c: float
    heater_rise_c: float
    limit_c: float
    time_constant_s: float
    temp_c: float = 0.0
    load_rise_c: float = 0.0
    heater_mode: str = "off"
    setpoint_c: float = 0.0
    heater_stuck_on: bool = False
    over_limit: bool = False

    @property
    def heater_on(self) -> bool:
        """True while the heater is powered (a thermostat heats only while the zone sits below its setpoint)."""
        return self.heat_balance()[0]

    @property
    def equilibrium_c(self) -> float:
        """Where the zone settles with the present heater and load."""
        return self.heat_balance()[1]

    def heat_balance(self) -> tuple[bool, float]:
        """Whether the heater is powered now, and where the zone settles with it and the present load.

        A heater on the thermostat heats only while the zone would sit below its setpoint without it.
        """
        unheated = self.ambient_c + self.load_rise_c
        if self.heater_stuck_on or self.heater_mode == "on":
            return True, unheated + self.heater_rise_c
        if self.heater_mode == "auto" and unheated < self.setpoint_c:
            return True, min(self.setpoint_c, unheated + self.heater_rise_c)
        return False, unheated

    def seconds_to_limit(self) -> float | None:
        """Time until the zone crosses its limit at the present equilibrium, or None if it never will."""
        target = self.equilibrium_c
        if self.temp_c >= self.limit_c or target <= self.limit_c:
            return None
        return self.time_constant_s * math.log((target - self.temp_c) / (target - self.limit_c))


class ThermalModel:
    """The four zones, advanced lazily to the time they are read."""

    def __init__(self, ambient_c: float, electronics_ambient_c: float, now_ns: int) -> None:
        self.zones = {
            "drill": ThermalZone("drill", "drill_motor_temp", ambient_c, 65.0, 90.0, 600.0),
            "arm": ThermalZone("arm", "arm_joint_temp", ambient_c, 65.0, 85.0, 900.0),
            "sealing": ThermalZone("sealing", "sealing_unit_temp", ambient_c, 65.0, 75.0, 600.0),
            "electronics": ThermalZone("electronics", "electronics_temp", electronics_ambient_c, 35.0, 60.0, 1200.0),
        }
        self._bits_and_zones = [(1 << HEATER_BITS[name], zone) for name, zone in self.zones.items()]
        """Each zone with its heater_mask bit (one list walk, no table look-up per zone)."""
        self.settle()
        self._last_ns = now_ns

    def settle(self) -> None:
        """Every zone at its equilibrium now (the state at power-on after a long soak)."""
        for zone in self.zones.values():
            zone.temp_c = zone.equilibrium_c

    def advance_to(self, now_ns: int) -> int:
        """Bring every zone up to ``now_ns``: each relaxes toward its equilibrium (exact for a constant one).

        Returns the heater mask the zones relaxed under: ``heater_mask`` until a heater setting changes.
        """
        dt = (now_ns - self._last_ns) / 1e9
        self._last_ns = now_ns
        mask = 0
        for bit, zone in self._bits_and_zones:
            heating, target = zone.heat_balance()
            if dt > 0:
                zone.temp_c += (target - zone.temp_c) * (1.0 - math.exp(-dt / zone.time_constant_s))
            if heating:
                mask |= bit
        return mask

    @property
    def heater_mask(self) -> int:
        """heater_mask: bit 0 drill, 1 arm, 2 sealing, 3 electronics."""
        mask = 0
        for bit, zone in self._bits_and_zones:
            if zone.heater_on:
                mask |= bit
        return mask

    def seconds_to_next_limit(self) -> float | None:
        """Time until the first zone now below its limit crosses it, or None."""
        times = [t for z in self.zones.values() if (t := z.seconds_to_limit()) is not None]
        return min(times) if times else None
