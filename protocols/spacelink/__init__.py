"""The CCSDS space link, pure and I/O-free: TM/TC frames, CLCW, COP-1, CLTU/BCH, CADU, randomizers, RS, SDLS."""

from __future__ import annotations

from protocols.spacelink.cadu import ASM, CaduCodec, CaduDecoded, CaduSplitter, CaduSplitterStats
from protocols.spacelink.clcw import Clcw
from protocols.spacelink.cltu import CltuDecoder, CltuResult, CltuStats, encode_cltu
from protocols.spacelink.farm import Farm1, FarmResult, FarmState, FarmStats
from protocols.spacelink.fop import Fop1, FopOutput, FopState, Notice
from protocols.spacelink.randomizer import TC_SEQUENCE, TM_SEQUENCE, randomize, tc_randomize, tm_randomize
from protocols.spacelink.reed_solomon import ReedSolomon, RsResult
from protocols.spacelink.sdls import (
    ReplayWindow,
    SdlsReceiver,
    SdlsSender,
    SdlsStats,
    SecurityAssociation,
    Unsealed,
    seal,
    secure_tc,
    unseal,
)
from protocols.spacelink.tc_frame import ControlCommand, FrameType, TcFrame, parse_control_command
from protocols.spacelink.tm_deframer import TmDeframer, TmDeframerStats, TmEvent, TmFrameResult, VcPacketExtractor
from protocols.spacelink.tm_frame import FHP_IDLE, FHP_NO_PACKET, TmFrame, TmFrameHeader
from protocols.spacelink.tm_framer import FrameCounter, TmFramer

__all__ = [
    "ASM",
    "FHP_IDLE",
    "FHP_NO_PACKET",
    "TC_SEQUENCE",
    "TM_SEQUENCE",
    "CaduCodec",
    "CaduDecoded",
    "CaduSplitter",
    "CaduSplitterStats",
    "Clcw",
    "CltuDecoder",
    "CltuResult",
    "CltuStats",
    "ControlCommand",
    "Farm1",
    "FarmResult",
    "FarmState",
    "FarmStats",
    "Fop1",
    "FopOutput",
    "FopState",
    "FrameCounter",
    "FrameType",
    "Notice",
    "ReedSolomon",
    "ReplayWindow",
    "RsResult",
    "SdlsReceiver",
    "SdlsSender",
    "SdlsStats",
    "SecurityAssociation",
    "TcFrame",
    "TmDeframer",
    "TmDeframerStats",
    "TmEvent",
    "TmFrame",
    "TmFrameHeader",
    "TmFrameResult",
    "TmFramer",
    "Unsealed",
    "VcPacketExtractor",
    "encode_cltu",
    "parse_control_command",
    "randomize",
    "seal",
    "secure_tc",
    "tc_randomize",
    "tm_randomize",
    "unseal",
]
