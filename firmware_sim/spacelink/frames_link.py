"""The CCSDS space link in the bench: TM frames as CADUs down, CLTUs up through FARM-1, bit errors, light time.

``FramesLink`` fills the same seam as ``PropagationLink``. Downlink: each packet the radio finishes sending goes
into a TM frame of its virtual channel (``lander.TmSender``); a frame leaves when it is full, or completed with
idle fill once the downlink has been quiet for ``flush_s`` (longer if the fill itself needs longer on the air), so
at kbit/s rates a mission sends few frames. Each frame is randomized behind an ASM (a CADU, RS-coded if set),
crosses the burst channel and reaches the ground one light time after its last bit. ``air_octets`` charges each
packet its share of the CADU overhead, so the radio's timing carries the frames. Uplink: the ground hands CLTUs
to ``uplink_cltu``; they are radiated one after the other at the uplink rate, cross the channel and the light
time, and the radio's ``TcReceiver`` decodes them (BCH) and runs FARM-1; accepted frame data (a TC packet) goes
to the radio's ``receive_uplink``. The CLCW rides in the OCF of every TM frame; after FARM-1 has seen a frame, a
frame (an idle one if nothing else is pending) goes down within 100 ms to report it.
"""

from __future__ import annotations

from binascii import crc_hqx
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from firmware_sim.engine.scheduler import Scheduler
from firmware_sim.spacelink.channel import BurstChannel
from firmware_sim.spacelink.ground import FrameGround
from firmware_sim.spacelink.lander import SentFrame, TcReceiver, TmSender
from firmware_sim.spacelink.propagation import GroundEnd, RadioEnd
from firmware_sim.spacelink.receiver import PacketGround
from firmware_sim.spacelink.settings import VIRTUAL_CHANNELS, FrameLinkSettings
from protocols.crc import CRC16_INIT
from protocols.errors import ProtocolError
from protocols.spacelink.cadu import ASM_SIZE, CaduCodec
from protocols.spacelink.cltu import encode_cltu
from protocols.spacelink.sdls import SPI_SIZE, SecurityAssociation, secure_tc
from protocols.spacelink.tc_frame import FECF_SIZE, HEADER_SIZE, TcFrame

NS_PER_S = 1_000_000_000
LOSS_MODES = ("lose", "corrupt", "mixed")
SDLS_ATTACKS = ("forge", "replay", "replay-old", "truncate", "wrong-spi")
"""What the ``sdls-attack`` fault sends: a bad MAC, the latest or the first accepted secured frame again, a frame cut
inside its security header, an SPI with no association."""
REPORT_NS = 100_000_000
"""After FARM-1 has seen a frame, a frame carrying the new CLCW goes down within this time (or ``flush_s``)."""


class FrameRadioEnd(RadioEnd, Protocol):
    """What the frame link needs from the radio beyond the packet link's needs."""

    @property
    def downlink_rate_bps(self) -> int:
        """Bit rate on the downlink now."""
        ...

    @property
    def uplink_rate_bps(self) -> int:
        """Bit rate on the uplink."""
        ...

    @property
    def transmitting(self) -> bool:
        """True while the transmitter radiates (a frame can go down now)."""
        ...

    def tm_frame_sent(self, mc_count: int) -> None:
        """A TM frame went out with this master-channel frame count."""
        ...

    def tc_frame_handled(self, accepted: bool, reason: str | None, vr: int) -> None:
        """FARM-1 accepted or discarded (``reason``) a TC frame; ``vr`` is its V(R) now."""
        ...

    def uplink_lost(self) -> None:
        """A CLTU arrived while the receiver had no lock."""
        ...


@dataclass
class LossPlan:
    """Frames a fault spoils on one direction: the next ``count``, then each with ``probability``."""

    count: int = 0
    probability: float = 0.0
    mode: str = "lose"
    lost: int = 0
    corrupted: int = 0

    @property
    def armed(self) -> bool:
        """True while the plan may still spoil a frame."""
        return self.count > 0 or self.probability > 0.0

    def verdict(self, rng: np.random.Generator) -> str | None:
        """``lose``, ``corrupt`` or None for the next frame (draws only while armed by probability)."""
        if self.count > 0:
            self.count -= 1
        elif not (self.probability > 0.0 and rng.random() < self.probability):
            return None
        mode = self.mode
        if mode == "mixed":
            mode = "lose" if rng.random() < 0.5 else "corrupt"
        if mode == "lose":
            self.lost += 1
        else:
            self.corrupted += 1
        return mode


