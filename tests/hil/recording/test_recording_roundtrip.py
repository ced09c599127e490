"""Recordings: run --record, read back, digest matches, export raw reads back; crash and corrupt files."""

import hashlib
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hil.cli import main
from hil.cli.export_cmd import export_command
from hil.errors import HilError
from hil.packetfile import read_packet_file
from hil.recording.reader import read_recording

SHORT = Path(__file__).with_name("short.toml").read_text()
"""A short two-phase scenario, shared with the other recording tests."""


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    import json

    tmp = tmp_path_factory.mktemp("rec")
    scenario = tmp / "short.toml"
    scenario.write_text(SHORT)
    record = tmp / "short.pcapng"
    out = tmp / "out.json"
    import contextlib
    import io
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["run", str(scenario), "--quiet", "--json", "--record", str(record)]) == 0
    out.write_text(buffer.getvalue())
    return record, json.loads(buffer.getvalue())


def test_recording_matches_the_run_digest(recorded: tuple[Path, dict]) -> None:
    record, summary = recorded
    packets = read_packet_file(record)
    assert packets.kind == "recording" and not packets.problems
    assert len(packets) == summary["packets_total"]
    digest = hashlib.sha256()
    for r in packets:
        digest.update(r.packet)
    assert digest.hexdigest() == summary["digest"]
    assert {r.link for r in packets} == {"sampler", "ascender", "relay"}
    assert {r.direction for r in packets} == {"a>b", "b>a"}
    for key in ("farside_version", "scenario", "seed", "start_utc", "config_sha256", "epoch_tai_ns"):
        assert key in packets.header
    assert packets.header["seed"] == 9


def test_recording_marks_the_phases_for_plots(recorded: tuple[Path, dict], tmp_path: Path) -> None:
    record, summary = recorded
    phases = read_packet_file(record).phases
    assert [name for name, _ in phases] == ["sampler checks", "ascender checks"]
    assert phases[0][1] == 60 * 10**9
    assert [p["name"] for p in summary["phases"]] == [name for name, _ in phases]
    out = tmp_path / "plot.png"
    assert main(["plot", str(record), "--param", "sampler.electronics_temp", "-o", str(out)]) == 0
    assert out.stat().st_size > 10_000


def test_export_raw_reads_back(recorded: tuple[Path, dict], tmp_path: Path) -> None:
    record, _ = recorded
    packets = read_packet_file(record)
    apid = ((packets.records[0].packet[0] & 7) << 8) | packets.records[0].packet[1]
    out = tmp_path / "x.raw"
    assert export_command.main([str(record), "--format", "raw", "--apid", str(apid), "--link", "sampler",
                                "-o", str(out)], standalone_mode=False) == 0
    expected = [r.packet for r in packets if r.link == "sampler"
                and ((r.packet[0] & 7) << 8 | r.packet[1]) == apid]
    back = read_packet_file(out)
    assert [r.packet for r in back] == expected and not back.problems


def test_export_of_garbage_fails_cleanly(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pcapng"
    bad.write_bytes(b"\x0a\x0d\x0d\x0a" + b"\xff" * 40)
    assert main(["export", str(bad)]) == 2


def test_kill_9_leaves_a_readable_recording(tmp_path: Path) -> None:
    record = tmp_path / "crash.pcapng"
    process = subprocess.Popen([sys.executable, "-m", "hil.cli", "run", "--quiet", "--record", str(record)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (not record.exists() or record.stat().st_size < 300_000):
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    packets = read_recording(record)
    assert len(packets) > 1000
    assert all(p.startswith("torn tail at offset") for p in packets.problems)


@pytest.fixture(scope="module")
def small(recorded: tuple[Path, dict]) -> bytes:
    return recorded[0].read_bytes()[:20_000]


@settings(max_examples=60, deadline=None)
@given(cut=st.integers(min_value=0, max_value=20_000), flips=st.lists(st.integers(0, 20_000 * 8 - 1), max_size=4))
def test_damaged_files_never_raise_anything_but_typed_errors(small: bytes, cut: int, flips: list[int]) -> None:
    data = bytearray(small)
    for bit in flips:
        data[bit // 8] ^= 1 << (bit % 8)
    data = data[:cut]
    try:
        packets = read_recording("damaged.pcapng", bytes(data))
    except HilError as exc:
        assert str(exc)
        return
    assert len(packets) >= 0


@pytest.mark.parametrize("data", [b"", b"\x0a\x0d\x0d\x0a", bytes(range(256)) * 4])
def test_empty_and_garbage(data: bytes) -> None:
    with pytest.raises(HilError):
        read_recording("x.pcapng", data)


def test_only_a_section_header(small: bytes) -> None:
    import struct
    total = struct.unpack_from("<I", small, 4)[0]
    packets = read_recording("x.pcapng", small[:total])
    assert len(packets) == 0 and not packets.problems and packets.header["seed"] == 9
