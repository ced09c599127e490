"""The containers' firmware: sealing with leak-check retries, and the surface container's load cell and tare."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from firmware_sim.devices.base import Execution
from firmware_sim.devices.sampler_drill import DrillString
from firmware_sim.devices.sampler_sensors import LoadCell
from firmware_sim.devices.sampler_thermal import ThermalModel
from firmware_sim.engine.scheduler import Scheduler, Timer
from firmware_sim.errors import CommandRefusedError
from protocols.dictionary.sampler import CONTAINERS
from protocols.services.verification import FailureCode

NS_PER_S = 1_000_000_000
SEAL_ATTEMPT_S = 60.0
SEAL_FAILED_ATTEMPTS = 3
"""Each sealing presses the seal and leak-checks it, up to three times before giving up."""
SEALING_HEAT_C = 25.0
TARE_RATE_HZ = 10.0


@dataclass
class Container:
    """A primary sealing container: seal, place, the sample really in it and the mass the firmware recorded."""

    name: str
    seal: str = "open"
    location: str = "sampler"
    true_mass_g: float = 0.0
    recorded_mass_g: float = 0.0
    failing_seals: int = 0
    timer: Timer | None = None
    execution: Execution | None = None


class ContainerUnit:
    """Container commands; mixed into SamplerModel, which provides the rest."""

    telemetry: dict[str, Any]
    scheduler: Scheduler
    drill: DrillString
    load_cell: LoadCell
    thermal: ThermalModel
    emit: Callable[..., None]
    begin: Callable[[str], Execution]
    complete: Callable[[Execution], None]
    fail: Callable[..., None]
    _require_operate: Callable[[], None]
    _sync_thermal: Callable[..., None]
    _loads_changed: Callable[[], None]

    def _init_containers(self) -> None:
        self.containers = {name: Container(name) for name in CONTAINERS}
        self._tare_timer: Timer | None = None
        self._tare_exec: Execution | None = None
        self._publish_containers()

    def cmd_container_seal(self, container: str) -> Execution:
        """Seal a primary sealing container (the drill's needs its coring bag wound onto it first)."""
        self._require_operate()
        box = self.containers[container]
        if box.seal == "sealing":
            raise CommandRefusedError(FailureCode.BUSY, f"{container} container is sealing")
        if box.seal == "sealed" or box.location != "sampler":
            raise CommandRefusedError(FailureCode.INVALID_STATE, f"{container} container is {box.seal} "
                                                                 f"at the {box.location}")
        if container == "drill" and self.telemetry["coring_bag_state"] != "wound":
            raise CommandRefusedError(FailureCode.INVALID_STATE, "the coring bag is not wound onto the sealing device")
        if container == "surface" and self.telemetry["arm_state"] == "delivering":
            raise CommandRefusedError(FailureCode.BUSY, "the arm is pouring into the surface container")
        box.seal = "sealing"
        box.execution = self.begin("container-seal")
        self._sealing_heat()
        self._seal_attempt(box, 1)
        self._publish_containers()
        return box.execution

    def _seal_attempt(self, box: Container, attempt: int) -> None:
        def attempt_done() -> None:
            box.timer = None
            if box.failing_seals and attempt < SEAL_FAILED_ATTEMPTS:
                self._seal_attempt(box, attempt + 1)
                return
            if box.failing_seals:
                box.failing_seals -= 1
                box.seal = "failed"
                self.emit("seal-failed", box.name, attempt)
                self._finish_seal(box, FailureCode.EXECUTION_FAILED, f"{box.name} container leak check failed")
            else:
                box.seal = "sealed"
                box.recorded_mass_g = self.drill.core_estimate_g if box.name == "drill" \
                    else max(0.0, self.telemetry["surface_container_mass"])
                self.emit("container-sealed", box.name, box.recorded_mass_g)
                self._finish_seal(box)

        box.timer = self.scheduler.after_ns(round(SEAL_ATTEMPT_S * NS_PER_S), attempt_done)

    def _finish_seal(self, box: Container, code: int | None = None, reason: str = "") -> None:
        self._sealing_heat()
        if box.execution is not None:
            if code is None:
                self.complete(box.execution)
            else:
                self.fail(box.execution, code, reason)
            box.execution = None
        self._publish_containers()

    def _sealing_heat(self) -> None:
        self._sync_thermal(schedule=False)
        busy = any(b.seal == "sealing" for b in self.containers.values())
        self.thermal.zones["sealing"].load_rise_c = SEALING_HEAT_C if busy else 0.0
        self._loads_changed()

    def cmd_load_cell_tare(self, samples: int) -> Execution:
        """Zero the surface container's load cell on the mean of ``samples`` readings at 10 Hz."""
        if self.telemetry["sampler_mode"] == "safe":
            raise CommandRefusedError(FailureCode.INVALID_STATE, "sampler is in safe mode")
        if self._tare_timer is not None:
            raise CommandRefusedError(FailureCode.BUSY, "a tare is running")
        if self.telemetry["arm_state"] == "delivering":
            raise CommandRefusedError(FailureCode.BUSY, "the arm is pouring into the surface container")
        if self.containers["surface"].location != "sampler":
            raise CommandRefusedError(FailureCode.INVALID_STATE, "the surface container is off its load cell")
        execution = self._tare_exec = self.begin("load-cell-tare")

        def tared() -> None:
            self._tare_timer = self._tare_exec = None
            zero = self.load_cell.average(int(samples))
            if not -100.0 <= zero <= 100.0:
                self.fail(execution, FailureCode.EXECUTION_FAILED, f"load cell reads {zero:.1f} g: outside ±100 g")
                return
            self.telemetry["load_cell_tare"] = zero
            self._publish_containers()
            self.complete(execution)

        self._tare_timer = self.scheduler.after_ns(round(int(samples) / TARE_RATE_HZ * NS_PER_S), tared)
        return execution

    def _publish_containers(self) -> None:
        t, drill, surface = self.telemetry, self.containers["drill"], self.containers["surface"]
        t["drill_container_seal"], t["drill_container_location"] = drill.seal, drill.location
        t["surface_container_seal"], t["surface_container_location"] = surface.seal, surface.location
        t["surface_container_mass"] = self.load_cell.read() - t["load_cell_tare"]
        t["sealed_sample_mass"] = sum(b.recorded_mass_g for b in self.containers.values() if b.seal == "sealed")

    def _abort_containers(self, why: str) -> None:
        """Motors off now: a seal press backs off (the container stays open); a tare stops."""
        for box in self.containers.values():
            if box.timer is not None:
                box.timer.cancel()
                box.timer = None
                box.seal = "open"
                self._finish_seal(box, FailureCode.ABORTED, why)
        if self._tare_timer is not None:
            self._tare_timer.cancel()
            self._tare_timer = None
            if self._tare_exec is not None:
                self.fail(self._tare_exec, FailureCode.ABORTED, why)
                self._tare_exec = None
