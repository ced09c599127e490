"""Links: bidirectional byte pipes in virtual time with UART timing, framing at each port, and fault hooks."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from firmware_sim.engine.scheduler import Scheduler
from firmware_sim.errors import ConfigurationError
from firmware_sim.params import MAX_COUNT, Param, fault_method, fault_names, fault_params
from protocols.framing import DeframerStats, SkippedRange, make_framing
from protocols.framing.base import TRUNCATED

NS_PER_S = 1_000_000_000
BITS_PER_OCTET = 10  # start bit, 8 data bits, stop bit
MAX_BACKLOG_NS = 750_000_000
"""Default limit of what may wait to go out on one direction of a link, as wire time: a sender that offers more
than the baud rate carries (say housekeeping every millisecond) overflows the transmit queue, and the frames that
do not fit are dropped and counted, as a UART FIFO would. The reference mission peaks at about 0.6 s."""
MIN_QUEUED_FRAMES = 4
"""Frames a direction always has room for, however long they take (a few large packets are not an overload)."""

DIRECTIONS = {"both": "both", "to-device": "a>b", "from-device": "b>a"}
"""A link fault's ``direction``: the frames it acts on (port a is flight software's end, b the device's)."""
MAX_LINK_DELAY_S = 86_400.0
"""The longest extra delay a ``delay`` link fault may add."""
_DIRECTION = Param("text", choices=tuple(DIRECTIONS))
PARTIAL_FRAME_TIMEOUT_NS = 250_000_000
"""A port drops a partial frame after this much silence on its line, so that the next frame is read."""

PacketHandler = Callable[[bytes], None]
RejectHandler = Callable[[bytes, str], None]
"""Told of every candidate packet the deframer refused whose primary header it could read: (header, reason)."""
Tap = Callable[[int, str, str, bytes], None]
"""Called for every packet a port sends: (virtual ns, link name, direction "a>b"/"b>a", packet octets)."""


@dataclass
class PortStats:
    """What crossed one port."""

    packets_out: int = 0
    packets_in: int = 0
    octets_out: int = 0
    octets_in: int = 0
    skipped: list[SkippedRange] = field(default_factory=list)
    skipped_kept: int = 64
    partial_frames_expired: int = 0
    """Partial frames dropped after the line went quiet or its far end went away."""
    handler_errors: int = 0
    """Packets whose handler raised an unexpected error (counted; the port carries on)."""
    last_handler_error: str = ""

    def note_skipped(self, ranges: list[SkippedRange]) -> None:
        """Keep the most recent skipped ranges (bounded)."""
        self.skipped.extend(ranges)
        del self.skipped[: max(0, len(self.skipped) - self.skipped_kept)]


class _Lane:
    """One direction of a link, kept by the port that sends on it: when its wire is next free, and when the last
    few frames on it end."""

    __slots__ = ("free_at_ns", "recent_ends")

    def __init__(self) -> None:
        self.free_at_ns = 0
        self.recent_ends: deque[int] = deque(maxlen=MIN_QUEUED_FRAMES)


