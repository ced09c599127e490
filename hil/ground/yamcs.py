"""A Yamcs 5.12 instance configuration for the space link ``farside serve --ground`` opens: links, PUS, the XTCE MDB.

Every figure comes from the bench: the relay's ``FrameLinkSettings`` (spacecraft, frame length, VCs, COP-1), the
ground URL (the UDP port Yamcs receives TM frames on, the ``?bind`` port it sends TC frames to) and the
dictionary (the mission database). Yamcs 5.12's ``UdpTmFrameLink`` reads one datagram into a buffer the size
of a frame, so a CADU (ASM + frame) never fits: the bench sends bare frames (``ground_format = "frames"``). The
uplink is what a ground station radiates: Yamcs encodes each TC frame as a CLTU (BCH(63,56) codeblocks, TC
randomization as ``tc_randomize`` says) and farside takes CLTUs (``ground_tc_format = "cltu"``); a bench that
takes bare TC frames (``ground_tc_format = "frames"``) gets a TC link with no CLTU encoding.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from firmware_sim.errors import ConfigurationError
from firmware_sim.scenario.model import Scenario
from firmware_sim.spacelink.settings import VC_IDLE, FrameLinkSettings
from hil.errors import HilError, TransportError
from hil.schemes import parse_url
from hil.schemes.net import UdpUrl
from protocols.dictionary.registry import Dictionary
from protocols.dictionary.xtce import xtce_document
from protocols.spacelink.cltu import START_SEQUENCE, TAIL_SEQUENCE
from protocols.spacelink.tc_frame import MAX_FRAME_SIZE as MAX_TC_FRAME_SIZE
from protocols.timecode import CUC_PFIELD, CUC_SIZE

INSTANCE = "farside"
"""The Yamcs instance name (the REST API's ``/api/.../farside/...``)."""
TM_LINK = "farside-tm"
TC_LINK = "farside-tc"
DEFAULT_GROUND_URL = "udp://127.0.0.1:10015?bind=127.0.0.1:10025"
"""TM frames to Yamcs on 10015; TC frames from Yamcs to 10025 (ports of Yamcs's own simulator examples)."""
DEFAULT_HTTP_PORT = 8090
PUS_TIME_OFFSET = 13
"""Octet of the CUC time in a TM packet: 6 (primary header) + 7 (PUS-C TM secondary header before the time)."""
CLCW_STREAM = "clcw"
GENERATED = "# Written by `farside ground yamcs` from the bench; write it again rather than edit it.\n"


@dataclass(frozen=True)
class YamcsLink:
    """What the Yamcs instance talks to: the frame link's settings and the UDP ports on both sides."""

    settings: FrameLinkSettings
    tm_port: int
    """Yamcs receives TM frames here (the port of the ground URL)."""
    tc_host: str
    tc_port: int
    """Yamcs sends CLTUs (or TC frames) here (the ground URL's ``?bind``: farside serve's own socket)."""
    http_port: int = DEFAULT_HTTP_PORT


def frame_settings(scenario: Scenario) -> FrameLinkSettings:
    """The relay's frame-link settings as the bench has them (ConfigurationError unless the link is frames)."""
    relay = scenario.bench.devices.get("relay", {})
    if relay.get("space_link", "frames") != "frames":
        raise ConfigurationError(f"{scenario.path}: the relay's space_link is {relay['space_link']!r}; Yamcs "
                                 f"talks to the frame link (space_link = \"frames\")")
    return FrameLinkSettings.from_options(relay.get("frames", {}))


def ground_ports(url: str) -> tuple[int, str, int]:
    """(Yamcs's TM port, TC host, TC port) from the ground URL (TransportError unless udp:// with ?bind)."""
    parsed = parse_url(url)
    if not isinstance(parsed, UdpUrl) or parsed.listen:
        raise TransportError(f"{url!r}: Yamcs takes TM frames by UDP, so the ground must be "
                             f"udp://HOST:PORT?bind=HOST:PORT (e.g. {DEFAULT_GROUND_URL})")
    if parsed.bind is None or parsed.bind[1] == 0:
        raise TransportError(f"{url!r}: Yamcs sends TC frames to a fixed port; give it with ?bind=HOST:PORT "
                             f"(e.g. {DEFAULT_GROUND_URL})")
    bind_host, bind_port = parsed.bind
    if bind_port == parsed.port and bind_host in ("", "0.0.0.0", parsed.host):
        raise TransportError(f"{url!r}: serve would bind the port Yamcs receives TM frames on "
                             f"({parsed.host}:{parsed.port}); give ?bind another port (e.g. {DEFAULT_GROUND_URL})")
    return parsed.port, bind_host, bind_port


def check_link(scenario: Scenario, settings: FrameLinkSettings) -> None:
    """Refuse what this Yamcs configuration cannot carry: CADUs (see the module text) and SDLS."""
    if settings.ground_format != "frames":
        raise ConfigurationError(
            f"{scenario.path}: the relay's frames.ground_format is {settings.ground_format!r}, but Yamcs 5.12's "
            f"UdpTmFrameLink reads a datagram into a buffer the size of one frame, so a CADU never fits; set "
            f"[bench.devices.relay.frames] ground_format = \"frames\" (or give no bench: one is written)")
    if scenario.bench.security:
        raise ConfigurationError(f"{scenario.path}: the bench secures the TC link with SDLS; the Yamcs "
                                 f"configuration written here has no SDLS keys")


def instance_files(link: YamcsLink, dictionary: Dictionary) -> dict[str, str]:
    """Every file of the Yamcs configuration, by path relative to its directory."""
    return {
        "etc/yamcs.yaml": _yaml(server_config(link)),
        f"etc/yamcs.{INSTANCE}.yaml": _yaml(instance_config(link)),
        "etc/processor.yaml": _yaml(PROCESSORS),
        "mdb/farside.xml": xtce_document(dictionary),
        "start-yamcs.sh": start_script(),
    }


def server_config(link: YamcsLink) -> dict[str, Any]:
    """etc/yamcs.yaml: the HTTP server (API and web UI) on loopback, one instance."""
    return {
        "services": [{"class": "org.yamcs.http.HttpServer",
                      "args": {"address": "127.0.0.1", "port": link.http_port}}],
        "instances": [INSTANCE],
        "dataDir": "data",
        "secretKey": "farside-local-only",
    }


def instance_config(link: YamcsLink) -> dict[str, Any]:
    """etc/yamcs.farside.yaml: archive services, the TM and TC frame links, the MDB and the streams."""
    return {
        "services": [{"class": f"org.yamcs.archive.{name}"} for name in ARCHIVE_SERVICES]
        + [{"class": "org.yamcs.ProcessorCreatorService", "args": {"name": "realtime", "type": "realtime"}}],
        "dataLinks": [tm_link(link), tc_link(link)],
        "mdb": [{"type": "xtce", "spec": "mdb/farside.xml"}],
        "streamConfig": {
            "tm": [{"name": "tm_realtime", "processor": "realtime"}],
            "invalidTm": "invalid_tm_stream",
            "cmdHist": ["cmdhist_realtime", "cmdhist_dump"],
            "event": ["events_realtime", "events_dump"],
            "param": ["pp_realtime", "sys_param", "proc_param"],
            "parameterAlarm": ["alarms_realtime"],
            "eventAlarm": ["event_alarms_realtime"],
            "tc": [{"name": "tc_realtime", "processor": "realtime"}],
        },
    }


ARCHIVE_SERVICES = ("XtceTmRecorder", "ParameterRecorder", "AlarmRecorder", "EventRecorder", "ReplayServer",
                    "CommandHistoryRecorder")
"""What the instance archives: packets, parameters, alarms, events, command history (and replays them)."""


def packet_preprocessor(check_sequence: bool) -> dict[str, Any]:
    """PUS-C TM: CRC-16/CCITT-FALSE at the end, CUC time (implicit P-field, 1958 TAI epoch) at octet 13."""
    coarse, fine = 1 + ((CUC_PFIELD >> 2) & 3), CUC_PFIELD & 3
    assert coarse + fine == CUC_SIZE  # the P-field says what protocols.timecode writes
    return {
        "packetPreprocessorClassName": "org.yamcs.pus.PusPacketPreprocessor",
        "packetPreprocessorArgs": {
            "errorDetection": {"type": "CRC-16-CCIIT"},
            "pktTimeOffset": PUS_TIME_OFFSET,
            "timeEncoding": {"type": "CUC", "epoch": "TAI", "implicitPField": CUC_PFIELD},
            "checkSequence": check_sequence,
        },
    }


def tm_link(link: YamcsLink) -> dict[str, Any]:
    """The UDP TM frame link: bare TM frames (OCF = CLCW, FECF) on the bench's virtual channels."""
    s = link.settings
    single = s.vc_map == "single"  # with VC 0 and VC 1 an APID's counts alternate between two VC checkers
    channels = [{"vcId": vc, "ocfPresent": True, "service": "PACKET", "maxPacketLength": 65542,
                 "stream": "tm_realtime", **packet_preprocessor(check_sequence=single)}
                for vc in s.virtual_channels if vc != VC_IDLE]
    return {
        "name": TM_LINK,
        "class": "org.yamcs.tctm.ccsds.UdpTmFrameLink",
        "port": link.tm_port,
        "frameType": "TM",
        "spacecraftId": s.spacecraft_id,
        "frameLength": s.tm_frame_length,
        "errorDetection": "CRC16",
        "clcwStream": CLCW_STREAM,
        "virtualChannels": channels,
    }


def cltu_encoding(settings: FrameLinkSettings) -> dict[str, Any]:
    """The TC link's CLTU options as farside's radio decodes them: BCH(63,56), its start and tail sequences and
    TC randomization per ``tc_randomize``; none when the bench takes bare TC frames."""
    if settings.tc_format != "cltu":
        return {}
    return {
        "cltuEncoding": "BCH",
        "cltuStartSequence": START_SEQUENCE.hex().upper(),
        "cltuTailSequence": TAIL_SEQUENCE.hex().upper(),
        "randomizeCltu": settings.tc_randomize,
    }


def tc_link(link: YamcsLink) -> dict[str, Any]:
    """The UDP TC frame link: TC frames (segment header, MAP 0, FECF) with FOP-1 on the TC VC, one CLTU (or bare
    frame) per datagram."""
    s = link.settings
    return {
        "name": TC_LINK,
        "class": "org.yamcs.tctm.ccsds.UdpTcFrameLink",
        "host": link.tc_host,
        "port": link.tc_port,
        "spacecraftId": s.spacecraft_id,
        "maxFrameLength": MAX_TC_FRAME_SIZE,
        "errorDetection": "CRC16",
        **cltu_encoding(s),
        "virtualChannels": [{
            "vcId": s.tc_vcid,
            "service": "PACKET",
            "mapId": 0,
            "multiplePacketsPerFrame": False,
            "commandPostprocessorClassName": "org.yamcs.pus.PusCommandPostprocessor",
            "commandPostprocessorArgs": {"errorDetection": {"type": "CRC-16-CCIIT"}},
            "stream": "tc_realtime",
            "useCop1": True,
            "clcwStream": CLCW_STREAM,
            "initialClcwWait": -1,
            "slidingWindowWidth": s.fop_window,
            "cop1T1": max(1, math.ceil(s.t1_s)),
            "cop1TxLimit": s.transmission_limit,
        }],
    }


PROCESSORS: dict[str, Any] = {
    "realtime": {
        "services": [{"class": f"org.yamcs.{name}"} for name in (
            "StreamTmPacketProvider", "StreamTcCommandReleaser", "tctm.StreamParameterProvider",
            "algorithms.AlgorithmManager", "parameter.LocalParameterManager")],
        "config": {"subscribeAll": True, "generateEvents": True},
    },
    **{name: {"services": [{"class": "org.yamcs.tctm.ReplayService"}]}
       for name in ("Archive", "ParameterArchive", "ArchiveRetrieval")},
}
"""etc/processor.yaml: the realtime processor (TM, TC, parameters) and the replay processors."""


def start_script() -> str:
    """start-yamcs.sh: run the Yamcs server of fprime-yamcs-bundle from this directory (exec: one PID)."""
    return (
        "#!/bin/sh\n"
        "# Start Yamcs with this configuration (the jars of the fprime-yamcs-bundle package, Java 17).\n"
        'cd "$(dirname "$0")" || exit 1\n'
        f'LIB=$("${{FARSIDE_PYTHON:-{sys.executable}}}" -c '
        "'import fprime_yamcs_bundle; print(fprime_yamcs_bundle.LIB_DIR)') || "
        "{ echo 'start-yamcs.sh: pip install fprime-yamcs-bundle' >&2; exit 1; }\n"
        'exec java -cp "$LIB/*" org.yamcs.YamcsServer --etc-dir etc --data-dir data "$@"\n'
    )


def bench_file(ground_url: str) -> str:
    """bench.toml for `farside serve`: every device a model, the ground on ``ground_url``, bare TM frames down,
    randomized CLTUs up, one VC."""
    return (
        GENERATED
        + '[scenario]\nname = "yamcs ground"\n\n'
        + f'[bench.nodes]\nground = "{ground_url}"\n\n'
        + '[bench.devices.relay]\n'
        + 'visibility = "always"       # bench work: the relay always in view ("geometry": the orbit decides)\n\n'
        + '[bench.devices.relay.frames]\n'
        + 'ground_format = "frames"    # bare TM frames: Yamcs 5.12 UdpTmFrameLink cannot take a CADU datagram\n'
        + 'ground_tc_format = "cltu"   # CLTUs up, as a ground station radiates them: Yamcs encodes them (BCH)\n'
        + 'tc_randomize = true         # CCSDS TC randomizer inside each CLTU (Yamcs: randomizeCltu)\n'
        + 'vc_map = "single"           # every packet on VC 0: Yamcs checks sequence counts per VC\n'
    )


def write_instance(directory: Path, files: dict[str, str]) -> list[Path]:
    """Write ``files`` under ``directory`` (created if need be); returns the paths written.

    Every path is checked before the first is written, and each file is replaced whole (written beside it, then
    renamed), so a directory that cannot take them is one HilError and nothing half-written.
    """
    paths = [directory / relative for relative in files]
    for path in paths:
        _check_writable(path)
    try:
        for path, text in zip(paths, files.values(), strict=True):
            path.parent.mkdir(parents=True, exist_ok=True)
            _replace(path, text, 0o755 if path.suffix == ".sh" else 0o644)
    except OSError as exc:
        raise HilError(f"cannot write the Yamcs instance to {directory}: {exc.strerror or exc}") from None
    return paths


def _check_writable(path: Path) -> None:
    """HilError unless ``path`` can be written as a file: not a directory, under a writable directory."""
    if path.is_dir():
        raise HilError(f"cannot write {path}: it is a directory")
    parent = path.parent
    while not parent.exists() and not parent.is_symlink() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise HilError(f"cannot write {path}: {parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise HilError(f"cannot write {path}: {parent} is not writable")


def _replace(path: Path, text: str, mode: int) -> None:
    """Write ``path`` whole: a temporary file beside it, renamed over it."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _yaml(data: dict[str, Any]) -> str:
    return GENERATED + yaml.safe_dump(data, sort_keys=False, default_flow_style=False, width=110)
