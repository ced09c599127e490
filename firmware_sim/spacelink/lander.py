"""The lander radio's side of the frame link: TM packets into frames on virtual channels, CLTUs through FARM-1."""

from __future__ import annotations

from binascii import crc_hqx
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from firmware_sim.spacelink.settings import VC_IDLE, VC_OTHER, VC_REALTIME, VIRTUAL_CHANNELS, FrameLinkSettings
from protocols.crc import CRC16_INIT
from protocols.errors import LengthError, ProtocolError, SecurityError, TruncatedError, field_error
from protocols.spacelink import farm as farm_reasons
from protocols.spacelink.cltu import CltuDecoder
from protocols.spacelink.farm import Farm1
from protocols.spacelink.sdls import SdlsReceiver, SecurityAssociation
from protocols.spacelink.tc_frame import TcFrame
from protocols.spacelink.tm_framer import FrameCounter, TmFramer

REJECT_REASONS = {
    farm_reasons.NOT_EXPECTED: "sequence",
    farm_reasons.DUPLICATE: "sequence",
    farm_reasons.BUFFER_FULL: "sequence",
    farm_reasons.LOCKOUT_AREA: "lockout",
    farm_reasons.LOCKED_OUT: "lockout",
}
"""FARM-1 discard reasons as the radio's ``frame-rejected`` event names them (crc, length, sequence, lockout)."""
DAMAGE = ("crc", "length", "sequence", "lockout")


def virtual_channel(packet: bytes) -> int:
    """VC of a TM packet in the ``split`` VC map: real-time housekeeping (TM[3,25]) on VC 0, the rest on VC 1."""
    if len(packet) > 8 and packet[0] & 0x18 == 0x08 and packet[7] == 3 and packet[8] == 25:
        return VC_REALTIME
    return VC_OTHER


def _require_packet(packet: bytes) -> None:
    """Raise LengthError unless ``packet`` is as long as its primary header says (the framer checks the rest)."""
    size = len(packet)
    if size < 7 or ((packet[4] << 8) | packet[5]) + 7 != size:
        raise field_error(LengthError, "packet_size", size, "not one whole space packet")


class SentFrame(NamedTuple):
    """A TM frame ready to go (FECF included, not yet randomized) and the packets whose last octet it carries."""

    vcid: int
    frame: bytes
    packets: int
    sent_sum_ns: int
    """Sum of the times the radio finished sending those packets (for the mean latency)."""
    sent_min_ns: int


class TmSender:
    """Packs downlink packets into the frames of their virtual channel; the OCF of every frame is the CLCW.

    Packets leave in the order the radio sends them: before a packet goes on one VC, a partly filled frame of
    the other VC is completed (so the ground never sees a later packet of an APID before an earlier one). With
    ``vc_map = "single"`` every packet goes on VC 0.
    """

    def __init__(self, settings: FrameLinkSettings, clcw: Callable[[], int]) -> None:
        self.mc_counter = FrameCounter()
        self.single_vc = settings.vc_map == "single"
        self.framers = {vc: TmFramer(settings.spacecraft_id, vc, settings.tm_frame_length, ocf=clcw,
                                     mc_counter=self.mc_counter) for vc in VIRTUAL_CHANNELS}
        self.data_size = self.framers[VC_REALTIME].data_size
        self._ends: dict[int, deque[tuple[int, int]]] = {vc: deque() for vc in VIRTUAL_CHANNELS}
        self._offset = dict.fromkeys(VIRTUAL_CHANNELS, 0)  # octets put in each VC's stream (packets and fill)
        self.pending_vc: int | None = None

    @property
    def pending_octets(self) -> int:
        """Octets waiting in the partly filled frame (0 when none is)."""
        vc = self.pending_vc
        return 0 if vc is None else self._offset[vc] % self.data_size

    @property
    def packets_pending(self) -> int:
        """Packets handed over whose last octet is not yet in a frame."""
        return sum(len(ends) for ends in self._ends.values())

    def push(self, packet: bytes, sent_ns: int) -> list[SentFrame]:
        """Add a packet the radio finished sending at ``sent_ns``; return the frames now complete.

        Raises ProtocolError (and changes nothing) unless ``packet`` is one whole space packet.
        """
        vc = VC_REALTIME if self.single_vc else virtual_channel(packet)
        pending = self.pending_vc
        if pending is not None and pending != vc:
            _require_packet(packet)
            out = self.flush()
        else:
            out = []
        end = self._offset[vc] + len(packet)
        frames = self.framers[vc].push(packet)  # ProtocolError for anything but one whole space packet
        self._offset[vc] = end
        self._ends[vc].append((end, sent_ns))
        if frames:
            out += self._collect(vc, frames)
        self.pending_vc = vc if end % self.data_size else None
        return out

    def flush(self) -> list[SentFrame]:
        """Complete the partly filled frame with idle fill (one or two frames; none if nothing is pending)."""
        vc = self.pending_vc
        if vc is None:
            return []
        self.pending_vc = None
        framer = self.framers[vc]
        frames = framer.flush()
        self._offset[vc] = framer.frames * self.data_size
        return self._collect(vc, frames)

    def idle_frame(self) -> SentFrame:
        """A frame of only idle data on the idle VC, to carry the CLCW."""
        return SentFrame(VC_IDLE, self.framers[VC_IDLE].idle_frame(), 0, 0, 0)

    def _collect(self, vc: int, frames: list[bytes]) -> list[SentFrame]:
        ends = self._ends[vc]
        first = self.framers[vc].frames - len(frames)
        out = []
        for index, frame in enumerate(frames):
            limit = (first + index + 1) * self.data_size
            count = total = 0
            low = None
            while ends and ends[0][0] <= limit:
                sent = ends.popleft()[1]
                count += 1
                total += sent
                if low is None or sent < low:
                    low = sent
            out.append(SentFrame(vc, frame, count, total, low or 0))
        return out


