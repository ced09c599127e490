"""Which nodes are real is configuration: a ground system on TCP, `farside run` on a real board, bad benches."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time

import pytest
from serial_fsw import AsmReader
from test_board_in_place import board, pings  # noqa: F401 - the fixture is shared

from firmware_sim.errors import ConfigurationError, ScenarioError
from firmware_sim.scenario import parse_scenario
from hil.cli import main
from hil.errors import TransportError
from hil.recording.reader import read_recording
from hil.serve.session import ServeSession
from protocols.pus import PusTc

ASM = bytes.fromhex("1ACFFC1D")
SAMPLER_APID = 0x110


def test_a_packet_level_ground_system_on_tcp_commands_the_sampler_through_the_relay() -> None:
    scenario = parse_scenario('[scenario]\nname = "ground"\n[bench.nodes]\nground = "tcp://127.0.0.1:0?listen"\n'
                              '[bench.devices.relay]\nvisibility = "always"\nspace_link = "packets"\n')
    session = ServeSession(scenario, speed=10.0)
    host, port = session.open()["ground"].rsplit(":", 1)
    runner = threading.Thread(target=session.serve, kwargs={"seconds": 120}, daemon=True)
    runner.start()
    reader, seen = AsmReader(), []
    try:
        with socket.create_connection((host, int(port)), timeout=10) as ground:
            ping = PusTc(SAMPLER_APID, 17, 1, b"", 0, 1, 0xF).pack()
            ground.sendall(ASM + ping)  # held at the ground until the relay has lock, then uplinked
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not any(p[7:9] == bytes([1, 7]) and p[19:23] == ping[:4]
                                                          for p in seen):
                seen += reader.feed(ground.recv(65536))
    finally:
        session.stop()
        runner.join(10)
        session.close()
    replies = [p for p in seen if int.from_bytes(p[:2], "big") & 0x7FF == SAMPLER_APID]
    assert any(p[7:9] == bytes([17, 2]) for p in replies)
    assert any(p[7:9] == bytes([1, 7]) and p[19:23] == ping[:4] for p in replies)
    assert session.bench.external["ground"].boundary.external.packets_from_outside == 1


def test_farside_run_on_a_bench_with_a_real_board_runs_in_real_time(board, tmp_path) -> None:  # noqa: F811
    link, _ = board()
    bench = tmp_path / "bench.toml"
    bench.write_text(f'[scenario]\nname = "with-board"\nduration = "2s"\n[bench.nodes]\nsampler = "{link}"\n'
                     + pings(2, "0.2s"))
    started = time.monotonic()
    recording = tmp_path / "with-board.pcapng"
    done = subprocess.run([sys.executable, "-m", "hil.cli", "run", str(bench), "--quiet", "--record", str(recording)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started >= 2.0  # two virtual seconds took two wall seconds
    assert "sampler" in done.stderr and link in done.stderr
    board_replies = [r for r in read_recording(recording).records if r.link == "sampler" and r.direction == "b>a"]
    assert sum(r.packet[7:9] == bytes([17, 2]) for r in board_replies) == 2


def test_one_tcp_port_cannot_carry_three_devices() -> None:
    scenario = parse_scenario('[scenario]\nname = "x"\n[bench.nodes]\nfsw = "tcp://127.0.0.1:7000?listen"\n')
    with pytest.raises(ConfigurationError, match=r"3 nodes use this transport.*\[bench.expose\]"):
        ServeSession(scenario)


def test_a_timeline_needs_the_stand_in() -> None:
    scenario = parse_scenario('[scenario]\nname = "x"\n[bench.nodes]\nfsw = "pty://"\n[[timeline]]\nat = "T+1s"\n'
                              'device = "sampler"\ncommand = "ping"\n')
    with pytest.raises(ConfigurationError, match="real flight computer"):
        ServeSession(scenario)


def test_unknown_nodes_are_refused_with_the_known_ones() -> None:
    with pytest.raises(ScenarioError, match=r"unknown node 'toaster'.*sampler, ascender, relay, fsw, ground"):
        parse_scenario('[scenario]\nname = "x"\n[bench.nodes]\ntoaster = "pty://"\n')


def test_a_bad_url_names_the_node_and_the_expected_forms() -> None:
    scenario = parse_scenario('[scenario]\nname = "x"\n[bench.nodes]\nsampler = "tcp://nowhere"\n')
    session = ServeSession(scenario)
    with pytest.raises(TransportError, match=r"cannot open sampler \(tcp://nowhere\): bad URL 'tcp://nowhere': "
                                             r"needs a port; expected tcp://HOST:PORT"):
        session.open()


def test_a_timeline_is_refused_on_the_flight_computer_serve_supplies() -> None:
    scenario = parse_scenario('[scenario]\nname = "x"\n[[timeline]]\nat = "T+1s"\ndevice = "sampler"\n'
                              'command = "ping"\n')
    with pytest.raises(ConfigurationError, match=r'real flight computer \(serve\'s default.*fsw = "pty://".*'
                                                 r'farside run'):
        ServeSession(scenario)


def test_serve_reports_each_expectation_as_run_does(tmp_path, capsys) -> None:
    bench = tmp_path / "expect.toml"
    bench.write_text('[scenario]\nname = "expect"\n[[expect]]\nname = "warm"\n'
                     'condition = "sampler.electronics_temp > -100"\n[[expect]]\nname = "molten"\n'
                     'condition = "sampler.electronics_temp > 1000"\n')
    assert main(["serve", str(bench), "--speed", "50", "--duration", "30", "--quiet", "--wake-latency", "off"]) == 1
    err = capsys.readouterr().err
    assert "expectations: 1/2 passed" in err
    assert "  PASS  warm at T+00:00:30" in err
    assert "  FAIL  molten at T+00:00:30  — sampler.electronics_temp = " in err


def test_an_endpoints_file_that_cannot_be_written_stops_serve_before_it_starts(tmp_path, capsys) -> None:
    missing = tmp_path / "no" / "such" / "endpoints.json"
    assert main(["serve", "--endpoints", str(missing), "--duration", "1", "--wake-latency", "off"]) == 2
    out, err = capsys.readouterr()
    assert err == f"farside: error: cannot write {missing}: No such file or directory\n"
    assert out == ""
