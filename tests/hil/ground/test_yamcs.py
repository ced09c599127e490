"""A real Yamcs in the loop: `farside serve` with the bench `farside ground yamcs` wrote, seen through Yamcs's API.

One serve session runs for the whole module (a second session would restart every APID's sequence count, which
Yamcs rightly reports as a jump): housekeeping first, then COP-1 initialised and commands sent from Yamcs — a ping,
a function, and every kind of calibrated argument (the drill, the arm, the ascender's tanks and engine).
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from serve_driver import start_serve
from yamcs_server import INSTANCE, Yamcs

from hil.decode import read_buffer
from protocols.dictionary import default_dictionary
from protocols.dictionary.xtce import item_name
from protocols.timecode import NS_PER_S, datetime_to_utc_ns, utc_to_tai_ns

TC_LINK = "farside-tc.vc0"
WAIT_S = 60.0
HK_PACKETS = 60
"""Housekeeping packets Yamcs must have archived before commanding starts."""
APIDS = {device.name: device.apid for device in default_dictionary()}
COMMANDS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("sampler", "ping", {}),
    ("sampler", "load-cell-tare", {"samples": 5}),
    ("sampler", "mode-set", {"mode": "operate"}),
    # calibrated arguments: Yamcs turns engineering values into raw counts with the XTCE's argument calibrators
    ("sampler", "drill-start", {"target_depth": 0.1, "rotation_rate": 120, "percussion": "high", "feed_rate": 200}),
    ("sampler", "arm-stow", {"joint_speed": 0.125}),
    ("ascender", "tank-pressurize", {"tanks": "both", "target_pressure": 1.8765}),
    ("ascender", "engine-ignite", {"burn_duration": 12.35, "cutoff": "timer"}),
)
"""(device, command, arguments) sent from Yamcs, in order."""
COMPLETED = ("ping", "load-cell-tare", "mode-set", "drill-start", "arm-stow")
"""The commands the lander carries out to the end (TM[1,7]); the ascender's are refused: its tanks are not armed."""


@dataclass
class Session:
    """What one serve session against Yamcs left behind."""

    directory: Path
    endpoints: dict[str, Any]
    serve_stderr: str = ""
    events_before_commands: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    commands: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Command name → Yamcs's command history entry."""
    received: dict[int, bytes] = field(default_factory=dict)
    """Sequence count → the telecommand packet farside's lander received (from serve's recording)."""
    cop1: dict[str, Any] = field(default_factory=dict)
    reports: dict[str, dict[tuple[int, int], int]] = field(default_factory=dict)
    """Command name → {(service, subtype): how many verification/test reports Yamcs archived for it}."""


def _until(what: str, check: Callable[[], Any], timeout: float = WAIT_S) -> Any:
    """Poll ``check`` (bounded in time) until it returns something true; AssertionError naming ``what`` if not.

    A failed API call counts as "not yet" (Yamcs answers 500 now and then while it archives); the last one is
    named if time runs out.
    """
    deadline = time.monotonic() + timeout
    last_error = ""
    while True:
        try:
            result = check()
        except AssertionError as error:
            result, last_error = None, str(error)
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not seen within {timeout:.0f} s {last_error}".rstrip())
        time.sleep(0.25)  # Yamcs and serve run in real time in other processes


def _packets(yamcs: Yamcs) -> list[dict[str, Any]]:
    return yamcs.get(f"/api/archive/{INSTANCE}/packets?limit=1000&order=asc").get("packet", [])


def _events(yamcs: Yamcs) -> list[dict[str, Any]]:
    return yamcs.get(f"/api/archive/{INSTANCE}/events?limit=1000&order=asc").get("events", [])


