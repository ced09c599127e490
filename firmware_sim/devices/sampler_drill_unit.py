"""The drill's firmware: drill-start/stop/retract and coring-bag sealing, the torque watch, stall and trip handling."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from firmware_sim.devices.base import Execution
from firmware_sim.devices.sampler_drill import DRILL_CURRENT_TRIP_A, DrillString
from firmware_sim.engine.scheduler import Scheduler, Timer
from firmware_sim.errors import CommandRefusedError
from protocols.services.verification import FailureCode

NS_PER_S = 1_000_000_000
STALL_CONFIRM_S = 0.3
"""Torque must stay above drill_stall_torque this long to count as a stall."""
STALL_PAUSE_S = 2.0
STALL_RETRACT_MM_MIN = 100.0
"""After a stall the firmware waits, then pulls the string out at this rate."""
ROCK_BASELINE_S = 30.0
"""Time constant of the torque baseline a rock's torque rise is measured against."""
BAG_CLOSE_S = 20.0


@dataclass(frozen=True)
class DrillOrder:
    """What the running drill-start asked for."""

    target_m: float
    rpm: float
    percussion: str
    feed_mm_min: float


class DrillUnit:
    """Drill commands and the drill's share of the tick; mixed into SamplerModel, which provides the rest."""

    telemetry: dict[str, Any]
    drill: DrillString
    scheduler: Scheduler
    emit: Callable[..., None]
    begin: Callable[[str], Execution]
    complete: Callable[[Execution], None]
    fail: Callable[..., None]
    _require_operate: Callable[[], None]
    _update_ticking: Callable[[], None]
    _enter_safe: Callable[[], None]

    def _init_drill(self) -> None:
        self.stalls = 0
        self._drill_task: str | None = None
        self._drill_order: DrillOrder | None = None
        self._drill_exec: Execution | None = None
        self._drill_outcome: str | None = None
        self._retract_rate = STALL_RETRACT_MM_MIN
        self._stop_exec: Execution | None = None
        self._stall_s = 0.0
        self._stall_pause_s = 0.0
        self._baseline_nm: float | None = None
        self._rock_armed = True
        self._bag_timer: Timer | None = None
        self._bag_exec: Execution | None = None
        self._overcurrent_persistent = False
        self.telemetry["drill_state"] = "stowed"
        self._publish_drill()

    def cmd_drill_start(self, target_depth: float, rotation_rate: float, percussion: str,
                        feed_rate: float) -> Execution:
        """Drill to ``target_depth``, coring as it goes; completes at the target (fails on a stall or stop)."""
        self._require_operate()
        self._require_drill_free()
        state = self.telemetry["drill_state"]
        if state not in ("stowed", "idle", "holding", "fault"):
            raise CommandRefusedError(FailureCode.INVALID_STATE, f"drill is {state}")
        if state == "idle" and self.telemetry["coring_bag_state"] != "ready":
            raise CommandRefusedError(FailureCode.INVALID_STATE, "the coring bag holds a core: seal it first")
        if target_depth <= self.drill.depth_m + 0.001:
            raise CommandRefusedError(FailureCode.ARGUMENT_OUT_OF_RANGE, f"target_depth={target_depth} m: "
                                                                        f"the bit is at {self.drill.depth_m:.3f} m")
        self._drill_order = DrillOrder(target_depth, rotation_rate, percussion, feed_rate)
        self._drill_exec = self.begin("drill-start")
        self._drill_outcome = None
        self._drill_task = "drill"
        self._stall_s = 0.0
        self._baseline_nm = None
        self._rock_armed = True
        self.telemetry.update(drill_state="drilling", drill_target_depth=target_depth, coring_bag_state="drawing")
        self.emit("drill-started", target_depth, rotation_rate, percussion)
        self._publish_drill()
        self._update_ticking()
        return self._drill_exec

    def cmd_drill_stop(self, stop: str) -> Execution | None:
        """Stop rotation, percussion and feed and hold depth; completes when the rod is still."""
        if self._drill_task not in ("drill", "retract", "stall", "stop"):
            raise CommandRefusedError(FailureCode.INVALID_STATE, f"drill is {self.telemetry['drill_state']}: "
                                                                 "nothing to stop")
        self._interrupt_drill_exec("stopped by drill-stop")
        self.telemetry["drill_state"] = "holding"
        if self._drill_task == "stall" or self.drill.rpm == 0.0:
            self._drill_task = None
            self.drill.halt()
            self._publish_drill()
            self._update_ticking()
            return None
        if self._stop_exec is not None:
            self.fail(self._stop_exec, FailureCode.ABORTED, "superseded by a new drill-stop")
        self.drill.begin_stop(brake=stop == "brake")
        self._drill_task = "stop"
        self._stop_exec = self.begin("drill-stop")
        self._publish_drill()
        return self._stop_exec

    def cmd_drill_retract(self, retract_rate: float) -> Execution:
        """Pull the drill string out of the hole; completes when it is out."""
        self._require_operate()
        self._require_drill_free()
        state = self.telemetry["drill_state"]
        if state not in ("holding", "fault") or self.drill.depth_m <= 0.0:
            raise CommandRefusedError(FailureCode.INVALID_STATE, f"drill is {state} at the surface: nothing to retract")
        self._begin_retract(retract_rate)
        self._drill_exec = self.begin("drill-retract")
        return self._drill_exec

    def cmd_coring_bag_seal(self, wind_speed: float) -> Execution:
        """Close the coring bag and wind it onto the primary sealing device; completes when wound."""
        self._require_operate()
        self._require_drill_free()
        bag, state = self.telemetry["coring_bag_state"], self.telemetry["drill_state"]
        if state != "idle" or bag not in ("drawing", "closed"):
            raise CommandRefusedError(FailureCode.INVALID_STATE,
                                      f"drill is {state}, coring bag {bag}: needs the string out and a core in the bag")
        self._bag_exec = self.begin("coring-bag-seal")
        wind_s = self.drill.core_length_m * 1000 / wind_speed
        self.telemetry.update(drill_state="sealing", coring_bag_state="closed")
        self._bag_timer = self.scheduler.after_ns(round((BAG_CLOSE_S + wind_s) * NS_PER_S), self._bag_wound)
        return self._bag_exec

    def _require_drill_free(self) -> None:
        if self._drill_task is not None or self._bag_timer is not None:
            raise CommandRefusedError(FailureCode.BUSY, f"drill is {self.telemetry['drill_state']}")

    def _begin_retract(self, rate_mm_min: float) -> None:
        self._retract_rate = rate_mm_min
        self._drill_task = "retract"
        self.telemetry["drill_state"] = "retracting"
        self._update_ticking()

    def _tick_drill(self, dt: float) -> None:
        drill, task = self.drill, self._drill_task
        if task == "drill" and self._drill_order is not None:
            order = self._drill_order
            drill.drill(dt, order.rpm, order.percussion, order.feed_mm_min, order.target_m)
            if not self._overcurrent_trip():
                self._watch_torque(dt, order)
        elif task == "retract":
            drill.retract(dt, self._retract_rate)
            if not self._overcurrent_trip() and drill.depth_m <= 0.0:
                self._retracted()
        elif task == "stop":
            if drill.spin_down(dt):
                self._drill_task = None
                self._finish_drill_exec()  # a drill-start that reached its target completes once the rod is still
                if self._stop_exec is not None:
                    self.complete(self._stop_exec)
                    self._stop_exec = None
        elif task == "stall":
            self._stall_pause_s -= dt
            if self._stall_pause_s <= 0.0:
                self._begin_retract(STALL_RETRACT_MM_MIN)
        self._publish_drill()

    def _watch_torque(self, dt: float, order: DrillOrder) -> None:
        """The firmware's torque watch: rock detection against a slow baseline, stall, target."""
        drill = self.drill
        torque = drill.torque_nm
        if self._baseline_nm is None:
            if drill.rpm >= order.rpm and drill.rate_mm_min > 0:
                self._baseline_nm = torque
        else:
            rise = torque - self._baseline_nm
            if self._rock_armed:
                if rise > self.telemetry["drill_rock_torque"]:
                    self._rock_armed = False
                    self.telemetry["rock_detections"] = (self.telemetry["rock_detections"] + 1) & 0xFFFF
                    self.emit("rock-detected", drill.depth_m, torque)
                else:
                    self._baseline_nm += rise * dt / ROCK_BASELINE_S
            elif rise < self.telemetry["drill_rock_torque"] / 2:
                self._rock_armed = True
        if torque > self.telemetry["drill_stall_torque"]:
            self._stall_s += dt
            if self._stall_s >= STALL_CONFIRM_S:
                self._stall()
                return
        else:
            self._stall_s = 0.0
        if drill.depth_m >= order.target_m - 1e-9:
            self._target_reached()

    def _stall(self) -> None:
        drill = self.drill
        self.stalls += 1
        self.emit("drill-stall", drill.depth_m, drill.torque_nm, drill.current_a)
        self._finish_drill_exec(FailureCode.EXECUTION_FAILED,
                                f"bit stalled at {drill.depth_m:.3f} m, torque {drill.torque_nm:.1f} N·m")
        drill.halt()
        self._drill_outcome = "stall"
        self._drill_task = "stall"
        self._stall_pause_s = STALL_PAUSE_S
        self.telemetry["drill_state"] = "stalled"

    def _target_reached(self) -> None:
        self.emit("drill-target-reached", self.drill.depth_m, self.drill.core_estimate_g)
        self._drill_outcome = "complete"
        self.drill.begin_stop(brake=False)
        self._drill_task = "stop"
        self.telemetry["drill_state"] = "holding"

    def _retracted(self) -> None:
        self.drill.halt()
        self._drill_task = None
        self.telemetry["drill_state"] = "idle"
        self.emit("drill-retracted", self.drill.deepest_m, self._drill_outcome or "commanded")
        self._finish_drill_exec()

    def _overcurrent_trip(self) -> bool:
        """The drive's overcurrent protection: trip, latch the drill in fault, drop the sampler to safe."""
        if self.drill.current_a <= DRILL_CURRENT_TRIP_A:
            return False
        self.drill.halt()
        self.drill.shorted_winding = self._overcurrent_persistent
        self._drill_task = None
        self.telemetry["drill_state"] = "fault"
        self._finish_drill_exec(FailureCode.HARDWARE_FAULT, "rotation drive overcurrent trip")
        self._enter_safe()
        return True

    def _interrupt_drill_exec(self, why: str) -> None:
        """A stop cut the running command short (a drill-start already at its target still completes)."""
        if self._drill_outcome == "complete":
            self._finish_drill_exec()
        else:
            self._finish_drill_exec(FailureCode.ABORTED, why)

    def _finish_drill_exec(self, code: int | None = None, reason: str = "") -> None:
        if self._drill_exec is None:
            return
        if code is None:
            self.complete(self._drill_exec)
        else:
            self.fail(self._drill_exec, code, reason)
        self._drill_exec = None

    def _bag_wound(self) -> None:
        self._bag_timer = None
        self.telemetry.update(coring_bag_state="wound", drill_state="complete")
        self.emit("core-sealed", self.drill.core_estimate_g, self.drill.core_length_m)
        if self._bag_exec is not None:
            self.complete(self._bag_exec)
            self._bag_exec = None
        self._publish_drill()

    def _publish_drill(self) -> None:
        d, t = self.drill, self.telemetry
        t["drill_depth"] = d.depth_m
        t["drill_rotation_rate"] = d.tachometer_rpm
        t["drill_torque"] = d.torque_nm
        t["drill_motor_current"] = d.current_a
        t["drill_feed_force"] = d.feed_force_n
        t["drill_penetration_rate"] = d.rate_mm_min
        drilling = self._drill_task == "drill" and self._drill_order is not None
        t["drill_percussion"] = self._drill_order.percussion if drilling and self._drill_order else "off"
        t["core_mass"] = d.core_estimate_g

    def _abort_drill(self, why: str) -> None:
        """Motors off now: the drill holds where it is; its running commands fail as aborted."""
        if self._drill_task is not None:
            self.drill.halt()
            if self.telemetry["drill_state"] in ("drilling", "retracting", "stalled"):
                self.telemetry["drill_state"] = "holding" if self.drill.depth_m > 0 else "idle"
            self._drill_task = None
        self._interrupt_drill_exec(why)
        if self._stop_exec is not None:
            self.complete(self._stop_exec)
            self._stop_exec = None
        if self._bag_timer is not None:
            self._bag_timer.cancel()
            self._bag_timer = None
            self.telemetry["drill_state"] = "idle"
            if self._bag_exec is not None:
                self.fail(self._bag_exec, FailureCode.ABORTED, why)
                self._bag_exec = None
        self._publish_drill()
