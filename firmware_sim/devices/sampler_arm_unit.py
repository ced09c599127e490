"""The arm's firmware: moves, scoop cycles, pouring into the surface container, stowing and container transfer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from firmware_sim.devices.base import Execution
from firmware_sim.devices.noise import NormalNoise
from firmware_sim.devices.regolith import RegolithSite
from firmware_sim.devices.sampler_arm import (
    ASCENDER_POSE,
    DRILL_CONTAINER_POSE,
    HOVER_HEIGHT_M,
    JOINT_NAMES,
    STOW_POSE,
    SURFACE_CONTAINER_POSE,
    ArmSequence,
    ArmStep,
    ArmStop,
    Pose,
    horizontal_reach,
    scoop_pose,
)
from firmware_sim.devices.sampler_containers import Container
from firmware_sim.devices.sampler_sensors import LoadCell
from firmware_sim.engine.scheduler import Scheduler
from firmware_sim.errors import CommandRefusedError
from protocols.dictionary.sampler import JOINTS
from protocols.services.verification import FailureCode

NS_PER_S = 1_000_000_000
SCOOP_WIDTH_CM, SCOOP_BITE_CM = 4.5, 6.0
SCOOP_CAPACITY_CM3 = 150.0
"""The bite is scoop width × bite length × commanded depth, up to what the scoop holds."""
DIG_SPEED_DEG_S = 1.0
DIG_BASE_S, DIG_PER_MM_S = 15.0, 0.5
POUR_SETTLE_S = 6.0
SCOOP_EMPTY_G = 1.0
"""Less than this left after a pour is dust on the scoop, no longer counted."""
GRIP_S, PLACE_S, RELEASE_S = 8.0, 10.0, 5.0
LIFT_DEG = 10.0
HOLDING_CURRENT_A = 0.08
JOINT_CURRENT_A = 0.25
TOOL_CURRENT_A = 0.3
DIG_CURRENT_A = 1.6
"""Arm motor currents: brakes and electronics, each turning joint, the wrist working a pour or a grip, digging."""


class ArmUnit:
    """Arm commands and the arm's share of the tick; mixed into SamplerModel, which provides the rest."""

    telemetry: dict[str, Any]
    scheduler: Scheduler
    site: RegolithSite
    noise: NormalNoise
    load_cell: LoadCell
    containers: dict[str, Container]
    emit: Callable[..., None]
    begin: Callable[[str], Execution]
    complete: Callable[[Execution], None]
    fail: Callable[..., None]
    _require_operate: Callable[[], None]
    _update_ticking: Callable[[], None]
    _publish_containers: Callable[[], None]

    def _init_arm(self) -> None:
        self.pose: Pose = STOW_POSE
        self.scoops_delivered = 0
        self._arm_sequence: ArmSequence | None = None
        self._arm_exec: Execution | None = None
        self._arm_finish: Callable[[], None] | None = None
        self._arm_current_a = HOLDING_CURRENT_A
        self._scoop_g = 0.0
        self._jams: dict[int, tuple[float, int]] = {}
        self._gripper_faults: dict[str, str] = {}
        self.telemetry["arm_state"] = "stowed"
        self._publish_arm()

    def cmd_arm_move(self, shoulder_yaw: float, shoulder_pitch: float, elbow_pitch: float, wrist_pitch: float,
                     joint_speed: float) -> Execution:
        """Move every joint to an angle, all arriving together; stops if the scoop would meet the surface."""
        self._require_arm_free()
        speed = min(joint_speed, self.telemetry["arm_speed_limit"])
        target = (shoulder_yaw, shoulder_pitch, elbow_pitch, wrist_pitch)
        return self._run_arm("arm-move", "moving", [ArmStep("move", target, speed, guard_ground=True)],
                             self._arm_done)

    def cmd_arm_scoop(self, azimuth: float, reach: float, scoop_depth: float) -> Execution:
        """Scoop regolith at a point of the working sector: over it, down, dig, back up with the scoop full."""
        self._require_arm_free()
        self._require_hand_free()
        if self.telemetry["scoop_state"] != "empty":
            raise CommandRefusedError(FailureCode.INVALID_STATE, "the scoop holds sample: deliver it first")
        depth_m = scoop_depth / 1000
        hover, dig = scoop_pose(azimuth, reach, HOVER_HEIGHT_M), scoop_pose(azimuth, reach, -depth_m)
        if hover is None or dig is None:
            raise CommandRefusedError(FailureCode.ARGUMENT_OUT_OF_RANGE,
                                      f"azimuth={azimuth}°, reach={reach} m: outside the joints' reach")
        volume = min(SCOOP_CAPACITY_CM3, SCOOP_WIDTH_CM * SCOOP_BITE_CM * scoop_depth / 10)
        bite: list[float] = []

        def dig_in() -> None:
            self.telemetry["scoop_state"] = "digging"

        def fill(fraction: float) -> None:
            if not bite:
                bite.append(self.site.surface.bite(azimuth, reach, depth_m, volume).mass_g)
            self._scoop_g = bite[0] * fraction
            self._arm_current_a = DIG_CURRENT_A + 0.2 * self.noise()

        def lifted() -> None:
            self.telemetry["scoop_state"] = "full"

        def done() -> None:
            count = (self.telemetry["scoop_count"] + 1) & 0xFFFF
            self.telemetry["scoop_count"] = count
            self.emit("scoop-complete", count, self._scoop_reading(), azimuth, reach)
            self._arm_done()

        speed = self.telemetry["arm_speed_limit"]
        steps = [ArmStep("approach", hover, speed),
                 ArmStep("lower", dig, DIG_SPEED_DEG_S),
                 ArmStep("dig", seconds=DIG_BASE_S + DIG_PER_MM_S * scoop_depth, on_start=dig_in, on_progress=fill),
                 ArmStep("raise", hover, DIG_SPEED_DEG_S, on_start=lifted)]
        return self._run_arm("arm-scoop", "scooping", steps, done)

    def cmd_arm_deliver(self, pour_angle: float) -> Execution:
        """Carry the scoop over the surface container and pour: the steeper the tilt, the more goes in."""
        self._require_arm_free()
        self._require_hand_free()
        container = self.containers["surface"]
        if self.telemetry["scoop_state"] != "full":
            raise CommandRefusedError(FailureCode.INVALID_STATE, "the scoop is empty")
        if container.seal != "open" or container.location != "sampler":
            raise CommandRefusedError(FailureCode.INVALID_STATE,
                                      f"surface container is {container.seal} at the {container.location}")
        pour: dict[str, float] = {}

        def tilt() -> None:
            self.telemetry["scoop_state"] = "pouring"
            self._scoop_g *= 1.0 - min(0.03, 0.01 * abs(self.noise()))  # spilt on the way
            pour["reading"] = self._scoop_reading()
            pour["held"] = self._scoop_g
            pour["out"] = self._scoop_g * min(1.0, 0.5 + 0.5 * (pour_angle - 60.0) / 60.0) * 0.995
            pour["done"] = 0.0

        def pouring(fraction: float) -> None:
            flowed = pour["out"] * fraction - pour["done"]
            pour["done"] += flowed
            container.true_mass_g += flowed
            self.load_cell.loaded_g = container.true_mass_g
            self._scoop_g = pour["held"] - pour["done"]

        def done() -> None:
            if self._scoop_g < SCOOP_EMPTY_G:
                self._scoop_g = 0.0
            self.telemetry["scoop_state"] = "full" if self._scoop_g else "empty"
            self.scoops_delivered += 1
            self._publish_containers()
            self.emit("scoop-delivered", max(0.0, pour["reading"] - self._scoop_reading()),
                      self.telemetry["surface_container_mass"])
            self._arm_done()

        speed = self.telemetry["arm_speed_limit"]
        yaw, pitch, elbow, wrist = SURFACE_CONTAINER_POSE
        steps = [ArmStep("carry", SURFACE_CONTAINER_POSE, speed),
                 ArmStep("tilt", (yaw, pitch, elbow, wrist + pour_angle), speed, on_start=tilt),
                 ArmStep("pour", seconds=POUR_SETTLE_S, on_progress=pouring)]
        return self._run_arm("arm-deliver", "delivering", steps, done)

    def cmd_arm_stow(self, joint_speed: float) -> Execution | None:
        """Fold the arm onto its stow locks; refused while the scoop holds sample."""
        self._require_arm_free()
        self._require_hand_free()
        if self.telemetry["scoop_state"] != "empty":
            raise CommandRefusedError(FailureCode.INVALID_STATE, "the scoop holds sample: deliver it first")
        if self.telemetry["arm_state"] == "stowed":
            return None
        speed = min(joint_speed, self.telemetry["arm_speed_limit"])
        started = self.scheduler.now_ns

        def stowed() -> None:
            self.telemetry["arm_state"] = "stowed"
            self.emit("arm-stowed", (self.scheduler.now_ns - started) / NS_PER_S)
            self._arm_done(state="stowed")

        return self._run_arm("arm-stow", "moving", [ArmStep("stow", STOW_POSE, speed)], stowed)

    def cmd_transfer_to_ascender(self, container: str) -> Execution:
        """Carry a sealed container to the ascender's sealing/packaging unit: grip, lift, place, release."""
        self._require_arm_free()
        self._require_hand_free(allowed=container)
        box = self.containers[container]
        if box.seal != "sealed":
            raise CommandRefusedError(FailureCode.INVALID_STATE, f"{container} container is {box.seal}, not sealed")
        if box.location == "ascender":
            raise CommandRefusedError(FailureCode.INVALID_STATE, f"{container} container is already in the ascender")
        if self.telemetry["scoop_state"] != "empty":
            raise CommandRefusedError(FailureCode.INVALID_STATE, "the scoop holds sample: deliver it first")
        speed = self.telemetry["arm_speed_limit"]

        def check(step: str, after: Callable[[], None] | None = None) -> Callable[[], None]:
            def hook() -> None:
                if self._gripper_faults.get(container) == step:
                    del self._gripper_faults[container]
                    if step in ("grip", "lift"):
                        box.location = "sampler"
                    self.emit("transfer-failed", container, step)
                    self._arm_failed(FailureCode.HARDWARE_FAULT, f"{container} container slipped at {step}")
                    self._publish_containers()
                elif after is not None:
                    after()
            return hook

        def gripped() -> None:
            box.location = "transferring"
            self._publish_containers()

        def released() -> None:
            box.location = "ascender"
            if container == "surface":
                self.load_cell.loaded_g = 0.0
            self._publish_containers()

        def done() -> None:
            self.emit("transfer-complete", container, box.recorded_mass_g)
            self._arm_done()

        steps: list[ArmStep] = []
        if box.location == "sampler":
            pose = DRILL_CONTAINER_POSE if container == "drill" else SURFACE_CONTAINER_POSE
            lifted = (pose[0], pose[1] + LIFT_DEG, pose[2], pose[3])
            steps += [ArmStep("reach", pose, speed),
                      ArmStep("grip", seconds=GRIP_S, on_done=check("grip", gripped)),
                      ArmStep("lift", lifted, speed / 2, on_done=check("lift"))]
        steps += [ArmStep("carry", ASCENDER_POSE, speed),
                  ArmStep("place", seconds=PLACE_S, on_done=check("place")),
                  ArmStep("release", seconds=RELEASE_S, on_done=check("release", released))]
        return self._run_arm("transfer-to-ascender", "transferring", steps, done)

    def _require_arm_free(self) -> None:
        self._require_operate()
        if self._arm_sequence is not None:
            raise CommandRefusedError(FailureCode.BUSY, f"arm is {self.telemetry['arm_state']}")

    def _require_hand_free(self, allowed: str | None = None) -> None:
        """Refuse while the gripper holds a container part-way to the ascender (other than ``allowed``)."""
        for box in self.containers.values():
            if box.location == "transferring" and box.name != allowed:
                raise CommandRefusedError(FailureCode.INVALID_STATE,
                                          f"the arm holds the {box.name} container: finish its transfer")

    def _run_arm(self, name: str, state: str, steps: list[ArmStep], finish: Callable[[], None]) -> Execution:
        self._arm_sequence = ArmSequence(steps)
        self._arm_finish = finish
        self._arm_exec = self.begin(name)
        self.telemetry["arm_state"] = state
        self._update_ticking()
        return self._arm_exec

    def _arm_done(self, state: str = "idle") -> None:
        self._arm_sequence = None
        self._arm_finish = None
        self.telemetry["arm_state"] = state
        if self._arm_exec is not None:
            self.complete(self._arm_exec)
            self._arm_exec = None

    def _arm_failed(self, code: int, reason: str, state: str = "idle") -> None:
        self._arm_sequence = None
        self._arm_finish = None
        self.telemetry["arm_state"] = state
        if self._arm_exec is not None:
            self.fail(self._arm_exec, code, reason)
            self._arm_exec = None

    def _tick_arm(self, dt: float) -> None:
        sequence = self._arm_sequence
        if sequence is None:
            return
        step = sequence.current
        self.pose, stop = sequence.advance(self.pose, dt, self._jams)
        if step is not None and step.move is not None:
            self._arm_current_a = HOLDING_CURRENT_A + JOINT_CURRENT_A * len(step.move.moving_joints) \
                + 0.02 * self.noise()
        elif step is not None and step.label != "dig":
            self._arm_current_a = HOLDING_CURRENT_A + TOOL_CURRENT_A + 0.02 * self.noise()
        if stop is not None:
            self._arm_stopped(stop)
        elif sequence.finished and self._arm_sequence is sequence and self._arm_finish is not None:
            self._arm_finish()
        if self._arm_sequence is None:
            self._arm_current_a = HOLDING_CURRENT_A
        self._publish_arm()

    def _arm_stopped(self, stop: ArmStop) -> None:
        joint = JOINT_NAMES[stop.joint]
        label = next(name for name, value in JOINTS.items() if JOINT_NAMES[value - 1] == joint)
        if stop.reason == "jam":
            pose = list(self.pose)
            pose[stop.joint] = stop.angle
            self.pose = (pose[0], pose[1], pose[2], pose[3])
            self.emit("arm-limit", label, stop.angle, stop.limit)
            self._arm_failed(FailureCode.HARDWARE_FAULT, f"{joint} jammed at {stop.angle:.1f}°", state="fault")
        else:
            self.emit("arm-limit", label, stop.angle, stop.limit)
            self._arm_failed(FailureCode.EXECUTION_FAILED, f"scoop reached the surface ({joint} at {stop.angle:.1f}°)")

    def _scoop_reading(self) -> float:
        return max(0.0, self._scoop_g + 0.8 * self.noise()) if self._scoop_g else 0.0

    def _publish_arm(self) -> None:
        t = self.telemetry
        for name, angle in zip(JOINT_NAMES, self.pose, strict=True):
            t["arm_" + name] = angle
        t["arm_reach"] = horizontal_reach(self.pose)
        t["scoop_mass"] = self._scoop_reading()
        t["arm_motor_current"] = self._arm_current_a

    def _abort_arm(self, why: str) -> None:
        """Motors off now: the arm stops where it is; its running command fails as aborted."""
        if self._arm_sequence is not None:
            self._arm_failed(FailureCode.ABORTED, why)
            if self.telemetry["scoop_state"] in ("digging", "pouring"):
                self.telemetry["scoop_state"] = "full" if self._scoop_g >= SCOOP_EMPTY_G else "empty"
            self._arm_current_a = HOLDING_CURRENT_A
        self._publish_arm()