def _command(yamcs: Yamcs, device: str, name: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    """Send one command from Yamcs's realtime processor; returns its history entry once Yamcs has released it."""
    sent = yamcs.post(f"/api/processors/{INSTANCE}/realtime/commands/{INSTANCE}/{item_name(device, name)}",
                      {"args": args or {}})

    def released() -> dict[str, Any] | None:
        entries = yamcs.get(f"/api/archive/{INSTANCE}/commands?limit=100").get("commands", [])
        entry = next((e for e in entries if e["id"] == sent["id"]), None)
        names = {a["name"] for a in (entry or {}).get("attr", [])}
        return entry if "ccsds-seqcount" in names else None

    return _until(f"{name} released by Yamcs", released)


def _attr(entry: dict[str, Any], name: str) -> Any:
    value = next(a["value"] for a in entry["attr"] if a["name"] == name)
    return next(v for k, v in value.items() if k != "type")


def _reports_for(yamcs: Yamcs, device: str, seq: int) -> dict[tuple[int, int], int]:
    """(service, subtype) → count of the device's TM[1,x] whose request ID names its TC with this sequence count."""
    apid_of = APIDS[device]
    request = bytes([0x18 | apid_of >> 8, apid_of & 0xFF, 0xC0 | seq >> 8, seq & 0xFF])
    found: dict[tuple[int, int], int] = {}
    for packet in _packets(yamcs):
        raw = _b64(packet["packet"])
        apid = ((raw[0] & 0x07) << 8) | raw[1]
        if apid == apid_of and raw[7] == 1 and raw[19:23] == request:
            found[(1, raw[8])] = found.get((1, raw[8]), 0) + 1
    return found


def _b64(text: str) -> bytes:
    import base64

    return base64.b64decode(text)


@pytest.fixture(scope="module")
def session(yamcs: Yamcs, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    """Serve the generated bench; housekeeping, then COP-1 and commands from Yamcs; serve stopped at the end."""
    directory = tmp_path_factory.mktemp("serve")
    served = start_serve(directory, str(yamcs.directory / "bench.toml"), "--ground", yamcs.ground_url,
                         "--speed", "5", "--record", str(directory / "session.pcapng"), "--quiet")
    result = Session(directory, served.endpoints)
    try:
        _until(f"{HK_PACKETS} housekeeping packets in Yamcs", lambda: len(_packets(yamcs)) >= HK_PACKETS)
        result.events_before_commands = _events(yamcs)
        yamcs.post(f"/api/cop1/{INSTANCE}/{TC_LINK}:initialize",
                   {"type": "WITH_CLCW_CHECK", "clcwCheckInitializeTimeout": 20000})
        _until("COP-1 active", lambda: yamcs.get(f"/api/cop1/{INSTANCE}/{TC_LINK}/status")["state"] == "ACTIVE")
        for device, name, args in COMMANDS:
            entry = _command(yamcs, device, name, args)
            result.commands[name] = entry
            seq = _attr(entry, "ccsds-seqcount")
            ends = {(1, 7)} if name in COMPLETED else {(1, 2), (1, 4), (1, 8)}  # completed, or a failure report
            result.reports[name] = _until(f"the end report of {name}", lambda seq=seq, device=device, ends=ends: (
                ends & set(found := _reports_for(yamcs, device, seq)) and found))
        result.cop1 = yamcs.get(f"/api/cop1/{INSTANCE}/{TC_LINK}/status")
        result.events = _events(yamcs)
    finally:
        code, _, err = served.terminate()
        result.serve_stderr = err
    assert code == 0, err
    recording = read_buffer(directory / "session.pcapng")
    for i in range(len(recording)):
        raw = recording.packet(i)
        if raw[0] & 0x10:  # a telecommand, as the lander received it
            result.received[int.from_bytes(raw[2:4], "big") & 0x3FFF] = raw
    yield result


def test_the_endpoints_describe_bare_tm_frames_on_one_vc_and_randomized_cltus_up(session: Session) -> None:
    endpoints = session.endpoints
    assert endpoints["format"] == "frames"
    assert endpoints["randomized"] is False and endpoints["asm"] is None and endpoints["reed_solomon"] is None
    assert [vc["vcid"] for vc in endpoints["virtual_channels"]] == [0, 7]
    tc = endpoints["tc"]
    assert (tc["format"], tc["bch"], tc["randomized"]) == ("cltu", "BCH(63,56)", True)


def test_yamcs_uplinks_randomized_bch_cltus_that_farside_decodes(yamcs: Yamcs, session: Session) -> None:
    """Yamcs's TC link encodes CLTUs; farside's radio decoded every one (none rejected, no input skipped)."""
    link = yamcs.get(f"/api/links/{INSTANCE}/farside-tc")
    assert link["status"] == "OK" and int(link["dataOutCount"]) >= 2
    config = (yamcs.directory / f"etc/yamcs.{INSTANCE}.yaml").read_text()
    assert "cltuEncoding: BCH" in config and "randomizeCltu: true" in config
    uplink = re.search(r"up (\d+) TCs delivered in (\d+) CLTUs", session.serve_stderr)
    assert uplink, session.serve_stderr
    # each datagram: one CLTU, decoded
    assert int(uplink[1]) == len(COMMANDS) and int(uplink[2]) == int(link["dataOutCount"])


def test_yamcs_shows_the_housekeeping_values_farside_recorded(yamcs: Yamcs, session: Session) -> None:
    """Every housekeeping parameter Yamcs decoded equals farside's own decoding of the same packet."""
    decoded = subprocess.run([sys.executable, "-m", "hil.cli", "decode", str(session.directory / "session.pcapng"),
                              "--format", "jsonl"], capture_output=True, text=True, timeout=120, check=True)
    ours: dict[tuple[str, str], dict[int, Any]] = {}  # (device, parameter) → {TAI ms of generation: value}
    for line in decoded.stdout.splitlines():
        record = json.loads(line)
        if record.get("service") == 3 and record.get("subtype") == 25:
            for name, value in record["fields"].items():
                ours.setdefault((record["device"], name), {})[round(record["time"] * 1000)] = value
    compared = 0
    for (device, name), by_time in sorted(ours.items()):
        path = f"/api/archive/{INSTANCE}/parameters/{INSTANCE}/{item_name(device, name)}?limit=1000"
        # retried: Yamcs 5.12's retrieval replay sometimes ends before it is awaited (500 "has FAILED")
        samples = _until(f"GET {path}", lambda path=path: [yamcs.get(path)], timeout=15)[0].get("parameter", [])
        for sample in samples:
            at_ms = _tai_ms(sample["generationTime"])
            # Yamcs's CUC decoder rounds fine time up by one millisecond: (1000 × fine + 2¹⁶) >> 16
            match = [t for t in (at_ms - 1, at_ms) if t in by_time]
            assert match, f"{device}.{name} at {sample['generationTime']}: no packet of farside's at that time"
            ours_value, theirs = by_time[match[0]], _eng(sample["engValue"])
            if isinstance(ours_value, float):
                assert math.isclose(theirs, ours_value, rel_tol=1e-9, abs_tol=1e-12), f"{device}.{name}"
            else:
                assert theirs == ours_value, f"{device}.{name} at {sample['generationTime']}"
            compared += 1
    assert compared >= HK_PACKETS * 5 and len(ours) > 50


def _tai_ms(text: str) -> int:
    """Yamcs's UTC text to ms since 1958 TAI (farside's CUC time)."""
    utc_ns = datetime_to_utc_ns(datetime.fromisoformat(text.replace("Z", "+00:00")))
    return round(utc_to_tai_ns(utc_ns) * 1000 / NS_PER_S)


def _eng(value: dict[str, Any]) -> Any:
    return next(v for k, v in value.items() if k != "type")


def test_a_ping_and_a_sampler_function_commanded_from_yamcs_are_verified(session: Session) -> None:
    """Through COP-1 (type-AD frames, counted by FOP-1's V(S)), each command's reports reach Yamcs."""
    assert session.reports["ping"].get((1, 1)) == 1 and session.reports["ping"].get((1, 7)) == 1
    assert session.reports["load-cell-tare"].get((1, 1)) == 1 and session.reports["load-cell-tare"].get((1, 7)) == 1
    assert session.cop1["vS"] == len(COMMANDS) and session.cop1["nnR"] == len(COMMANDS)
    assert session.cop1["clcw"]["lockout"] is False
    assert f"{len(COMMANDS)} TCs delivered" in session.serve_stderr


@pytest.mark.parametrize(("device", "name", "args"), COMMANDS[2:], ids=[c[1] for c in COMMANDS[2:]])
def test_yamcs_sends_the_bytes_farside_tc_encodes(session: Session, device: str, name: str,
                                                  args: dict[str, Any]) -> None:
    """Each command from Yamcs reaches the lander as the packet `farside tc` builds from the same values.

    The calibrated arguments are the point: Yamcs applies an argument's calibrator from engineering value to raw
    count, so the XTCE must give the inverse of the telemetry calibration, rounded as farside rounds.
    """
    seq = _attr(session.commands[name], "ccsds-seqcount")
    encoded = subprocess.run([sys.executable, "-m", "hil.cli", "tc", device, name, "--seq", str(seq),
                              *(f"{k}={v}" for k, v in args.items())],
                             capture_output=True, text=True, timeout=60, check=True)
    assert session.received[seq].hex() == encoded.stdout.strip()


def test_the_sampler_carries_out_the_calibrated_commands_from_yamcs(session: Session) -> None:
    """No argument arrives out of range: the drill reaches its target and the arm stows (TM[1,7], no failure)."""
    for name in ("drill-start", "arm-stow"):
        assert session.reports[name].get((1, 1)) == 1 and session.reports[name].get((1, 7)) == 1, name
        assert not {(1, 2), (1, 4), (1, 6), (1, 8)} & set(session.reports[name]), name


def _sequence_warnings(events: list[dict[str, Any]]) -> list[str]:
    return [e["message"] for e in events if e.get("type") == "SEQ_COUNT_JUMP" or "Sequence count" in e["message"]]


def test_housekeeping_reaches_yamcs_with_no_sequence_count_jump(session: Session) -> None:
    assert _sequence_warnings(session.events_before_commands) == []
    assert [e["message"] for e in session.events_before_commands if e["severity"] not in ("INFO",)] == []


def test_commanding_keeps_every_apid_in_sequence(session: Session) -> None:
    assert _sequence_warnings(session.events) == []
