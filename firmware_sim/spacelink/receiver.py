"""The ground's TM receiver: CADUs in (sync, derandomize, RS), frames checked, packets out, statistics per VC."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

from firmware_sim.spacelink.settings import FrameLinkSettings
from protocols.spacelink import tm_deframer as events
from protocols.spacelink.cadu import CaduCodec, CaduSplitter
from protocols.spacelink.tm_deframer import TmDeframer, TmFrameResult

_BAD_FRAME = (events.BAD_LENGTH, events.BAD_VERSION, events.BAD_CRC)


@dataclass
class VcStats:
    """One virtual channel as the ground saw it."""

    frames: int = 0
    idle_frames: int = 0
    packets: int = 0
    gaps: int = 0
    """Breaks in the VC frame count."""
    frames_lost: int = 0
    """Frames missing according to the VC frame count."""
    packets_dropped: int = 0
    """Partial packets abandoned at a gap or a bad pointer."""


@dataclass
class MasterStats:
    """The physical/master channel as the ground saw it."""

    cadus: int = 0
    sync_losses: int = 0
    asm_bit_errors: int = 0
    octets_skipped: int = 0
    frames: int = 0
    """Frames that came out of the channel decoding (good or bad)."""
    frames_good: int = 0
    frame_errors: int = 0
    """Frames refused: FECF, length or version wrong, or beyond Reed-Solomon repair."""
    rs_corrected: int = 0
    """Symbols corrected by Reed-Solomon."""
    rs_uncorrectable: int = 0
    wrong_spacecraft: int = 0
    mc_gaps: int = 0
    vcs: dict[int, VcStats] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: the counters and one entry per VC (keyed by its number as text)."""
        out = asdict(self)
        out["vcs"] = {str(vc): asdict(stats) for vc, stats in sorted(self.vcs.items())}
        return out


class Received(NamedTuple):
    """One frame out of the receiver: the frame octets (None if unrecoverable) and what the deframer made of it."""

    frame: bytes | None
    result: TmFrameResult | None


class TmReceiver:
    """Takes the CADU stream of one physical channel apart; never raises on any octets."""

    def __init__(self, settings: FrameLinkSettings) -> None:
        self.settings = settings
        self.codec = CaduCodec(settings.tm_frame_length, randomize=settings.randomize,
                               rs_interleave=settings.rs_interleave or None)
        self.splitter = CaduSplitter(self.codec.body_length)
        self.deframer = TmDeframer(settings.tm_frame_length, scid=settings.spacecraft_id)
        self.stats = MasterStats()

    def feed(self, octets: bytes) -> list[Received]:
        """Octets off the air (one CADU or any part of the stream): every frame they complete."""
        return [Received(frame, None if frame is None else self.frame(frame)) for frame in self.frames(octets)]

    def frames(self, octets: bytes) -> list[bytes | None]:
        """Octets off the air: the frames they complete, channel-decoded (None: beyond repair), for ``frame``."""
        stats = self.stats
        splitter = self.splitter
        bodies = splitter.feed(octets)
        split = splitter.stats
        stats.sync_losses, stats.asm_bit_errors = split.sync_losses, split.asm_bit_errors
        stats.octets_skipped = split.octets_skipped
        out = []
        for body in bodies:
            stats.cadus += 1
            decoded = self.codec.decode_body(body)
            stats.rs_corrected += decoded.corrected
            stats.frames += 1
            if decoded.frame is None:
                stats.rs_uncorrectable += 1
                stats.frame_errors += 1
            out.append(decoded.frame)
        return out

    def frame(self, frame: bytes) -> TmFrameResult:
        """One whole TM frame: check it and follow its VC; the statistics are kept up to date."""
        result = self.deframer.feed(frame)
        stats = self.stats
        vcid = result.vcid
        if vcid is None:
            if any(e.reason in _BAD_FRAME for e in result.events):
                stats.frame_errors += 1
            else:
                stats.wrong_spacecraft += 1
            return result
        stats.frames_good += 1
        vc = stats.vcs.get(vcid)
        if vc is None:
            vc = stats.vcs[vcid] = VcStats()
        vc.frames += 1
        vc.packets += len(result.packets)
        for event in result.events:
            reason = event.reason
            if reason == events.VC_GAP:
                vc.gaps += 1
                vc.frames_lost += event.value
            elif reason == events.PACKET_DROPPED:
                vc.packets_dropped += 1
            elif reason == events.MC_GAP:
                stats.mc_gaps += 1
        if frame[4] & 0x07 == 0x07 and frame[5] == 0xFE:  # first header pointer 0x7FE: idle data only
            vc.idle_frames += 1
        return result

    @property
    def frames_lost(self) -> int:
        """Frames missing over all VCs (by their frame counts)."""
        return sum(vc.frames_lost for vc in self.stats.vcs.values())

    @property
    def gaps(self) -> int:
        """VC frame-count gaps over all VCs."""
        return sum(vc.gaps for vc in self.stats.vcs.values())


class PacketGround:
    """Puts a packet-level ground end (``receive_downlink``) on the frame link: decodes the CADUs for it."""

    def __init__(self, ground: Any, settings: FrameLinkSettings) -> None:
        self.ground = ground
        self.receiver = TmReceiver(settings)
        self.on_clcw: Callable[[int, int], None] | None = None

    def receive_cadu(self, cadu: bytes, sent_ns: int, arrival_ns: int) -> None:
        """Decode one CADU and hand its packets on."""
        receiver = self.receiver
        for frame in receiver.frames(cadu):
            if frame is not None:
                for packet in receiver.frame(frame).packets:
                    self.ground.receive_downlink(packet, sent_ns, arrival_ns)

    def link_changed(self, up: bool) -> None:
        """Pass the radio's lock state on."""
        self.ground.link_changed(up)
