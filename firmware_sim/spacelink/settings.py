"""Settings of the CCSDS frame-based space link: the ``frames`` table of ``[bench.devices.relay]``, checked once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from firmware_sim.errors import ConfigurationError
from protocols.spacelink.reed_solomon import INTERLEAVES, K
from protocols.spacelink.sdls import SdlsSender, SecurityAssociation
from protocols.spacelink.tm_frame import MAX_FRAME_SIZE, MAX_SCID

GROUND_FORMATS = ("cadu", "frames")
"""What a real ground system gets on the downlink: CADUs (ASM + randomized, coded frame) or bare TM frames."""
GROUND_TC_FORMATS = ("cltu", "frames")
"""What a real ground system gives on the uplink: CLTUs (BCH codeblocks, ``tc_randomize``) or bare TC frames."""

VC_REALTIME = 0
"""Virtual channel of real-time housekeeping: every TM[3,25] report."""
VC_OTHER = 1
"""Virtual channel of everything else: events, verification reports, parameter and test reports."""
VC_IDLE = 7
"""Virtual channel of idle frames (only fill), sent to carry the CLCW when there is nothing else to send."""
VIRTUAL_CHANNELS = {
    VC_REALTIME: ("realtime-hk", "real-time housekeeping: every TM[3,25] report"),
    VC_OTHER: ("other", "events, verification, parameter and test reports (every other TM packet)"),
    VC_IDLE: ("idle", "idle frames (first header pointer 0x7FE) that carry the CLCW while nothing else goes"),
}
"""The virtual channels of the ``split`` VC map (the default)."""
SINGLE_VC_CHANNELS = {
    VC_REALTIME: ("packets", "every TM packet, so each APID's sequence counts run in order on one VC"),
    VC_IDLE: VIRTUAL_CHANNELS[VC_IDLE],
}
"""The virtual channels of the ``single`` VC map."""
VC_MAPS = ("split", "single")
"""How TM packets are put on virtual channels: housekeeping on VC 0 and the rest on VC 1, or all on VC 0."""


@dataclass(frozen=True)
class FrameLinkSettings:
    """How the lander radio and the ground frame the space link; every field is a key of the ``frames`` table.

    TM: ``spacecraft_id``, ``tm_frame_length`` (octets, FECF and OCF included), ``randomize`` (CCSDS TM
    randomizer), ``rs_interleave`` (0: no Reed-Solomon; 1..5 or 8: RS(255,223), frame length = 223 × I),
    ``flush_s`` (a partly filled frame is completed with idle fill once the downlink has been quiet this long,
    or longer when the fill itself takes longer on the air; housekeeping trickles in at tens of octets a second,
    so a short timeout would send a nearly empty frame per packet: 2 s keeps frames few and latency low),
    ``idle_frame_s`` (while transmitting, a frame goes at
    least this often, an idle one if need be, so the ground always has a fresh CLCW; 0: never).
    Channel: ``downlink_ber``/``uplink_ber`` (mean bit error rates on the coded bits), ``burst_bits`` (mean
    length of an error burst in bits: Gilbert-Elliott with half the bits wrong in a burst; below 2: independent
    errors). TC and COP-1: ``tc_vcid``, ``tc_randomize`` (CCSDS TC randomizer inside the CLTU), ``farm_window``
    (W), ``fop_window`` (K, at most W/2), ``t1_s`` (FOP-1 timer, counted from the end of the CLTU on the air),
    ``transmission_limit``. ``ground_format``: what a real ground system gets and gives (``cadu``: CADUs out,
    CLTUs in; ``frames``: bare TM frames out, bare TC frames in). ``ground_tc_format``: what it gives on the
    uplink whatever the downlink (``cltu``: CLTUs, BCH-coded and TC-randomized as ``tc_randomize`` says, as a
    ground station radiates them; ``frames``: bare TC frames that farside wraps in CLTUs itself); unset, it
    follows ``ground_format`` (``cadu`` → ``cltu``). ``vc_map``: ``split`` (TM[3,25] on VC 0,
    every other packet on VC 1) or ``single`` (every packet on VC 0: for a ground system such as Yamcs that
    checks each APID's sequence count per virtual channel).
    """

    spacecraft_id: int = 91
    tm_frame_length: int = 1115
    randomize: bool = True
    rs_interleave: int = 0
    flush_s: float = 2.0
    idle_frame_s: float = 5.0
    downlink_ber: float = 0.0
    uplink_ber: float = 0.0
    burst_bits: float = 0.0
    tc_vcid: int = 0
    tc_randomize: bool = False
    farm_window: int = 10
    fop_window: int = 4
    t1_s: float = 10.0
    transmission_limit: int = 5
    ground_format: str = "cadu"
    ground_tc_format: str | None = None
    vc_map: str = "split"

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> FrameLinkSettings:
        """Settings from the ``frames`` table; unknown keys or bad values raise ConfigurationError."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise ConfigurationError(f"relay option frames.{unknown[0]}: keys are {', '.join(sorted(known))}")
        try:
            settings = cls(**dict(options))
        except TypeError as exc:
            raise ConfigurationError(f"relay option frames: {exc}") from None
        settings.check()
        return settings

    def check(self) -> None:
        """Raise ConfigurationError for any value the link cannot work with."""
        problems = []
        if not _is_int(self.spacecraft_id) or not 0 <= self.spacecraft_id <= MAX_SCID:
            problems.append(f"spacecraft_id={self.spacecraft_id!r}: 0..{MAX_SCID}")
        if not _is_int(self.rs_interleave) or self.rs_interleave not in (0, *INTERLEAVES):
            problems.append(f"rs_interleave={self.rs_interleave!r}: 0 (none) or one of {INTERLEAVES}")
        if not _is_int(self.tm_frame_length) or not 32 <= self.tm_frame_length <= MAX_FRAME_SIZE:
            problems.append(f"tm_frame_length={self.tm_frame_length!r}: 32..{MAX_FRAME_SIZE} octets")
        elif self.rs_interleave and self.tm_frame_length != K * self.rs_interleave:
            problems.append(f"tm_frame_length={self.tm_frame_length}: with rs_interleave={self.rs_interleave} "
                            f"it must be {K * self.rs_interleave}")
        for name in ("randomize", "tc_randomize"):
            if not isinstance(getattr(self, name), bool):
                problems.append(f"{name}={getattr(self, name)!r}: true or false")
        if not _is_number(self.flush_s) or not 0.001 <= self.flush_s <= 60.0:
            problems.append(f"flush_s={self.flush_s!r}: 0.001..60 s")
        if not _is_number(self.idle_frame_s) or not (self.idle_frame_s == 0 or 0.1 <= self.idle_frame_s <= 3600):
            problems.append(f"idle_frame_s={self.idle_frame_s!r}: 0 (never) or 0.1..3600 s")
        for name in ("downlink_ber", "uplink_ber"):
            value = getattr(self, name)
            if not _is_number(value) or not 0.0 <= value <= 0.1:
                problems.append(f"{name}={value!r}: 0..0.1")
        if not _is_number(self.burst_bits) or not 0.0 <= self.burst_bits <= 1e6:
            problems.append(f"burst_bits={self.burst_bits!r}: 0..1e6 bits")
        if not _is_int(self.tc_vcid) or not 0 <= self.tc_vcid <= 0x3F:
            problems.append(f"tc_vcid={self.tc_vcid!r}: 0..63")
        if not _is_int(self.farm_window) or self.farm_window % 2 or not 2 <= self.farm_window <= 254:
            problems.append(f"farm_window={self.farm_window!r}: even, 2..254")
        elif not _is_int(self.fop_window) or not 1 <= self.fop_window <= self.farm_window // 2:
            problems.append(f"fop_window={self.fop_window!r}: 1..farm_window/2 ({self.farm_window // 2})")
        if not _is_number(self.t1_s) or not 0.1 <= self.t1_s <= 3600:
            problems.append(f"t1_s={self.t1_s!r}: 0.1..3600 s")
        if not _is_int(self.transmission_limit) or not 1 <= self.transmission_limit <= 255:
            problems.append(f"transmission_limit={self.transmission_limit!r}: 1..255")
        if self.ground_format not in GROUND_FORMATS:
            problems.append(f"ground_format={self.ground_format!r}: {' or '.join(GROUND_FORMATS)}")
        if self.ground_tc_format is not None and self.ground_tc_format not in GROUND_TC_FORMATS:
            problems.append(f"ground_tc_format={self.ground_tc_format!r}: {' or '.join(GROUND_TC_FORMATS)}")
        if self.vc_map not in VC_MAPS:
            problems.append(f"vc_map={self.vc_map!r}: {' or '.join(VC_MAPS)}")
        if problems:
            raise ConfigurationError("relay option frames: " + "; ".join(problems))

    @property
    def tc_format(self) -> str:
        """What a real ground system sends up: ``ground_tc_format``, or by default what goes with ``ground_format``."""
        return self.ground_tc_format or tc_format_of(self.ground_format)

    @property
    def virtual_channels(self) -> dict[int, tuple[str, str]]:
        """The TM virtual channels this VC map uses: VC → (name, what it carries)."""
        return SINGLE_VC_CHANNELS if self.vc_map == "single" else VIRTUAL_CHANNELS


def tc_format_of(ground_format: str) -> str:
    """The uplink format that goes with a downlink format: CLTUs with CADUs, bare TC frames with bare TM frames."""
    return "cltu" if ground_format == "cadu" else "frames"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


DEFAULT_FRAME_LINK = FrameLinkSettings()
"""The frame link as the bench has it unless a scenario says otherwise."""


def sdls_senders(security: Iterable[SecurityAssociation]) -> dict[int, SdlsSender]:
    """The ground's SDLS sender per virtual channel: the first association listed for each VC (IV and ARSN from 1)."""
    senders: dict[int, SdlsSender] = {}
    for sa in security:
        senders.setdefault(sa.vcid, SdlsSender(sa))
    return senders
