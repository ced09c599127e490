"""One link for many devices: a flight computer on one TCP connection reaches every device behind it by APID."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from serial_fsw import ASM, AsmReader  # on sys.path by this folder's conftest

from firmware_sim.errors import ConfigurationError, ScenarioError
from firmware_sim.scenario import load_scenario, parse_scenario
from hil.serve.session import ServeSession
from protocols.crc import crc16
from protocols.dictionary import default_dictionary

DICTIONARY = default_dictionary()
APIDS = {device.name: device.apid for device in DICTIONARY.devices}
UNKNOWN_APID = 0x7F0
BUS_BENCH = ('[scenario]\nname = "bus"\n[bench.nodes]\nfsw = "tcp://127.0.0.1:0?listen"\n'
             '[bench.devices.relay]\nvisibility = "always"\n'
             '[bench.expose]\nsampler = "bus"\nascender = "bus"\nrelay = "{relay}"\n')


def ping(device: str, seq: int) -> bytes:
    """TC[17,1] to ``device``."""
    return DICTIONARY.device(device).telecommand("ping", {}, seq, 1, 0xF)


def with_apid(packet: bytes, apid: int) -> bytes:
    """``packet`` re-addressed to ``apid``, its CRC made good again."""
    body = bytes([(packet[0] & 0xF8) | (apid >> 8), apid & 0xFF]) + packet[2:-2]
    return body + crc16(body).to_bytes(2, "big")


class Peer:
    """A flight computer on the bus's one TCP connection: writes TCs, reads every TM with its APID and service."""

    def __init__(self, endpoint: str) -> None:
        host, port = endpoint.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        self.reader = AsmReader()
        self.packets: list[bytes] = []

    def send(self, *packets: bytes) -> None:
        """Frame and write packets back to back, as one write."""
        self.sock.sendall(b"".join(ASM + packet for packet in packets))

    def wait_for(self, service: tuple[int, int], wanted: int, timeout: float = 10.0) -> list[bytes]:
        """Read until ``wanted`` TM[service] have come (bounded); every packet so far."""
        deadline = time.monotonic() + timeout
        while sum(tuple(p[7:9]) == service for p in self.packets) < wanted and time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                self.packets += self.reader.feed(self.sock.recv(65536))
            except TimeoutError:
                break
        return self.packets

    def replies(self, service: tuple[int, int]) -> dict[str, int]:
        """How many TM[service] came from each device."""
        counts: dict[str, int] = {}
        for packet in self.packets:
            if tuple(packet[7:9]) == service:
                name = next(n for n, apid in APIDS.items() if apid == int.from_bytes(packet[:2], "big") & 0x7FF)
                counts[name] = counts.get(name, 0) + 1
        return counts


@pytest.fixture
def bus_session() -> Iterator[tuple[ServeSession, Peer]]:
    """A bench whose flight computer reaches every device over one TCP connection; serving on a thread."""
    session = ServeSession(parse_scenario(BUS_BENCH.format(relay="bus")), speed=1.0)
    endpoints = session.open()
    runner = threading.Thread(target=session.serve, kwargs={"seconds": 60}, daemon=True)
    runner.start()
    peer = Peer(endpoints["fsw"])
    try:
        yield session, peer
    finally:
        peer.sock.close()
        session.stop()
        runner.join(10)
        session.close()


def test_every_device_answers_over_the_one_link_and_unknown_apids_are_counted(bus_session) -> None:
    session, peer = bus_session
    assert list(session.ports) == ["fsw"]  # one port for three devices
    peer.send(ping("sampler", 0), ping("ascender", 0), ping("relay", 0), with_apid(ping("sampler", 1), UNKNOWN_APID),
              b"\x00garbage\x00", ping("sampler", 2))
    peer.wait_for((1, 7), 4)  # each TC's last report
    assert peer.replies((17, 2)) == {"sampler": 2, "ascender": 1, "relay": 1}
    assert peer.replies((1, 7)) == {"sampler": 2, "ascender": 1, "relay": 1}
    bus = session.boundaries["fsw"]
    assert bus.unknown_apids == 1
    assert bus.external.packets_from_outside == 5
    assert "unknown-apid 1" in status_of(session)


