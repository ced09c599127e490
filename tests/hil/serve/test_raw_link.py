"""A device link in ``raw`` framing: one packet per UDP datagram, refused on byte streams, bad datagrams counted."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from firmware_sim.errors import ConfigurationError
from firmware_sim.scenario import parse_scenario
from hil.errors import TransportError
from hil.schemes import check_framing
from hil.serve.session import ServeSession
from protocols.pus import PusTc, PusTm

SAMPLER_APID = 0x110


def bench(node: str, framing: str = "raw") -> str:
    """A bench whose sampler model is exposed to a real flight computer on ``node`` in ``framing``."""
    return (f'[scenario]\nname = "raw"\n[bench.nodes]\nfsw = "pty://"\n[bench.expose]\nsampler = "{node}"\n'
            f'[bench.links.sampler]\nframing = "{framing}"\n')


@pytest.mark.parametrize("url", ["pty://", "tcp://127.0.0.1:7000?listen", "tcp://127.0.0.1:7000", "/dev/ttyUSB0",
                                 "socket://127.0.0.1:7000", "emu://sampler"])
def test_raw_framing_is_refused_on_a_byte_stream(url: str) -> None:
    with pytest.raises(TransportError, match=r"one packet per datagram.*byte stream"):
        check_framing(url, "raw")
    check_framing(url, "cobs")  # stream framings go anywhere


def test_a_bench_with_raw_framing_on_a_pty_names_the_link() -> None:
    with pytest.raises(ConfigurationError, match=r"bench.links.sampler: framing 'raw' .* 'pty://'"):
        ServeSession(parse_scenario(bench("pty://")))


@pytest.mark.parametrize("url", ["udp://127.0.0.1:7000", "udp://:0?listen", "replay://x.pcapng"])
def test_raw_framing_is_taken_on_datagrams(url: str) -> None:
    check_framing(url, "raw")


def ping(seq: int) -> bytes:
    """TC[17,1] to the sampler."""
    return PusTc(SAMPLER_APID, 17, 1, b"", seq, 1, 0xF).pack()


def test_each_datagram_is_one_packet_and_a_bad_one_is_dropped_and_counted() -> None:
    session = ServeSession(parse_scenario(bench("udp://127.0.0.1:0?listen")), speed=10.0)
    host, port = session.open()["sampler"].rsplit(":", 1)
    runner = threading.Thread(target=session.serve, kwargs={"seconds": 300}, daemon=True)
    runner.start()
    replies: list[bytes] = []
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as fsw:
            fsw.settimeout(10)
            fsw.sendto(ping(0) + ping(1), (host, int(port)))  # two packets in one datagram: not raw
            fsw.sendto(ping(2)[:-1], (host, int(port)))  # cut short
            fsw.sendto(ping(3), (host, int(port)))
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not any(p[7:9] == bytes([1, 7]) for p in replies):
                replies.append(fsw.recv(65535))
    finally:
        session.stop()
        runner.join(10)
        session.close()
    tm = [PusTm.unpack(datagram) for datagram in replies]  # every datagram is one whole packet with a good CRC
    answers = [(t.service, t.subtype, t.app_data[:4]) for t in tm if t.service in (1, 17)]
    refused = [(1, 2, ping(0)[:4]), (1, 2, ping(2)[:4])]  # each bad datagram's TC refused: its header was readable
    assert answers == [*refused, (1, 1, ping(3)[:4]), (1, 3, ping(3)[:4]), (17, 2, b""), (1, 7, ping(3)[:4])]
    port = session.bench.external["sampler"].boundary
    assert port.deframer.stats.length_errors == 2
    assert port.errors == 2
    assert port.external.packets_from_outside == 1
