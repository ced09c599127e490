"""The sampler's robotic arm: joint kinematics, scoop poses and synchronised joint moves."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from protocols.dictionary.sampler import JOINT_LIMITS_DEG

JOINT_NAMES = ("shoulder_yaw", "shoulder_pitch", "elbow_pitch", "wrist_pitch")
Pose = tuple[float, float, float, float]
"""Joint angles in degrees, in JOINT_NAMES order."""

SHOULDER_HEIGHT_M = 1.5
"""Shoulder axis above the surface."""
UPPER_ARM_M = 2.0
FOREARM_M = 1.9
SCOOP_M = 0.35
"""Wrist axis to scoop tip: with the two links, a 3.7 m reach to a scoop held vertically on the surface."""

STOW_POSE: Pose = (0.0, 90.0, 160.0, -70.0)
SURFACE_CONTAINER_POSE: Pose = (-75.0, 30.0, 110.0, -40.0)
"""Scoop held over the surface container; pouring tilts the wrist up from here."""
DRILL_CONTAINER_POSE: Pose = (-40.0, 35.0, 125.0, -10.0)
ASCENDER_POSE: Pose = (85.0, 70.0, 90.0, -60.0)
"""Over the sealing/packaging unit on top of the ascender: past the scooping sector."""
HOVER_HEIGHT_M = 0.3
"""Scoop tip height over the surface before and after a bite."""


def tip_position(pose: Pose) -> tuple[float, float, float]:
    """Scoop tip (x forward, y left, z up from the surface) in metres, from the shoulder's foot."""
    yaw, pitch, elbow, wrist = map(math.radians, pose)
    upper, fore = pitch, pitch - elbow
    scoop = fore + wrist
    radial = UPPER_ARM_M * math.cos(upper) + FOREARM_M * math.cos(fore) + SCOOP_M * math.cos(scoop)
    height = UPPER_ARM_M * math.sin(upper) + FOREARM_M * math.sin(fore) + SCOOP_M * math.sin(scoop)
    return radial * math.cos(yaw), radial * math.sin(yaw), SHOULDER_HEIGHT_M + height


def horizontal_reach(pose: Pose) -> float:
    """Horizontal distance from the shoulder axis to the scoop tip."""
    x, y, _ = tip_position(pose)
    return math.hypot(x, y)


def within_limits(pose: Pose) -> bool:
    """True when every joint is inside its mechanical limits."""
    return all(JOINT_LIMITS_DEG[n][0] <= a <= JOINT_LIMITS_DEG[n][1] for n, a in zip(JOINT_NAMES, pose, strict=True))


def scoop_pose(azimuth_deg: float, reach_m: float, tip_height_m: float) -> Pose | None:
    """Joint angles putting the scoop tip, held vertical, at a reach and height (elbow up); None if out of reach."""
    radial, height = reach_m, tip_height_m - SHOULDER_HEIGHT_M + SCOOP_M
    span = math.hypot(radial, height)
    if not abs(UPPER_ARM_M - FOREARM_M) < span < UPPER_ARM_M + FOREARM_M:
        return None
    inner = math.acos((UPPER_ARM_M**2 + FOREARM_M**2 - span**2) / (2 * UPPER_ARM_M * FOREARM_M))
    lift = math.acos((UPPER_ARM_M**2 + span**2 - FOREARM_M**2) / (2 * UPPER_ARM_M * span))
    pitch = math.degrees(math.atan2(height, radial) + lift)
    elbow = 180.0 - math.degrees(inner)
    wrist = -90.0 - (pitch - elbow)
    pose = (azimuth_deg, pitch, elbow, wrist)
    return pose if within_limits(pose) else None


@dataclass(frozen=True)
class JointMove:
    """All joints from one pose to another, arriving together, the farthest-travelling joint at ``speed``.

    Fixed once made, so its duration and moving joints are worked out once, as it is made.
    """

    start: Pose
    target: Pose
    speed_deg_s: float
    duration_s: float = field(init=False)
    """How long the move takes."""
    moving_joints: tuple[int, ...] = field(init=False)
    """Indexes of the joints this move turns."""

    def __post_init__(self) -> None:
        pairs = tuple(zip(self.start, self.target, strict=True))
        travel = max(abs(b - a) for a, b in pairs)
        # the derived fields of a frozen dataclass are set the one way it allows
        object.__setattr__(self, "duration_s", travel / self.speed_deg_s)
        object.__setattr__(self, "moving_joints", tuple(i for i, (a, b) in enumerate(pairs) if abs(b - a) > 1e-9))

    def pose_at(self, elapsed_s: float) -> Pose:
        """Joint angles ``elapsed_s`` into the move."""
        duration = self.duration_s
        f = 1.0 if duration <= 0 else min(1.0, elapsed_s / duration)
        a0, a1, a2, a3 = self.start
        b0, b1, b2, b3 = self.target
        return a0 + (b0 - a0) * f, a1 + (b1 - a1) * f, a2 + (b2 - a2) * f, a3 + (b3 - a3) * f