@dataclass
class FrameLinkStats:
    """What crossed the frame link."""

    packets_in: int = 0
    packets_refused: int = 0
    """Octets handed over as a packet that are not one whole space packet (they cannot go in a frame)."""
    frames_sent: int = 0
    vc_frames: dict[int, int] = field(default_factory=lambda: dict.fromkeys(VIRTUAL_CHANNELS, 0))
    idle_frames: int = 0
    clcw_reports: int = 0
    octets_down: int = 0
    """CADU octets radiated."""
    frames_arrived: int = 0
    frames_lost: int = 0
    """Frames that never reached the ground (a frame-loss fault)."""
    packets_lost: int = 0
    """Packets whose last octet was in a lost frame."""
    frames_in_flight: int = 0
    packets_in_flight: int = 0
    latency_packets: int = 0
    latency_ns_total: int = 0
    latency_ns_max: int = 0
    light_time_ns_total: int = 0
    cltus_sent: int = 0
    octets_up: int = 0
    uplink_refused: int = 0
    cltus_no_lock: int = 0
    """CLTUs that arrived while the radio had no lock."""
    cltus_lost: int = 0
    cltus_corrupted: int = 0
    cltus_overflow: int = 0
    """CLTUs refused because the ground transmitter already had ``UPLINK_PENDING_LIMIT`` waiting (a flood)."""


UPLINK_PENDING_LIMIT = 1_000
"""CLTUs the ground transmitter may have waiting or in flight at once; more are dropped and counted."""


