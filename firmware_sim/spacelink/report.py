"""The space link in the run summary: passes, volumes, frame errors, COP-1 retransmissions, latency, SDLS."""

from __future__ import annotations

from typing import Any

from firmware_sim.devices.relay import RelayRadioModel
from firmware_sim.spacelink.frames_link import FramesLink
from firmware_sim.spacelink.gateway import FrameGroundGateway
from firmware_sim.spacelink.ground import GroundStation
from firmware_sim.spacelink.ground_node import FrameGroundNode
from firmware_sim.spacelink.packet_gateway import GroundGateway
from firmware_sim.spacelink.propagation import SpaceLink


def link_summary(relay: RelayRadioModel | None, link: SpaceLink | None,
                 ground: GroundStation | None) -> dict[str, Any] | None:
    """JSON-ready figures of the space link between the relay radio and the ground (None without a modelled radio)."""
    if relay is None or link is None:
        return None
    radio = relay.figures()
    out: dict[str, Any] = {
        "mode": "frames" if isinstance(link, FramesLink) else "packets",
        "passes": radio["passes"],
        "link_up_hours": radio["link_up_hours"],
        "packets_down": radio["packets_downlinked"],
        "bytes_down": radio["bytes_downlinked"],
        "tcs_delivered": radio["tcs_delivered"],
        "uplink_lost": radio["uplink_lost"],
        "light_time_mean_s": radio["mean_light_time_s"],
    }
    if ground is not None:
        out["ground_packets"] = ground.counters.packets_received
        out["ground_apid_gaps"] = ground.gaps
        out["ground_packets_missing"] = ground.missing
    figures = link.figures() if isinstance(link, FramesLink) else None
    if isinstance(ground, GroundGateway | FrameGroundGateway):
        out["ground_outlet"] = ground_outlet(ground, figures)
    if figures is None:
        out.update(frames_sent=None, frame_error_rate=None, frame_gaps=None, cop1_retransmissions=None,
                   latency_mean_s=radio["mean_light_time_s"], latency_max_s=None)
        return out
    out.update({
        "spacecraft_id": figures["spacecraft_id"],
        "tm_frame_length": figures["tm_frame_length"],
        "frames_sent": figures["frames_sent"],
        "frames_per_vc": figures["frames_per_vc"],
        "octets_down": figures["octets_down"],
        "octets_up": figures["octets_up"],
        "cltus_sent": figures["cltus_sent"],
        "downlink_bit_errors": figures["downlink_bit_errors"],
        "uplink_bit_errors": figures["uplink_bit_errors"],
        "cltu_corrected_bits": figures["cltu_corrected_bits"],
        "tc_frames_accepted": figures["tc_frames_accepted"],
        "tc_frames_rejected": figures["tc_frames_rejected"],
        "ground_tc_format": ground.tc_format if isinstance(ground, FrameGroundGateway) else "cltu",
        "cltu_outcomes": figures["cltu_outcomes"],
        "latency_mean_s": figures["latency_mean_s"],
        "latency_max_s": figures["latency_max_s"],
    })
    if "sdls_accepted" in figures:
        out["sdls_accepted"] = figures["sdls_accepted"]
        out["sdls_rejected"] = figures["sdls_rejected"]
    receiver = ground.receiver if isinstance(ground, FrameGroundNode | FrameGroundGateway) else None
    sent = figures["frames_sent"] - figures["frames_in_flight"]
    if receiver is not None:
        stats = receiver.stats
        out["frames_received"] = stats.frames_good
        out["frame_errors"] = stats.frame_errors
        out["frame_gaps"] = receiver.gaps
        out["frames_lost"] = receiver.frames_lost
        out["rs_corrected"] = stats.rs_corrected
        out["frame_error_rate"] = round(max(0, sent - stats.frames_good) / sent, 6) if sent > 0 else 0.0
    else:
        out.update(frames_received=None, frame_errors=None, frame_gaps=None, frames_lost=None, frame_error_rate=None)
    cop = ground.cop if isinstance(ground, FrameGroundNode) else None
    out["cop1_retransmissions"] = cop.retransmissions if cop is not None else None
    out["cop1_alerts"] = cop.alerts if cop is not None else None
    out["tcs_confirmed"] = cop.tcs_confirmed if cop is not None else None
    return out


def ground_outlet(ground: GroundGateway | FrameGroundGateway, figures: dict[str, Any] | None) -> dict[str, Any]:
    """What reached the real ground system's outlet: units written, units dropped there (the ground down or not
    taking them), and (frame link) frames still on their way when the run ended."""
    external = ground.external
    formats = {"cadu": "CADUs", "frames": "TM frames"}
    unit = "packets" if isinstance(ground, GroundGateway) else formats[ground.format]
    return {"unit": unit, "sent": external.packets_to_outside, "dropped": external.frames_dropped,
            "octets_dropped": external.octets_dropped,
            "in_flight": figures["frames_in_flight"] if figures is not None else None}
