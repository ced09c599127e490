"""A minimal in-process ground station: downlinked packets with arrival times, gap counts per APID, TC uplink."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from firmware_sim.engine.scheduler import Scheduler
from firmware_sim.errors import ConfigurationError
from firmware_sim.spacelink.propagation import SpaceLink
from protocols.dictionary import Device
from protocols.spacelink.sdls import SdlsSender
from protocols.spacelink.tc_frame import MAX_FRAME_SIZE
from protocols.spacepacket import IDLE_APID, PRIMARY_HEADER_SIZE, SequenceCounter

NS_PER_S = 1_000_000_000
SEQ_MODULO = 1 << 14


class ReceivedPacket(NamedTuple):
    """One packet as the ground got it: octets, when the radio sent it and when it arrived.

    A named tuple: one is made per downlinked packet, and it is the cheapest immutable record to make.
    """

    raw: bytes
    sent_ns: int
    arrival_ns: int
    apid: int
    seq_count: int
    is_tc: bool

    @property
    def delay_s(self) -> float:
        """Radio-to-ground delay (the light time) in seconds."""
        return (self.arrival_ns - self.sent_ns) / NS_PER_S


PENDING_KEPT = 256
"""Missing sequence counts remembered per APID, so a packet that arrives late is not counted as lost."""


@dataclass
class ApidStats:
    """Sequence accounting of one APID (and packet type): received, gaps, missing, out of order.

    A packet that turns up after a later one fills its place: it is counted ``out_of_order``, no longer
    ``missing``, and a gap whose every packet turned up is no longer a gap. Repeats count as out of order only.
    """

    received: int = 0
    gaps: int = 0
    missing: int = 0
    out_of_order: int = 0
    last_seq: int | None = None
    pending: dict[int, int] = field(default_factory=dict, repr=False)
    """Missing sequence count → the gap it belongs to (the oldest are forgotten beyond PENDING_KEPT)."""
    open_gaps: dict[int, int] = field(default_factory=dict, repr=False)
    """Gap id → packets of it still missing."""

    def note_gap(self, first_missing: int, count: int) -> None:
        """``count`` packets from ``first_missing`` on did not arrive (yet)."""
        self.gaps += 1
        self.missing += count
        gap = self.gaps
        if count > PENDING_KEPT:
            return
        self.open_gaps[gap] = count
        for k in range(count):
            self.pending[(first_missing + k) % SEQ_MODULO] = gap
        while len(self.pending) > PENDING_KEPT:
            self.open_gaps.pop(self.pending.pop(next(iter(self.pending))), None)

    def note_late(self, seq: int) -> None:
        """A packet behind the latest one: a late arrival fills its gap; a repeat changes nothing else."""
        self.out_of_order += 1
        gap = self.pending.pop(seq, None)
        if gap is None:
            return
        self.missing -= 1
        left = self.open_gaps.get(gap)
        if left is None:
            return
        if left <= 1:
            del self.open_gaps[gap]
            self.gaps -= 1
        else:
            self.open_gaps[gap] = left - 1


@dataclass
class GroundCounters:
    """What the ground station saw and sent."""

    packets_received: int = 0
    octets_received: int = 0
    undecodable: int = 0
    tcs_sent: int = 0
    tcs_held: int = 0
    tcs_refused: int = 0
    tcs_held_dropped: int = 0
    """TCs held for the next pass that were dropped, oldest first, to keep the hold queue within its limit."""
    link_ups: int = 0
    link_downs: int = 0


TC_FRAME_OVERHEAD = 5 + 1 + 2
"""A TC frame's primary header, segment header and FECF around the packet it carries."""
HOLD_LIMIT = 10_000
"""TCs the ground holds while the link is down; past it the oldest held TC is dropped and counted."""