class TcOutcome(NamedTuple):
    """What became of one TC frame: accepted (with the data to deliver) or discarded, and why."""

    accepted: bool
    reason: str | None
    """For a discarded frame: crc, length, sequence or lockout (None: not for this spacecraft or VC)."""
    data: bytes | None = None
    frame_type: str | None = None
    security: str | None = None
    """For a frame SDLS rejected before FARM-1: the SecurityError reason (bad-mac, unknown-spi, replayed …)."""


@dataclass
class TcStats:
    """What the radio's TC receiver saw: each burst ends up in exactly one of ``cltus_unframed``,
    ``cltus_rejected`` or ``frames`` (more than one frame only when a ground sends several CLTUs in one burst);
    each frame in exactly one of ``accepted``, ``rejected`` (per reason in ``rejected_by``), ``not_ours`` or
    ``security_rejected``."""

    cltus: int = 0
    cltus_unframed: int = 0
    """CLTUs in which no start sequence was found (channel errors in it): nothing reached the decoder."""
    cltus_rejected: int = 0
    """CLTUs whose first codeblock could not be decoded (nothing to pass on)."""
    false_starts: int = 0
    """Start sequences found in a CLTU's damaged remainder after it ended (noise, not a CLTU anyone sent):
    counted and dropped, never passed to FARM-1."""
    frames: int = 0
    accepted: int = 0
    rejected: int = 0
    rejected_by: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DAMAGE, 0))
    """``rejected`` per reason: crc, length, sequence, lockout."""
    not_ours: int = 0
    """Frames of another spacecraft or virtual channel."""
    damaged: int = 0
    """Frames spoilt on purpose by the uplink-errors fault."""
    security_rejected: int = 0
    """Frames SDLS rejected before FARM-1 (per reason in ``TcReceiver.sdls.stats``)."""


