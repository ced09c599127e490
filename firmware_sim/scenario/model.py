"""A scenario as data: bench settings, a timeline of commands, faults to inject, expectations to check."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from protocols.spacelink.sdls import SecurityAssociation

COMPARISONS = ("<", "<=", "==", "!=", ">=", ">")


@dataclass(frozen=True)
class Condition:
    """A telemetry condition: ``device.parameter <op> value`` (value a number or an enum label)."""

    device: str
    parameter: str
    op: str
    value: float | str
    text: str = ""
    line: int | None = None


@dataclass(frozen=True)
class EventCondition:
    """An event condition: ``device`` raised event ``event`` (``sampler.event:drill-stall``)."""

    device: str
    event: str
    text: str = ""
    line: int | None = None


@dataclass(frozen=True)
class LinkSettings:
    """One device link: UART baud rate and framing."""

    baud: int = 115_200
    framing: str = "asm"


NODE_ROLES = ("fsw", "ground")
"""Nodes that are not devices: the flight computer and the ground system."""
MODEL = "model"
"""A node played by farside's own model (the alternative is a transport URL: a real thing)."""
RECORDING_SCHEME = "replay://"
"""``replay://FILE?link=sampler``: a device played back from a recording, in virtual time (not a real node)."""


@dataclass(frozen=True)
class BenchSettings:
    """The bench: clock rate, links per device, per-device model options, and which nodes are real.

    ``nodes`` maps a node (a device, ``fsw`` or ``ground``) to ``"model"`` or a transport URL; ``expose`` gives
    the transport on which a modelled device meets a real flight computer (default: the ``fsw`` URL, e.g.
    ``pty://``, one per device); ``shadow`` names a real board that gets the same commands as a device's model;
    ``security`` holds the space link's SDLS security associations (none: the link is not secured).
    """

    clock_hz: int = 1000
    links: dict[str, LinkSettings] = field(default_factory=dict)
    devices: dict[str, dict[str, Any]] = field(default_factory=dict)
    nodes: dict[str, str] = field(default_factory=dict)
    expose: dict[str, str] = field(default_factory=dict)
    shadow: dict[str, str] = field(default_factory=dict)
    members: tuple[str, ...] | None = None
    """The devices on the bench; None: every default member (farside's own) and every device these settings name."""
    security: tuple[SecurityAssociation, ...] = ()
    """SDLS security associations from the key file ``[bench.security] keys`` names (keys hidden from any repr)."""

    def named_devices(self) -> set[str]:
        """Every device these settings name (options, links, nodes, exposure, shadow)."""
        nodes = (name for name in self.nodes if name not in NODE_ROLES)
        return {*self.devices, *self.links, *nodes, *self.expose, *self.shadow}

    def member_names(self, known: Sequence[str], default_members: Iterable[str]) -> tuple[str, ...]:
        """The devices on the bench, in ``known`` (dictionary) order."""
        wanted = set(self.members) if self.members is not None else {*default_members, *self.named_devices()}
        return tuple(name for name in known if name in wanted)

    def node(self, name: str) -> str:
        """``"model"`` or the transport URL of one node."""
        return self.nodes.get(name, MODEL)

    def is_real(self, name: str) -> bool:
        """True when a node is a real thing behind a transport."""
        url = self.node(name)
        return url != MODEL and not url.startswith(RECORDING_SCHEME)

    def is_recorded(self, name: str) -> bool:
        """True when a device is played back from a recording."""
        return self.node(name).startswith(RECORDING_SCHEME)

    def security_problem(self) -> str | None:
        """Why ``security`` cannot be used on this bench (None when it can): SDLS secures TC frames, and the relay's
        packet link has none."""
        if self.security and self.devices.get("relay", {}).get("space_link") == "packets":
            return 'SDLS secures TC frames; the relay\'s space_link = "packets" has none (use space_link = "frames")'
        return None

    @property
    def real_time(self) -> bool:
        """True when any node is real: the bench must then keep pace with the wall clock."""
        return any(self.is_real(name) for name in self.nodes) or bool(self.shadow)


@dataclass(frozen=True)
class Step:
    """One timeline step: when (absolute, after the previous step, or on a condition), then a command.

    Exactly one of ``at_ns`` (since T0), ``after_ns`` (after the previous step completed) or ``when`` is set;
    ``when`` may carry ``after_ns`` too (wait that long once the condition holds). ``wait`` says what
    "completed" means for the next step: "completion" (TM[1,7]/[1,8]), "acceptance" or "none" (sent).
    A step with no command only marks a phase.
    """

    line: int | None
    device: str | None = None
    command: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    at_ns: int | None = None
    after_ns: int | None = None
    when: Condition | EventCondition | None = None
    wait: str = "completion"
    timeout_ns: int | None = None
    phase: str | None = None
    note: str = ""


@dataclass(frozen=True)
class FaultSpec:
    """A fault to inject at a time: on a device (``target = "sampler"``) or a link (``target = "link.sampler"``)."""

    line: int | None
    at_ns: int
    target: str
    fault: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Expectation:
    """A condition that must hold before a deadline (or at the end of the run when ``before_ns`` is None: a run
    stopped before the scenario's end leaves it open, not judged)."""

    line: int | None
    name: str
    condition: Condition | EventCondition
    before_ns: int | None = None


@dataclass(frozen=True)
class Scenario:
    """Everything a run needs, read from one TOML file."""

    name: str
    path: str
    seed: int = 0
    start_utc: str = "2024-06-01T22:23:00Z"
    duration_ns: int | None = None
    description: str = ""
    bench: BenchSettings = field(default_factory=BenchSettings)
    timeline: tuple[Step, ...] = ()
    faults: tuple[FaultSpec, ...] = ()
    expectations: tuple[Expectation, ...] = ()

    @property
    def has_end(self) -> bool:
        """True when the scenario has an end of its own to reach: its duration, or its timeline done (and its
        deadlines); with neither, a run stopped wherever it stops (``farside serve`` runs it until told to stop)."""
        return bool(self.timeline) or self.duration_ns is not None