class GroundStation:
    """The ground end of the space link: keeps the latest received packets (``keep``), counts gaps, uplinks TCs.

    A TC handed to ``uplink`` while the link is down is held at the ground (``hold_uplink=True``, the
    default) and sent in order once the radio reports lock; with ``hold_uplink=False`` it is refused and
    counted. A TC sent while the link is up can still be lost if the link drops before it has arrived: the
    radio counts those (it never receives them).
    """

    def __init__(self, scheduler: Scheduler, hold_uplink: bool = True, keep: int | None = 100_000,
                 source_id: int = 0) -> None:
        if keep is not None and keep < 1:
            raise ConfigurationError(f"ground station keep={keep}: must be at least 1 (or None: keep all)")
        self.scheduler = scheduler
        self.hold_uplink = hold_uplink
        self.source_id = source_id
        self.link: SpaceLink | None = None
        self.counters = GroundCounters()
        self.received: deque[ReceivedPacket] = deque(maxlen=keep)
        self.apids: dict[tuple[bool, int], ApidStats] = {}
        self.listeners: list[Callable[[ReceivedPacket], None]] = []
        self.held: deque[bytes] = deque()
        self._seq = SequenceCounter()

    def attach(self, link: SpaceLink) -> None:
        """Use ``link`` for uplink (the link calls ``receive_downlink`` and ``link_changed``)."""
        self.link = link

    # downlink ------------------------------------------------------------------------------------------------
    def receive_downlink(self, packet: bytes, sent_ns: int, arrival_ns: int) -> None:
        """Record one arriving packet and account for its sequence count."""
        self.receive_packets((packet,), sent_ns, arrival_ns)

    def receive_packets(self, packets: Iterable[bytes], sent_ns: int, arrival_ns: int) -> None:
        """Record packets that arrived together (one frame's), in order, each as ``receive_downlink`` would."""
        counters, apids, kept, listeners = self.counters, self.apids, self.received, self.listeners
        for packet in packets:
            size = len(packet)
            counters.packets_received += 1
            counters.octets_received += size
            if size < PRIMARY_HEADER_SIZE:
                counters.undecodable += 1
                received = ReceivedPacket(packet, sent_ns, arrival_ns, -1, -1, False)
            else:
                first = packet[0]
                is_tc = (first & 0x10) != 0
                apid = ((first & 0x07) << 8) | packet[1]
                seq = ((packet[2] & 0x3F) << 8) | packet[3]
                received = ReceivedPacket(packet, sent_ns, arrival_ns, apid, seq, is_tc)
                if apid != IDLE_APID:
                    stats = apids.get((is_tc, apid))
                    if stats is None:
                        stats = apids[(is_tc, apid)] = ApidStats()
                    self._account(stats, seq)
            kept.append(received)
            for listener in listeners:
                listener(received)

    @staticmethod
    def _account(stats: ApidStats, seq: int) -> None:
        stats.received += 1
        if stats.last_seq is not None:
            skipped = (seq - stats.last_seq - 1) % SEQ_MODULO
            if skipped >= SEQ_MODULO // 2:  # behind the last one: a repeat or a late packet
                stats.note_late(seq)
                return
            if skipped:
                stats.note_gap((stats.last_seq + 1) % SEQ_MODULO, skipped)
        stats.last_seq = seq

    def packets(self, apid: int | None = None) -> list[ReceivedPacket]:
        """Received packets (of one APID), in arrival order."""
        return [p for p in self.received if apid is None or p.apid == apid]

    @property
    def gaps(self) -> int:
        """Sequence gaps over all APIDs."""
        return sum(s.gaps for s in self.apids.values())

    @property
    def missing(self) -> int:
        """Packets missing by sequence count over all APIDs."""
        return sum(s.missing for s in self.apids.values())

    # uplink -----------------------------------------------------------------------------------------------
    def uplink(self, packet: bytes) -> bool:
        """Send a TC now if the link is up (True); otherwise hold it for the next pass or refuse it (False)."""
        if self.link is not None and self.link.link_up:
            self._send_held()
            return self._send(self.link, packet)
        if self.hold_uplink:
            if len(self.held) >= HOLD_LIMIT:
                self.held.popleft()
                self.counters.tcs_held_dropped += 1
            self.held.append(packet)
            self.counters.tcs_held += 1
        else:
            self.counters.tcs_refused += 1
        return False

    def command(self, device: Device, name: str, args: Mapping[str, Any] | None = None, ack: int = 0xF) -> bytes:
        """Build a TC for ``device`` by command name (engineering arguments), uplink it and return its octets."""
        raw = device.telecommand(name, args, self._seq.peek(device.apid), self.source_id, ack)
        self._seq.next(device.apid)  # a TC that could not be built uses up no count
        self.uplink(raw)
        return raw

    def link_changed(self, up: bool) -> None:
        """The radio locked or lost lock: on lock, send the held TCs in order."""
        if not up:
            self.counters.link_downs += 1
            return
        self.counters.link_ups += 1
        self._send_held()

    def _send_held(self) -> None:
        while self.held and self.link is not None and self.link.link_up:
            self._send(self.link, self.held.popleft())

    def _send(self, link: SpaceLink, packet: bytes) -> bool:
        if link.uplink(packet, self.scheduler.now_ns) is None:
            self.counters.tcs_refused += 1
            return False
        self.counters.tcs_sent += 1
        return True


class FrameGround(GroundStation):
    """A ground end that takes whole CADUs off the frame link: the built-in ground node, the gateway to a real one."""

    def receive_cadu(self, cadu: bytes, sent_ns: int, arrival_ns: int) -> None:
        """A CADU whose last bit left the radio at ``sent_ns`` arrives now (``arrival_ns``)."""
        raise NotImplementedError


def tc_frame_fits(packet: bytes, sender: SdlsSender | None) -> bool:
    """Whether ``packet`` fits one TC frame (header, segment header, FECF and any SDLS fields: 1024 octets at most)."""
    octets = TC_FRAME_OVERHEAD + len(packet) + (sender.sa.overhead if sender is not None else 0)
    return octets <= MAX_FRAME_SIZE
