"""Pressure-fed MMH/NTO propulsion: helium bottle, regulated tanks, latch valves and the 3000 N main engine."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

from firmware_sim.devices.ascent import STANDARD_G
from protocols.dictionary.ascender import MAIN_ENGINE_ISP_S, MAIN_ENGINE_THRUST_N

CHAMBER_NOMINAL_MPA = 0.8
"""Chamber pressure at full thrust."""
FEED_NOMINAL_MPA = 1.75
"""Tank pressure at the injector inlet for which the engine gives 3000 N (1.8 MPa set point less regulator droop)."""
MIXTURE_RATIO = 1.65
"""Oxidiser-to-fuel mass ratio, NTO/MMH."""
NOMINAL_FLOW = MAIN_ENGINE_THRUST_N / (MAIN_ENGINE_ISP_S * STANDARD_G)
"""Total mass flow at full thrust, ≈0.971 kg/s."""
COLD_FLOW_CHAMBER_MPA = 0.04
"""Chamber pressure of propellant flowing through an unlit engine."""
CHAMBER_RISE_S = 0.05
CHAMBER_DECAY_S = 0.06
LATCH_TRAVEL_S = 0.05
ENGINE_VALVE_TRAVEL_S = 0.02
FUEL_DENSITY = 875.0
"""MMH, kg/m³."""
OXIDISER_DENSITY = 1440.0
"""NTO (MON-3), kg/m³."""
TANK_VOLUME_M3 = 0.18
PAD_PRESSURE_MPA = 0.4
"""Propellant tank ullage pressure before pressurisation."""
HELIUM_VOLUME_M3 = 0.045
HELIUM_PRESSURE_MPA = 23.0
REGULATOR_MAX_FLOW = 0.0012
"""Largest helium flow into one tank, MPa·m³/s (about 20 s to pressurise a loaded tank)."""
REGULATOR_CONDUCTANCE = 0.015
"""Regulator flow per MPa below set point, m³/s: the outlet droops ≈0.05 MPa at full burn demand."""
REGULATOR_DROPOUT_MPA = 0.5
"""The bottle must stay this far above the set point for the regulator to hold it."""
DEPLETED_KG = 0.2
"""Below this a tank delivers gas, not liquid."""



@dataclass(frozen=True)
class Engine:
    """The main engine's performance: thrust and specific impulse at the nominal feed pressure and mixture ratio.

    The mass flow is derived (thrust / (Isp · g₀)); the injector is sized so that this flow enters at
    ``FEED_NOMINAL_MPA`` with the chamber at ``CHAMBER_NOMINAL_MPA``, whatever the thrust.
    """

    thrust_n: float = MAIN_ENGINE_THRUST_N
    isp_s: float = MAIN_ENGINE_ISP_S

    @property
    def nominal_flow(self) -> float:
        """Total mass flow at full thrust, kg/s."""
        return self.thrust_n / (self.isp_s * STANDARD_G)

    @functools.cached_property
    def k_fuel(self) -> float:
        """Fuel injector flow per √MPa of pressure drop."""
        return self.nominal_flow / (1.0 + MIXTURE_RATIO) / math.sqrt(FEED_NOMINAL_MPA - CHAMBER_NOMINAL_MPA)

    @functools.cached_property
    def k_ox(self) -> float:
        """Oxidiser injector flow per √MPa of pressure drop."""
        return self.nominal_flow * MIXTURE_RATIO / (1.0 + MIXTURE_RATIO) / math.sqrt(
            FEED_NOMINAL_MPA - CHAMBER_NOMINAL_MPA)

    @functools.cached_property
    def pc_per_flow(self) -> float:
        """Chamber pressure per kg/s of total flow, MPa·s/kg."""
        return CHAMBER_NOMINAL_MPA / self.nominal_flow

    def isp(self, chamber_pressure: float, mixture_ratio: float) -> float:
        """Specific impulse: nominal at full chamber pressure and mixture ratio, lower off-design."""
        shift = (mixture_ratio - MIXTURE_RATIO) / MIXTURE_RATIO
        throttle = max(0.0, 1.0 - chamber_pressure / CHAMBER_NOMINAL_MPA)
        return self.isp_s * (1.0 - 0.25 * shift * shift) * (1.0 - 0.04 * throttle)


@dataclass
class Valve:
    """A valve with open and closed position switches; a stuck valve stays where it is."""

    name: str
    travel_s: float
    commanded_open: bool = False
    position: str = "closed"
    stuck: str | None = None
    arrives_s: float | None = None

    @property
    def is_open(self) -> bool:
        """Fully open: flow passes."""
        return self.position == "open"

    @property
    def disagrees(self) -> bool:
        """Settled at a position other than the commanded one."""
        return self.arrives_s is None and self.position != ("open" if self.commanded_open else "closed")

    def command(self, open_: bool, now_s: float) -> None:
        """Drive the valve toward open or closed; it reports transit until it arrives."""
        self.commanded_open = open_
        target = "open" if open_ else "closed"
        if self.stuck is None and self.position == target:
            self.arrives_s = None
            return
        if self.stuck is None:
            self.position = "transit"
        self.arrives_s = now_s + self.travel_s

    def settle(self, now_s: float) -> bool:
        """Finish a movement due by ``now_s``; True when it just finished."""
        if self.arrives_s is None or now_s < self.arrives_s - 1e-9:
            return False
        self.arrives_s = None
        if self.stuck is None:
            self.position = "open" if self.commanded_open else "closed"
        return True

    def stick(self, position: str | None) -> None:
        """From now on the valve stays at ``position`` (default: where it is)."""
        if position is not None:
            self.position = position
        self.stuck = self.position


@dataclass
class Tank:
    """A propellant tank: liquid mass and an ideal-gas helium ullage (pressure × volume is the gas amount)."""

    name: str
    density: float
    mass: float
    volume: float = TANK_VOLUME_M3
    gas: float = 0.0
    setpoint: float | None = None
    pressurized: bool = False
    leak_rate: float = 0.0

    def __post_init__(self) -> None:
        if self.gas == 0.0:
            self.gas = PAD_PRESSURE_MPA * self.ullage

    @property
    def ullage(self) -> float:
        """Gas volume, m³."""
        return self.volume - self.mass / self.density

    @property
    def pressure(self) -> float:
        """Ullage pressure, MPa."""
        return self.gas / self.ullage


@dataclass
class EngineOutput:
    """What the engine did over one step."""

    thrust: float = 0.0
    mass_flow: float = 0.0
    isp: float = 0.0
    burning: bool = False


@dataclass
class Propulsion:
    """The whole feed system; ``step`` advances regulator, leaks, valves, chamber pressure and propellant use."""

    fuel: Tank
    oxidiser: Tank
    helium_gas: float = HELIUM_PRESSURE_MPA * HELIUM_VOLUME_M3
    helium_leak_rate: float = 0.0
    helium_squib_open: bool = False
    propellant_squib_open: bool = False
    ignition_failures: int = 0
    """Coming ignitions that will not light (a fault)."""
    chamber_pressure: float = 0.0
    valves: dict[str, Valve] = field(default_factory=lambda: {
        "helium": Valve("helium", LATCH_TRAVEL_S), "fuel": Valve("fuel", LATCH_TRAVEL_S),
        "oxidiser": Valve("oxidiser", LATCH_TRAVEL_S), "engine": Valve("engine", ENGINE_VALVE_TRAVEL_S)})
    lit: bool = False
    engine: Engine = field(default_factory=Engine)
    _unlit_attempt: bool = False

    @classmethod
    def loaded(cls, propellant_kg: float, *, helium_mpa: float = HELIUM_PRESSURE_MPA,
               pad_mpa: float = PAD_PRESSURE_MPA, engine: Engine | None = None) -> Propulsion:
        """Tanks filled with ``propellant_kg`` at the engine's mixture ratio and padded at ``pad_mpa``, helium
        bottle at ``helium_mpa``."""
        fuel = propellant_kg / (1.0 + MIXTURE_RATIO)
        tanks = Tank("fuel", FUEL_DENSITY, fuel), Tank("oxidiser", OXIDISER_DENSITY, propellant_kg - fuel)
        for tank in tanks:
            tank.gas = pad_mpa * tank.ullage
        return cls(*tanks, helium_gas=helium_mpa * HELIUM_VOLUME_M3, engine=engine or Engine())

    # state ----------------------------------------------------------------------------------------------
    @property
    def helium_pressure(self) -> float:
        """Helium bottle pressure, MPa."""
        return self.helium_gas / HELIUM_VOLUME_M3

    @property
    def helium_path_open(self) -> bool:
        """Helium can reach the regulator: squib fired and latch valve open."""
        return self.helium_squib_open and self.valves["helium"].is_open

    @property
    def propellant_mass(self) -> float:
        """Fuel and oxidiser left, kg."""
        return self.fuel.mass + self.oxidiser.mass

    @property
    def tanks(self) -> tuple[Tank, Tank]:
        """Fuel and oxidiser tanks."""
        return self.fuel, self.oxidiser

    @property
    def leaking(self) -> bool:
        """A leak is still emptying a tank or the bottle."""
        return (self.helium_leak_rate > 0.0 and self.helium_pressure > 0.01) or any(
            t.leak_rate > 0.0 and t.pressure > 0.01 for t in self.tanks)

    @property
    def feeding(self) -> bool:
        """Liquid reaches the injector from either tank."""
        return self.feed_open(self.fuel) or self.feed_open(self.oxidiser)

    def feed_open(self, tank: Tank) -> bool:
        """Liquid reaches the injector from ``tank``."""
        latch = self.valves[tank.name]
        return (self.propellant_squib_open and latch.is_open and self.valves["engine"].is_open
                and tank.mass > DEPLETED_KG)

    def start_attempt(self) -> None:
        """The engine valve is being opened: this attempt lights unless an ignition fault is pending."""
        self._unlit_attempt = self.ignition_failures > 0
        if self._unlit_attempt:
            self.ignition_failures -= 1

    # dynamics -----------------------------------------------------------------------------------------------
    def step(self, dt: float, now_s: float) -> EngineOutput:
        """Advance everything by ``dt`` seconds."""
        for valve in self.valves.values():
            valve.settle(now_s)
        self._regulate(dt)
        self._leak(dt)
        fuel_on, ox_on = self.feed_open(self.fuel), self.feed_open(self.oxidiser)
        combusting = fuel_on and ox_on and not self._unlit_attempt
        if combusting:
            target, fuel_flow, ox_flow = self._steady_state()
        else:
            fuel_flow = self.engine.k_fuel * math.sqrt(max(self.fuel.pressure, 0.0)) if fuel_on else 0.0
            ox_flow = self.engine.k_ox * math.sqrt(max(self.oxidiser.pressure, 0.0)) if ox_on else 0.0
            target = COLD_FLOW_CHAMBER_MPA if (fuel_on or ox_on) else 0.0
        tau = CHAMBER_RISE_S if target > self.chamber_pressure else CHAMBER_DECAY_S
        self.chamber_pressure = target + (self.chamber_pressure - target) * math.exp(-dt / tau)
        if self.chamber_pressure < 1e-4 and target == 0.0:
            self.chamber_pressure = 0.0
        out = EngineOutput()
        if combusting or (self.lit and self.chamber_pressure > COLD_FLOW_CHAMBER_MPA):
            # start-up and tail-off: flow and thrust follow the chamber pressure
            steady_flow = fuel_flow + ox_flow
            flow = self.chamber_pressure / self.engine.pc_per_flow
            if steady_flow > 0.0:
                fuel_flow, ox_flow = fuel_flow * flow / steady_flow, ox_flow * flow / steady_flow
            else:
                fuel_flow, ox_flow = flow / (1.0 + MIXTURE_RATIO), flow * MIXTURE_RATIO / (1.0 + MIXTURE_RATIO)
            out.isp = self.engine.isp(self.chamber_pressure,
                                      ox_flow / fuel_flow if fuel_flow > 0.0 else MIXTURE_RATIO)
            out.mass_flow = fuel_flow + ox_flow
            out.thrust = out.mass_flow * out.isp * STANDARD_G
            out.burning = True
        else:
            out.mass_flow = fuel_flow + ox_flow
        self.lit = combusting or (self.lit and self.chamber_pressure > COLD_FLOW_CHAMBER_MPA)
        self._draw(self.fuel, fuel_flow * dt)
        self._draw(self.oxidiser, ox_flow * dt)
        return out

    def _steady_state(self) -> tuple[float, float, float]:
        """Chamber pressure and the two flows where injector flow and combustion agree (safeguarded Newton)."""
        pf, po = self.fuel.pressure, self.oxidiser.pressure
        k_fuel, k_ox, pc_per_flow = self.engine.k_fuel, self.engine.k_ox, self.engine.pc_per_flow
        high = min(pf, po)
        pc = min(self.chamber_pressure if self.chamber_pressure > COLD_FLOW_CHAMBER_MPA else
                 CHAMBER_NOMINAL_MPA * high / FEED_NOMINAL_MPA, high * 0.999)
        low = 0.0
        for _ in range(40):
            df, do = max(pf - pc, 1e-12), max(po - pc, 1e-12)
            sf, so = math.sqrt(df), math.sqrt(do)
            residual = pc - pc_per_flow * (k_fuel * sf + k_ox * so)
            if residual > 0.0:
                high = pc
            else:
                low = pc
            slope = 1.0 + pc_per_flow * (k_fuel / (2 * sf) + k_ox / (2 * so))
            nxt = pc - residual / slope
            if not low < nxt < high:
                nxt = 0.5 * (low + high)
            if abs(nxt - pc) < 1e-9:
                pc = nxt
                break
            pc = nxt
        return pc, k_fuel * math.sqrt(max(pf - pc, 0.0)), k_ox * math.sqrt(max(po - pc, 0.0))

    def _regulate(self, dt: float) -> None:
        if not self.helium_path_open:
            return
        for tank in self.tanks:
            if tank.setpoint is None:
                continue
            setpoint = min(tank.setpoint, self.helium_pressure - REGULATOR_DROPOUT_MPA)
            demand = REGULATOR_CONDUCTANCE * (setpoint - tank.pressure)
            flow = min(REGULATOR_MAX_FLOW, demand) * dt
            flow = min(flow, max(0.0, (self.helium_pressure - tank.pressure) * HELIUM_VOLUME_M3 * 0.5))
            if flow > 0.0:
                tank.gas += flow
                self.helium_gas -= flow

    def _leak(self, dt: float) -> None:
        if self.helium_leak_rate > 0.0:
            self.helium_gas = max(0.0, self.helium_gas - self.helium_leak_rate * HELIUM_VOLUME_M3 * dt)
        for tank in self.tanks:
            if tank.leak_rate > 0.0:
                tank.gas = max(0.0, tank.gas - tank.leak_rate * tank.ullage * dt)

    @staticmethod
    def _draw(tank: Tank, mass: float) -> None:
        tank.mass = max(0.0, tank.mass - mass)

