"""The space link between the lander's radio and the ground: the seam the CCSDS frame-based link will fill.

The radio owns its bit rates, queues and counters; the space link owns what happens between the antennas:
propagation (lander→relay→Earth light time) and, in the frame-based version to come, TM transfer frames,
CLTUs and COP-1. ``PropagationLink`` is the simple model: whole packets, delayed by the light time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from firmware_sim.engine.scheduler import Scheduler


class RadioEnd(Protocol):
    """What the space link needs from the lander's radio."""

    @property
    def link_up(self) -> bool:
        """True while the radio is locked on the relay (uplink can be received)."""
        ...

    def receive_uplink(self, packet: bytes, first_bit_ns: int) -> None:
        """A TC whose first bit reaches the radio at ``first_bit_ns``; the radio serialises and delivers it."""
        ...


class GroundEnd(Protocol):
    """What the space link needs from the ground station."""

    def receive_downlink(self, packet: bytes, sent_ns: int, arrival_ns: int) -> None:
        """A packet the radio finished sending at ``sent_ns`` arrives now (``arrival_ns``)."""
        ...

    def link_changed(self, up: bool) -> None:
        """The radio gained or lost lock on the relay."""
        ...


class SpaceLink(Protocol):
    """Carries packets between the radio and the ground (the frame-based link implements the same calls)."""

    frames: bool
    """True when the link counts the radio's frames itself (TM frame count, FARM-1 V(R)): the CCSDS frame link."""

    def connect(self, radio: RadioEnd, ground: GroundEnd) -> None:
        """Join the two ends."""
        ...

    def air_octets(self, packet: bytes) -> int:
        """Octets the radio radiates to send ``packet`` (packet plus framing overhead)."""
        ...

    def downlink(self, packet: bytes, sent_ns: int) -> int:
        """The radio finished radiating ``packet`` at ``sent_ns``; returns its arrival time at the ground."""
        ...

    def uplink(self, packet: bytes, sent_ns: int) -> int | None:
        """The ground radiates a TC at ``sent_ns``; returns its first bit's arrival at the radio, None if no link."""
        ...

    def link_changed(self, up: bool) -> None:
        """The radio reports lock or loss; the link tells the ground."""
        ...

    @property
    def link_up(self) -> bool:
        """True while a TC sent now could reach the radio."""
        ...


@dataclass
class SpaceLinkStats:
    """What crossed the space link."""

    downlinked: int = 0
    downlinked_octets: int = 0
    uplinked: int = 0
    uplink_refused: int = 0
    light_time_ns_total: int = 0


class PropagationLink:
    """Whole packets delayed by the light time; ``overhead_octets`` stands in for framing on the air."""

    frames = False
    """Whole packets: the radio counts one "frame" per packet itself."""

    def __init__(self, scheduler: Scheduler, light_time_ns: Callable[[int], int], overhead_octets: int = 0) -> None:
        self.scheduler = scheduler
        self.light_time_ns = light_time_ns
        self.overhead_octets = overhead_octets
        self.radio: RadioEnd | None = None
        self.ground: GroundEnd | None = None
        self.stats = SpaceLinkStats()

    def connect(self, radio: RadioEnd, ground: GroundEnd) -> None:
        """Join the radio and the ground station."""
        self.radio, self.ground = radio, ground

    def air_octets(self, packet: bytes) -> int:
        """Packet plus the per-packet overhead."""
        return len(packet) + self.overhead_octets

    def downlink(self, packet: bytes, sent_ns: int) -> int:
        """Deliver ``packet`` to the ground one light time after ``sent_ns``."""
        delay = self.light_time_ns(sent_ns)
        arrival = sent_ns + delay
        self.stats.downlinked += 1
        self.stats.downlinked_octets += len(packet)
        self.stats.light_time_ns_total += delay
        if self.ground is not None:
            period = self.scheduler.clock.period_ns
            self.scheduler.call_at(-(-arrival // period), self._arrive, (packet, sent_ns, arrival))
        return arrival

    def _arrive(self, delivery: tuple[bytes, int, int]) -> None:
        if self.ground is not None:
            self.ground.receive_downlink(*delivery)

    def uplink(self, packet: bytes, sent_ns: int) -> int | None:
        """Hand a TC to the radio with its first bit's arrival time, if the radio is locked now."""
        radio = self.radio
        if radio is None or not radio.link_up:
            self.stats.uplink_refused += 1
            return None
        first_bit = sent_ns + self.light_time_ns(sent_ns)
        self.stats.uplinked += 1
        radio.receive_uplink(packet, first_bit)
        return first_bit

    def link_changed(self, up: bool) -> None:
        """Pass the radio's lock state on to the ground."""
        if self.ground is not None:
            self.ground.link_changed(up)

    @property
    def link_up(self) -> bool:
        """True while the radio is locked."""
        return self.radio is not None and self.radio.link_up
