"""The built-in ground node on the frame link: CADUs decoded into packets, TCs sent through FOP-1 as CLTUs.

``FrameGroundNode`` is a ``GroundStation`` (its packet recording, per-APID gap accounting, ``command`` and
held uplink work as before) whose downlink arrives as CADUs and whose uplink runs COP-1: each TC goes in a
type-AD frame (MAP 0) under FOP-1, as a CLTU. FOP-1 reads the CLCW from every frame's OCF; its timer T1 runs on
the scheduler, from the moment the frame's CLTU has left the antenna. With security associations, every frame
FOP-1 sends on a secured VC (retransmissions too) is secured with SDLS afresh: a new IV and sequence number each time.

When FOP-1 gives up (an alert: lockout, transmission limit, an inconsistent CLCW), the node recovers as an
operator would: it waits for a CLCW sent after every CLTU already radiated has reached the radio, counts the
outstanding commands FARM-1 has accepted meanwhile (they are delivered, not sent again), puts the others back
at the head of the queue in order, and starts AD service again (with Unlock after a lockout, with Set V(R) when
FARM-1 waits for a retransmission). So every command is delivered once, in order, whatever the channel does.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from itertools import count
from typing import Any

from firmware_sim.engine.scheduler import Scheduler
from firmware_sim.spacelink.frames_link import FramesLink
from firmware_sim.spacelink.ground import FrameGround, tc_frame_fits
from firmware_sim.spacelink.propagation import SpaceLink
from firmware_sim.spacelink.receiver import TmReceiver
from firmware_sim.spacelink.settings import FrameLinkSettings, sdls_senders
from protocols.errors import ProtocolError
from protocols.spacelink import fop as fop_notices
from protocols.spacelink.clcw import Clcw
from protocols.spacelink.cltu import encode_cltu
from protocols.spacelink.fop import Fop1, FopOutput, FopState
from protocols.spacelink.sdls import SecurityAssociation
from protocols.spacelink.tc_frame import TcFrame
from protocols.spacelink.tm_deframer import VC_GAP

NS_PER_S = 1_000_000_000
GAPS_KEPT = 1000


@dataclass
class CopCounters:
    """COP-1 on the ground side: what FOP-1 sent, what was confirmed, how often it had to start again."""

    tcs_accepted: int = 0
    """TCs FOP-1 took (each once, however often it was sent)."""
    tcs_confirmed: int = 0
    """TCs FARM-1 acknowledged in a CLCW (or found accepted after an alert)."""
    ad_frames: int = 0
    """Type-AD frames radiated, retransmissions included."""
    retransmissions: int = 0
    bd_frames: int = 0
    bc_frames: int = 0
    alerts: int = 0
    alert_codes: dict[str, int] = field(default_factory=dict)
    recoveries: int = 0
    resent_after_alert: int = 0


@dataclass(frozen=True)
class GapRecord:
    """A break in a virtual channel's frame count, as the ground saw it."""

    arrival_ns: int
    vcid: int
    frames_lost: int


