"""Replay a recording or a packet file to a transport: selection, schedule, paced player and timing report."""

from __future__ import annotations

from hil.progress import progress_for
from hil.replay.player import SPIN_NS, Player
from hil.replay.report import LatenessStats, ReplayReport, drift, percentile
from hil.replay.schedule import Schedule, build_schedule, recording_offsets
from hil.replay.selection import Selection, packet_apid

__all__ = [
    "SPIN_NS",
    "LatenessStats",
    "Player",
    "ReplayReport",
    "Schedule",
    "Selection",
    "build_schedule",
    "drift",
    "packet_apid",
    "percentile",
    "progress_for",
    "recording_offsets",
]
