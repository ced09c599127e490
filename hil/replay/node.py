"""``replay://FILE?link=DEVICE``: a recording (or packet file) standing in for a device on the bench (the URL's
grammar: ``hil.schemes.replay``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from firmware_sim.devices.recorded import RecordedDevice, RecordedPacket
from firmware_sim.scenario.model import BenchSettings
from hil.errors import InputFileError
from hil.packetfile import read_packet_file
from hil.records import tm_time_ns
from hil.replay.selection import device_apids
from hil.schemes.replay import ReplayUrl


def recorded_packets(path: Path, link: str) -> list[RecordedPacket]:
    """The telemetry ``link``'s device sent in a recording, at its virtual times (ns since T0).

    In a recording that is every packet on that link going from the device; in a plain packet file it is every
    TM packet of the device's APID, timed by its CUC time relative to the file's first timed packet.
    """
    recording = read_packet_file(path)
    if recording.kind == "recording":
        return [(r.time_ns or 0, r.packet) for r in recording.records if r.link == link and r.direction == "b>a"]
    apids = device_apids([link])
    timed = [(tm_time_ns(r.packet), r.packet) for r in recording.records]
    timed = [(t, p) for t, p in timed if t is not None and ((p[0] & 0x07) << 8 | p[1]) in apids]
    if not timed:
        return []
    first = min(t for t, _ in timed)
    return [(t - first, p) for t, p in timed]


def recorded_models(settings: BenchSettings) -> dict[str, Any]:
    """Model classes for every device the bench plays back from a recording (InputFileError when unreadable)."""
    models = {}
    for name, url in settings.nodes.items():
        if settings.is_recorded(name):
            node = ReplayUrl.from_url(url)
            link = node.link or name
            packets = recorded_packets(node.path, link)
            if not packets:
                raise InputFileError(f"{url}: {node.path} holds no telemetry from {link}")
            models[name] = RecordedDevice.factory(name, packets, node.loop)
    return models
