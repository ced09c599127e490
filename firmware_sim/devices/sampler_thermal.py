"""The sampler's heater zones: first-order temperatures under heaters and working mechanisms, solved exactly."""

from __future__ import annotations

import math
from typing import Any

HEATER_BITS = {"drill": 0, "arm": 1, "sealing": 2, "electronics": 3}
"""Bit of each zone in heater_mask."""


class _Setting:
    """A zone setting: setting it works out the zone's heat balance again, so the balance is never stale."""

    def __init__(self, doc: str) -> None:
        self.__doc__ = doc

    def __set_name__(self, owner: type, name: str) -> None:
        self._slot = "_" + name

    def __get__(self, zone: ThermalZone | None, owner: type | None = None) -> Any:
        return self if zone is None else getattr(zone, self._slot)

    def __set__(self, zone: ThermalZone, value: Any) -> None:
        setattr(zone, self._slot, value)
        zone._rebalance()


class ThermalZone:
    """One zone: relaxes toward ambient + heater + the heat of the mechanism working in it.

    Whether its heater is powered and where the zone settles (``heat_balance``) follow from its settings and
    load; they are worked out again whenever one of those is set, so advancing the zone only reads them.
    """

    ambient_c = _Setting("Where the zone settles unheated and unloaded.")
    heater_rise_c = _Setting("How far the heater, on all the time, lifts the zone's equilibrium.")
    load_rise_c = _Setting("How far the heat of the mechanism working in the zone lifts its equilibrium.")
    heater_mode = _Setting("The commanded heater mode: off, on, or auto (thermostat at ``setpoint_c``).")
    setpoint_c = _Setting("The thermostat's setpoint in auto.")
    heater_stuck_on = _Setting("True once the heater switch has welded closed (it heats whatever is commanded).")
    heat_balance: tuple[bool, float]
    """Whether the heater is powered now, and where the zone settles with it and the present load."""

    def __init__(self, name: str, parameter: str, ambient_c: float, heater_rise_c: float, limit_c: float,
                 time_constant_s: float) -> None:
        self.name = name
        self.parameter = parameter
        self.limit_c = limit_c
        self.time_constant_s = time_constant_s
        self.temp_c = 0.0
        self.over_limit = False
        self._ambient_c = ambient_c
        self._heater_rise_c = heater_rise_c
        self._load_rise_c = 0.0
        self._heater_mode = "off"
        self._setpoint_c = 0.0
        self._heater_stuck_on = False
        self._rebalance()

    @property
    def heater_on(self) -> bool:
        """True while the heater is powered (a thermostat heats only while the zone sits below its setpoint)."""
        return self.heat_balance[0]

    @property
    def equilibrium_c(self) -> float:
        """Where the zone settles with the present heater and load."""
        return self.heat_balance[1]

    def _rebalance(self) -> None:
        """Work out ``heat_balance`` again from the settings and the load.

        A heater on the thermostat heats only while the zone would sit below its setpoint without it.
        """
        unheated = self._ambient_c + self._load_rise_c
        if self._heater_stuck_on or self._heater_mode == "on":
            self.heat_balance = True, unheated + self._heater_rise_c
        elif self._heater_mode == "auto" and unheated < self._setpoint_c:
            self.heat_balance = True, min(self._setpoint_c, unheated + self._heater_rise_c)
        else:
            self.heat_balance = False, unheated

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
            heating, target = zone.heat_balance
            if dt > 0 and target != zone.temp_c:  # a zone at its equilibrium stays there exactly
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
