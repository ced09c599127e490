"""A tiny ``select`` loop that drives ports the way the real-time bench does, recording what they report."""

from __future__ import annotations

import os
import select
import socket
import time
from collections.abc import Callable

from hil.ports import DuplexPort
from hil.schemes import open_port

WAIT_S = 5.0
"""How long any wait may last: generous, since a shared 2-core machine can stall."""
STEP_S = 0.02


class Bench:
    """Opens ports, drives them from one select loop and keeps their octets, datagrams and on_change events."""

    def __init__(self) -> None:
        self.ports: list[DuplexPort] = []
        self.events: list[tuple[str, bool, str]] = []
        self.chunks: dict[str, list[bytes]] = {}

    def open(self, url: str, name: str = "port", retry_s: float = 0.05) -> DuplexPort:
        """Open a port through ``open_port``, retrying every ``retry_s`` while down."""
        port = open_port(url, name, self.on_change)
        port.retry_s = retry_s
        self.ports.append(port)
        self.chunks.setdefault(name, [])
        return port

    def on_change(self, name: str, up: bool, reason: str) -> None:
        """The on_change callback: record it."""
        self.events.append((name, up, reason))

    def transitions(self, name: str = "port") -> list[bool]:
        """The up/down states ``name`` reported, in order."""
        return [up for who, up, _ in self.events if who == name]

    def received(self, name: str = "port") -> bytes:
        """Everything ``name`` has returned from service() so far."""
        return b"".join(self.chunks[name])

    def step(self, wait_s: float = STEP_S) -> None:
        """Wait for readable ports (at most ``wait_s``), service them, then service every port (the periodic call)."""
        watched = {fd: port for port in self.ports if (fd := port.fileno()) is not None}
        ready = select.select(list(watched), [], [], wait_s)[0]
        for fd in ready:
            self._service(watched[fd])
        for port in self.ports:
            self._service(port)

    def until(self, condition: Callable[[], bool], timeout_s: float = WAIT_S) -> bool:
        """Drive the ports until ``condition()`` holds (True) or ``timeout_s`` passes (False)."""
        deadline = time.monotonic() + timeout_s
        while not condition():
            if time.monotonic() > deadline:
                return False
            self.step()
        return True

    def wait_bytes(self, name: str, count: int, timeout_s: float = WAIT_S) -> bytes:
        """Drive until ``name`` has received ``count`` octets in all; what it received."""
        self.until(lambda: len(self.received(name)) >= count, timeout_s)
        return self.received(name)

    def close(self) -> None:
        """Close every port."""
        for port in self.ports:
            port.close()

    def _service(self, port: DuplexPort) -> None:
        data = port.service()
        if data:
            self.chunks[port.name].append(data)


def read_fd(fd: int, count: int, timeout_s: float = WAIT_S) -> bytes:
    """Read from a raw fd until ``count`` octets arrived or ``timeout_s`` passed."""
    data = bytearray()
    deadline = time.monotonic() + timeout_s
    while len(data) < count:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            break
        chunk = os.read(fd, count - len(data))
        if not chunk:
            break
        data += chunk
    return bytes(data)


def recv_sock(sock: socket.socket, count: int, timeout_s: float = WAIT_S) -> bytes:
    """Read from a stream socket until ``count`` octets arrived, it closed, or ``timeout_s`` passed."""
    data = bytearray()
    deadline = time.monotonic() + timeout_s
    while len(data) < count:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([sock], [], [], left)[0]:
            break
        chunk = sock.recv(count - len(data))
        if not chunk:
            break
        data += chunk
    return bytes(data)


def closed_by_peer(sock: socket.socket, timeout_s: float = WAIT_S) -> bool:
    """True once the other end closed ``sock`` (end of stream or reset) within ``timeout_s``."""
    if not select.select([sock], [], [], timeout_s)[0]:
        return False
    try:
        return sock.recv(1) == b""
    except ConnectionError:
        return True


def fill(port: DuplexPort, size: int = 4096, limit: int = 100_000) -> list[bytes]:
    """Write distinct ``size``-octet blocks until the port refuses one; the blocks it accepted (nobody reads)."""
    accepted = []
    for index in range(limit):
        block = bytes([index % 251]) * size
        if not port.write(block):
            return accepted
        accepted.append(block)
    raise AssertionError(f"{port} accepted {limit} writes nobody read")