class FrameGroundNode(FrameGround):
    """The ground end of the frame link: decodes CADUs, records packets, runs FOP-1 for the uplink."""

    def __init__(self, scheduler: Scheduler, hold_uplink: bool = True, keep: int | None = 100_000,
                 source_id: int = 0, security: Iterable[SecurityAssociation] = ()) -> None:
        super().__init__(scheduler, hold_uplink, keep, source_id)
        self.senders = sdls_senders(security)
        """SDLS sender per secured virtual channel."""
        self.settings: FrameLinkSettings | None = None
        self.receiver: TmReceiver | None = None
        self.fop: Fop1 | None = None
        self.cop = CopCounters()
        self.gap_log: deque[GapRecord] = deque(maxlen=GAPS_KEPT)
        self._period = scheduler.clock.period_ns
        self._tags = count(1)
        self._fdus: dict[int, bytes] = {}
        self._outstanding: deque[int] = deque()  # tags sent and not yet confirmed, in order
        self._ns_of: dict[int, int] = {}
        self._radiated: set[int] = set()
        self._requeued: set[int] = set()
        self._initiated = False
        self._recovering = False
        self._recover_after_ns = 0
        self._last_clcw: int | None = None
        self._t1_ns = 0
        self._t1_cycle: int | None = None
        self._t1_generation = 0

    def attach(self, link: SpaceLink) -> None:
        """Use ``link``; on a frame link, set up the TM receiver and FOP-1 from the link's settings."""
        super().attach(link)
        if not isinstance(link, FramesLink):
            self.settings = self.receiver = self.fop = None
            return
        settings = link.settings
        if self.settings is settings and self.fop is not None:
            return
        self.settings = settings
        self.receiver = TmReceiver(settings)
        self._t1_ns = round(settings.t1_s * NS_PER_S)
        self.fop = Fop1(settings.spacecraft_id, settings.tc_vcid, window=settings.fop_window, t1_ns=self._t1_ns,
                        transmission_limit=settings.transmission_limit, timeout_type=0)

    # downlink ------------------------------------------------------------------------------------------------
    def receive_cadu(self, cadu: bytes, sent_ns: int, arrival_ns: int) -> None:
        """One CADU off the air: record the packets its frame completes and pass its CLCW to FOP-1."""
        receiver = self.receiver
        if receiver is None:
            return
        for frame in receiver.frames(cadu):
            if frame is None:
                continue
            result = receiver.frame(frame)
            if result.vcid is None:
                continue
            for event in result.events:
                if event.reason == VC_GAP:
                    self.gap_log.append(GapRecord(arrival_ns, result.vcid, event.value))
            self.receive_packets(result.packets, sent_ns, arrival_ns)
            if result.ocf is not None and self.fop is not None:
                self._on_clcw(result.ocf, sent_ns)

    @property
    def frame_gaps(self) -> int:
        """Breaks in the VC frame counts (lost frames) over all virtual channels."""
        return self.receiver.gaps if self.receiver is not None else 0

    # uplink -------------------------------------------------------------------------------------------------
    def uplink(self, packet: bytes) -> bool:
        """Queue a TC for FOP-1 (held while the link is down); True if the link is up and it is on its way."""
        if self.fop is None:
            return super().uplink(packet)
        if not self._fits(packet):
            return False
        up = self.link is not None and self.link.link_up
        if not up:
            if not self.hold_uplink:
                self.counters.tcs_refused += 1
                return False
            self.counters.tcs_held += 1
        self.held.append(packet)
        self._service()
        return up

    def _fits(self, packet: bytes) -> bool:
        """False (refused, counted) for a TC too long for one TC frame once framed and secured."""
        vcid = self.settings.tc_vcid if self.settings is not None else 0
        if tc_frame_fits(packet, self.senders.get(vcid)):
            return True
        self.counters.tcs_refused += 1
        return False

    def uplink_expedited(self, packet: bytes) -> bool:
        """Send a TC now in a type-BD frame (no sequence control, accepted by FARM-1 in any state)."""
        if self.fop is None:
            return super().uplink(packet)
        if not self._fits(packet):
            return False
        if self.link is None or not self.link.link_up:
            self.counters.tcs_refused += 1
            return False
        self.counters.tcs_sent += 1
        self._process(self.fop.request_bd(packet, now=self.scheduler.now_ns))
        return True

    def link_changed(self, up: bool) -> None:
        """On lock, start AD service if it never ran and send what is held."""
        if self.fop is None:
            super().link_changed(up)
            return
        if up:
            self.counters.link_ups += 1
            self._service()
        else:
            self.counters.link_downs += 1

    @property
    def outstanding(self) -> int:
        """TCs sent and not yet confirmed by FARM-1."""
        return len(self._outstanding)

    @property
    def idle(self) -> bool:
        """True when no TC is waiting or unconfirmed."""
        return not self.held and not self._outstanding and not self._recovering

    def _service(self) -> None:
        fop, link = self.fop, self.link
        if fop is None or link is None or self._recovering or not link.link_up:
            return
        now = self.scheduler.now_ns
        if not self._initiated:
            self._initiated = True
            self._process(fop.initiate_ad(now=now))
        while self.held and fop.ready:
            packet = self.held.popleft()
            tag = next(self._tags)
            self._fdus[tag] = packet
            self._process(fop.request_ad(packet, tag, now=now))
            if self._recovering:
                break

    def _process(self, out: FopOutput) -> None:
        fop, link = self.fop, self.link
        assert fop is not None and link is not None
        now = self.scheduler.now_ns
        cop = self.cop
        new_ns = None
        randomize = self.settings.tc_randomize if self.settings else False
        for frame in out.frames:
            if frame[0] & 0x20:
                if frame[0] & 0x10:
                    cop.bc_frames += 1
                else:
                    cop.bd_frames += 1
            else:
                cop.ad_frames += 1
                ns = frame[4]
                if ns in self._radiated:
                    cop.retransmissions += 1
                else:
                    self._radiated.add(ns)
                    new_ns = ns
            sender = self.senders.get((frame[2] >> 2) & 0x3F)
            if sender is not None:
                frame = sender.secure(TcFrame.unpack(frame))
            link.uplink_cltu(encode_cltu(frame, randomize), now)  # type: ignore[attr-defined]
        if out.frames and fop.timer_deadline is not None:
            fop.timer_deadline = max(fop.timer_deadline, link.tc_free_ns + self._t1_ns)  # type: ignore[attr-defined]
        alert = False
        for notice in out.notices:
            kind, subject, tag = notice
            if subject == fop_notices.FDU and isinstance(tag, int):
                if kind == fop_notices.ACCEPT:
                    self._accepted(tag, new_ns)
                elif kind == fop_notices.CONFIRM:
                    self._confirmed(tag)
                elif kind == fop_notices.REJECT and tag in self._fdus:
                    self.held.appendleft(self._fdus.pop(tag))
            elif kind == fop_notices.ALERT:
                cop.alerts += 1
                cop.alert_codes[subject] = cop.alert_codes.get(subject, 0) + 1
                alert = True
        if alert:
            self._start_recovery()
        self._arm_t1()

    def _accepted(self, tag: int, ns: int | None) -> None:
        packet = self._fdus[tag]
        if id(packet) in self._requeued:
            self._requeued.discard(id(packet))
        else:
            self.cop.tcs_accepted += 1
            self.counters.tcs_sent += 1
        self._outstanding.append(tag)
        if ns is not None:
            self._ns_of[tag] = ns

    def _confirmed(self, tag: int) -> None:
        self.cop.tcs_confirmed += 1
        if self._outstanding and self._outstanding[0] == tag:
            self._outstanding.popleft()
        elif tag in self._outstanding:
            self._outstanding.remove(tag)
        ns = self._ns_of.pop(tag, None)
        if ns is not None:
            self._radiated.discard(ns)
        self._fdus.pop(tag, None)

    def _on_clcw(self, word: int, sent_ns: int) -> None:
        fop = self.fop
        assert fop is not None
        if self._recovering:
            self._try_recover(word, sent_ns)
            return
        if fop.state is FopState.INITIAL:
            return
        if word == self._last_clcw and not fop.outstanding and fop.state is FopState.ACTIVE:
            return
        self._last_clcw = word
        self._process(fop.clcw(word, now=self.scheduler.now_ns))
        self._service()

    # T1 -----------------------------------------------------------------------------------------------------
    def _arm_t1(self) -> None:
        fop = self.fop
        if fop is None or fop.timer_deadline is None:
            return
        cycle = -(-fop.timer_deadline // self._period)
        if self._t1_cycle is not None and self._t1_cycle <= cycle:
            return
        self._t1_generation += 1
        self._t1_cycle = cycle
        self.scheduler.call_at(cycle, self._on_t1, self._t1_generation)

    def _on_t1(self, generation: int) -> None:
        if generation != self._t1_generation:
            return
        self._t1_cycle = None
        fop = self.fop
        if fop is None or fop.timer_deadline is None:
            return
        now = self.scheduler.now_ns
        if now < fop.timer_deadline:
            self._arm_t1()
            return
        self._process(fop.tick(now))
        self._service()

    # recovery after an alert --------------------------------------------------------------------------------
    def _start_recovery(self) -> None:
        link = self.link
        self._recovering = True
        self.cop.recoveries += 1
        self._radiated.clear()
        self._last_clcw = None
        after = link.last_cltu_arrival_ns if isinstance(link, FramesLink) else self.scheduler.now_ns
        self._recover_after_ns = max(after, self.scheduler.now_ns) + 2 * self._period

    def _try_recover(self, word: int, sent_ns: int) -> None:
        """A CLCW sent after every radiated CLTU reached the radio: settle the outstanding TCs, restart AD."""
        fop, link = self.fop, self.link
        assert fop is not None
        if sent_ns < self._recover_after_ns or link is None or not link.link_up:
            return
        try:
            clcw = Clcw.from_int(word)
        except ProtocolError:
            return
        if clcw.vcid != fop.vcid:
            return
        vr = clcw.report_value
        tags = list(self._outstanding)
        done = 0
        if tags and tags[0] in self._ns_of:
            done = (vr - self._ns_of[tags[0]]) & 0xFF
            if done > len(tags):
                done = 0
        for tag in tags[:done]:
            self.cop.tcs_confirmed += 1
            self._fdus.pop(tag, None)
        for tag in reversed(tags[done:]):
            packet = self._fdus.pop(tag)
            self._requeued.add(id(packet))
            self.held.appendleft(packet)
            self.cop.resent_after_alert += 1
        self._outstanding.clear()
        self._ns_of.clear()
        self._recovering = False
        now = self.scheduler.now_ns
        self._process(fop.set_vs(vr, now=now))
        if clcw.lockout:
            self._process(fop.initiate_ad_with_unlock(now=now))
        elif clcw.retransmit or clcw.wait:
            self._process(fop.initiate_ad_with_set_vr(vr, now=now))
        else:
            self._process(fop.initiate_ad(now=now))
        self._initiated = True
        self._service()

    # report -------------------------------------------------------------------------------------------------
    def figures(self) -> dict[str, Any]:
        """What the ground node saw and did: frames and packets per VC, errors, gaps, COP-1."""
        out: dict[str, Any] = {"packets_received": self.counters.packets_received, "apid_gaps": self.gaps,
                               "packets_missing": self.missing, "cop1": asdict(self.cop),
                               "tcs_waiting": len(self.held), "tcs_outstanding": len(self._outstanding)}
        if self.receiver is not None:
            out["tm"] = self.receiver.stats.as_dict()
            out["frame_gaps"] = self.receiver.gaps
            out["frames_lost"] = self.receiver.frames_lost
        if self.fop is not None:
            out["fop_state"] = self.fop.state.name.lower()
        return out