class Port:
    """One end of a link: frames outgoing packets and deframes incoming octets into whole packets."""

    leaves_the_bench = False
    """True for an end whose frames go out to a real wire (written at once when due now, see ``Link.carry``)."""

    def __init__(self, name: str, framing: str = "asm") -> None:
        self.name = name
        self.framing = framing
        self.framer, self.deframer = make_framing(framing, require_crc=True)  # every farside packet is PUS
        self.handler: PacketHandler | None = None
        self.on_rejected: RejectHandler | None = None
        self.link: Link | None = None
        self.lane = _Lane()
        """This end's sending direction on its link (the link sets it up when connected)."""
        self.stats = PortStats()
        self._last_input_ns = 0
        self._quiet_check_due = False

    def wire_octets(self, packet_size: int) -> int:
        """Octets a packet of ``packet_size`` takes on the wire once framed (at most, for COBS)."""
        return self.framer.wire_size(packet_size)

    @property
    def deframer_stats(self) -> DeframerStats:
        """The deframer's counters: octets, packets, skipped ranges by reason."""
        return self.deframer.stats

    def send(self, packet: bytes, as_is: bool = False) -> None:
        """Frame ``packet`` and put it on the link; ``as_is`` frames it even if it is not one whole space packet."""
        if self.link is None:
            raise ConfigurationError(f"port {self.name}: not connected to a link")
        frame = self.framer.wrap(packet) if as_is else self.framer.frame(packet)
        self.stats.packets_out += 1
        self.stats.octets_out += len(frame)
        self.link.carry(self, packet, frame)

    def receive(self, octets: bytes) -> None:
        """Octets arrive from the link: deframe and hand every whole packet to the handler."""
        self.stats.octets_in += len(octets)
        whole = self.deframer.feed_frame(octets)
        packets = (whole,) if whole is not None else self._deframe(octets)
        handler = self.handler
        for packet in packets:
            self.stats.packets_in += 1
            if handler is not None:
                try:
                    handler(packet)
                except Exception as exc:  # nothing a peer sends may stop the bench: count it, carry on
                    self._handler_failed(exc)

    def _deframe(self, octets: bytes) -> list[bytes]:
        """The packets ``octets`` complete, once the deframer's skipped ranges and held octets are seen to."""
        result = self.deframer.feed(octets)
        if result.skipped or self.deframer.buffered:
            self._settle(result.skipped)
        return result.packets

    def expire(self) -> None:
        """The line went quiet or its far end went away: drop a partial frame so that the next one is read."""
        result = self.deframer.expire()
        self.stats.partial_frames_expired += sum(1 for r in result.skipped if r.reason == TRUNCATED)
        self._settle(result.skipped)
        for packet in result.packets:
            self.stats.packets_in += 1
            if self.handler is not None:
                try:
                    self.handler(packet)
                except Exception as exc:
                    self._handler_failed(exc)

    def _settle(self, skipped: list[SkippedRange]) -> None:
        """Keep the skipped ranges, tell ``on_rejected`` of refused packets, and watch a partial frame."""
        if skipped:
            self.stats.note_skipped(skipped)
            if self.on_rejected is not None:
                for rejected in skipped:
                    if rejected.header:
                        try:
                            self.on_rejected(rejected.header, rejected.reason)
                        except Exception as exc:
                            self._handler_failed(exc)
        link = self.link
        if link is not None and self.deframer.buffered:
            self._last_input_ns = link.scheduler.now_ns
            if not self._quiet_check_due:
                self._quiet_check_due = True
                link.scheduler.after_ns(PARTIAL_FRAME_TIMEOUT_NS, self._quiet_check)

    def _quiet_check(self) -> None:
        self._quiet_check_due = False
        if not self.deframer.buffered or self.link is None:
            return
        quiet_until = self._last_input_ns + PARTIAL_FRAME_TIMEOUT_NS
        if self.link.scheduler.now_ns >= quiet_until:
            self.expire()
        else:
            self._quiet_check_due = True
            self.link.scheduler.after_ns(quiet_until - self.link.scheduler.now_ns, self._quiet_check)

    def _handler_failed(self, exc: Exception) -> None:
        self.stats.handler_errors += 1
        self.stats.last_handler_error = f"{type(exc).__name__}: {exc}"


@dataclass
class LinkFaults:
    """Fault hooks a test or scenario sets: each acts on the frames crossing the link."""

    drop_next: int = 0
    drop_probability: float = 0.0
    corrupt_next: int = 0
    bit_error_rate: float = 0.0
    extra_delay_ns: int = 0
    cut: bool = False
    direction: str = "both"
    """Which frames the faults act on: "both", "a>b" (towards port b) or "b>a"."""
    frames_dropped: int = 0
    frames_corrupted: int = 0
    octets_lost_to_cut: int = 0
    armed = False  # not a field: ``__setattr__`` keeps it, however the hooks are set
    """True while any fault hook is set: while it is False, a link looks at no other hook for the frames it carries."""

    def __setattr__(self, name: str, value: Any) -> None:
        """Set an attribute; setting a fault hook also settles ``armed``."""
        super().__setattr__(name, value)
        if name in _FAULT_HOOKS:
            super().__setattr__("armed", any(getattr(self, hook) for hook in _FAULT_HOOKS))

    def clear(self) -> None:
        """Remove every fault (counters are kept)."""
        self.drop_next = self.corrupt_next = 0
        self.drop_probability = self.bit_error_rate = 0.0
        self.extra_delay_ns = 0
        self.cut = False
        self.direction = "both"


