"""Who can reach a port: loopback unless a host is named (then it says so), and a UDP port hears only its ground."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

import pytest
from ports_driver import WAIT_S, Bench

from hil.errors import TransportError
from hil.schemes import open_port, parse_url

STRANGER = "127.0.0.2"
"""Another loopback address: on Linux the whole of 127.0.0.0/8 reaches this machine, so it plays another host."""


def udp_socket(host: str = "127.0.0.1") -> socket.socket:
    """A UDP socket bound to ``host`` on a free port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((host, 0))
    sock.settimeout(WAIT_S)
    return sock


@pytest.fixture
def sockets() -> Iterator[list[socket.socket]]:
    """UDP sockets closed after the test: [ground on 127.0.0.1, stranger on 127.0.0.2]."""
    made = [udp_socket(), udp_socket(STRANGER)]
    yield made
    for sock in made:
        sock.close()


def address_of(endpoint: str) -> tuple[str, int]:
    host, _, port = endpoint.rpartition(":")
    return host, int(port)


def outside_address() -> str:
    """A non-loopback address of this machine (the test is skipped on a machine without one)."""
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_DGRAM)) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
        except OSError:
            pytest.skip("this machine has no route off loopback")
        host = probe.getsockname()[0]
    if host.startswith("127."):
        pytest.skip("this machine has no non-loopback address")
    return host


def test_any_sender_is_a_udp_option_and_nothing_else_takes_it() -> None:
    assert parse_url("udp://127.0.0.1:5000?any_sender").any_sender
    assert parse_url("udp://:5000?listen&any_sender").any_sender
    assert not parse_url("udp://127.0.0.1:5000").any_sender
    with pytest.raises(TransportError, match="any_sender takes no value"):
        parse_url("udp://127.0.0.1:5000?any_sender=no")
    with pytest.raises(TransportError, match=r"tcp:// takes only \?listen, not any_sender"):
        parse_url("tcp://127.0.0.1:5000?any_sender")


@pytest.mark.parametrize("url", ["udp://0.0.0.0:4000", "udp://[::]:4000"])
def test_sending_to_every_interface_is_refused_with_the_listening_form(url: str) -> None:
    with pytest.raises(TransportError, match=r"names no machine to send to.*\?listen listens on every interface"):
        open_port(url, "ground")


@pytest.mark.parametrize("url", ["tcp://:0?listen", "tcp://127.0.0.1:0?listen", "udp://:0?listen",
                                 "udp://127.0.0.1:9", "udp://127.0.0.1:9?bind=:0", "tcp://127.0.0.1:9", "pty://"])
def test_ports_without_a_named_outside_host_stay_on_loopback(url: str) -> None:
    port = open_port(url, "ground")
    try:
        assert port.exposure == ""
        if port.kind in ("tcp-listen", "udp"):
            assert address_of(port.endpoint)[0] == "127.0.0.1"
    finally:
        port.close()


def test_named_wildcard_hosts_say_other_machines_can_reach_them() -> None:
    listener = open_port("tcp://0.0.0.0:0?listen", "ground")
    datagrams = open_port("udp://0.0.0.0:0?listen", "ground")
    chosen = open_port("udp://127.0.0.1:9?bind=0.0.0.0:0", "ground")
    try:
        assert listener.exposure == f"listens on 0.0.0.0:{address_of(listener.endpoint)[1]}"
        assert datagrams.exposure == (f"takes datagrams on 0.0.0.0:{address_of(datagrams.endpoint)[1]} "
                                      "(from the first sender's host)")
        assert chosen.exposure == f"takes datagrams on {chosen.endpoint} (from 127.0.0.1)"
    finally:
        for port in (listener, datagrams, chosen):
            port.close()


def test_sending_off_loopback_binds_the_routed_address_not_every_interface() -> None:
    host = outside_address()
    port = open_port(f"udp://{host}:9", "ground")
    try:
        assert address_of(port.endpoint)[0] == host
        assert port.exposure == f"takes datagrams on {port.endpoint} (from {host})"
    finally:
        port.close()


def test_a_sending_port_hears_only_the_host_it_sends_to(bench: Bench, sockets: list[socket.socket]) -> None:
    ground, stranger = sockets
    port = bench.open(f"udp://127.0.0.1:{ground.getsockname()[1]}", name="ground")
    stranger.sendto(b"forged CLTU", address_of(port.endpoint))
    stranger.sendto(b"another", address_of(port.endpoint))
    ground.sendto(b"real CLTU", address_of(port.endpoint))
    assert bench.until(lambda: bench.received("ground") == b"real CLTU")
    assert port.stats.refused == 2 and port.stats.octets_in == len(b"real CLTU")
    assert port.write(b"CADU") and ground.recv(100) == b"CADU"


def test_a_listening_port_hears_only_the_host_of_its_first_sender(bench: Bench, sockets: list[socket.socket]) -> None:
    ground, stranger = sockets
    port = bench.open("udp://:0?listen", name="tm")
    ground.sendto(b"first", address_of(port.endpoint))
    assert bench.until(lambda: port.up)
    stranger.sendto(b"hijack", address_of(port.endpoint))
    assert bench.until(lambda: port.stats.refused == 1)
    assert port.write(b"still to the ground") and ground.recv(100) == b"still to the ground"
    restarted = udp_socket()  # the ground system restarted on the same host: a new port, still heard
    try:
        restarted.sendto(b"again", address_of(port.endpoint))
        assert bench.until(lambda: bench.received("tm") == b"firstagain")
        assert port.write(b"reply") and restarted.recv(100) == b"reply"
    finally:
        restarted.close()


@pytest.mark.parametrize("url", ["udp://127.0.0.1:{ground}?any_sender", "udp://:0?listen&any_sender"])
def test_any_sender_takes_every_host(bench: Bench, sockets: list[socket.socket], url: str) -> None:
    ground, stranger = sockets
    port = bench.open(url.format(ground=ground.getsockname()[1]), name="ground")
    ground.sendto(b"a", address_of(port.endpoint))
    assert bench.until(lambda: bench.received("ground") == b"a")
    stranger.sendto(b"b", address_of(port.endpoint))
    assert bench.until(lambda: bench.received("ground") == b"ab")
    assert port.stats.refused == 0
