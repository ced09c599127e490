"""Links: bidirectional byte pipes in virtual time with UART timing, framing at each port, and fault hooks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from firmware_sim.engine.scheduler import Scheduler
from firmware_sim.errors import ConfigurationError
from protocols.framing import DeframerStats, SkippedRange, make_framing

NS_PER_S = 1_000_000_000
BITS_PER_OCTET = 10  # start bit, 8 data bits, stop bit

PacketHandler = Callable[[bytes], None]
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

    def note_skipped(self, ranges: list[SkippedRange]) -> None:
        """Keep the most recent skipped ranges (bounded)."""
        self.skipped.extend(ranges)
        del self.skipped[: max(0, len(self.skipped) - self.skipped_kept)]


class Port:
    """One end of a link: frames outgoing packets and deframes incoming octets into whole packets."""

    def __init__(self, name: str, framing: str = "asm") -> None:
        self.name = name
        self.framing = framing
        self.framer, self.deframer = make_framing(framing)
        self.handler: PacketHandler | None = None
        self.link: Link | None = None
        self.stats = PortStats()

    @property
    def deframer_stats(self) -> DeframerStats:
        """The deframer's counters: octets, packets, skipped ranges by reason."""
        return self.deframer.stats

    def send(self, packet: bytes) -> None:
        """Frame ``packet`` and put it on the link."""
        if self.link is None:
            raise ConfigurationError(f"port {self.name}: not connected to a link")
        frame = self.framer.frame(packet)
        self.stats.packets_out += 1
        self.stats.octets_out += len(frame)
        self.link.carry(self, packet, frame)

    def receive(self, octets: bytes) -> None:
        """Octets arrive from the link: deframe and hand every whole packet to the handler."""
        self.stats.octets_in += len(octets)
        result = self.deframer.feed(octets)
        if result.skipped:
            self.stats.note_skipped(result.skipped)
        handler = self.handler
        for packet in result.packets:
            self.stats.packets_in += 1
            if handler is not None:
                handler(packet)


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

    def clear(self) -> None:
        """Remove every fault (counters are kept)."""
        self.drop_next = self.corrupt_next = 0
        self.drop_probability = self.bit_error_rate = 0.0
        self.extra_delay_ns = 0
        self.cut = False
        self.direction = "both"


class Link:
    """A full-duplex UART-like link between two ports: each direction serialises frames at ``baud``."""

    def __init__(self, name: str, scheduler: Scheduler, a: Port, b: Port, baud: int = 115_200,
                 rng: np.random.Generator | None = None) -> None:
        if baud <= 0:
            raise ConfigurationError(f"link {name}: baud={baud} must be positive")
        self.name = name
        self.scheduler = scheduler
        self.a, self.b = a, b
        self.baud = baud
        self.rng = rng or np.random.default_rng(0)
        self.faults = LinkFaults()
        self.taps: list[Tap] = []
        self._free_at_ns = {id(a): 0, id(b): 0}
        self._ns_per_octet_x_baud = BITS_PER_OCTET * NS_PER_S
        self.timed = True
        """False when one end is a real wire: that wire's own timing applies, the link adds none."""
        a.link = b.link = self

    def octet_time_ns(self, octets: int) -> int:
        """How long ``octets`` take on the wire at this link's baud rate."""
        return -(-octets * BITS_PER_OCTET * NS_PER_S // self.baud)

    def carry(self, sender: Port, packet: bytes, frame: bytes) -> None:
        """Serialise ``frame`` after anything already on the wire this way, apply faults, deliver at the end."""
        forward = sender is self.a
        receiver = self.b if forward else self.a
        scheduler = self.scheduler
        now = scheduler.now_ns
        for tap in self.taps:
            tap(now, self.name, "a>b" if forward else "b>a", packet)
        key = id(sender)
        start = self._free_at_ns[key]
        if start < now:
            start = now
        end = start - (-len(frame) * self._ns_per_octet_x_baud // self.baud) if self.timed else start
        self._free_at_ns[key] = end
        faults = self.faults
        delay = 0
        if faults.direction == "both" or faults.direction == ("a>b" if forward else "b>a"):
            delay = faults.extra_delay_ns
            if (faults.cut or faults.drop_next or faults.drop_probability or faults.corrupt_next
                    or faults.bit_error_rate):
                delivered = self._apply_faults(frame)
                if delivered is None:
                    return
                frame = delivered
        period = scheduler.clock.period_ns
        scheduler.call_at(-(-(end + delay) // period), receiver.receive, frame)

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