def lowering_joint(pose: Pose, move: JointMove) -> int:
    """The moving joint that drives the scoop tip down fastest at this pose (the one to blame at the ground)."""
    base = tip_position(pose)[2]
    moving = move.moving_joints
    worst, worst_drop = (moving[0] if moving else 1), 0.0
    for i in moving:
        nudged = list(pose)
        nudged[i] += 0.01 if move.target[i] > move.start[i] else -0.01
        drop = base - tip_position((nudged[0], nudged[1], nudged[2], nudged[3]))[2]
        if drop > worst_drop:
            worst, worst_drop = i, drop
    return worst


@dataclass
class ArmStep:
    """One step of an arm sequence: a joint move to ``target`` or a dwell of ``seconds``, with hooks."""

    label: str
    target: Pose | None = None
    speed_deg_s: float = 1.0
    seconds: float = 0.0
    guard_ground: bool = False
    on_start: Callable[[], None] | None = None
    on_progress: Callable[[float], None] | None = None
    on_done: Callable[[], None] | None = None
    move: JointMove | None = None
    elapsed_s: float = 0.0
    started: bool = False


@dataclass(frozen=True)
class ArmStop:
    """Why a move stopped short: a jammed joint (``jam``) or the scoop reaching the surface (``ground``)."""

    reason: str
    joint: int
    angle: float
    limit: float


Jams = Mapping[int, tuple[float, int]]
"""Jammed joints: index → (angle it cannot pass, side of that angle it is stuck on: -1 below, +1 above)."""


class ArmSequence:
    """Steps run one after another on the arm's tick; hooks run as steps start, progress and end."""

    def __init__(self, steps: Iterable[ArmStep]) -> None:
        self.steps = deque(steps)

    @property
    def current(self) -> ArmStep | None:
        """The step in progress (None once finished)."""
        return self.steps[0] if self.steps else None

    @property
    def finished(self) -> bool:
        """True when every step has run."""
        return not self.steps

    def advance(self, pose: Pose, dt_s: float, jams: Jams) -> tuple[Pose, ArmStop | None]:
        """Run the current step for ``dt_s``: the new pose, and an ArmStop if a move was cut short."""
        step = self.steps[0]
        if not step.started:
            step.started = True
            if step.target is not None:
                step.move = JointMove(pose, step.target, step.speed_deg_s)
            if step.on_start:
                step.on_start()
        step.elapsed_s += dt_s
        if step.move is not None:
            new_pose = step.move.pose_at(step.elapsed_s)
            stop = _jam_stop(pose, new_pose, jams) or (
                _ground_stop(pose, new_pose, step.move) if step.guard_ground else None)
            if stop is not None:
                return pose, stop
            done = step.elapsed_s >= step.move.duration_s
            pose = new_pose
        else:
            if step.on_progress:
                step.on_progress(min(1.0, step.elapsed_s / step.seconds) if step.seconds > 0 else 1.0)
            done = step.elapsed_s >= step.seconds
        if done:
            self.steps.popleft()
            if step.on_done:
                step.on_done()
        return pose, None


def _jam_stop(pose: Pose, new_pose: Pose, jams: Jams) -> ArmStop | None:
    for joint, (angle, side) in jams.items():
        if (new_pose[joint] - angle) * side < 0:
            return ArmStop("jam", joint, angle, angle)
    return None


def _ground_stop(pose: Pose, new_pose: Pose, move: JointMove) -> ArmStop | None:
    height_after = tip_position(new_pose)[2]
    if height_after >= 0.0:
        return None
    height_before = tip_position(pose)[2]
    joint = lowering_joint(pose, move)
    share = height_before / (height_before - height_after) if height_before > height_after else 0.0
    contact = pose[joint] + (new_pose[joint] - pose[joint]) * min(1.0, max(0.0, share))
    return ArmStop("ground", joint, pose[joint], contact)
