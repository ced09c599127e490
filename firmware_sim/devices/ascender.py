"""The ascender: arming and pyros, regulated MMH/NTO propulsion, an IMU and a guided ascent to lunar orbit."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from firmware_sim.devices.ascender_flight import Flight
from firmware_sim.devices.ascender_platform import Platform
from firmware_sim.devices.ascent import STANDARD_G, AscentGuidance, orbit_altitudes_km
from firmware_sim.devices.base import DeviceModel, Execution
from firmware_sim.devices.imu import Imu
from firmware_sim.devices.noise import NormalNoise
from firmware_sim.devices.propulsion import (
    DEPLETED_KG,
    HELIUM_PRESSURE_MPA,
    PAD_PRESSURE_MPA,
    REGULATOR_DROPOUT_MPA,
    Engine,
    EngineOutput,
    Propulsion,
    Tank,
    Valve,
)
from firmware_sim.engine.scheduler import Scheduler
from firmware_sim.errors import CommandRefusedError
from firmware_sim.params import MAX_COUNT, Param, fault_params
from protocols.dictionary.ascender import (
    ARM_KEY,
    ASCENDER,
    AXES,
    IMU_SENSORS,
    MAIN_ENGINE_ISP_S,
    MAIN_ENGINE_THRUST_N,
    PYROS,
    TANKS,
    VALVES,
)
from protocols.services.verification import FailureCode

DRY_MASS_KG = 400.0
"""Structure, engine, helium, avionics and the sealed sample: 780 kg at lift-off with the propellant."""
PROPELLANT_KG = 380.0
"""MMH and NTO loaded at mixture ratio 1.65; the ascent uses about 350 kg."""
MAX_PROPELLANT_KG = 400.0
"""The most the tanks hold with some helium ullage left."""
VALVE_POSITIONS = ("closed", "open", "transit")
BURN_TICK_HZ = 50
"""Physics and navigation rate while the engine runs."""
SLOW_TICK_HZ = 10
"""Rate while pressurising, regulating or slewing."""
LEAK_TICK_HZ = 2
"""Rate while only a leak is emptying a tank."""
IMU_ALIGN_S = 30.0
"""Levelling at power-on before the IMU reports ready."""
PRESSURIZE_TIMEOUT_S = 180.0
PRESSURE_TOLERANCE_MPA = 0.01
LOW_PRESSURE_CUTOFF = 0.75
"""During a burn the engine is shut down when a feed pressure falls below this fraction of tank_pressure_min."""
FLAMEOUT_S = 0.2
"""Chamber pressure below half of ignition_pressure for this long after ignition: flame-out, shutdown."""
SHUTDOWN_CHAMBER_MPA = 0.02
PYRO_PULSE_S = 0.01
PYRO_CURRENT_A = 4.5
ORBIT_MIN_PERIAPSIS_KM = 10.0
"""Periapsis that clears the highest lunar terrain: above it the ascender is in orbit."""
BURN_SETS = (10, 11)
"""burn-propulsion and burn-navigation: enabled for each burn."""
NAVIGATION_SETS = (3, 11)
PLATFORM_REPORT_STEP_S = 5.0
"""Between commands, temperatures and the battery are brought up to date at most this often."""
SHUTDOWN_OUTCOMES = {"guidance": None, "timer": None, "depletion": FailureCode.EXECUTION_FAILED,
                     "fault": FailureCode.HARDWARE_FAULT}


@dataclass
class Burn:
    """One engine firing from the ignite command to the end of the tail-off."""

    execution: Execution
    started_s: float
    duration_s: float
    cutoff: str
    attempt: int
    ascent: bool
    pitch_deg: float
    hk_before: dict[int, bool]
    ignited: bool = False
    max_chamber: float = 0.0
    stop_reason: str | None = None
    stopped_s: float | None = None
    aborted: bool = False
    flameout_since: float | None = None


@dataclass
class Pressurization:
    """A tank-pressurize command under way."""

    execution: Execution
    tanks: tuple[str, ...]
    target: float
    started_s: float


@dataclass
class Slew:
    """A set-attitude command under way."""

    execution: Execution
    target: tuple[float, float, float]
    rate: float


class AscenderModel(DeviceModel):
    """The ascent vehicle: a state machine over arming, pyros, propulsion, IMU, guidance and the ascent itself."""

    OPTIONS: ClassVar[Mapping[str, Param]] = {
        "dry_mass_kg": Param("number", 0.0, 10_000.0, above=True, unit="kg"),
        "propellant_kg": Param("number", 0.0, MAX_PROPELLANT_KG, unit="kg"),
        "site_elevation_m": Param("number", -10_000.0, 12_000.0, unit="m"),
        "thrust_n": Param("number", 2000.0, 3600.0, unit="N"),
        "isp_s": Param("number", 250.0, 350.0, unit="s"),
        "helium_pressure_mpa": Param("number", 5.0, 35.0, unit="MPa"),
        "tank_pad_pressure_mpa": Param("number", 0.0, 1.5, unit="MPa"),
        "imu_gyro_bias_dph": Param("number", -50.0, 50.0, unit="deg/h"),
        "imu_accel_bias_ms2": Param("number", -0.1, 0.1, unit="m/s²"),
    }
    """The model options a scenario may give in ``[bench.devices.ascender]``.

    ``thrust_n`` and ``isp_s`` are the real engine's (mass flow derived: thrust / (Isp · g₀)); guidance keeps
    the design Isp. The IMU biases are fixed offsets added on every axis to the ones drawn from the seed.
    """

    def __init__(self, scheduler: Scheduler, rng: np.random.Generator, epoch_ns: int = 0,
                 options: Mapping[str, Any] | None = None) -> None:
        super().__init__(ASCENDER, scheduler, rng, epoch_ns, options)
        self.dry_mass = float(self.options.get("dry_mass_kg", DRY_MASS_KG))
        self.prop = Propulsion.loaded(float(self.options.get("propellant_kg", PROPELLANT_KG)),
                                      helium_mpa=float(self.options.get("helium_pressure_mpa", HELIUM_PRESSURE_MPA)),
                                      pad_mpa=float(self.options.get("tank_pad_pressure_mpa", PAD_PRESSURE_MPA)),
                                      engine=Engine(float(self.options.get("thrust_n", MAIN_ENGINE_THRUST_N)),
                                                    float(self.options.get("isp_s", MAIN_ENGINE_ISP_S))))
        self.noise = NormalNoise(rng)
        self.imu = Imu(self.noise, gyro_offset_dph=float(self.options.get("imu_gyro_bias_dph", 0.0)),
                       accel_offset_ms2=float(self.options.get("imu_accel_bias_ms2", 0.0)))
        self.platform = Platform()
        self.flight = Flight(self.imu, float(self.options.get("site_elevation_m", 0.0)), self._mass())
        self.arm_pyros = False
        self.arm_engine = False
        self.pyros = dict.fromkeys(PYROS, "safe")
        self.pyro_failures: dict[str, int] = {}
        self._pyro_pending: set[str] = set()
        self.fault: str | None = None
        self.in_orbit = False
        self.burn: Burn | None = None
        self.guidance: AscentGuidance | None = None
        self.pressurization: Pressurization | None = None
        self.calibration: Execution | None = None
        self.slew: Slew | None = None
        self.ascent_burn_s = 0.0
        self._tick_hz = 0
        self._lazy_s = 0.0
        self._platform_s = 0.0
        self._stuck_reported: set[str] = set()
        self._pressure_ok: dict[str, bool] = dict.fromkeys(TANKS, False)
        self._last_pressures: tuple[float, dict[str, float]] = (0.0, self._pressures())
        self._mode = "safe"
        t = self.telemetry
        t.update(tank_pressure_min=1.2, ignition_timeout=1.0, ignition_pressure=0.3, target_periapsis=15.0,
                 target_apoapsis=180.0, imu_status="aligning", ascender_mode="safe", arm_state="safe")
        self._publish_propulsion(EngineOutput())
        self.flight.publish_navigation(t)
        self.flight.publish_imu(t)
        self._publish_platform()
        self._publish_heaters()
        scheduler.after(scheduler.clock.cycles(IMU_ALIGN_S), self._imu_aligned)

    @property
    def lifted_off(self) -> bool:
        """The ascender has left the lander."""
        return self.flight.lifted_off

    @property
    def impacted(self) -> bool:
        """A flight that did not reach orbit ended on the ground."""
        return self.flight.impacted

    @property
    def mode(self) -> str:
        """The ascender mode (safe, armed, pressurized, burning, coasting, orbit, fault)."""
        return self._mode

    # commands: safety ------------------------------------------------------------------------------------
    def cmd_safe(self, scope: str) -> None:
        """Open arming relays; safing the engine during a burn shuts it down. Clears a latched fault."""
        previous = self._mode
        was = (self.arm_pyros, self.arm_engine, self.fault)
        if scope in ("pyros", "all"):
            self.arm_pyros = False
        if scope in ("engine", "all"):
            self.arm_engine = False
            if self.burn is not None and self.burn.stop_reason is None:
                self._shutdown("commanded", aborted=True)
        if not (self.arm_pyros or self.arm_engine):
            self.fault = None
        if (self.arm_pyros, self.arm_engine, self.fault) != was:
            self.emit("safed", scope, previous)
        self._publish_arming()
        self._update_mode()

    def cmd_arm(self, stage: str, key: int) -> None:
        """Close the pyro and/or engine arming relays (the interlock key must match)."""
        if key != ARM_KEY:
            raise CommandRefusedError(FailureCode.ARGUMENT_OUT_OF_RANGE, f"key=0x{key:04X}: wrong interlock code")
        was = (self.arm_pyros, self.arm_engine)
        self.arm_pyros = self.arm_pyros or stage in ("pyros", "all")
        self.arm_engine = self.arm_engine or stage in ("engine", "all")
        if (self.arm_pyros, self.arm_engine) != was:
            self.emit("armed", stage)
        self._publish_arming()
        self._update_mode()

    # commands: propulsion ------------------------------------------------------------------------------------
    def cmd_tank_pressurize(self, tanks: str, target_pressure: float) -> Execution:
        """Open the regulator to the chosen tanks; completes when they hold ``target_pressure``."""
        if self.burn is not None:
            self._refuse("the regulator set point cannot change during a burn")
        if self.pressurization is not None:
            raise CommandRefusedError(FailureCode.BUSY, "a pressurisation is already under way")
        if not self.prop.helium_squib_open:
            self._refuse("helium isolation squib not fired")
        if not self.prop.valves["helium"].is_open:
            self._refuse("helium latch valve not open")
        if self.prop.helium_pressure < target_pressure + REGULATOR_DROPOUT_MPA:
            self._refuse(f"helium at {self.prop.helium_pressure:.1f} MPa cannot regulate to {target_pressure} MPa")
        names = ("fuel", "oxidiser") if tanks == "both" else (tanks,)
        for name in names:
            tank = self._tank(name)
            tank.setpoint = target_pressure
            tank.pressurized = False
        execution = self.begin("tank-pressurize")
        self.pressurization = Pressurization(execution, names, target_pressure, self.scheduler.now_s)
        self.platform.power.extra_a = 0.3
        self._retick()
        return execution

    def cmd_latch_valve(self, valve: str, action: str) -> Execution | None:
        """Open or close a latch valve; completes when its position switches confirm."""
        opening = action == "open"
        if not opening and valve != "helium" and self.burn is not None:
            self._refuse("engine burning: use engine-cutoff")
        latch = self.prop.valves[valve]
        if latch.arrives_s is not None:
            raise CommandRefusedError(FailureCode.BUSY, f"{valve} latch valve still moving")
        if latch.stuck is None and latch.position == ("open" if opening else "closed"):
            latch.commanded_open = opening
            return None
        latch.command(opening, self.scheduler.now_s)
        self._publish_valves()
        execution = self.begin("latch-valve")
        self.scheduler.after(self.scheduler.clock.cycles(latch.travel_s), lambda: self._valve_arrived(latch, execution))
        return execution

    def cmd_engine_ignite(self, burn_duration: float, cutoff: str) -> Execution:
        """Open the engine valve; completes when the burn ends as planned, fails on no ignition or a fault stop."""
        self._check_ignition(cutoff)
        now = self.scheduler.now_s
        self.prop.start_attempt()
        self.prop.valves["engine"].command(True, now)
        attempt = (int(self.telemetry["ignition_attempts"]) + 1) & 0xFF
        self.telemetry["ignition_attempts"] = attempt
        ascent = not self.lifted_off
        execution = self.begin("engine-ignite")
        hk_before = {sid: self._hk_enabled[sid] for sid in BURN_SETS}
        self.burn = Burn(execution, now, burn_duration, cutoff, attempt, ascent, self.flight.attitude[1], hk_before)
        self.flight.begin_burn(now)
        if ascent:
            target_p, target_a = self.telemetry["target_periapsis"], self.telemetry["target_apoapsis"]
            # guidance flies on the design Isp: a dispersed engine (isp_s) is what it has to cope with
            self.guidance = AscentGuidance(target_p, target_a, exhaust_velocity=MAIN_ENGINE_ISP_S * STANDARD_G)
            self.guidance.start()
            self._set_phase("vertical_rise")
        for sid in BURN_SETS:
            self.set_housekeeping(sid, True)
        self.platform.power.extra_a = 2.0
        self.platform.engine_heating(True, self.lifted_off)
        self._publish_valves()
        self._update_mode()
        self._retick()
        return execution

    def cmd_engine_cutoff(self, stop: str) -> None:
        """Close the engine valve (and, in an emergency, the propellant latch valves)."""
        if self.burn is None or self.burn.stop_reason is not None:
            self._refuse("engine not burning")
        self._shutdown("commanded", emergency=stop == "emergency", aborted=stop == "emergency")

    # commands: pyros ------------------------------------------------------------------------------------------
    def cmd_pyro_fire(self, pyro: str) -> Execution:
        """Fire an armed pyro; completes when the firing current confirms it (fails on an open bridgewire)."""
        if not self.arm_pyros:
            self._refuse("pyros not armed")
        if pyro in self._pyro_pending:
            raise CommandRefusedError(FailureCode.BUSY, f"{pyro} firing under way")
        if self.pyros[pyro] == "fired":
            self._refuse(f"{pyro} already fired")
        if pyro == "separation" and self.pyros["umbilical"] != "fired":
            self._refuse("umbilical not cut")
        execution = self.begin("pyro-fire")
        self._pyro_pending.add(pyro)
        self.scheduler.after(self.scheduler.clock.cycles(PYRO_PULSE_S), lambda: self._pyro_result(pyro, execution))
        return execution

    # commands: guidance and navigation -------------------------------------------------------------------------
    def cmd_imu_calibrate(self, duration: int) -> Execution:
        """Average the gyros at rest for ``duration`` seconds and subtract the biases found."""
        status = self.telemetry["imu_status"]
        if status == "calibrating":
            raise CommandRefusedError(FailureCode.BUSY, "IMU already calibrating")
        if status != "ready":
            self._refuse(f"IMU {status}")
        if self.lifted_off or self.burn is not None:
            self._refuse("not at rest on the surface")
        execution = self.begin("imu-calibrate")
        self.calibration = execution
        self.telemetry["imu_status"] = "calibrating"
        self.scheduler.after(self.scheduler.clock.cycles(duration), lambda: self._calibrated(duration))
        return execution

    def cmd_set_attitude(self, roll: float, pitch: float, yaw: float, slew_rate: float) -> Execution | None:
        """Slew in flight at ``slew_rate``; completes on arrival."""
        if not self.lifted_off or self.impacted:
            self._refuse("attached to the lander")
        if self.burn is not None:
            self._refuse("guidance holds the attitude during a burn")
        if self.slew is not None:
            raise CommandRefusedError(FailureCode.BUSY, "a slew is under way")
        if self.telemetry["imu_status"] not in ("ready", "calibrating"):
            self._refuse(f"IMU {self.telemetry['imu_status']}")
        execution = self.begin("set-attitude")
        self.slew = Slew(execution, (roll, pitch, yaw), slew_rate)
        self._retick()
        return execution

    def cmd_set_target_orbit(self, periapsis: float, apoapsis: float) -> None:
        """The orbit the next guided ascent aims for."""
        if apoapsis < periapsis:
            raise CommandRefusedError(FailureCode.ARGUMENT_OUT_OF_RANGE,
                                      f"apoapsis={apoapsis} km is below periapsis={periapsis} km")
        if self.burn is not None:
            self._refuse("guidance is flying the ascent")
        self.telemetry["target_periapsis"] = periapsis
        self.telemetry["target_apoapsis"] = apoapsis

    # commands: thermal -------------------------------------------------------------------------------------
    def cmd_heater_set(self, zone: str, mode: str, setpoint: int) -> None:
        """Set one heater zone off, on or thermostatic."""
        self.platform.set_heater(zone, mode, float(setpoint) if mode == "auto" else None)
        self._publish_heaters()

    # faults ---------------------------------------------------------------------------------------------
    @fault_params(attempts=Param("integer", 1, MAX_COUNT))
    def fault_ignition_failure(self, attempts: int = 1) -> None:
        """The next ``attempts`` ignitions do not light: chamber pressure stays at cold-flow level."""
        self.prop.ignition_failures = attempts

    @fault_params(valve=Param("text", choices=tuple(VALVES)), position=Param("text", choices=VALVE_POSITIONS))
    def fault_stuck_valve(self, valve: str = "fuel", position: str | None = None) -> None:
        """A valve stays at ``position`` (closed, open or transit; default where it is) whatever is commanded."""
        self._sync()
        self.prop.valves[valve].stick(position)
        self._publish_valves()
        self._check_valves()
        self._retick()

    @fault_params(tank=Param("text", choices=tuple(TANKS)),
                  rate_mpa_per_s=Param("number", 0.0, 10.0, above=True, unit="MPa/s"))
    def fault_tank_pressure_loss(self, tank: str = "fuel", rate_mpa_per_s: float = 0.05) -> None:
        """A leak: the tank (or the helium bottle) loses pressure at ``rate_mpa_per_s`` at constant volume."""
        self._sync()
        if tank == "helium":
            self.prop.helium_leak_rate = rate_mpa_per_s
        else:
            self._tank(tank).leak_rate = rate_mpa_per_s
        self._retick()

    @fault_params(pyro=Param("text", choices=tuple(PYROS)), attempts=Param("integer", 1, MAX_COUNT))
    def fault_pyro_failure(self, pyro: str = "separation", attempts: int = 1) -> None:
        """The next ``attempts`` firings of ``pyro`` draw no current (open bridgewire); the backup fires after."""
        self.pyro_failures[pyro] = attempts

    @fault_params(sensor=Param("text", choices=tuple(IMU_SENSORS)), axis=Param("text", choices=tuple(AXES)))
    def fault_imu_failure(self, sensor: str = "gyro", axis: str = "x") -> None:
        """One IMU channel freezes; the unit reports imu-fault and the IMU status goes to fault."""
        self._sync()
        prefix = "gyro_rate_" if sensor == "gyro" else "accel_"
        self.imu.fail_channel(sensor, AXES[axis], float(self.telemetry[prefix + axis]))
        self.telemetry["imu_status"] = "fault"
        self.emit("imu-fault", sensor, axis)
        self._latch_fault("imu")

    # housekeeping and time ------------------------------------------------------------------------------------
    def report_hk(self, sid: int) -> None:
        """Bring idle physics up to now, sample idle sensors, then report."""
        self._refresh(navigation=sid in NAVIGATION_SETS, counters=sid == 1)
        super().report_hk(sid)

    def refresh_telemetry(self) -> None:
        """Everything up to now before a parameter report (TC[20,1]) reads it."""
        self._refresh(navigation=True, counters=True)

    def _refresh(self, navigation: bool, counters: bool) -> None:
        if not self.ticking:
            now = self.scheduler.now_s
            self._advance_lazy(now, PLATFORM_REPORT_STEP_S)
            if navigation:
                self.flight.sample_idle(now)
                self.flight.publish_imu(self.telemetry)
                self.flight.publish_attitude(self.telemetry)
        if counters:
            self.telemetry["commands_accepted"] = self.counters.commands_accepted & 0xFFFF
            self.telemetry["commands_rejected"] = self.counters.commands_rejected & 0xFFFF

    def on_packet(self, raw: bytes) -> None:
        """Bring idle physics up to now before any command acts on it."""
        self._sync()
        super().on_packet(raw)
        self._retick()

    def on_parameter_set(self, name: str, value: Any) -> None:
        """Thresholds take effect at once."""
        super().on_parameter_set(name, value)
        self._monitor_pressures(self.scheduler.now_s)

    def tick(self, dt_s: float) -> None:
        """Advance propulsion, flight and sensors by ``dt_s``."""
        now = self.scheduler.now_s
        self._advance_lazy(now, 1.0)
        out = self.prop.step(dt_s, now)
        self._check_valves()
        if self.burn is not None:
            self._burn_step(dt_s, now, out)
        elif self.slew is not None:
            self._slew_step(dt_s)
        else:
            self.flight.sample_idle(now)
            self.flight.publish_imu(self.telemetry)
            self.flight.publish_attitude(self.telemetry)
        self._check_pressurization(now)
        self._monitor_pressures(now)
        self._publish_propulsion(out)
        self._retick()

    def figures(self) -> dict[str, Any]:
        """Ascent burn time, true orbit (altitudes above the mean radius), propellant used, peak acceleration.

        The orbit is the emulator's truth; the orbit-reached event and telemetry carry the unit's navigation
        estimate, which differs by the IMU's errors (typically a few hundred metres and a few km of apoapsis).
        """
        flight = self.flight
        periapsis, apoapsis = orbit_altitudes_km(flight.vehicle)
        loaded = float(self.options.get("propellant_kg", PROPELLANT_KG))
        nav_error = math.hypot(flight.nav.x - flight.vehicle.x, flight.nav.y - flight.vehicle.y)
        return {
            "mode": self._mode,
            "burn_time_s": round(self.ascent_burn_s, 2) if self.ascent_burn_s else None,
            "orbit_periapsis_km": round(periapsis, 2) if self.lifted_off else None,
            "orbit_apoapsis_km": round(apoapsis, 2) if self.lifted_off else None,
            "propellant_used_kg": round(loaded - self.prop.propellant_mass, 2),
            "max_acceleration_ms2": round(flight.max_acceleration, 3),
            "liftoff_mass_kg": round(flight.liftoff_mass, 1),
            "ignition_attempts": int(self.telemetry["ignition_attempts"]),
            "navigation_error_m": round(nav_error, 1),
        }

    # the burn -------------------------------------------------------------------------------------------------
    def _check_ignition(self, cutoff: str) -> None:
        t = self.telemetry
        if self.burn is not None:
            self._refuse("engine already burning")
        if self.fault is not None:
            self._refuse(f"fault latched ({self.fault}): safe, then re-arm")
        if not self.arm_engine:
            self._refuse("engine not armed")
        if t["imu_status"] != "ready":
            self._refuse(f"IMU {t['imu_status']}")
        if self.slew is not None:
            self._refuse("slewing")
        if self.lifted_off and cutoff == "guidance":
            self._refuse("guided cutoff is for the ascent from the surface: use cutoff=timer in flight")
        if self.impacted:
            self._refuse("on the ground after impact")
        if self.pyros["separation"] != "fired":
            self._refuse("separation bolts not fired")
        if not self.prop.propellant_squib_open:
            self._refuse("propellant isolation squibs not fired")
        for tank in self.prop.tanks:
            if not tank.pressurized:
                self._refuse(f"{tank.name} tank not pressurised")
            if tank.pressure < t["tank_pressure_min"]:
                self._refuse(f"{tank.name} tank at {tank.pressure:.2f} MPa, below tank_pressure_min")
            if not self.prop.valves[tank.name].is_open:
                self._refuse(f"{tank.name} latch valve {self.prop.valves[tank.name].position}")
            if tank.mass <= DEPLETED_KG:
                self._refuse(f"{tank.name} depleted")
        if self.prop.valves["engine"].position != "closed":
            self._refuse(f"engine valve {self.prop.valves['engine'].position}")

    def _burn_step(self, dt: float, now: float, out: EngineOutput) -> None:
        burn = self.burn
        assert burn is not None
        t = self.telemetry
        burn_s = now - burn.started_s
        pc = self.prop.chamber_pressure
        if not burn.ignited and burn.stop_reason is None:
            burn.max_chamber = max(burn.max_chamber, pc)
            if pc >= t["ignition_pressure"]:
                burn.ignited = True
                self.emit("ignition", pc, burn_s)
                self.progress(burn.execution)
            elif burn_s >= t["ignition_timeout"] - 1e-9:
                self.emit("ignition-failure", burn.max_chamber, burn.attempt)
                self._latch_fault("ignition")
                self._shutdown("ignition")
        pitch = self._steer(burn, burn_s, dt)
        if self.flight.burn_step(out.thrust, out.mass_flow, pitch, self._mass(), dt):
            self.telemetry["separation_breakwires"] = 4
            self.emit("separation", 4)
            self.platform.engine_heating(True, True)
        self.flight.publish_imu(t)
        if burn.stop_reason is None and burn.ignited:
            self._check_cutoff(burn, burn_s)
        t["burn_time"] = (burn.stopped_s if burn.stopped_s is not None else now) - burn.started_s
        self.flight.publish_navigation(t)
        if burn.stop_reason is not None and not self.prop.feeding and pc < SHUTDOWN_CHAMBER_MPA:
            self._finish_burn()

    def _steer(self, burn: Burn, burn_s: float, dt: float) -> float:
        if self.guidance is None or not burn.ascent:
            return burn.pitch_deg
        pitch = self.guidance.update(burn_s, self.flight.nav, self.flight.sensed_acceleration, dt)
        self._set_phase(self.guidance.phase)
        return pitch

    def _check_cutoff(self, burn: Burn, burn_s: float) -> None:
        t, flight = self.telemetry, self.flight
        if burn.cutoff == "guidance" and self.guidance is not None and self.guidance.cutoff(
                flight.nav, flight.sensed_acceleration, flight.attitude[1]):
            self._set_phase("complete")
            self._shutdown("guidance")
        elif burn_s >= burn.duration_s - 1e-9:
            self._shutdown("timer")
        elif min(tank.mass for tank in self.prop.tanks) <= DEPLETED_KG:
            self._shutdown("depletion")
        elif min(tank.pressure for tank in self.prop.tanks) < LOW_PRESSURE_CUTOFF * t["tank_pressure_min"]:
            self._shutdown("fault")
        elif self.prop.chamber_pressure < 0.5 * t["ignition_pressure"]:
            if burn.flameout_since is None:
                burn.flameout_since = burn_s
            elif burn_s - burn.flameout_since >= FLAMEOUT_S:
                self._shutdown("fault")
        else:
            burn.flameout_since = None

    def _shutdown(self, reason: str, emergency: bool = False, aborted: bool = False) -> None:
        burn = self.burn
        assert burn is not None
        now = self.scheduler.now_s
        burn.stop_reason = reason
        burn.stopped_s = now
        burn.aborted = burn.aborted or aborted
        self.prop.valves["engine"].command(False, now)
        if emergency:
            for name in ("fuel", "oxidiser"):
                self.prop.valves[name].command(False, now)
        self._publish_valves()

    def _finish_burn(self) -> None:
        burn = self.burn
        assert burn is not None and burn.stopped_s is not None
        self.burn = None
        for sid, enabled in burn.hk_before.items():
            self.set_housekeeping(sid, enabled)
        self.platform.power.extra_a = 0.0
        self.platform.engine_heating(False, self.lifted_off)
        burn_time = burn.stopped_s - burn.started_s
        self.telemetry["burn_time"] = burn_time
        self.telemetry["propellant_flow"] = 0.0
        self.telemetry["thrust"] = 0.0
        if burn.stop_reason == "ignition":
            self._set_phase("idle")
            self.fail(burn.execution, FailureCode.EXECUTION_FAILED, "no ignition")
            self._update_mode()
            return
        reason = burn.stop_reason or "commanded"
        self.emit("engine-shutdown", burn_time, reason, self.prop.propellant_mass)
        if burn.ascent:
            self.ascent_burn_s = burn_time
        if self.lifted_off:
            periapsis, apoapsis = orbit_altitudes_km(self.flight.nav)
            self.in_orbit = periapsis >= ORBIT_MIN_PERIAPSIS_KM
            if self.in_orbit:
                self.emit("orbit-reached", periapsis, apoapsis, burn_time)
        if burn.aborted:
            self.fail(burn.execution, FailureCode.ABORTED, "burn aborted")
        elif SHUTDOWN_OUTCOMES.get(reason) is not None:
            self.fail(burn.execution, SHUTDOWN_OUTCOMES[reason], f"engine stopped: {reason}")
        else:
            self.complete(burn.execution)
        self._update_mode()

    def _set_phase(self, phase: str) -> None:
        if self.telemetry["guidance_phase"] != phase:
            self.telemetry["guidance_phase"] = phase
            self.emit("guidance-phase", phase, self.flight.nav.altitude, self.flight.nav.speed)

    # slews, pressurisation, monitoring ------------------------------------------------------------------------
    def _slew_step(self, dt: float) -> None:
        slew = self.slew
        assert slew is not None
        arrived = self.flight.slew_step(slew.target, slew.rate, dt)
        self.flight.publish_imu(self.telemetry)
        self.flight.publish_attitude(self.telemetry)
        if arrived:
            self.slew = None
            self.complete(slew.execution)

    def _check_pressurization(self, now: float) -> None:
        job = self.pressurization
        if job is None:
            return
        tanks = [self._tank(name) for name in job.tanks]
        if all(tank.pressure >= job.target - PRESSURE_TOLERANCE_MPA for tank in tanks):
            for tank in tanks:
                tank.pressurized = True
            self.pressurization = None
            self.platform.power.extra_a = 0.0
            self.emit("pressurization-complete", self.prop.fuel.pressure, self.prop.oxidiser.pressure,
                      now - job.started_s)
            self.complete(job.execution)
            self._update_mode()
        elif now - job.started_s >= PRESSURIZE_TIMEOUT_S:
            self.pressurization = None
            self.platform.power.extra_a = 0.0
            self.fail(job.execution, FailureCode.EXECUTION_FAILED,
                      f"tanks did not reach {job.target} MPa in {PRESSURIZE_TIMEOUT_S:.0f} s")

    def _monitor_pressures(self, now: float) -> None:
        then, previous = self._last_pressures
        pressures = self._pressures()
        span = now - then
        limit = self.telemetry["tank_pressure_min"]
        setpoints = [tank.setpoint for tank in self.prop.tanks if tank.setpoint is not None]
        limits = {"fuel": limit, "oxidiser": limit,
                  "helium": max(setpoints) + REGULATOR_DROPOUT_MPA if setpoints else 0.0}
        for name, pressure in pressures.items():
            armed = bool(setpoints) if name == "helium" else self._tank(name).pressurized
            if pressure >= limits[name]:
                self._pressure_ok[name] = armed
            elif self._pressure_ok[name]:
                self._pressure_ok[name] = False
                rate = (pressure - previous[name]) / span if span > 0.0 else 0.0
                self.emit("tank-pressure-loss", name, pressure, rate)
                self._latch_fault("pressure")
        self._last_pressures = (now, pressures)

    def _check_valves(self) -> None:
        for valve in self.prop.valves.values():
            if valve.disagrees:
                if valve.name not in self._stuck_reported:
                    self._report_stuck(valve)
            else:
                self._stuck_reported.discard(valve.name)

    def _report_stuck(self, valve: Valve) -> None:
        self._stuck_reported.add(valve.name)
        self.emit("valve-stuck", valve.name, "open" if valve.commanded_open else "close", valve.position)
        self._latch_fault("valve")
        if valve.name == "engine" and not valve.commanded_open and self.burn is not None:
            now = self.scheduler.now_s  # engine valve stuck open: the latch valves stop the flow
            for name in ("fuel", "oxidiser"):
                self.prop.valves[name].command(False, now)
        self._publish_valves()

    def _valve_arrived(self, valve: Valve, execution: Execution) -> None:
        self._sync()
        valve.settle(self.scheduler.now_s)
        self._check_valves()
        self._publish_valves()
        if valve.disagrees:
            self.fail(execution, FailureCode.HARDWARE_FAULT, f"{valve.name} valve reads {valve.position}")
        else:
            self.complete(execution)
        self._retick()

    # pyros and IMU -----------------------------------------------------------------------------------------------
    def _pyro_result(self, pyro: str, execution: Execution) -> None:
        self._sync()
        self._pyro_pending.discard(pyro)
        if self.pyro_failures.get(pyro, 0) > 0:
            self.pyro_failures[pyro] -= 1
            current = abs(0.02 * self.noise())
            self.pyros[pyro] = "failed"
            self.emit("pyro-failure", pyro, current)
            self._publish_arming()
            self.fail(execution, FailureCode.HARDWARE_FAULT, f"{pyro}: no firing current")
            return
        current = PYRO_CURRENT_A + 0.1 * self.noise()
        self.pyros[pyro] = "fired"
        if pyro == "helium":
            self.prop.helium_squib_open = True
        elif pyro == "propellant":
            self.prop.propellant_squib_open = True
        elif pyro == "umbilical":
            self.platform.power.umbilical = False
        self.emit("pyro-fired", pyro, current)
        self._publish_arming()
        self.complete(execution)
        self._retick()

    def _imu_aligned(self) -> None:
        if self.telemetry["imu_status"] == "aligning":
            self.telemetry["imu_status"] = "ready"

    def _calibrated(self, duration: int) -> None:
        execution, self.calibration = self.calibration, None
        assert execution is not None
        if self.telemetry["imu_status"] != "calibrating":
            self.fail(execution, FailureCode.HARDWARE_FAULT, f"IMU {self.telemetry['imu_status']}")
            return
        estimate = self.imu.calibrate(float(duration))
        self.telemetry["imu_status"] = "ready"
        self.emit("imu-calibrated", *(b * 3600.0 for b in estimate))
        self.complete(execution)

    # lazy physics --------------------------------------------------------------------------------------------------
    def _sync(self) -> None:
        """Bring the closed-form parts (thermal, power, coasting orbit) up to now."""
        self._advance_lazy(self.scheduler.now_s)

    def _advance_lazy(self, now: float, platform_step_s: float = 0.0) -> None:
        """Coast to ``now``; bring the slow platform along when it is ``platform_step_s`` or more behind."""
        dt = now - self._lazy_s
        if dt > 0.0:
            self._lazy_s = now
            if self.flight.free and self.burn is None:
                self.flight.coast(dt)
                self.flight.publish_navigation(self.telemetry)
        lag = now - self._platform_s
        if lag > 0.0 and lag >= platform_step_s:
            self._platform_s = now
            for zone in self.platform.advance(lag):
                self.emit("overtemperature", zone.name, zone.temperature)
            self._publish_platform()

    def _retick(self) -> None:
        if self.burn is not None:
            rate = BURN_TICK_HZ
        elif self.slew is not None or self.pressurization is not None or self._regulating():
            rate = SLOW_TICK_HZ
        elif self.prop.leaking:
            rate = LEAK_TICK_HZ
        else:
            rate = 0
        if rate == self._tick_hz:
            return
        self._tick_hz = rate
        if rate:
            self.start_ticking(rate)
        else:
            self.stop_ticking()

    def _regulating(self) -> bool:
        prop = self.prop
        if not prop.helium_path_open:
            return False
        return any(tank.setpoint is not None and tank.pressure < min(
            tank.setpoint, prop.helium_pressure - REGULATOR_DROPOUT_MPA) - 0.002 for tank in prop.tanks)

    # state and telemetry ---------------------------------------------------------------------------------------------
    def _mass(self) -> float:
        return self.dry_mass + self.prop.propellant_mass

    def _tank(self, name: str) -> Tank:
        return self.prop.fuel if name == "fuel" else self.prop.oxidiser

    def _pressures(self) -> dict[str, float]:
        return {"helium": self.prop.helium_pressure, "fuel": self.prop.fuel.pressure,
                "oxidiser": self.prop.oxidiser.pressure}

    def _refuse(self, reason: str) -> None:
        raise CommandRefusedError(FailureCode.INVALID_STATE, reason)

    def _latch_fault(self, what: str) -> None:
        if self.fault is None:
            self.fault = what
        self._update_mode()

    def _derive_mode(self) -> str:
        if self.burn is not None:
            return "burning"
        if self.fault is not None:
            return "fault"
        if self.lifted_off:
            return "orbit" if self.in_orbit else "coasting"
        if not (self.arm_pyros or self.arm_engine):
            return "safe"
        if all(tank.pressurized for tank in self.prop.tanks):
            return "pressurized"
        return "armed"

    def _update_mode(self) -> None:
        mode = self._derive_mode()
        if mode != self._mode:
            previous, self._mode = self._mode, mode
            self.telemetry["ascender_mode"] = mode
            self.emit("mode-changed", previous, mode)

    def _publish_arming(self) -> None:
        t = self.telemetry
        t["arm_state"] = {(False, False): "safe", (True, False): "pyros", (False, True): "engine",
                          (True, True): "all"}[(self.arm_pyros, self.arm_engine)]
        for name, state in self.pyros.items():
            if state in ("safe", "armed"):
                self.pyros[name] = "armed" if self.arm_pyros else "safe"
            t["pyro_" + name] = self.pyros[name]
        t["pyro_bus_voltage"] = 28.0 if self.arm_pyros else 0.0

    def _publish_valves(self) -> None:
        v, t = self.prop.valves, self.telemetry
        t["helium_valve"] = v["helium"].position
        t["fuel_latch_valve"] = v["fuel"].position
        t["oxidiser_latch_valve"] = v["oxidiser"].position
        t["engine_valve"] = v["engine"].position

    def _publish_propulsion(self, out: EngineOutput) -> None:
        prop, t = self.prop, self.telemetry
        t["helium_pressure"] = prop.helium_pressure
        t["fuel_tank_pressure"] = prop.fuel.pressure
        t["oxidiser_tank_pressure"] = prop.oxidiser.pressure
        t["chamber_pressure"] = prop.chamber_pressure
        t["thrust"] = out.thrust
        t["propellant_flow"] = out.mass_flow
        if out.burning and prop.feeding and prop.chamber_pressure >= t["ignition_pressure"]:
            t["specific_impulse"] = out.thrust / (out.mass_flow * STANDARD_G)
        t["fuel_mass"] = prop.fuel.mass
        t["oxidiser_mass"] = prop.oxidiser.mass
        t["propellant_mass"] = prop.propellant_mass
        self._publish_valves()

    def _publish_platform(self) -> None:
        """Write the platform's temperatures and power (as they move with time)."""
        p, t = self.platform, self.telemetry
        zones = p.zones
        t["fuel_tank_temp"] = zones["fuel_tank"].temperature
        t["oxidiser_tank_temp"] = zones["oxidiser_tank"].temperature
        t["imu_temp"] = zones["imu"].temperature
        t["injector_temp"] = p.injector_c
        t["electronics_temp"] = p.electronics_c
        t["bus_voltage"] = p.power.voltage
        t["bus_current"] = p.power.current
        t["battery_charge"] = p.power.charge

    def _publish_heaters(self) -> None:
        """Write which heaters are powered: it changes only with a heater command, not with time."""
        self.telemetry["heater_mask"] = self.platform.heater_mask

