"""UDP (one packet per datagram) and TCP (a connected stream) sender transports."""

from __future__ import annotations

import contextlib
import socket

from hil.errors import TransportError
from hil.transports.base import TransportBase

CONNECT_TIMEOUT_S = 5.0


def _resolve(host: str, port: int, kind: socket.SocketKind, url: str) -> tuple[int, tuple]:
    try:
        family, _, _, _, address = socket.getaddrinfo(host, port, type=kind)[0]
    except (OSError, UnicodeError) as exc:
        raise TransportError(f"{url}: cannot resolve {host!r}: {exc}") from None
    return family, address


class UdpTransport(TransportBase):
    """Sends each packet as one UDP datagram to HOST:PORT (no connection, so no receiver is needed), from ``bind``."""

    def __init__(self, host: str, port: int, url: str, bind: tuple[str, int] | None = None) -> None:
        self.url = url
        family, self.address = _resolve(host, port, socket.SOCK_DGRAM, url)
        local = _resolve(*bind, socket.SOCK_DGRAM, url)[1] if bind else None
        sock = None
        try:
            sock = socket.socket(family, socket.SOCK_DGRAM)
            if local is not None:
                sock.bind(local)
        except OSError as exc:
            if sock is not None:
                sock.close()
            raise TransportError(f"{url}: cannot open a UDP socket: {exc.strerror or exc}") from None
        self.sock: socket.socket | None = sock

    def send(self, octets: bytes) -> None:
        """Send one datagram."""
        if self.sock is None:
            raise TransportError(f"{self.url}: transport is closed")
        try:
            self.sock.sendto(octets, self.address)
        except OSError as exc:
            raise TransportError(f"{self.url}: cannot send {len(octets)} octets: {exc.strerror or exc}") from None

    def close(self) -> None:
        """Close the socket."""
        if self.sock is not None:
            self.sock.close()
            self.sock = None


class TcpTransport(TransportBase):
    """Connects to HOST:PORT and writes the octets on the stream."""

    def __init__(self, host: str, port: int, url: str) -> None:
        self.url = url
        _resolve(host, port, socket.SOCK_STREAM, url)
        try:
            self.sock: socket.socket | None = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S)
        except OSError as exc:
            raise TransportError(f"{url}: cannot connect: {exc.strerror or exc}") from None
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def send(self, octets: bytes) -> None:
        """Write all of ``octets`` on the stream."""
        if self.sock is None:
            raise TransportError(f"{self.url}: transport is closed")
        try:
            self.sock.sendall(octets)
        except OSError as exc:
            raise TransportError(f"{self.url}: cannot send {len(octets)} octets: {exc.strerror or exc}") from None

    def close(self) -> None:
        """Shut the stream down and close the socket."""
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_WR)
            self.sock.close()
            self.sock = None
