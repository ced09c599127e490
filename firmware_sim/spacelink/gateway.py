"""The ground node played by a real ground system at frame level: CADUs (or TM frames) out, CLTUs (or TC frames) in.

The two directions are chosen apart: ``ground_format`` says what goes down (CADUs or bare TM frames) and
``ground_tc_format`` what comes up (CLTUs or bare TC frames), so a ground system that takes bare TM frames can
still uplink CLTUs as a ground station does.

The outside ground system runs its own FOP-1: the gateway only carries its CLTUs up (held at the ground while
the radio has no lock) and hands it every CADU the radio sends down, CLCW included. It also decodes the CADUs
itself to keep the usual ground accounting (packets per APID, gaps, per-VC frame statistics). On a secured link
the outside system secures its own frames (they pass unchanged); the gateway secures only the TCs it sends from
inside the bench.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

from firmware_sim.engine.external import ExternalCounters, Outlet
from firmware_sim.engine.scheduler import Scheduler
from firmware_sim.errors import ConfigurationError
from firmware_sim.spacelink.frames_link import FramesLink
from firmware_sim.spacelink.ground import FrameGround, tc_frame_fits
from firmware_sim.spacelink.propagation import SpaceLink
from firmware_sim.spacelink.receiver import TmReceiver
from firmware_sim.spacelink.settings import (
    GROUND_FORMATS,
    GROUND_TC_FORMATS,
    FrameLinkSettings,
    sdls_senders,
    tc_format_of,
)
from protocols.spacelink.cadu import ASM
from protocols.spacelink.cltu import START_SEQUENCE, TAIL_SEQUENCE, encode_cltu
from protocols.spacelink.sdls import IV_SIZE, MAC_SIZE, SecurityAssociation
from protocols.spacelink.tc_frame import MAX_FRAME_SIZE, TcFrame

CODEBLOCK = 8
MAX_CLTU_OCTETS = len(START_SEQUENCE) + (MAX_FRAME_SIZE // 7 + 1) * CODEBLOCK + len(TAIL_SEQUENCE)
"""The longest CLTU a TC frame needs; a start sequence with no tail within this is abandoned."""
HELD_LIMIT = 1000
"""CLTUs held at the ground while the radio has no lock (the oldest are dropped beyond this)."""


class CltuStream:
    """Cuts an octet stream into CLTUs (start sequence … tail, codeblock-aligned); skips anything between."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self.ranges_skipped = 0
        self.octets_skipped = 0
        self._skipping = False

    def feed(self, data: bytes) -> list[bytes]:
        """Take the next octets; return every whole CLTU they complete."""
        buf = self._buf
        buf += data
        out: list[bytes] = []
        pos = 0
        while True:
            at = buf.find(START_SEQUENCE, pos)
            if at < 0:
                keep = max(pos, len(buf) - (len(START_SEQUENCE) - 1))
                self._skip(keep - pos)
                pos = keep
                break
            self._skip(at - pos)
            self._skipping = False
            end = self._tail_end(at)
            if end is None:
                if len(buf) - at > MAX_CLTU_OCTETS:  # no tail where one had to be: drop this start sequence
                    self._skip(len(START_SEQUENCE))
                    pos = at + len(START_SEQUENCE)
                    continue
                pos = at
                break
            out.append(bytes(buf[at:end]))
            pos = end
        del buf[:pos]
        return out

    def expire(self) -> None:
        """The sender went away: a CLTU still waiting for its tail is dropped (counted as skipped)."""
        self._skipping = False
        self._skip(len(self._buf))
        self._skipping = False
        self._buf.clear()

    def _tail_end(self, at: int) -> int | None:
        buf = self._buf
        pos = at + len(START_SEQUENCE)
        while pos + CODEBLOCK <= len(buf):
            if buf[pos:pos + CODEBLOCK] == TAIL_SEQUENCE:
                return pos + CODEBLOCK
            pos += CODEBLOCK
        return None

    def _skip(self, octets: int) -> None:
        """Count skipped octets; a run of them split across calls is one range."""
        if octets > 0:
            if not self._skipping:
                self.ranges_skipped += 1
                self._skipping = True
            self.octets_skipped += octets


