"""Real tshark over farside files: recordings with no preference, the shipped Lua dissector, CADU and CLTU captures."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from hil.cadufile import detect_coding
from hil.cli import main
from hil.packetfile import read_packet_file
from hil.records import PacketFile
from hil.wireshark.plugin import plugin_path
from protocols.spacelink import CaduCodec
from protocols.spacelink.cltu import CltuDecoder, encode_cltu
from protocols.spacelink.randomizer import tc_randomize
from protocols.spacelink.tc_frame import TcFrame
from protocols.spacelink.tm_frame import TmFrameHeader
from protocols.spacelink.tm_framer import FrameCounter, TmFramer

SHORT = (Path(__file__).parents[1] / "recording" / "short.toml").read_text()
"""A short two-phase scenario, shared with the other recording tests."""
ISS_HEADER_END = 16
"""Wireshark's ccsds dissector reads a 10-octet ISS secondary header: shorter packets end in an exception there."""
CLCW = 0x01000005


@pytest.fixture(scope="session")
def tshark() -> str:
    """tshark, installed with apt-get when missing; the test fails when that cannot be done."""
    found = shutil.which("tshark")
    if found:
        return found
    if os.geteuid() != 0:
        pytest.fail("tshark missing and apt-get needs root: run `make test` as root or install tshark")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "tshark"]):
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False, timeout=900)
        if done.returncode != 0:
            pytest.fail(f"`{' '.join(command)}` failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    found = shutil.which("tshark")
    if not found:
        pytest.fail("apt-get ran but tshark is still missing")
    return found


@pytest.fixture(scope="session")
def clean_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A HOME with no Wireshark preferences and no personal plugins: what "no preference" means."""
    return tmp_path_factory.mktemp("home")


def run_tshark(tshark: str, home: Path, *args: str) -> list[str]:
    """tshark's output lines for ``args``, run with ``home`` as HOME; fails the test on a non-zero exit."""
    done = subprocess.run([tshark, *args], capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "HOME": str(home)})
    assert done.returncode == 0, f"tshark {' '.join(args)} exited {done.returncode}: {done.stderr[-2000:]}"
    return done.stdout.splitlines()


def fields(tshark: str, home: Path, path: Path, names: list[str], *extra: str) -> list[list[str]]:
    """One row per frame: the values of ``names`` (tshark -T fields, multiple values comma-separated)."""
    args = [*extra, "-r", str(path), "-T", "fields", "-E", "separator=|", *[a for n in names for a in ("-e", n)]]
    return [line.split("|") for line in run_tshark(tshark, home, *args)]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, PacketFile, dict]:
    """A ten-minute run recorded with ``farside run --record``, farside's reading of it and the run's summary."""
    tmp = tmp_path_factory.mktemp("wireshark")
    scenario, record = tmp / "short.toml", tmp / "short.pcapng"
    scenario.write_text(SHORT)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["run", str(scenario), "--quiet", "--json", "--record", str(record)]) == 0
    read = read_packet_file(record)
    assert not read.problems and len(read.phases) == 2
    return record, read, json.loads(buffer.getvalue())


def test_tshark_shows_space_packet_headers_with_no_preference(tshark: str, clean_home: Path,
                                                              recorded: tuple[Path, PacketFile, dict]) -> None:
    record, read, _ = recorded
    rows = fields(tshark, clean_home, record, ["ccsds.apid", "ccsds.seqnum", "ccsds.length", "frame.interface_name"])
    expected = [[str((r.packet[0] & 7) << 8 | r.packet[1]), str((r.packet[2] & 0x3F) << 8 | r.packet[3]),
                 str(len(r.packet) - 7), r.link] for r in read.records]
    assert rows == expected
    tree = "\n".join(run_tshark(tshark, clean_home, "-r", str(record), "-V", "-c", "3"))
    assert "CCSDS" in tree and "APID: 272" in tree and "Sequence Number: 1" in tree
    assert "Protocol Name: ccsds" in tree and "Wireshark Upper PDU export" in tree


def test_the_phases_interface_shows_no_packet_and_nothing_on_it_is_malformed(
        tshark: str, clean_home: Path, recorded: tuple[Path, PacketFile, dict]) -> None:
    record, read, _ = recorded
    for extra in ((), ("-X", f"lua_script:{plugin_path()}")):
        names = run_tshark(tshark, clean_home, *extra, "-r", str(record), "-T", "fields",
                           "-e", "frame.interface_name")
        assert len(names) == len(read.records) and "farside.phases" not in names
        malformed = fields(tshark, clean_home, record, ["frame.interface_name", "ccsds.length"], *extra,
                           "-Y", "_ws.malformed")
        assert all(name != "farside.phases" and int(length) + 7 < ISS_HEADER_END for name, length in malformed)
    stats = run_tshark(tshark, clean_home, "-r", str(record), "-q", "-z", "io,phs")
    assert any("ccsds" in line for line in stats) and not any(line.split()[0] == "data" for line in stats if line)


