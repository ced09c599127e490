"""The relay radio's configuration: options from a scenario or a test, checked once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from firmware_sim.errors import ConfigurationError
from firmware_sim.relay_orbit import DEFAULT_MIN_ELEVATION_DEG, QUEQIAO2, OrbitElements
from firmware_sim.spacelink.settings import DEFAULT_FRAME_LINK, FrameLinkSettings
from protocols.dictionary.relay import DOWNLINK_RATES, MODES, POWER, UPLINK_RATE_BPS

VISIBILITIES = ("geometry", "always")
SPACE_LINKS = ("frames", "packets")


@dataclass(frozen=True)
class RadioSettings:
    """Options of ``RelayRadioModel``; every field is also an option key of the same name.

    visibility: "geometry" (relay orbit and landing site decide) or "always" (link up whenever not faulted);
    power/mode: state at start; downlink_rate (bit/s or a label such as "50k") and uplink_rate (bit/s);
    queue_limit (packets) and queue_octets: downlink queue bounds; overhead_octets: framing octets radiated per
    packet; acquisition_s: lock-up time once the link is possible; link_loss_timeout_s: time without lock
    before link-lost; overflow_event_interval_s: at most one queue-overflow event per interval;
    geometry_offset_s: geometry time (s since landing) at virtual time zero, None: from the mission epoch;
    min_elevation_deg: the lander's horizon mask; orbit: OrbitElements or a mapping of its fields;
    refresh_s: how often look angles and light time are recomputed for telemetry;
    space_link: "frames" (CCSDS TM frames/CADUs down, CLTUs with COP-1 up; the default) or "packets" (whole
    packets delayed by the light time, framing only as ``overhead_octets``); frames: FrameLinkSettings or a
    mapping of its fields (spacecraft ID, frame length, coding, bit error rates, COP-1 parameters).
    """

    visibility: str = "geometry"
    power: str = "on"
    mode: str = "relay"
    downlink_rate: int = DOWNLINK_RATES["50k"]
    uplink_rate: int = UPLINK_RATE_BPS
    queue_limit: int = 1024
    queue_octets: int = 1 << 20
    overhead_octets: int = 0
    acquisition_s: float = 2.0
    link_loss_timeout_s: float = 10.0
    overflow_event_interval_s: float = 10.0
    geometry_offset_s: float | None = None
    min_elevation_deg: float = DEFAULT_MIN_ELEVATION_DEG
    orbit: OrbitElements = QUEQIAO2
    refresh_s: float = 10.0
    space_link: str = "frames"
    frames: FrameLinkSettings = DEFAULT_FRAME_LINK

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> RadioSettings:
        """Settings from model options; unknown keys or bad values raise ConfigurationError."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise ConfigurationError(f"relay option {unknown[0]!r}: options are {', '.join(sorted(known))}")
        values = dict(options)
        if "downlink_rate" in values:
            values["downlink_rate"] = _rate(values["downlink_rate"])
        if isinstance(values.get("orbit"), Mapping):
            try:
                values["orbit"] = replace(QUEQIAO2, **values["orbit"])
            except TypeError as exc:
                raise ConfigurationError(f"relay option orbit: {exc}") from None
        if isinstance(values.get("frames"), Mapping):
            values["frames"] = FrameLinkSettings.from_options(values["frames"])
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        """Raise ConfigurationError for any value the radio cannot work with."""
        problems = []
        if self.visibility not in VISIBILITIES:
            problems.append(f"visibility={self.visibility!r}: use {' or '.join(VISIBILITIES)}")
        if self.space_link not in SPACE_LINKS:
            problems.append(f"space_link={self.space_link!r}: use {' or '.join(SPACE_LINKS)}")
        if not isinstance(self.frames, FrameLinkSettings):
            problems.append("frames: give FrameLinkSettings or a mapping of its fields")
        if self.power not in POWER:
            problems.append(f"power={self.power!r}: use {' or '.join(POWER)}")
        if self.mode not in MODES:
            problems.append(f"mode={self.mode!r}: use one of {', '.join(MODES)}")
        if self.power == "off" and self.mode != "standby":
            problems.append(f"mode={self.mode!r} needs power='on' (use mode='standby' when off)")
        if not 1 <= self.uplink_rate <= 2_000:
            problems.append(f"uplink_rate={self.uplink_rate}: allowed 1..2000 bit/s")
        if not 16 <= self.queue_limit <= 8192:
            problems.append(f"queue_limit={self.queue_limit}: allowed 16..8192 packets")
        if self.queue_octets < 65_542:
            problems.append(f"queue_octets={self.queue_octets}: must hold the largest packet (65542 octets)")
        if self.overhead_octets < 0:
            problems.append(f"overhead_octets={self.overhead_octets}: must not be negative")
        if self.acquisition_s < 0 or self.overflow_event_interval_s < 0 or self.refresh_s <= 0:
            problems.append("acquisition_s and overflow_event_interval_s must be >= 0, refresh_s > 0")
        if not 1.0 <= self.link_loss_timeout_s <= 600.0:
            problems.append(f"link_loss_timeout_s={self.link_loss_timeout_s}: allowed 1..600 s")
        if not isinstance(self.orbit, OrbitElements):
            problems.append("orbit: give OrbitElements or a mapping of its fields")
        if problems:
            raise ConfigurationError("relay options: " + "; ".join(problems))


def _rate(value: Any) -> int:
    """A downlink rate option: a label of DOWNLINK_RATES or bit/s (1..555000)."""
    if isinstance(value, str) and value in DOWNLINK_RATES:
        return DOWNLINK_RATES[value]
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= max(DOWNLINK_RATES.values()):
        return value
    raise ConfigurationError(f"relay option downlink_rate={value!r}: a label ({', '.join(DOWNLINK_RATES)}) "
                             f"or 1..{max(DOWNLINK_RATES.values())} bit/s")