class TcFrameStream:
    """Cuts an octet stream into bare TC frames by their length field; octets that cannot start one are skipped."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self.ranges_skipped = 0
        self.octets_skipped = 0

    def expire(self) -> None:
        """The sender went away: a frame still waiting for its octets is dropped (counted as skipped)."""
        if self._buf:
            self.ranges_skipped += 1
            self.octets_skipped += len(self._buf)
            self._buf.clear()

    def feed(self, data: bytes) -> list[bytes]:
        """Take the next octets; return every whole frame they complete."""
        buf = self._buf
        buf += data
        out: list[bytes] = []
        pos, skipped = 0, 0
        while len(buf) - pos >= 5:
            if buf[pos] >> 6:  # version must be 00
                pos += 1
                skipped += 1
                continue
            if skipped:
                self.ranges_skipped += 1
                self.octets_skipped += skipped
                skipped = 0
            size = (((buf[pos + 2] & 0x03) << 8) | buf[pos + 3]) + 1
            if len(buf) - pos < size:
                break
            out.append(bytes(buf[pos:pos + size]))
            pos += size
        if skipped:
            self.ranges_skipped += 1
            self.octets_skipped += skipped
        del buf[:pos]
        return out


class FrameGroundGateway(FrameGround):
    """A ground station whose user is outside, at frame level.

    ``outlet`` is called with one CADU (ASM + randomized TM frame with FECF; ``format="frames"``: one bare TM
    frame) per call. ``inject`` takes CLTUs (``tc_format="frames"``: bare TC frames), one per call or as a
    stream; type-BD frames are accepted by the radio at any time, type-AD frames through FARM-1. ``format`` and
    ``tc_format`` default to the settings' ``ground_format`` and ``tc_format``; a ``format`` given here with no
    ``ground_tc_format`` set brings its own uplink format (``cadu``: CLTUs, ``frames``: bare TC frames).
    """

    def __init__(self, scheduler: Scheduler, settings: FrameLinkSettings | None = None, format: str | None = None,
                 keep: int | None = 1000, security: Iterable[SecurityAssociation] = (),
                 tc_format: str | None = None) -> None:
        super().__init__(scheduler, keep=keep)
        self.security = tuple(security)
        self.senders = sdls_senders(self.security)
        """SDLS sender per secured virtual channel, for the TCs sent from inside the bench."""
        self.settings = settings or FrameLinkSettings()
        self.format = format or self.settings.ground_format
        if self.format not in GROUND_FORMATS:
            raise ConfigurationError(f"ground gateway format={self.format!r}: {' or '.join(GROUND_FORMATS)}")
        self.tc_format = tc_format or self.settings.ground_tc_format or tc_format_of(self.format)
        if self.tc_format not in GROUND_TC_FORMATS:
            raise ConfigurationError(f"ground gateway tc_format={self.tc_format!r}: {' or '.join(GROUND_TC_FORMATS)}")
        self.receiver = TmReceiver(self.settings)
        self.outlet: Outlet | None = None
        self.external = ExternalCounters()
        self.cltus = CltuStream()
        self.tc_frames = TcFrameStream()
        self.held_cltus: deque[bytes] = deque(maxlen=HELD_LIMIT)
        self.cltus_held = 0
        self.cltus_dropped = 0

    def attach(self, link: SpaceLink) -> None:
        """Use ``link``; its frame settings (spacecraft, frame length, coding) become the gateway's."""
        super().attach(link)
        if isinstance(link, FramesLink) and link.settings is not self.settings:
            self.settings = link.settings
            self.receiver = TmReceiver(link.settings)

    # downlink ------------------------------------------------------------------------------------------------
    def receive_cadu(self, cadu: bytes, sent_ns: int, arrival_ns: int) -> None:
        """Account for the packets locally, then pass the CADU (or its frame) to the outside."""
        receiver, frames = self.receiver, []
        for frame in receiver.frames(cadu):
            if frame is not None:
                frames.append(frame)
                self.receive_packets(receiver.frame(frame).packets, sent_ns, arrival_ns)
        for unit in ([cadu] if self.format == "cadu" else frames):
            self.external.deliver(self.outlet, unit)

    # uplink --------------------------------------------------------------------------------------------------
    def inject(self, octets: bytes) -> None:
        """CLTUs (or bare TC frames) from the outside ground system: radiated in order, held while there is no lock."""
        if self.tc_format == "cltu":
            units = self.cltus.feed(octets)
        else:
            units = [encode_cltu(frame, self.settings.tc_randomize) for frame in self.tc_frames.feed(octets)]
        for cltu in units:
            self.external.take(self._radiate, cltu)

    def expire(self) -> None:
        """The ground system went away mid-CLTU: drop what it left half-sent."""
        self.cltus.expire()
        self.tc_frames.expire()

    def uplink(self, packet: bytes) -> bool:
        """A TC from inside the bench: sent expedited in a type-BD frame (the outside system owns COP-1), secured
        when its VC has a security association."""
        s = self.settings
        sender = self.senders.get(s.tc_vcid)
        if not tc_frame_fits(packet, sender):
            self.counters.tcs_refused += 1  # too long for one TC frame once framed and secured
            return False
        self.counters.tcs_sent += 1
        frame = TcFrame.bd(s.spacecraft_id, s.tc_vcid, packet)
        octets = sender.secure(frame) if sender is not None else frame.pack()
        return self._radiate(encode_cltu(octets, s.tc_randomize))

    def _radiate(self, cltu: bytes) -> bool:
        link = self.link
        if isinstance(link, FramesLink) and link.link_up:
            self._send_held_cltus()
            link.uplink_cltu(cltu, self.scheduler.now_ns)
            return True
        if len(self.held_cltus) == self.held_cltus.maxlen:
            self.cltus_dropped += 1  # the oldest held CLTU makes room
        self.held_cltus.append(cltu)
        self.cltus_held += 1
        return False

    def _send_held_cltus(self) -> None:
        link = self.link
        while self.held_cltus and isinstance(link, FramesLink) and link.link_up:
            link.uplink_cltu(self.held_cltus.popleft(), self.scheduler.now_ns)

    def link_changed(self, up: bool) -> None:
        """On lock, radiate the CLTUs held meanwhile, in order."""
        if up:
            self.counters.link_ups += 1
            self._send_held_cltus()
        else:
            self.counters.link_downs += 1

    @property
    def errors(self) -> int:
        """Skipped input ranges, units that could not be written out, held CLTUs dropped for room."""
        return (self.cltus.ranges_skipped + self.tc_frames.ranges_skipped + self.external.frames_dropped
                + self.cltus_dropped + self.external.input_errors)

    def describe(self) -> dict[str, Any]:
        """What a ground system needs to talk to this endpoint (for an endpoints file): exactly what goes over it.

        With ``format="frames"`` the TM frames go bare (derandomized, Reed-Solomon decoded), so the CADU fields
        (ASM, randomization, Reed-Solomon) are false or None; with ``tc_format="frames"`` the TC frames come bare,
        so the CLTU fields (BCH, TC randomization, start and tail sequences) are false or None.
        """
        s = self.settings
        cadus, cltus = self.format == "cadu", self.tc_format == "cltu"
        return {
            "format": self.format,
            "spacecraft_id": s.spacecraft_id,
            "tm_frame_length": s.tm_frame_length,
            "randomized": s.randomize and cadus,
            "asm": ASM.hex().upper() if cadus else None,
            "cadu_length": self.receiver.codec.cadu_length if cadus else None,
            "fecf": True,
            "ocf": "clcw",
            "reed_solomon": {"interleave": s.rs_interleave, "dual_basis": True} if s.rs_interleave and cadus else None,
            "vc_map": s.vc_map,
            "virtual_channels": [{"vcid": vc, "name": name, "content": content}
                                 for vc, (name, content) in s.virtual_channels.items()],
            "tc": {"format": self.tc_format, "vcid": s.tc_vcid, "map_id": 0, "randomized": s.tc_randomize and cltus,
                   "bch": "BCH(63,56)" if cltus else None,
                   "start_sequence": START_SEQUENCE.hex().upper() if cltus else None,
                   "tail_sequence": TAIL_SEQUENCE.hex().upper() if cltus else None,
                   "cop1": {"farm_window": s.farm_window, "ad": "FARM-1", "bd": "accepted any time"},
                   "sdls": self._sdls()},
        }

    def _sdls(self) -> dict[str, Any] | None:
        """What the lander's SDLS expects on the uplink (never a key); None when the link is not secured."""
        if not self.security:
            return None
        return {"standard": "CCSDS 355.0-B-2", "iv_octets": IV_SIZE, "mac_octets": MAC_SIZE, "pad_length_octets": 0,
                "frames": "every TC frame on a secured VC (AD, BD, BC), verified before FARM-1",
                "sequence": "ARSN counts up per frame; each number once within the window, older ones refused",
                "associations": [{"spi": sa.spi, "vcid": sa.vcid, "service": sa.service, "arsn_octets": sa.arsn_len,
                                  "window": sa.window} for sa in self.security]}