def test_a_corrupted_tc_on_the_bus_gets_its_device_s_failure_report(bus_session) -> None:
    _, peer = bus_session
    bad = bytearray(ping("ascender", 5))
    bad[-1] ^= 0xFF
    peer.send(bytes(bad), ping("ascender", 6))
    peer.wait_for((1, 7), 1)  # the good ping's last report, after the bad one's TM[1,2]
    assert peer.replies((1, 2)) == {"ascender": 1}
    assert peer.replies((17, 2)) == {"ascender": 1}


def test_the_tm_of_every_device_comes_whole_and_in_order_on_the_one_link(bus_session) -> None:
    _, peer = bus_session
    burst = [ping(device, seq) for seq in range(20) for device in ("sampler", "ascender", "relay")]
    peer.send(*burst)
    peer.wait_for((1, 7), 60, timeout=20)
    assert peer.reader.crc_errors == 0 and peer.reader.skipped == 0  # frames were never interleaved
    for device in ("sampler", "ascender", "relay"):
        answered = [int.from_bytes(p[21:23], "big") & 0x3FFF for p in peer.packets
                    if p[7:9] == bytes([1, 7]) and int.from_bytes(p[:2], "big") & 0x7FF == APIDS[device]]
        assert answered == list(range(20))


def test_unexposed_devices_get_no_port_and_drop_nothing() -> None:
    session = ServeSession(parse_scenario(BUS_BENCH.format(relay="none").replace('ascender = "bus"',
                                                                                  'ascender = "none"')), speed=1.0)
    endpoints = session.open()
    runner = threading.Thread(target=session.serve, kwargs={"seconds": 60}, daemon=True)
    runner.start()
    try:
        assert list(endpoints) == ["fsw"]
        peer = Peer(endpoints["fsw"])
        peer.send(ping("ascender", 0), ping("sampler", 0))
        peer.wait_for((1, 7), 1)
        peer.sock.close()
        assert peer.replies((17, 2)) == {"sampler": 1}
        assert session.boundaries["fsw"].unknown_apids == 1  # the ascender is not on this link
    finally:
        session.stop()
        runner.join(10)
        session.close()
    assert session.boundaries["fsw"].external.frames_dropped == 0
    assert all(end.boundary.external.frames_dropped == 0 for end in session.bench.external.values())


def status_of(session: ServeSession) -> str:
    """The status line as the terminal shows it."""
    from hil.serve.status import status_line

    return status_line(session)


@pytest.mark.parametrize(("bench", "line", "message"), [
    ('[bench.expose]\nsampler = "bus"\n', 5,
     "sampler = 'bus' says how sampler meets a real flight computer, but bench.nodes.fsw is 'model'"),
    ('[bench.nodes]\nfsw = "pty://"\nsampler = "/dev/ttyUSB0"\n[bench.expose]\nsampler = "none"\n', 8,
     "sampler is not modelled"),
    ('[bench.nodes]\nfsw = "pty://"\n[bench.links.ascender]\nframing = "cobs"\n'
     '[bench.expose]\nsampler = "bus"\nascender = "bus"\n', 10, "one bus has one framing"),
])
def test_a_bad_bus_is_refused_at_its_line(tmp_path: Path, bench: str, line: int, message: str) -> None:
    path = tmp_path / "bench.toml"
    path.write_text('[scenario]\nname = "x"\n\n' + bench)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value).startswith(f"{path}:{line}: [bench.expose]: ")
    assert message in str(info.value)


def test_devices_sharing_a_transport_without_a_bus_are_refused_with_the_way_out() -> None:
    scenario = parse_scenario('[scenario]\nname = "x"\n[bench.nodes]\nfsw = "tcp://127.0.0.1:7000?listen"\n'
                              '[bench.expose]\nsampler = "bus"\n')
    with pytest.raises(ConfigurationError, match=r'3 nodes use this transport.*DEVICE = "bus"'):
        ServeSession(scenario)
