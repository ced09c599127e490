"""tcp:// ports: a listener serving one client at a time, and a dialer that follows a restarting server."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from ports_driver import WAIT_S, Bench, closed_by_peer, fill, recv_sock

from hil.errors import TransportError
from hil.schemes import open_port

PAYLOAD = bytes(range(256)) * 16


@pytest.fixture
def sockets() -> Iterator[list[socket.socket]]:
    """Sockets a test makes, closed afterwards."""
    made: list[socket.socket] = []
    yield made
    for sock in made:
        sock.close()


def connect(address: tuple[str, int], sockets: list[socket.socket]) -> socket.socket:
    client = socket.create_connection(address, timeout=WAIT_S)
    sockets.append(client)
    return client


def server(sockets: list[socket.socket], port: int = 0, listen: bool = True) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    if listen:
        sock.listen()
    sock.settimeout(WAIT_S)
    sockets.append(sock)
    return sock


def address_of(endpoint: str) -> tuple[str, int]:
    host, _, port = endpoint.rpartition(":")
    return host, int(port)


def test_listen_on_port_0_shows_the_bound_port_and_follows_clients(bench: Bench, sockets: list[socket.socket]) -> None:
    port = bench.open("tcp://:0?listen", name="ground")
    host, number = address_of(port.endpoint)
    assert (port.kind, host, port.up) == ("tcp-listen", "127.0.0.1", False) and number > 0
    assert port.fileno() is not None, "the listening socket is watched while waiting"
    assert not port.write(b"too early") and port.stats.writes_dropped == 9

    first = connect((host, number), sockets)
    assert bench.until(lambda: port.up)
    assert port.write(PAYLOAD) and recv_sock(first, len(PAYLOAD)) == PAYLOAD
    first.sendall(b"hello from the first")
    assert bench.wait_bytes("ground", 20) == b"hello from the first"
    first.close()
    assert bench.until(lambda: not port.up)
    assert "left" in bench.events[-1][2]

    second = connect((host, number), sockets)
    assert bench.until(lambda: port.up)
    second.sendall(b"+second")
    assert bench.wait_bytes("ground", 27).endswith(b"+second")
    assert port.write(b"to the second") and recv_sock(second, 13) == b"to the second"
    assert bench.transitions("ground") == [True, False, True]
    assert (port.stats.connects, port.stats.disconnects) == (2, 1)


def test_listen_turns_a_second_client_away(bench: Bench, sockets: list[socket.socket]) -> None:
    port = bench.open("tcp://127.0.0.1:0?listen")
    first = connect(address_of(port.endpoint), sockets)
    assert bench.until(lambda: port.up)
    intruder = connect(address_of(port.endpoint), sockets)
    assert bench.until(lambda: port.stats.refused == 1)
    assert closed_by_peer(intruder)
    assert port.up and bench.transitions() == [True]
    assert port.write(b"still yours") and recv_sock(first, 11) == b"still yours"
    first.sendall(b"ok")
    assert bench.wait_bytes("port", 2) == b"ok"


def test_connect_follows_a_server_that_restarts(bench: Bench, sockets: list[socket.socket]) -> None:
    listener = server(sockets)
    number = listener.getsockname()[1]
    port = bench.open(f"tcp://127.0.0.1:{number}", name="relay")
    assert bench.until(lambda: port.up)
    assert (port.kind, port.endpoint) == ("tcp-connect", f"127.0.0.1:{number}")
    link, _ = listener.accept()
    sockets.append(link)
    assert port.write(b"ping") and recv_sock(link, 4) == b"ping"
    link.sendall(b"pong")
    assert bench.wait_bytes("relay", 4) == b"pong"

    link.close()
    listener.close()
    assert bench.until(lambda: not port.up)
    assert "closed the connection" in bench.events[-1][2]
    assert port.fileno() is None
    assert not port.write(b"lost") and port.stats.writes_dropped == 4

    listener = server(sockets, number)
    assert bench.until(lambda: port.up)
    link, _ = listener.accept()
    sockets.append(link)
    link.sendall(b"again")
    assert bench.wait_bytes("relay", 9) == b"pongagain"
    assert port.write(b"resumed") and recv_sock(link, 7) == b"resumed"
    assert bench.transitions("relay") == [True, False, True]


def test_connect_refused_at_start_is_retried_not_fatal(bench: Bench, sockets: list[socket.socket]) -> None:
    closed = server(sockets, listen=False)
    port = bench.open(f"tcp://127.0.0.1:{closed.getsockname()[1]}")
    bench.until(lambda: "refused" in port.reason, timeout_s=2.0)
    assert not port.up and "refused" in port.reason and port.fileno() is None
    assert not port.write(b"x") and port.stats.writes_dropped == 1
    closed.listen()
    assert bench.until(lambda: port.up)
    assert bench.transitions() == [True]


def test_connect_to_a_bad_host_name_is_fatal() -> None:
    with pytest.raises(TransportError, match=r"cannot resolve host 'no-such-host\.invalid'"):
        open_port("tcp://no-such-host.invalid:5000", "relay")


def test_a_client_that_never_reads_never_blocks_the_port(bench: Bench, sockets: list[socket.socket]) -> None:
    port = bench.open("tcp://:0?listen")
    client = socket.socket()
    sockets.append(client)
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    client.connect(address_of(port.endpoint))
    assert bench.until(lambda: port.up)
    started = time.monotonic()
    accepted = fill(port, size=16384)
    assert time.monotonic() - started < 2.0 and port.stats.writes_dropped == 16384
    expected = b"".join(accepted)
    got = bytearray()
    deadline = time.monotonic() + WAIT_S
    while len(got) < len(expected) and time.monotonic() < deadline:
        got += recv_sock(client, len(expected) - len(got), timeout_s=0.05)
        bench.step(0)
    assert bytes(got) == expected, "every accepted write arrives whole, in order"


def test_listening_on_a_port_in_use_is_an_error(sockets: list[socket.socket]) -> None:
    taken = server(sockets)
    with pytest.raises(TransportError, match="cannot bind"):
        open_port(f"tcp://127.0.0.1:{taken.getsockname()[1]}?listen", "ground")
