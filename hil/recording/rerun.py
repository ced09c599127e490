"""What ``farside run --from`` takes from a recording: the scenario text, seed and until that made it, and its digest.

The digest is the bench's ``PacketDigest`` fed the recorded packets in order: the recorder taps every link as the
digest does, so a whole recording of a whole run hashes to the run's digest.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from firmware_sim.bench import PacketDigest
from firmware_sim.scenario.model import BenchSettings
from firmware_sim.seeds import SEED_RANGE
from hil.errors import RecordingError
from hil.packetfile import read_packet_file
from hil.records import PacketFile
from hil.schemes.replay import ReplayUrl
from protocols.dictionary.registry import default_dictionary


@dataclass(frozen=True)
class RerunSource:
    """The run a recording says made it, and the digest of the packets it holds."""

    recording: Path
    scenario_file: str
    """Where the scenario file was when it was recorded (for information: its text is in the header)."""
    text: str
    seed: int
    until_ns: int | None
    farside_version: str
    digest: str | None
    """SHA-256 of the recorded packets in order; None when the recording is damaged."""
    packets: int
    damage: str
    """One line on what the reader skipped, or ""."""
    campaign_run: dict[str, Any] | None = None
    """A campaign run's inputs (dispersions, faults) applied on top of the scenario, for a recording of one."""

    @property
    def label(self) -> str:
        """The name scenario errors give: the recording, then the file it carries."""
        return f"{self.recording}[{self.scenario_file}]"


def rerun_source(path: str | Path) -> RerunSource:
    """Read a recording made by ``farside run --record``; RecordingError (one line) when it cannot be rerun."""
    path = Path(path)
    recording = read_packet_file(path)
    if recording.kind != "recording":
        raise RecordingError(f"{path}: not a farside recording (read as a {recording.kind} file); "
                             f"--from takes a pcapng file written by farside run --record")
    header = _checked_header(recording)
    digest = None
    if not recording.damage:
        hashed = PacketDigest(default_dictionary())
        for record in recording.records:
            hashed.tap(record.time_ns or 0, record.link or "", record.direction or "", record.packet)
        digest = hashed.hexdigest()
    return RerunSource(path, str(header.get("scenario_file") or "scenario"), header["scenario_text"], header["seed"],
                       header["until_ns"], str(header.get("farside_version", "unknown")), digest,
                       len(recording.records), recording.summary(), header.get("campaign_run"))


def _checked_header(recording: PacketFile) -> dict[str, Any]:
    """The header, when it describes a reproducible run whole; RecordingError saying why not."""
    path, header = recording.path, recording.header
    head_damage = next((d for d in recording.damage if d.offset == 0), None)
    if head_damage is not None or "farside_version" not in header:
        why = head_damage.reason if head_damage else "it names no farside version"
        raise RecordingError(f"{path}: its section header is damaged ({why}); what made the recording is lost")
    if header.get("mode") == "serve" or header.get("reproducible") is False:
        raise RecordingError(f"{path}: a recording of a real-time session (farside serve, real nodes on the wall "
                             f"clock), which cannot be reproduced byte for byte")
    if "scenario_text" not in header:
        raise RecordingError(f"{path}: made by farside {header['farside_version']}, whose recordings do not carry "
                             f"the scenario file; run it again with: farside run {header.get('scenario_file')} "
                             f"--seed {header.get('seed')}")
    text, seed, until_ns = header.get("scenario_text"), header.get("seed"), header.get("until_ns")
    if not isinstance(text, str) or hashlib.sha256(text.encode()).hexdigest() != header.get("config_sha256"):
        raise RecordingError(f"{path}: its section header is damaged (the scenario text does not match its SHA-256)")
    if not isinstance(seed, int) or isinstance(seed, bool) or not SEED_RANGE[0] <= seed <= SEED_RANGE[1]:
        raise RecordingError(f"{path}: its section header is damaged (seed {seed!r} is not a seed)")
    if until_ns is not None and (not isinstance(until_ns, int) or isinstance(until_ns, bool) or until_ns < 0):
        raise RecordingError(f"{path}: its section header is damaged (until_ns {until_ns!r} is not a time)")
    return header


def replay_files(settings: BenchSettings) -> list[Path]:
    """The files a bench's ``replay://`` nodes play back, which a recording does not carry."""
    return [ReplayUrl.from_url(url).path for name, url in settings.nodes.items() if settings.is_recorded(name)]
