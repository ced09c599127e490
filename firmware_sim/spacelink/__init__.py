"""The CCSDS space link in the bench: TM frames/CADUs down, CLTUs and COP-1 up, burst errors, ground ends."""

from __future__ import annotations

from firmware_sim.spacelink.channel import BurstChannel, ChannelStats
from firmware_sim.spacelink.frames_link import FrameLinkStats, FrameRadioEnd, FramesLink, LossPlan
from firmware_sim.spacelink.gateway import CltuStream, FrameGroundGateway, TcFrameStream
from firmware_sim.spacelink.ground_node import CopCounters, FrameGroundNode, GapRecord
from firmware_sim.spacelink.lander import TcReceiver, TmSender, virtual_channel
from firmware_sim.spacelink.receiver import MasterStats, PacketGround, TmReceiver, VcStats
from firmware_sim.spacelink.settings import (
    VC_IDLE,
    VC_OTHER,
    VC_REALTIME,
    VIRTUAL_CHANNELS,
    FrameLinkSettings,
)

__all__ = [
    "VC_IDLE",
    "VC_OTHER",
    "VC_REALTIME",
    "VIRTUAL_CHANNELS",
    "BurstChannel",
    "ChannelStats",
    "CltuStream",
    "CopCounters",
    "FrameGroundGateway",
    "FrameGroundNode",
    "FrameLinkSettings",
    "FrameLinkStats",
    "FrameRadioEnd",
    "FramesLink",
    "GapRecord",
    "LossPlan",
    "MasterStats",
    "PacketGround",
    "TcFrameStream",
    "TcReceiver",
    "TmReceiver",
    "TmSender",
    "VcStats",
    "virtual_channel",
]