_FAULT_HOOKS = ("drop_next", "drop_probability", "corrupt_next", "bit_error_rate", "extra_delay_ns", "cut")
"""The fields of ``LinkFaults`` that act on frames: while all are zero, nothing does."""


@dataclass
class LinkOverflow:
    """Frames a link's transmit queues could not take (the sender offered more than the baud rate carries)."""

    frames: int = 0
    octets: int = 0
    frames_a_to_b: int = 0
    frames_b_to_a: int = 0

    def count(self, forward: bool, octets: int) -> None:
        """One frame of ``octets`` dropped in the direction given by ``forward`` (a>b)."""
        self.frames += 1
        self.octets += octets
        if forward:
            self.frames_a_to_b += 1
        else:
            self.frames_b_to_a += 1


class Link:
    """A full-duplex UART-like link between two ports: each direction serialises frames at ``baud``."""

    def __init__(self, name: str, scheduler: Scheduler, a: Port, b: Port, baud: int = 115_200,
                 rng: np.random.Generator | None = None, max_backlog_ns: int = MAX_BACKLOG_NS) -> None:
        if baud <= 0:
            raise ConfigurationError(f"link {name}: baud={baud} must be positive")
        if max_backlog_ns <= 0:
            raise ConfigurationError(f"link {name}: max_backlog_ns={max_backlog_ns} must be positive")
        self.name = name
        self.scheduler = scheduler
        self.a, self.b = a, b
        self.baud = baud
        self.rng = rng or np.random.default_rng(0)
        self.faults = LinkFaults()
        self.max_backlog_ns = max_backlog_ns
        self.overflow = LinkOverflow()
        self.taps: list[Tap] = []
        a.lane, b.lane = _Lane(), _Lane()
        self._ns_per_octet_x_baud = BITS_PER_OCTET * NS_PER_S
        self._period_ns = scheduler.clock.period_ns
        self.timed = True
        """False when one end is a real wire: that wire's own timing applies, the link adds none."""
        a.link = b.link = self

    # faults: ``fault_<name>`` methods found by name, as a device's are ---------------------------------------
    def inject(self, fault: str, **params: Any) -> None:
        """Inject a named link fault (``drop``, ``bit-errors`` …) with its parameters."""
        method = fault_method(type(self), fault)
        if method is None:
            raise ConfigurationError(f"link fault {fault!r}: link faults are {', '.join(fault_names(type(self)))}")
        method(self, **params)

    def _aim(self, direction: str | None) -> LinkFaults:
        """The link's fault hooks, aimed at ``direction`` when one is given (else as they were)."""
        if direction is not None:
            self.faults.direction = DIRECTIONS[direction]
        return self.faults

    @fault_params(direction=_DIRECTION, count=Param("integer", 0, MAX_COUNT), probability=Param("number", 0.0, 1.0))
    def fault_drop(self, direction: str | None = None, count: int = 1, probability: float | None = None) -> None:
        """Drop the next ``count`` frames, then each with ``probability`` (kept as it was when not given)."""
        faults = self._aim(direction)
        faults.drop_next += count
        if probability is not None:
            faults.drop_probability = float(probability)

    @fault_params(direction=_DIRECTION, count=Param("integer", 1, MAX_COUNT))
    def fault_corrupt(self, direction: str | None = None, count: int = 1) -> None:
        """Flip one bit in each of the next ``count`` frames."""
        self._aim(direction).corrupt_next += count

    @fault_params(direction=_DIRECTION, rate=Param("number", 0.0, 1.0, required=True))
    def fault_bit_errors(self, rate: float, direction: str | None = None) -> None:
        """Flip bits at random with probability ``rate`` per bit (0 ends it)."""
        self._aim(direction).bit_error_rate = float(rate)

    @fault_params(direction=_DIRECTION, seconds=Param("number", 0.0, MAX_LINK_DELAY_S, required=True, unit="s"))
    def fault_delay(self, seconds: float, direction: str | None = None) -> None:
        """Deliver every frame ``seconds`` later (0 ends it)."""
        self._aim(direction).extra_delay_ns = int(float(seconds) * 1e9)

    @fault_params(direction=_DIRECTION)
    def fault_cut(self, direction: str | None = None) -> None:
        """Cut the wire: nothing crosses until ``restore``."""
        self._aim(direction).cut = True

    @fault_params(direction=_DIRECTION)
    def fault_restore(self, direction: str | None = None) -> None:
        """Mend a cut wire."""
        self._aim(direction).cut = False

    @fault_params(direction=_DIRECTION)
    def fault_clear(self, direction: str | None = None) -> None:
        """Remove every fault (the counters are kept); the direction goes back to both."""
        self.faults.clear()

    def octet_time_ns(self, octets: int) -> int:
        """How long ``octets`` take on the wire at this link's baud rate."""
        return -(-octets * BITS_PER_OCTET * NS_PER_S // self.baud)

    def carry(self, sender: Port, packet: bytes, frame: bytes) -> None:
        """Serialise ``frame`` after anything already on the wire this way, apply faults, deliver at the end.

        Every tap hears the packet before anything it causes, except where the frame leaves the bench due now: it
        is written first (the outside world waits for it; the taps only record), then the taps hear it.
        """
        forward = sender is self.a
        direction = "a>b" if forward else "b>a"
        scheduler = self.scheduler
        now = scheduler.now_ns
        lane = sender.lane
        start = lane.free_at_ns
        if start < now:
            start = now
        elif start - now > self.max_backlog_ns:
            recent = lane.recent_ends
            if len(recent) == MIN_QUEUED_FRAMES and recent[0] > now:  # the last few frames are all still queued
                self._tap(now, direction, packet)
                self.overflow.count(forward, len(frame))
                return
        end = start - (-len(frame) * self._ns_per_octet_x_baud // self.baud) if self.timed else start
        lane.free_at_ns = end
        lane.recent_ends.append(end)
        faults = self.faults
        if faults.armed and (faults.direction == "both" or faults.direction == direction):
            end += faults.extra_delay_ns
            if (faults.cut or faults.drop_next or faults.drop_probability or faults.corrupt_next
                    or faults.bit_error_rate):
                delivered = self._apply_faults(frame)
                if delivered is None:
                    self._tap(now, direction, packet)
                    return
                frame = delivered
        due = -(-end // self._period_ns)
        receiver = self.b if forward else self.a
        if due <= scheduler.cycle and (receiver.leaves_the_bench or not self.timed):
            self._deliver_now(receiver, now, direction, packet, frame)
            return
        self._tap(now, direction, packet)
        scheduler.call_at(due, receiver.receive, frame)

    def _deliver_now(self, receiver: Port, now: int, direction: str, packet: bytes, frame: bytes) -> None:
        """Hand ``frame`` over in this same call: a real wire is written first, else the taps hear it first."""
        if receiver.leaves_the_bench:
            receiver.receive(frame)  # onto a real wire and due now: out at once, not after the rest of this instant
            self._tap(now, direction, packet)
            return
        self._tap(now, direction, packet)  # came in from a real wire (no emulated timing)
        receiver.receive(frame)

    def _tap(self, now: int, direction: str, packet: bytes) -> None:
        for tap in self.taps:
            tap(now, self.name, direction, packet)

    def _apply_faults(self, frame: bytes) -> bytes | None:
        faults = self.faults
        if faults.cut:
            faults.octets_lost_to_cut += len(frame)
            return None
        if faults.drop_next:
            faults.drop_next -= 1
            faults.frames_dropped += 1
            return None
        if faults.drop_probability and self.rng.random() < faults.drop_probability:
            faults.frames_dropped += 1
            return None
        if faults.corrupt_next:
            faults.corrupt_next -= 1
            faults.frames_corrupted += 1
            return self._flip(frame, 1)
        if faults.bit_error_rate:
            errors = int(self.rng.binomial(len(frame) * 8, faults.bit_error_rate))
            if errors:
                faults.frames_corrupted += 1
                return self._flip(frame, errors)
        return frame

    def _flip(self, frame: bytes, bits: int) -> bytes:
        damaged = bytearray(frame)
        for position in self.rng.integers(0, len(frame) * 8, size=bits):
            damaged[int(position) // 8] ^= 0x80 >> (int(position) % 8)
        return bytes(damaged)
