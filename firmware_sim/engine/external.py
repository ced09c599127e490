"""A link end whose far side is outside the bench: a real board, a real flight computer, a ground system."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from firmware_sim.engine.link import Port
from protocols.framing.base import TRUNCATED

Outlet = Callable[[bytes], bool]
"""Writes octets to the outside world; False when they could not be written (peer down, buffer full)."""


@dataclass
class ExternalCounters:
    """What crossed the boundary of the bench at one external port."""

    packets_from_outside: int = 0
    packets_to_outside: int = 0
    octets_dropped: int = 0
    frames_dropped: int = 0
    input_errors: int = 0
    """Inputs whose handling raised an unexpected error: counted, and the bench and the rest of the input go on."""
    last_input_error: str = ""

    def take(self, action: Callable[[bytes], object], unit: bytes) -> None:
        """Hand one unit from outside to ``action``; an error it raises is counted, never let through."""
        self.packets_from_outside += 1
        try:
            action(unit)
        except Exception as exc:  # nothing from outside may stop the bench
            self.input_errors += 1
            self.last_input_error = f"{type(exc).__name__}: {exc}"

    def deliver(self, outlet: Outlet | None, octets: bytes) -> bool:
        """Write ``octets`` through ``outlet`` and count them as sent, or as dropped when they cannot go."""
        if outlet is not None and outlet(octets):
            self.packets_to_outside += 1
            return True
        self.frames_dropped += 1
        self.octets_dropped += len(octets)
        return False


class ExternalPort(Port):
    """Frames from the link go out through ``outlet``; octets from outside are deframed and put on the link.

    Garbage from outside is skipped and counted by the deframer; the packets around it still get through.
    """

    leaves_the_bench = True

    def __init__(self, name: str, framing: str = "asm") -> None:
        super().__init__(name, framing)
        self.outlet: Outlet | None = None
        self.external = ExternalCounters()

    def receive(self, octets: bytes) -> None:
        """A frame arrives over the link: write it to the outside (counted as dropped if it cannot go)."""
        self.stats.octets_in += len(octets)
        self.external.deliver(self.outlet, octets)

    def inject(self, octets: bytes) -> None:
        """Octets from outside: deframe them and send every whole packet over the link, now."""
        result = self.deframer.feed(octets)
        if result.skipped or self.deframer.buffered:
            self._settle(result.skipped)
        self._pass_on(result.packets)

    def expire(self) -> None:
        """The outside went quiet or away mid-frame: drop the partial frame, pass on what follows it."""
        result = self.deframer.expire()
        self.stats.partial_frames_expired += sum(1 for r in result.skipped if r.reason == TRUNCATED)
        self._settle(result.skipped)
        self._pass_on(result.packets)

    def _pass_on(self, packets: list[bytes]) -> None:
        for packet in packets:
            self.external.take(self.send, packet)

    @property
    def errors(self) -> int:
        """Stretches of bad input skipped (garbage, bad CRCs, cut frames) and inputs that could not be handled."""
        return self.deframer.stats.ranges_skipped + self.external.input_errors


class Boundary(Protocol):
    """Anything the outside world talks to: an external port or the ground gateway."""

    outlet: Outlet | None

    def inject(self, octets: bytes) -> None:
        """Octets from outside."""
        ...

    def expire(self) -> None:
        """The outside went quiet or away mid-frame: drop what it left half-sent."""
        ...

    @property
    def errors(self) -> int:
        """Stretches of bad input skipped."""
        ...


@dataclass
class ExternalEnd:
    """One place the bench meets the outside: its endpoint name, the transport URL, and the bench side."""

    name: str
    url: str
    boundary: Boundary
