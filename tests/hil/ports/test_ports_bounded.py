"""Port buffers are bounded: a peer that never reads costs at most one write, and what a leaving peer never got
is counted as lost, not silently forgotten."""

from __future__ import annotations

import os
import select
import socket
import sys
from collections.abc import Iterator

import pytest
from ports_driver import Bench, fill

from hil.ports import DuplexPort
from hil.ports.base import MAX_READ


@pytest.fixture
def sockets() -> Iterator[list[socket.socket]]:
    """Sockets closed after the test."""
    made: list[socket.socket] = []
    yield made
    for sock in made:
        sock.close()


def address_of(endpoint: str) -> tuple[str, int]:
    host, _, port = endpoint.rpartition(":")
    return host, int(port)


def assert_every_octet_accounted(port: DuplexPort, accepted: list[bytes], refused: int) -> None:
    """Every octet a write took either left (``octets_out``) or is counted lost; refused writes are counted too."""
    stats = port.stats
    taken = sum(map(len, accepted))
    assert stats.octets_out + stats.octets_discarded == taken
    assert stats.writes_dropped == refused + stats.octets_discarded
    assert stats.octets_discarded < len(accepted[-1]) + 1, "at most the tail of one write is held"


def test_a_tcp_client_that_leaves_without_reading_leaves_only_counted_losses(bench: Bench,
                                                                             sockets: list[socket.socket]) -> None:
    port = bench.open("tcp://:0?listen")
    client = socket.socket()
    sockets.append(client)
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    client.connect(address_of(port.endpoint))
    assert bench.until(lambda: port.up)
    accepted = fill(port, size=65536)
    refused = 65536
    for _ in range(100):  # a peer that never reads: every further write is refused, nothing piles up
        assert not port.write(bytes(65536))
        refused += 65536
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    client.close()  # a reset: what the port still held can never be sent
    assert bench.until(lambda: not port.up)
    assert_every_octet_accounted(port, accepted, refused)


def test_a_pty_reader_that_leaves_without_reading_leaves_only_counted_losses(bench: Bench) -> None:
    port = bench.open("pty://")
    reader = os.open(port.endpoint, os.O_RDWR | os.O_NOCTTY)
    try:
        assert bench.until(lambda: port.up)
        accepted = fill(port, size=1000)
    finally:
        os.close(reader)
    assert bench.until(lambda: not port.up)
    assert_every_octet_accounted(port, accepted, 1000)


def test_a_serial_queue_closed_unsent_is_counted_lost(bench: Bench) -> None:
    port = bench.open("loop://")
    accepted = fill(port)
    port.close()
    assert port.stats.octets_discarded <= sum(map(len, accepted))
    assert port.stats.octets_out + port.stats.octets_discarded == sum(map(len, accepted))
    assert port.stats.writes_dropped == 4096 + port.stats.octets_discarded


def test_a_flood_is_read_in_bounded_slices(bench: Bench) -> None:
    port = bench.open("pty://")
    writer = os.open(port.endpoint, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    try:
        assert bench.until(lambda: port.up)
        written = 0
        while written < 3 * MAX_READ:
            try:
                written += os.write(writer, bytes(65536))
            except BlockingIOError:
                bench.step(0)
        assert bench.until(lambda: len(bench.received()) == written)
        assert max(map(len, bench.chunks["port"])) <= MAX_READ
    finally:
        os.close(writer)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the OS reports receive-buffer drops on Linux")
def test_datagrams_the_os_dropped_for_want_of_room_are_counted(bench: Bench) -> None:
    port = bench.open("udp://:0?listen", name="ground")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as ground:
        ground.bind(("127.0.0.1", 0))
        sent = 0
        for _ in range(3000):  # nobody services the port meanwhile: its OS buffer overflows
            ground.sendto(bytes(1000), address_of(port.endpoint))
            sent += 1
        assert bench.until(lambda: bench.received("ground") and not select_readable(port))
        ground.sendto(b"!", address_of(port.endpoint))
        sent += 1
        assert bench.until(lambda: bench.received("ground").endswith(b"!"))
    assert port.stats.overflows > 0 and len(bench.chunks["ground"]) + port.stats.overflows == sent


def select_readable(port: DuplexPort) -> bool:
    """A datagram is waiting on the port's socket."""
    return bool(select.select([port.fileno()], [], [], 0)[0])
