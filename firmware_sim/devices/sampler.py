"""The sampler: drill, robotic arm with scoop and the sealed containers, as a state machine behind PUS."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from firmware_sim.devices.base import DeviceModel
from firmware_sim.devices.noise import NormalNoise
from firmware_sim.devices.regolith import ROCKS_PER_METRE, RegolithSite
from firmware_sim.devices.sampler_arm import JOINT_NAMES
from firmware_sim.devices.sampler_arm_unit import ArmUnit
from firmware_sim.devices.sampler_containers import Container, ContainerUnit
from firmware_sim.devices.sampler_drill import PERCUSSION_CURRENT_A, DrillString
from firmware_sim.devices.sampler_drill_unit import DrillUnit
from firmware_sim.devices.sampler_sensors import LoadCell
from firmware_sim.devices.sampler_thermal import ThermalModel
from firmware_sim.engine.scheduler import Scheduler, Timer
from firmware_sim.errors import CommandRefusedError
from firmware_sim.params import MAX_COUNT, Param, fault_params
from protocols.dictionary.sampler import CONTAINERS, HEATER_ZONES, SAMPLER, TRANSFER_STEPS
from protocols.services.verification import FailureCode

NS_PER_S = 1_000_000_000
HEATER_CURRENT_A = 0.5
ELECTRONICS_CURRENT_A = 0.45
THERMAL_STEP_S = 1.0
"""While mechanisms move, temperatures and their heat loads update this often (they change over minutes)."""
DEFAULTS = {"drill_stall_torque": 30.0, "drill_rock_torque": 6.0, "arm_speed_limit": 4.0, "load_cell_tare": 0.0}
"""Writable parameters at power-on."""
LOAD_CELL_DRIFT_G = 5000.0
"""The largest load-cell drift a fault may give, either way."""
COUNTERS_SET = 1
"""The housekeeping set that reports the command counters."""


class SamplerModel(DrillUnit, ArmUnit, ContainerUnit, DeviceModel):
    """Rotary-percussive coring drill, four-joint arm with scoop, and two primary sealing containers.

    Powers on in ``standby`` with drill and arm stowed; mechanisms move only in ``operate``. Physics ticks
    (``tick_hz`` option, default 10) only while the drill or the arm moves; sealing, winding and taring run on
    one-shot timers and temperatures are solved exactly when read. The ground is dispersible:
    ``regolith_hardness_scale`` multiplies every layer's hardness, ``rock_density_per_m`` sets how many rock
    inclusions a metre holds on average.
    """

    OPTIONS: ClassVar[Mapping[str, Param]] = {
        "tick_hz": Param("number", 0.0, 1000.0, above=True, unit="Hz"),
        "ambient_c": Param("number", -200.0, 150.0, unit="°C"),
        "electronics_ambient_c": Param("number", -200.0, 150.0, unit="°C"),
        "regolith_hardness_scale": Param("number", 0.25, 4.0, unit="×"),
        "rock_density_per_m": Param("number", 0.0, 10.0, unit="per m"),
    }
    """The model options a scenario may give in ``[bench.devices.sampler]``."""

    def __init__(self, scheduler: Scheduler, rng: np.random.Generator, epoch_ns: int = 0,
                 options: Mapping[str, Any] | None = None) -> None:
        super().__init__(SAMPLER, scheduler, rng, epoch_ns, options)
        self.tick_hz = float(self.options.get("tick_hz", 10.0))
        self.site = RegolithSite.generate(
            rng, hardness_scale=float(self.options.get("regolith_hardness_scale", 1.0)),
            rocks_per_m=float(self.options.get("rock_density_per_m", ROCKS_PER_METRE)))
        self.noise = NormalNoise(rng)
        self.drill = DrillString(self.site.column, self.noise)
        self.load_cell = LoadCell(self.noise, bias_g=float(rng.normal(0.0, 2.0)))
        self.thermal = ThermalModel(float(self.options.get("ambient_c", 25.0)),
                                    float(self.options.get("electronics_ambient_c", 30.0)), scheduler.now_ns)
        self._limit_timer: Timer | None = None
        self._thermal_due_s = 0.0
        self._heaters_on = 0
        self.telemetry.update(DEFAULTS)
        self.telemetry["sampler_mode"] = "standby"
        self._init_containers()
        self._init_drill()
        self._init_arm()
        self._publish_power()
        self._mechanism_heat()
        self.thermal.settle()
        self._sync_thermal()

    # --------------------------------------------------------------------------------------------- platform
    def cmd_mode_set(self, mode: str) -> None:
        """Change mode: safe stops every mechanism at once; standby needs them still; operate only from standby."""
        current = self.telemetry["sampler_mode"]
        if mode == current:
            return
        if mode == "operate" and current == "safe":
            raise CommandRefusedError(FailureCode.INVALID_STATE, "from safe, go to standby first")
        if mode == "standby" and self._mechanisms_busy():
            raise CommandRefusedError(FailureCode.BUSY, "mechanisms are moving: stop them or go to safe")
        if mode == "safe":
            self._abort_all("safe mode")
        self.telemetry["sampler_mode"] = mode
        self.emit("mode-changed", current, mode)
        self._loads_changed()

    def cmd_heater_set(self, zone: str, mode: str, setpoint: float) -> None:
        """Switch a zone's heater off, on, or to thermostat control at ``setpoint``."""
        self._sync_thermal(schedule=False)
        heated = self.thermal.zones[zone]
        heated.heater_mode, heated.setpoint_c = mode, setpoint
        self._loads_changed()

    def _require_operate(self) -> None:
        mode = self.telemetry["sampler_mode"]
        if mode != "operate":
            raise CommandRefusedError(FailureCode.INVALID_STATE, f"sampler is in {mode}: mechanisms move in operate")

    def _mechanisms_busy(self) -> bool:
        return (self._drill_task is not None or self._arm_sequence is not None or self._bag_timer is not None
                or any(b.timer is not None for b in self.containers.values()))

    def _enter_safe(self) -> None:
        previous = self.telemetry["sampler_mode"]
        self._abort_all("safe mode")
        if previous != "safe":
            self.telemetry["sampler_mode"] = "safe"
            self.emit("mode-changed", previous, "safe")
        self._loads_changed()

    def _abort_all(self, why: str) -> None:
        """All motors off now: every running mechanism command fails as aborted."""
        self._abort_drill(why)
        self._abort_arm(why)
        self._abort_containers(why)
        self._update_ticking()

    def _publish_power(self) -> None:
        t = self.telemetry
        hammer = PERCUSSION_CURRENT_A[t["drill_percussion"]]
        feed = 0.15 if self._drill_task in ("drill", "retract") else 0.0
        sealing = 0.8 * sum(b.seal == "sealing" for b in self.containers.values()) \
            + (0.3 if self._bag_timer is not None else 0.0)
        current = (ELECTRONICS_CURRENT_A + self.drill.current_a + hammer + feed + self._arm_current_a + sealing
                   + HEATER_CURRENT_A * self._heaters_on)
        t["bus_current"] = current
        t["bus_voltage"] = 28.2 - 0.08 * current

    # ----------------------------------------------------------------------------------------------- thermal
    def _sync_thermal(self, schedule: bool = True) -> None:
        """Bring temperatures to now; raise overtemperature (and switch that heater off) on a crossing."""
        mask = self.thermal.advance_to(self.scheduler.now_ns)
        crossed = switched_off = False
        for zone in self.thermal.zones.values():
            if not zone.over_limit and zone.temp_c >= zone.limit_c - 0.01:
                zone.over_limit = crossed = True
                self.emit("overtemperature", zone.name, zone.temp_c)
                switched_off = zone.heater_mode != "off"
                zone.heater_mode = "off"
            elif zone.over_limit and zone.temp_c < zone.limit_c - 5.0:
                zone.over_limit = False
            self.telemetry[zone.parameter] = zone.temp_c
        if crossed:
            mask = self.thermal.heater_mask  # a heater was switched off just now
        self.telemetry["heater_mask"] = mask
        self._heaters_on = mask.bit_count()
        if switched_off:
            self._publish_power()
            self._mechanism_heat()
        if schedule:
            if self._limit_timer is not None:
                self._limit_timer.cancel()
                self._limit_timer = None
            wait = self.thermal.seconds_to_next_limit()
            if wait is not None:
                self._limit_timer = self.scheduler.after_ns(round(wait * NS_PER_S) + 1, self._sync_thermal)

    def _loads_changed(self) -> None:
        """Power draw or heat changed: temperatures run to now on the old loads, then on the new ones."""
        self._sync_thermal(schedule=False)
        self._publish_power()
        self._mechanism_heat()
        self._sync_thermal()

    def _mechanism_heat(self) -> None:
        zones = self.thermal.zones
        zones["drill"].load_rise_c = 8.0 * self.drill.current_a ** 2
        zones["arm"].load_rise_c = 10.0 * self._arm_current_a ** 2 if self._arm_sequence else 0.0
        zones["electronics"].load_rise_c = 3.0 * self.telemetry["bus_current"]

    # --------------------------------------------------------------------------------------------- the tick
    def tick(self, dt_s: float) -> None:
        """Advance drill and arm physics, then power and temperatures."""
        if self._drill_task is not None:
            self._tick_drill(dt_s)
        if self._arm_sequence is not None:
            self._tick_arm(dt_s)
        self._sample_load_cell()
        self._publish_power()
        self._thermal_due_s -= dt_s
        if self._thermal_due_s <= 0.0:
            self._thermal_due_s = THERMAL_STEP_S
            self._sync_thermal(schedule=False)
            self._mechanism_heat()
        self._update_ticking()

    def _sample_load_cell(self) -> None:
        self.telemetry["surface_container_mass"] = self.load_cell.read() - self.telemetry["load_cell_tare"]

    def _update_ticking(self) -> None:
        moving = self._drill_task is not None or self._arm_sequence is not None
        if moving and not self.ticking:
            self.start_ticking(self.tick_hz)
        elif not moving and self.ticking:
            self.stop_ticking()
            self._loads_changed()

    # ------------------------------------------------------------------------------------------- interface
    def report_hk(self, sid: int) -> None:
        """Bring temperatures (and, for the set that reports them, the command counters) up to date, then report."""
        self._sync_thermal(schedule=False)
        if sid == COUNTERS_SET:
            self._publish_counters()
        super().report_hk(sid)

    def refresh_telemetry(self) -> None:
        """Temperatures and command counters up to now (before a parameter report reads them)."""
        self._sync_thermal(schedule=False)
        self._publish_counters()

    def on_packet(self, raw: bytes) -> None:
        """Handle a telecommand, then refresh the command counters."""
        super().on_packet(raw)
        self._publish_counters()

    def on_parameter_set(self, name: str, value: Any) -> None:
        """A writable parameter changed (a new tare shows in the container mass at once)."""
        super().on_parameter_set(name, value)
        if name == "load_cell_tare":
            self._publish_containers()

    def _publish_counters(self) -> None:
        self.telemetry["commands_accepted"] = self.counters.commands_accepted & 0xFFFF
        self.telemetry["commands_rejected"] = self.counters.commands_rejected & 0xFFFF

    # ------------------------------------------------------------------------------------------------ faults
    @fault_params(depth_m=Param("number", 0.0, 3.0, required=True, unit="m"),
                  hardness=Param("number", 0.0, 1000.0, above=True), thickness_m=Param("number", 0.0, 3.0, above=True,
                                                                                        unit="m"))
    def fault_rock(self, depth_m: float, hardness: float = 45.0, thickness_m: float = 0.05) -> None:
        """Put a rock in the drill path at ``depth_m``: torque climbs as the bit meets it, then (hard enough) stalls."""
        self.site.column.add_rock(float(depth_m), float(thickness_m), float(hardness))

    @fault_params(persistent=Param("bool"))
    def fault_motor_overcurrent(self, persistent: bool = False) -> None:
        """A shorted winding in the rotation motor: current climbs until the drive trips (the next time it turns)."""
        self.drill.shorted_winding = True
        self._overcurrent_persistent = persistent

    @fault_params(container=Param("text", choices=tuple(CONTAINERS)), count=Param("integer", 1, MAX_COUNT))
    def fault_seal_failure(self, container: str = "surface", count: int = 1) -> None:
        """The next ``count`` sealings of a container fail their leak checks (three attempts each)."""
        self.containers[container].failing_seals += count

    @fault_params(offset_g=Param("number", -LOAD_CELL_DRIFT_G, LOAD_CELL_DRIFT_G, required=True, unit="g"))
    def fault_load_cell_drift(self, offset_g: float) -> None:
        """The load cell's zero drifts by ``offset_g``: every reading (and any mass sealed on it) is off by it."""
        self.load_cell.drift_g += float(offset_g)
        self._publish_containers()

    @fault_params(joint=Param("text", choices=JOINT_NAMES, required=True),
                  angle_deg=Param("number", -360.0, 360.0, required=True, unit="°"))
    def fault_joint_jam(self, joint: str, angle_deg: float) -> None:
        """A joint jams at an angle: it cannot pass it; a move across it stops with arm-limit, arm in fault."""
        index = JOINT_NAMES.index(joint)
        self._jams[index] = (float(angle_deg), -1 if self.pose[index] < angle_deg else 1)

    @fault_params(container=Param("text", choices=tuple(CONTAINERS)), step=Param("text", choices=tuple(TRANSFER_STEPS)))
    def fault_gripper_slip(self, container: str = "surface", step: str = "lift") -> None:
        """The next transfer of a container loses its grip at a step (grip, lift: set back; place, release: held)."""
        self._gripper_faults[container] = step

    @fault_params(zone=Param("text", choices=tuple(HEATER_ZONES), required=True))
    def fault_heater_stuck_on(self, zone: str) -> None:
        """A heater switch welds closed: the zone heats at full power whatever is commanded."""
        self._sync_thermal(schedule=False)
        self.thermal.zones[zone].heater_stuck_on = True
        self._loads_changed()

    # ----------------------------------------------------------------------------------------------- figures
    def figures(self) -> dict[str, Any]:
        """Key figures: depth reached, sample mass (transferred to the ascender, else sealed), and the rest."""
        transferred = [b for b in self.containers.values() if b.location == "ascender"]
        sealed = [b for b in self.containers.values() if b.seal == "sealed"]
        basis = transferred if transferred else sealed
        return {
            "drill_depth_m": round(self.drill.deepest_m, 4),
            "sample_mass_g": round(sum(self._true_mass(b) for b in basis), 1),
            "sample_mass_basis": "transferred" if transferred else "sealed",
            "core_mass_g": round(self.drill.core_mass_g, 1),
            "core_length_m": round(self.drill.core_length_m, 4),
            "surface_mass_g": round(self.containers["surface"].true_mass_g, 1),
            "reported_sealed_mass_g": round(self.telemetry["sealed_sample_mass"], 1),
            "scoops": self.telemetry["scoop_count"],
            "scoops_delivered": self.scoops_delivered,
            "rocks_hit": len(self.drill.rocks_entered),
            "rock_detections": self.telemetry["rock_detections"],
            "stalls": self.stalls,
            "containers_transferred": sorted(b.name for b in transferred),
        }

    def _true_mass(self, box: Container) -> float:
        return self.drill.core_mass_g if box.name == "drill" else box.true_mass_g
