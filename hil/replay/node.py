"""``replay://FILE?link=DEVICE``: a recording (or packet file) standing in for a device on the bench."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from firmware_sim.devices.recorded import RecordedDevice, RecordedPacket
from firmware_sim.scenario.model import RECORDING_SCHEME, BenchSettings
from hil.errors import InputFileError
from hil.packetfile import read_packet_file
from hil.records import tm_time_ns
from hil.replay.selection import device_apids

EXPECTED = "replay://FILE[?link=DEVICE&loop=1] (FILE: a farside recording or a file of concatenated packets)"


def parse_replay_url(url: str, node: str) -> tuple[Path, str, bool]:
    """(file, link, loop) of a ``replay://`` URL; the link defaults to the node's own name."""
    parts = urlsplit(url)
    path = (parts.netloc + parts.path) if parts.netloc else parts.path
    if not url.startswith(RECORDING_SCHEME) or not path:
        raise InputFileError(f"bad URL {url!r}: expected {EXPECTED}")
    options = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
    unknown = set(options) - {"link", "loop"}
    if unknown:
        raise InputFileError(f"bad URL {url!r}: unknown option {sorted(unknown)[0]!r}; expected {EXPECTED}")
    return Path(path), options.get("link", node), options.get("loop", "0") in ("1", "true", "yes")


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
            path, link, loop = parse_replay_url(url, name)
            packets = recorded_packets(path, link)
            if not packets:
                raise InputFileError(f"{url}: {path} holds no telemetry from {link}")
            models[name] = RecordedDevice.factory(name, packets, loop)
    return models