class TcReceiver:
    """The radio's TC side: a CLTU decoder (BCH, single-bit correction), SDLS and FARM-1 on one virtual channel.

    With security associations, every frame of this spacecraft on a secured VC is verified (and decrypted) by
    SDLS before FARM-1 sees it; a frame SDLS rejects is counted by reason and goes no further.
    """

    def __init__(self, settings: FrameLinkSettings, security: Iterable[SecurityAssociation] = ()) -> None:
        self.scid = settings.spacecraft_id
        self.decoder = CltuDecoder(randomized=settings.tc_randomize)
        self.farm = Farm1(settings.tc_vcid, window=settings.farm_window)
        self.stats = TcStats()
        self._damage: deque[str] = deque()
        associations = tuple(security)
        self.sdls = SdlsReceiver(associations) if associations else None
        self.secured_vcs = frozenset(sa.vcid for sa in associations)
        self.first_secured: bytes | None = None
        """The first secured frame SDLS accepted, as it came (an attacker's recording, for the replay faults)."""
        self.last_secured: bytes | None = None
        """The latest secured frame SDLS accepted, as it came."""

    @property
    def corrected_bits(self) -> int:
        """Bit errors corrected by the BCH decoder so far."""
        return self.decoder.stats.corrected_bits

    def damage(self, reason: str, count: int = 1) -> None:
        """Spoil the next ``count`` frames so FARM-1 discards them for ``reason`` (crc, length, sequence, lockout).

        sequence and lockout change N(S) (behind the FECF, which is made right again), so they hit type-AD frames.
        """
        if reason not in DAMAGE:
            raise ValueError(f"reason={reason!r}: one of {', '.join(DAMAGE)}")
        self._damage.extend([reason] * count)

    def receive(self, cltu: bytes) -> list[TcOutcome]:
        """One carrier burst as it came off the air: the outcome of each frame the decoder found in it (none when
        its start sequence or first codeblock was lost to errors).

        A start sequence the decoder finds in octets that give no frame, beside a frame found in the same burst
        (junk before the start sequence, the damaged remainder of a CLTU), is noise: counted in ``false_starts``.
        """
        stats = self.stats
        stats.cltus += 1
        results = self.decoder.feed(cltu)
        results += self.decoder.flush()
        if not results:
            stats.cltus_unframed += 1
            return []
        framed = [result.data for result in results if result.data]
        if not framed:
            stats.cltus_rejected += 1
        stats.false_starts += len(results) - max(1, len(framed))
        return [self.frame(data) for data in framed]

    def frame(self, data: bytes) -> TcOutcome:
        """Check one frame (CLTU fill after it allowed) and run it through FARM-1."""
        stats = self.stats
        stats.frames += 1
        if self._damage:
            data = self._spoil(data)
        try:
            frame = TcFrame.unpack(data, trailing_ok=True)
        except (LengthError, TruncatedError):
            return self._invalid("length")
        except ProtocolError:
            return self._invalid("crc")
        kind = frame.frame_type.name
        if frame.scid != self.scid:
            stats.not_ours += 1
            return TcOutcome(False, None, None, kind)
        if self.sdls is not None and frame.vcid in self.secured_vcs:
            secured = bytes(data[:(((data[2] & 0x03) << 8) | data[3]) + 1])
            try:
                frame = self.sdls.process(secured)
            except SecurityError as error:
                stats.security_rejected += 1
                return TcOutcome(False, None, None, kind, error.reason)
            if self.first_secured is None:
                self.first_secured = secured
            self.last_secured = secured
        result = self.farm.handle(frame)
        if result.accepted:
            stats.accepted += 1
            return TcOutcome(True, None, result.data, kind)
        if result.reason == farm_reasons.WRONG_VC:
            stats.not_ours += 1
            return TcOutcome(False, None, None, kind)
        reason = REJECT_REASONS.get(result.reason, "sequence")
        self._rejected(reason)
        return TcOutcome(False, reason, None, kind)

    def _invalid(self, reason: str) -> TcOutcome:
        self.farm.invalid()
        self._rejected(reason)
        return TcOutcome(False, reason, None, None)

    def _rejected(self, reason: str) -> None:
        self.stats.rejected += 1
        self.stats.rejected_by[reason] += 1

    def _spoil(self, data: bytes) -> bytes:
        reason = self._damage[0]
        out = bytearray(data)
        if reason in ("sequence", "lockout"):
            if len(out) < 5 or out[0] & 0x30:  # not a type-AD frame: keep the damage for the next one
                return data
            ahead = 1 if reason == "sequence" else 128
            out[4] = (self.farm.vr + ahead) & 0xFF
            size = (((out[2] & 0x03) << 8) | out[3]) + 1
            if 2 < size <= len(out):
                out[size - 2:size] = crc_hqx(bytes(out[:size - 2]), CRC16_INIT).to_bytes(2, "big")
        elif reason == "length":
            if len(out) >= 4:
                out[2] |= 0x03
                out[3] = 0xFF
        elif out:
            out[min(5, len(out) - 1)] ^= 0x01
        self._damage.popleft()
        self.stats.damaged += 1
        return bytes(out)