class FramesLink:
    """The radio↔ground link as CCSDS frames: TM frames/CADUs down, CLTUs up, COP-1 on the lander side (FARM-1)."""

    frames = True
    """The link counts the radio's frames (TM frame count, FARM-1 V(R)) itself."""

    def __init__(self, scheduler: Scheduler, light_time_ns: Callable[[int], int],
                 settings: FrameLinkSettings | None = None, rng: np.random.Generator | None = None,
                 security: Iterable[SecurityAssociation] = ()) -> None:
        self.settings = s = settings or FrameLinkSettings()
        self.scheduler = scheduler
        self.light_time_ns = light_time_ns
        """One-way light time for a bit sent at a virtual time: asked for every packet and frame, so it must be cheap
        (the radio holds it per second of virtual time)."""
        self._period = scheduler.clock.period_ns
        down_rng, up_rng, self._fault_rng = (rng if rng is not None else np.random.default_rng(0)).spawn(3)
        self.down_channel = BurstChannel(down_rng, s.downlink_ber, s.burst_bits)
        self.up_channel = BurstChannel(up_rng, s.uplink_ber, s.burst_bits)
        self.down_faults = LossPlan()
        self.up_faults = LossPlan()
        self.tc = TcReceiver(s, security)
        self.tm = TmSender(s, self._clcw_word)
        self.codec = CaduCodec(s.tm_frame_length, randomize=s.randomize, rs_interleave=s.rs_interleave or None)
        self.cadu_length = self.codec.cadu_length
        self.data_size = self.tm.data_size
        self.stats = FrameLinkStats()
        self._cltus_pending = 0
        self.radio: FrameRadioEnd | None = None
        self.ground: FrameGround | PacketGround | None = None
        self._flush_ns = round(s.flush_s * NS_PER_S)
        self._report_ns = min(self._flush_ns, REPORT_NS)
        self._idle_ns = round(s.idle_frame_s * NS_PER_S)
        self._clcw: int | None = None
        self._first_packet_ns = 0  # first packet of the pending frame
        self._last_packet_ns: int | None = None  # last packet of the pending frame (None: nothing pending)
        self._flush_armed: int | None = None
        self._last_end_ns = 0
        self._last_arrival_ns = 0
        self._last_frame_ns = 0
        self._air_end_ns = 0  # end of the last block on the downlink channel (for the burst model's gaps)
        self._up_air_end_ns = 0
        self._tc_free_ns = 0
        self.last_cltu_arrival_ns = 0
        self._tc_event_ns = -1
        self._keepalive_started = False

    # wiring ---------------------------------------------------------------------------------------------------
    def connect(self, radio: RadioEnd, ground: GroundEnd) -> None:
        """Join the radio and a ground end; a packet-level ground end gets a decoder in front of it."""
        self.radio = radio  # type: ignore[assignment]
        self.ground = ground if isinstance(ground, FrameGround) else PacketGround(ground, self.settings)
        if self._idle_ns and not self._keepalive_started:
            self._keepalive_started = True
            self.scheduler.call_at(self._cycle(self.scheduler.now_ns + self._idle_ns), self._keepalive, None)

    def _cycle(self, ns: int) -> int:
        return -(-ns // self._period)

    @property
    def link_up(self) -> bool:
        """True while the radio is locked (a CLTU sent now can be received)."""
        return self.radio is not None and self.radio.link_up

    def link_changed(self, up: bool) -> None:
        """Pass the radio's lock state on; on lock, a frame left pending during the outage may go."""
        if self.ground is not None:
            self.ground.link_changed(up)
        if up:
            self._release()
        elif self.tm.pending_vc is not None:  # the transmitter completes the frame it is on as the link goes
            now = self.scheduler.now_ns
            self._last_packet_ns = None
            for frame in self.tm.flush():
                self._emit(frame, now)

    # downlink -------------------------------------------------------------------------------------------------
    def air_octets(self, packet: bytes) -> int:
        """The packet's octets plus its share of the CADU overhead (ASM, header, OCF, FECF, RS parity)."""
        return (len(packet) * self.cadu_length + self.data_size - 1) // self.data_size

    def downlink(self, packet: bytes, sent_ns: int) -> int:
        """The radio finished sending ``packet`` at ``sent_ns``: frame it; returns its last bit's arrival time."""
        self.stats.packets_in += 1
        tm = self.tm
        try:
            frames = tm.push(packet, sent_ns)
        except ProtocolError:  # not one whole space packet: it cannot go in a frame
            self.stats.packets_refused += 1
            return sent_ns + self.light_time_ns(sent_ns)
        for frame in frames:
            self._emit(frame, sent_ns)
        if tm.pending_vc is not None:
            if frames or self._last_packet_ns is None:
                self._first_packet_ns = sent_ns
            self._last_packet_ns = sent_ns
            if self._flush_armed is None:
                self._arm_flush(self._first_packet_ns + self._flush_ns)
        else:
            self._last_packet_ns = None
        return sent_ns + self.light_time_ns(sent_ns)

    def _airtime_ns(self, octets: int) -> int:
        rate = self.radio.downlink_rate_bps if self.radio is not None else 50_000
        return -(-octets * 8 * NS_PER_S // max(1, rate))

    def _arm_flush(self, due_ns: int) -> None:
        self._flush_armed = cycle = self._cycle(due_ns)
        self.scheduler.call_at(cycle, self._on_flush, None)

    def _on_flush(self, _: object) -> None:
        """The pending frame goes ``flush_s`` after its first packet, once its fill would be on the air."""
        self._flush_armed = None
        last = self._last_packet_ns
        if last is None or self.tm.pending_vc is None:
            return
        fill = (self.data_size - self.tm.pending_octets) * self.cadu_length // self.data_size
        fill_ns = self._airtime_ns(fill)
        due = max(self._first_packet_ns + self._flush_ns, last + fill_ns)
        if self.scheduler.now_ns < due:
            self._arm_flush(due)
            return
        if self.radio is None or not self.radio.transmitting:
            return  # the frame waits in the radio's frame buffer until the transmitter works again
        self._last_packet_ns = None
        for frame in self.tm.flush():
            self._emit(frame, last + fill_ns)

    def _release(self) -> None:
        """A frame left pending while the transmitter was off may go now (after the usual quiet time)."""
        if self.tm.pending_vc is not None and self._flush_armed is None:
            now = self.scheduler.now_ns
            self._first_packet_ns = self._last_packet_ns = now
            self._arm_flush(now + self._flush_ns)

    def _emit(self, sent: SentFrame, end_ns: int) -> None:
        stats = self.stats
        end = max(end_ns, self._last_end_ns)
        self._last_end_ns = self._last_frame_ns = end
        stats.frames_sent += 1
        stats.vc_frames[sent.vcid] += 1
        if self.radio is not None:
            self.radio.tm_frame_sent(sent.frame[2])
        cadu = self.codec.encode(sent.frame)
        stats.octets_down += len(cadu)
        if self.down_faults.armed:
            verdict = self.down_faults.verdict(self._fault_rng)
            if verdict == "lose":
                stats.frames_lost += 1
                stats.packets_lost += sent.packets
                return
            if verdict == "corrupt":
                cadu = _smash(cadu)
        channel = self.down_channel
        if channel.active:
            airtime = self._airtime_ns(len(cadu))
            gap_ns = max(0, end - airtime - self._air_end_ns)
            self._air_end_ns = end
            rate = self.radio.downlink_rate_bps if self.radio is not None else 50_000
            cadu, _ = channel.apply(cadu, gap_ns * rate // NS_PER_S)
        light = self.light_time_ns(end)
        arrival = max(end + light, self._last_arrival_ns)
        self._last_arrival_ns = arrival
        stats.light_time_ns_total += light
        stats.frames_in_flight += 1
        stats.packets_in_flight += sent.packets
        self.scheduler.call_at(self._cycle(arrival), self._arrive, (cadu, end, arrival, sent))

    def _arrive(self, item: tuple[bytes, int, int, SentFrame]) -> None:
        cadu, end, arrival, sent = item
        stats = self.stats
        stats.frames_in_flight -= 1
        stats.packets_in_flight -= sent.packets
        stats.frames_arrived += 1
        if sent.packets:
            stats.latency_packets += sent.packets
            stats.latency_ns_total += sent.packets * arrival - sent.sent_sum_ns
            stats.latency_ns_max = max(stats.latency_ns_max, arrival - sent.sent_min_ns)
        if self.ground is not None:
            self.ground.receive_cadu(cadu, end, arrival)

    def send_idle_frame(self) -> None:
        """Send the CLCW now: complete the pending frame, or send an idle frame if nothing is pending."""
        now = self.scheduler.now_ns
        frames = self.tm.flush()
        self._last_packet_ns = None
        if not frames:
            self.stats.idle_frames += 1
            frames = [self.tm.idle_frame()]
        end = now + self._airtime_ns(self.cadu_length)
        for frame in frames:
            self._emit(frame, end)

    def _keepalive(self, _: object) -> None:
        now = self.scheduler.now_ns
        radio = self.radio
        if radio is not None and radio.transmitting:
            if self.tm.pending_vc is not None:
                self._release()
            elif now - self._last_frame_ns >= self._idle_ns:
                self.send_idle_frame()
        self.scheduler.call_at(self._cycle(max(now, self._last_frame_ns) + self._idle_ns), self._keepalive, None)

    def _clcw_word(self) -> int:
        word = self._clcw
        if word is None:
            word = self._clcw = self.tc.farm.clcw().to_int()
        return word

    # uplink ---------------------------------------------------------------------------------------------------
    @property
    def tc_free_ns(self) -> int:
        """When the ground transmitter has radiated every CLTU handed to it so far."""
        return max(self._tc_free_ns, self.scheduler.now_ns)

    def uplink(self, packet: bytes, sent_ns: int) -> int | None:
        """A packet-level ground's TC: sent expedited (a type-BD frame in a CLTU); None while the radio has no lock."""
        if not self.link_up:
            self.stats.uplink_refused += 1
            return None
        s = self.settings
        frame = TcFrame.bd(s.spacecraft_id, s.tc_vcid, packet).pack()
        return self.uplink_cltu(encode_cltu(frame, s.tc_randomize), sent_ns)

    def uplink_cltu(self, cltu: bytes, sent_ns: int) -> int | None:
        """Radiate a CLTU once the ones before it have gone; returns when its last bit reaches the radio.

        None when ``UPLINK_PENDING_LIMIT`` CLTUs are already waiting or in flight: it is dropped and counted.
        """
        if self._cltus_pending >= UPLINK_PENDING_LIMIT:
            self.stats.cltus_overflow += 1
            return None
        self._cltus_pending += 1
        rate = self.radio.uplink_rate_bps if self.radio is not None else 125
        start = max(sent_ns, self._tc_free_ns)
        end = start + -(-len(cltu) * 8 * NS_PER_S // max(1, rate))
        self._tc_free_ns = end
        arrival = end + self.light_time_ns(start)
        self.last_cltu_arrival_ns = max(self.last_cltu_arrival_ns, arrival)
        self.stats.cltus_sent += 1
        self.stats.octets_up += len(cltu)
        self.scheduler.call_at(self._cycle(arrival), self._cltu_arrives, (cltu, end - start, arrival))
        return arrival

    def _cltu_arrives(self, item: tuple[bytes, int, int]) -> None:
        cltu, airtime, arrival = item
        self._cltus_pending -= 1
        radio, stats = self.radio, self.stats
        if radio is None or not radio.link_up:
            stats.cltus_no_lock += 1
            if radio is not None:
                radio.uplink_lost()
            return
        if self.up_faults.armed:
            verdict = self.up_faults.verdict(self._fault_rng)
            if verdict == "lose":
                stats.cltus_lost += 1
                return
            if verdict == "corrupt":
                stats.cltus_corrupted += 1
                cltu = _break_codeblock(cltu)
        channel = self.up_channel
        if channel.active:
            gap_ns = max(0, arrival - airtime - self._up_air_end_ns)
            self._up_air_end_ns = arrival
            cltu, _ = channel.apply(cltu, gap_ns * radio.uplink_rate_bps // NS_PER_S)
        outcomes = self.tc.receive(cltu)
        self._clcw = None
        rate = radio.uplink_rate_bps
        for outcome in outcomes:
            if outcome.accepted or outcome.reason is not None:
                radio.tc_frame_handled(outcome.accepted, outcome.reason, self.tc.farm.vr)
            if outcome.accepted and outcome.data:
                bits_ns = -(-len(outcome.data) * 8 * NS_PER_S // max(1, rate))
                radio.receive_uplink(outcome.data, arrival - bits_ns)
        now = self.scheduler.now_ns
        self._tc_event_ns = now
        self.scheduler.call_at(self._cycle(now + self._report_ns), self._report_clcw, now)

    def _report_clcw(self, since_ns: int) -> None:
        """Make sure a frame carrying the CLCW went down after FARM-1 last changed."""
        if since_ns != self._tc_event_ns or self._last_frame_ns > since_ns:
            return
        if self.radio is not None and self.radio.transmitting:
            self.stats.clcw_reports += 1
            self.send_idle_frame()

    # faults and figures ---------------------------------------------------------------------------------------
    def frame_loss(self, direction: str, count: int = 0, probability: float = 0.0, mode: str = "lose") -> None:
        """Spoil frames: the next ``count``, then each with ``probability``; ``mode`` lose, corrupt or mixed."""
        plan = self.down_faults if direction == "downlink" else self.up_faults
        plan.count += count
        plan.probability = probability
        plan.mode = mode

    def sdls_attack(self, kind: str, count: int = 1) -> None:
        """An attacker radiates ``count`` secured frames of one ``kind`` (SDLS_ATTACKS) after what is queued.

        They are made from the frames the lander accepted (the latest; the first for ``replay-old``), or, before
        any, from a frame sealed with a key the lander does not hold. Raises ValueError without associations.
        """
        sdls = self.tc.sdls
        if sdls is None:
            raise ValueError("sdls-attack needs security associations ([bench.security] keys)")
        if kind not in SDLS_ATTACKS:
            raise ValueError(f"kind={kind!r}: one of {', '.join(SDLS_ATTACKS)}")
        base = self.tc.first_secured if kind == "replay-old" else self.tc.last_secured
        if base is None:
            sa = next(iter(sdls.sas.values()))
            rogue = SecurityAssociation(sa.spi, sa.vcid, sa.service, bytes(32), sa.arsn_len, sa.window)
            frame = TcFrame.bd(self.settings.spacecraft_id, sa.vcid, bytes(8))
            base = secure_tc(frame, rogue, (1).to_bytes(rogue.iv_len, "big"), 1)
        frame = _attack_frame(kind, base, set(sdls.sas))
        for _ in range(count):
            self.uplink_cltu(encode_cltu(frame, self.settings.tc_randomize), self.scheduler.now_ns)

    def figures(self) -> dict[str, Any]:
        """What crossed the link: frames, octets, errors, losses, COP-1 on the lander side, latency."""
        s, tc = self.stats, self.tc
        farm = tc.farm
        return {
            "mode": "frames",
            "spacecraft_id": self.settings.spacecraft_id,
            "tm_frame_length": self.settings.tm_frame_length,
            "frames_sent": s.frames_sent,
            "packets_refused": s.packets_refused,
            "frames_per_vc": {str(vc): n for vc, n in s.vc_frames.items()},
            "idle_frames": s.idle_frames,
            "octets_down": s.octets_down,
            "downlink_bit_errors": self.down_channel.stats.bit_errors,
            "frames_hit_by_errors": self.down_channel.stats.blocks_hit,
            "frames_lost": s.frames_lost,
            "frames_corrupted": self.down_faults.corrupted,
            "frames_in_flight": s.frames_in_flight,
            "packets_pending": self.tm.packets_pending,
            "packets_in_flight": s.packets_in_flight,
            "latency_mean_s": round(s.latency_ns_total / s.latency_packets / NS_PER_S, 4) if s.latency_packets
            else None,
            "latency_max_s": round(s.latency_ns_max / NS_PER_S, 4) if s.latency_packets else None,
            "cltus_sent": s.cltus_sent,
            "octets_up": s.octets_up,
            "uplink_bit_errors": self.up_channel.stats.bit_errors,
            "cltu_corrected_bits": tc.corrected_bits,
            "cltus_rejected": tc.stats.cltus_rejected,
            "cltus_lost": s.cltus_lost + s.cltus_no_lock,
            "cltus_corrupted": s.cltus_corrupted,
            "cltus_overflow": s.cltus_overflow,
            "cltu_outcomes": self.cltu_outcomes(),
            "tc_frames_accepted": tc.stats.accepted,
            "tc_frames_rejected": tc.stats.rejected,
            "farm_vr": farm.vr,
            "farm_lockouts": farm.stats.lockouts,
            **self._sdls_figures(),
        }

    def cltu_outcomes(self) -> dict[str, Any]:
        """What became of every CLTU radiated: ``sent`` = ``accepted`` + the ``rejected`` and ``lost`` counts (by
        reason) + ``in_flight``.

        Rejected: ``bch`` (first codeblock uncorrectable), FARM-1's ``crc``, ``length``, ``sequence``, ``lockout``,
        ``not-ours`` (another spacecraft or VC) and the SDLS reasons; lost: ``no-lock`` (the radio had no lock),
        ``frame-loss`` (the fault), ``no-start-sequence`` (channel errors hit it).
        """
        s, tc = self.stats, self.tc.stats
        rejected = {"bch": tc.cltus_rejected, **tc.rejected_by, "not-ours": tc.not_ours}
        if self.tc.sdls is not None:
            rejected.update(self.tc.sdls.stats.rejected)
        return {
            "sent": s.cltus_sent,
            "accepted": tc.accepted,
            "rejected": rejected,
            "lost": {"no-lock": s.cltus_no_lock, "frame-loss": s.cltus_lost, "no-start-sequence": tc.cltus_unframed},
            "in_flight": self._cltus_pending,
        }

    def _sdls_figures(self) -> dict[str, Any]:
        """SDLS on the uplink: secured frames accepted and rejected per reason (nothing when the link is clear)."""
        sdls = self.tc.sdls
        if sdls is None:
            return {}
        return {"sdls_accepted": sdls.stats.accepted, "sdls_rejected": dict(sdls.stats.rejected)}


def _smash(cadu: bytes) -> bytes:
    """A CADU whose frame is beyond repair (the ASM is left intact, so the ground stays in sync)."""
    body = bytearray(cadu)
    size = len(body) - ASM_SIZE
    for index in range(ASM_SIZE + size // 4, ASM_SIZE + 3 * size // 4):
        body[index] ^= 0xFF
    return bytes(body)


def _break_codeblock(cltu: bytes) -> bytes:
    """A CLTU whose first codeblock has two bit errors (detected by the BCH code, not correctable)."""
    out = bytearray(cltu)
    if len(out) > 3:
        out[3] ^= 0x81
    return bytes(out)


def _attack_frame(kind: str, base: bytes, spis: set[int]) -> bytes:
    """A secured TC frame ``base`` turned into one attack of ``kind`` (frame length and FECF made right again)."""
    out = bytearray(base)
    prefix = HEADER_SIZE + (0 if out[0] & 0x10 else 1)
    if kind == "forge":
        out[-FECF_SIZE - 1] ^= 0x01  # the last octet of the MAC
    elif kind == "wrong-spi":
        spi = next(n for n in range(0xFFFE, 0, -1) if n not in spis)
        out[prefix:prefix + SPI_SIZE] = spi.to_bytes(SPI_SIZE, "big")
    elif kind == "truncate":
        out = out[:prefix + SPI_SIZE + 4] + bytes(FECF_SIZE)
        size = len(out) - 1
        out[2] = (out[2] & 0xFC) | (size >> 8)
        out[3] = size & 0xFF
    out[-FECF_SIZE:] = crc_hqx(bytes(out[:-FECF_SIZE]), CRC16_INIT).to_bytes(FECF_SIZE, "big")
    return bytes(out)
