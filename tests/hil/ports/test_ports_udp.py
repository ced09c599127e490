"""udp:// ports: datagrams to a fixed peer (always up), or, listening, replies to the last sender."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from ports_driver import WAIT_S, Bench

from hil.errors import TransportError
from hil.schemes import open_port


@pytest.fixture
def peer() -> Iterator[socket.socket]:
    """A UDP socket on 127.0.0.1 playing the ground station."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(WAIT_S)
    yield sock
    sock.close()


def address_of(endpoint: str) -> tuple[str, int]:
    host, _, port = endpoint.rpartition(":")
    return host, int(port)


def test_sends_datagrams_to_host_port_and_keeps_boundaries_both_ways(bench: Bench, peer: socket.socket) -> None:
    port = bench.open(f"udp://127.0.0.1:{peer.getsockname()[1]}", name="ground")
    assert (port.kind, port.up) == ("udp", True)
    assert bench.events == [("ground", True, f"sending to 127.0.0.1:{peer.getsockname()[1]} from {port.endpoint}")]
    assert address_of(port.endpoint)[0] == "127.0.0.1"
    assert port.write(b"one") and port.write(b"two")
    assert peer.recvfrom(100) == (b"one", address_of(port.endpoint))
    assert peer.recv(100) == b"two"
    peer.sendto(b"a", address_of(port.endpoint))
    peer.sendto(b"bc", address_of(port.endpoint))
    assert bench.until(lambda: len(bench.chunks["ground"]) == 2)
    assert bench.chunks["ground"] == [b"a", b"bc"], "one service() call, one datagram"
    assert (port.stats.octets_in, port.stats.octets_out) == (3, 6)


def test_bind_chooses_the_local_address(bench: Bench, peer: socket.socket) -> None:
    spare = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    spare.bind(("127.0.0.1", 0))
    local = spare.getsockname()[1]
    spare.close()
    port = bench.open(f"udp://127.0.0.1:{peer.getsockname()[1]}?bind=127.0.0.1:{local}")
    assert port.endpoint == f"127.0.0.1:{local}"
    assert port.write(b"from a chosen port")
    assert peer.recvfrom(100) == (b"from a chosen port", ("127.0.0.1", local))


def test_listen_waits_for_a_first_datagram_then_replies_to_the_last_sender(bench: Bench, peer: socket.socket) -> None:
    port = bench.open("udp://:0?listen", name="tm")
    assert (port.up, address_of(port.endpoint)[0]) == (False, "127.0.0.1")
    assert port.fileno() is not None
    assert not port.write(b"nobody yet") and port.stats.writes_dropped == 10
    peer.sendto(b"hello", address_of(port.endpoint))
    assert bench.until(lambda: port.up)
    assert bench.events == [("tm", True, f"first datagram from 127.0.0.1:{peer.getsockname()[1]}")]
    assert bench.received("tm") == b"hello"
    assert port.write(b"reply") and peer.recv(100) == b"reply"

    other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    other.settimeout(WAIT_S)
    try:
        other.sendto(b"me now", address_of(port.endpoint))
        assert bench.until(lambda: bench.received("tm") == b"hellome now")
        assert port.write(b"to the other") and other.recv(100) == b"to the other"
    finally:
        other.close()
    assert bench.transitions("tm") == [True]


def test_listen_on_a_port_in_use_and_bad_hosts_are_errors(peer: socket.socket) -> None:
    with pytest.raises(TransportError, match="cannot bind"):
        open_port(f"udp://127.0.0.1:{peer.getsockname()[1]}?listen", "tm")
    with pytest.raises(TransportError, match="cannot resolve host"):
        open_port("udp://no-such-host.invalid:5000", "tm")