def test_timestamps_are_utc_of_mission_time(tshark: str, clean_home: Path,
                                            recorded: tuple[Path, PacketFile, dict]) -> None:
    record, read, _ = recorded
    start = datetime.fromisoformat(str(read.header["start_utc"]).replace("Z", "+00:00"))
    epochs = [row[0] for row in fields(tshark, clean_home, record, ["frame.time_epoch"])]
    for row, r in list(zip(epochs, read.records, strict=True))[::500]:
        whole, fraction = row.split(".")
        assert int(whole) * 10**9 + int(fraction.ljust(9, "0")) == int(start.timestamp()) * 10**9 + (r.time_ns or 0)
    first = run_tshark(tshark, clean_home, "-r", str(record), "-t", "ud", "-c", "1")[0]
    assert "2024-06-01 22:23:01.000000000" in first


def test_the_lua_dissector_finds_the_pus_fields_farside_reads(tshark: str, clean_home: Path,
                                                              recorded: tuple[Path, PacketFile, dict],
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    record, read, _ = recorded
    rows = fields(tshark, clean_home, record, ["farside.pus.service", "farside.pus.subtype",
                                               "farside.pus.msg_counter", "farside.pus.crc_good",
                                               "farside.pus.destination", "farside.pus.cuc_coarse",
                                               "farside.pus.cuc_fine"],
                  "-X", f"lua_script:{plugin_path()}")
    capsys.readouterr()
    assert main(["inspect", "--file", str(record), "--json"]) == 0
    views = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == len(views) == len(read.records)
    ours = Counter((str(v["service"]), str(v["subtype"])) for v in views)
    theirs = Counter((row[0], row[1]) for row in rows)
    assert theirs == ours and ("17", "1") in theirs and ("3", "25") in theirs
    tm = [(row, view) for row, view in zip(rows, views, strict=True) if view["type"] == "TM"]
    assert [(row[2], row[4]) for row, _ in tm] == [(str(v["header"]["msg_counter"]), str(v["header"]["dest_id"]))
                                                   for _, v in tm]
    assert all(int(row[5]) + int(row[6]) / 65536 == view["time"] for row, view in tm)
    assert {row[3] for row in rows} == {"1"} and len(tm) < len(rows)


def _tm_packets(read: PacketFile) -> list[bytes]:
    return [r.packet for r in read.records if r.link == "relay" and not r.packet[0] & 0x10][:400]


@pytest.mark.parametrize(("randomize", "interleave"), [(True, None), (False, None), (True, 5)])
def test_a_cadu_capture_shows_the_frame_counters_farside_reads(
        tshark: str, clean_home: Path, recorded: tuple[Path, PacketFile, dict], tmp_path: Path,
        randomize: bool, interleave: int | None) -> None:
    _, read, _ = recorded
    length = 1115 if interleave is None else 223 * interleave
    counter = FrameCounter()
    framers = [TmFramer(91, vcid, length, ocf=lambda: CLCW, mc_counter=counter) for vcid in (0, 1)]
    frames = [f for p in _tm_packets(read) for f in framers[(p[1] >> 4) & 1].push(p)]
    frames += framers[0].flush() + framers[1].flush()
    codec = CaduCodec(length, randomize=randomize, rs_interleave=interleave)
    cadus = tmp_path / "down.cadu"
    cadus.write_bytes(b"".join(codec.encode(f) for f in frames))
    capture = tmp_path / "down.pcapng"
    assert main(["wireshark", "--capture", str(cadus), "-o", str(capture)]) == 0

    found = detect_coding(cadus.read_bytes()[4:codec.cadu_length])
    assert found is not None
    expected = []
    for start in range(0, len(frames) * codec.cadu_length, codec.cadu_length):
        frame = found.decode_body(cadus.read_bytes()[start + 4:start + codec.cadu_length]).frame
        assert frame is not None
        header = TmFrameHeader.unpack(frame)
        expected.append([str(header.vcid), str(header.mc_count), str(header.vc_count), "1", str(CLCW & 0xFF)])
    rows = fields(tshark, clean_home, capture, ["farside.tm.vcid", "farside.tm.mc_count", "farside.tm.vc_count",
                                                "farside.tm.fecf_good", "farside.clcw.report"],
                  "-X", f"lua_script:{plugin_path()}")
    assert rows == expected and {r[0] for r in rows} == {"0", "1"}
    found = fields(tshark, clean_home, capture, ["ccsds.apid", "ccsds.seqnum", "farside.pus.service"],
                   "-X", f"lua_script:{plugin_path()}")
    packets = _tm_packets(read)
    seen = Counter(ids for row in found if row[0] for ids in zip(row[0].split(","), row[1].split(","), strict=True))
    assert seen == Counter((str((p[0] & 7) << 8 | p[1]), str((p[2] & 0x3F) << 8 | p[3])) for p in packets)
    assert Counter(v for row in found for v in row[2].split(",") if v) == Counter(str(p[7]) for p in packets)
    straddling = sum(1 for row in run_tshark(tshark, clean_home, "-X", f"lua_script:{plugin_path()}", "-r",
                                             str(capture), "-V") if "reassembled" in row)
    assert straddling > 0  # every packet once, those that run over a frame's end reassembled


def test_a_cltu_capture_shows_the_tc_frames_inside(tshark: str, clean_home: Path,
                                                   recorded: tuple[Path, PacketFile, dict], tmp_path: Path) -> None:
    _, read, _ = recorded
    commands = [r.packet for r in read.records if r.packet[0] & 0x10]
    sent = [TcFrame.ad(91, 0, index, packet).pack() for index, packet in enumerate(commands)]
    sent.append(TcFrame.unlock(91, 0).pack())
    cltus = tmp_path / "up.cltu"
    cltus.write_bytes(b"".join(encode_cltu(f, randomize=i % 2 == 1) for i, f in enumerate(sent)))
    capture = tmp_path / "up.pcapng"
    assert main(["wireshark", "--capture", str(cltus), "-o", str(capture)]) == 0
    rows = fields(tshark, clean_home, capture, ["farside.cltu.randomized", "farside.cltu.bad_codeblocks",
                                                "farside.tc.seq", "farside.tc.control", "farside.tc.fecf_good",
                                                "farside.pus.service", "farside.pus.subtype"],
                  "-X", f"lua_script:{plugin_path()}")
    decoded = CltuDecoder().feed(cltus.read_bytes())
    expected = []
    for index, result in enumerate(decoded):
        data = tc_randomize(result.data) if index % 2 else result.data
        frame = TcFrame.unpack(data, trailing_ok=True, segment_header=True)
        pus = [str(frame.data[7]), str(frame.data[8])] if not frame.control else ["", ""]
        expected.append([str(index % 2), "0", str(frame.seq), str(int(frame.control)), "1", *pus])
    assert rows == expected and len(rows) == len(sent)


def test_install_puts_the_plugin_where_wireshark_loads_it(tshark: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert main(["wireshark", "--path"]) == 0
    assert Path(capsys.readouterr().out.strip()) == plugin_path() and plugin_path().is_file()
    assert main(["wireshark", "--install"]) == 0
    installed = tmp_path / ".local" / "lib" / "wireshark" / "plugins" / "farside.lua"
    assert capsys.readouterr().out.strip() == f"installed {installed}"
    assert installed.read_bytes() == plugin_path().read_bytes()
    assert any("farside.lua" in line for line in run_tshark(tshark, tmp_path, "-G", "plugins"))
    assert any(line.split("\t")[2:3] == ["farside.pus.service"]
               for line in run_tshark(tshark, tmp_path, "-G", "fields"))


def test_the_installed_plugin_and_the_same_file_given_by_hand_load_without_an_error(
        tshark: str, tmp_path: Path, recorded: tuple[Path, PacketFile, dict], monkeypatch: pytest.MonkeyPatch) -> None:
    """The third way of telemetry.md's block: installed, and given again with -X lua_script: — one copy dissects."""
    record, read, _ = recorded
    monkeypatch.setenv("HOME", str(tmp_path))
    assert main(["wireshark", "--install"]) == 0
    for extra in ((), ("-X", f"lua_script:{plugin_path()}")):
        done = subprocess.run([tshark, *extra, "-r", str(record), "-T", "fields", "-e", "farside.pus.service"],
                              capture_output=True, text=True, timeout=300, check=False,
                              env={**os.environ, "HOME": str(tmp_path)})
        assert done.returncode == 0 and "Lua" not in done.stderr, done.stderr
        services = done.stdout.splitlines()
        assert len(services) == len(read.records) and "17" in services and "" not in services


def test_wireshark_command_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["wireshark"]) == 2
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 4)
    assert main(["wireshark", "--capture", str(junk), "-o", str(tmp_path / "x.pcapng")]) == 2
    assert main(["wireshark", "--capture", str(junk)]) == 2
    err = capsys.readouterr().err
    assert err.count("farside: error:") == 3 and "neither a CADU file" in err
    assert main(["wireshark", "--capture", str(junk), "-o", str(junk)]) == 2
    assert "writing it would destroy it" in capsys.readouterr().err
    assert junk.read_bytes() == bytes(range(256)) * 4
