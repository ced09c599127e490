"""``udp://HOST:PORT`` (send there, from the local address routed to HOST or ``?bind=``) and ``udp://HOST:PORT?listen``
(reply to the last sender). One ``write()`` is one datagram and one ``service()`` returns at most one, so
boundaries survive.

Only the ground is heard: a sending port takes datagrams from HOST alone, a listening port from the host of its first
datagram; anything else is dropped and counted in ``stats.refused`` (``?any_sender`` takes every host).
"""

from __future__ import annotations

import contextlib
import socket
import struct
import sys

from hil.ports.base import OnChange, PortBase
from hil.ports.net import Address, bound_socket, exposure, format_address, host_of, is_loopback, resolve, route_source

MAX_DATAGRAM = 65535
STRANGERS_PER_SERVICE = 64
"""Refused datagrams one ``service()`` reads past, looking for one to return (the rest wait for the next call)."""
SO_RXQ_OVFL = getattr(socket, "SO_RXQ_OVFL", 40 if sys.platform.startswith("linux") else None)
"""Linux: each datagram carries how many the kernel dropped so far because the receive buffer was full."""
_OVERFLOW_SPACE = socket.CMSG_SPACE(4) if hasattr(socket, "CMSG_SPACE") else 0


def _counts_overflows(sock: socket.socket) -> bool:
    """Ask the OS to report receive-buffer drops with each datagram; False where it cannot."""
    if SO_RXQ_OVFL is None or not _OVERFLOW_SPACE:
        return False
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, SO_RXQ_OVFL, 1)
        return True
    return False


def _local_for(family: socket.AddressFamily, destination: Address, url: str) -> Address:
    """Loopback for a loopback destination (nothing else can reach it), else the address routed to it; any port."""
    if is_loopback(destination):
        return ("::1" if family == socket.AF_INET6 else "127.0.0.1"), 0
    return route_source(family, destination, url)


class UdpPort(PortBase):
    """Datagrams to a fixed peer (always up), or, listening, to whoever sent the last one (up after the first)."""

    kind = "udp"

    def __init__(self, url: str, name: str, on_change: OnChange | None = None, *, host: str, port: int,
                 listen: bool = False, bind: tuple[str, int] | None = None, any_sender: bool = False) -> None:
        super().__init__(url, name, on_change)
        self.listen = listen
        self.any_sender = any_sender
        self.peer: Address | None = None
        self.ground_host = ""
        """The only host datagrams are taken from ("" until a listening port's first datagram, or ?any_sender)."""
        if listen:
            family, local = resolve(host, port, socket.SOCK_DGRAM, url)
        else:
            family, self.peer = resolve(host, port, socket.SOCK_DGRAM, url)
            self.ground_host = host_of(self.peer)
            local = resolve(*bind, socket.SOCK_DGRAM, url)[1] if bind else _local_for(family, self.peer, url)
        self._sock: socket.socket | None = bound_socket(family, socket.SOCK_DGRAM, local, url)
        self._overflows_reported = _counts_overflows(self._sock)
        bound = self._sock.getsockname()
        self.endpoint = format_address(bound)
        reach = exposure("takes datagrams on", bound)
        if reach:
            heard = "any host" if self.any_sender else self.ground_host or "the first sender's host"
            self.exposure = f"{reach} (from {heard})"
        if self.peer is None:
            self.reason = f"listening on {self.endpoint}, waiting for a first datagram"
        else:
            self._went_up(f"sending to {format_address(self.peer)} from {self.endpoint}")

    def fileno(self) -> int | None:
        """The socket, always (until closed)."""
        return self._sock.fileno() if self._sock is not None else None

    def service(self) -> bytes:
        """One waiting datagram from the ground (b"" if none); a listening port answers its sender from now on."""
        if self._sock is None:
            return b""
        for _ in range(STRANGERS_PER_SERVICE):
            try:
                data, sender = self._receive(self._sock)
            except OSError:
                return b""
            if self._hears(sender):
                break
            self.stats.refused += 1
        else:
            return b""
        self.stats.octets_in += len(data)
        if self.listen and sender != self.peer:
            self.peer = sender
            if self.up:
                self.reason = f"replying to {format_address(sender)}"
            else:
                self._went_up(f"first datagram from {format_address(sender)}")
        return data

    def _receive(self, sock: socket.socket) -> tuple[bytes, Address]:
        """One datagram and its sender; notes the OS's count of datagrams it dropped for want of room."""
        if not self._overflows_reported:
            return sock.recvfrom(MAX_DATAGRAM)
        data, ancillary, _, sender = sock.recvmsg(MAX_DATAGRAM, _OVERFLOW_SPACE)
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == SO_RXQ_OVFL and len(payload) >= 4:
                self.stats.overflows = struct.unpack("=I", payload[:4])[0]
        return data, sender

    def _hears(self, sender: Address) -> bool:
        """Whether a datagram from ``sender`` is the ground's; a listening port's first sender names the ground."""
        if self.any_sender:
            return True
        if not self.ground_host:
            self.ground_host = host_of(sender)
        return host_of(sender) == self.ground_host

    def write(self, octets: bytes) -> bool:
        """Send ``octets`` as one datagram; False (counted) before a listening port has a peer or when the OS balks."""
        if self._sock is None or self.peer is None:
            return self._drop(len(octets))
        try:
            sent = self._sock.sendto(octets, self.peer)
        except OSError:
            return self._drop(len(octets))
        self.stats.octets_out += sent
        return True

    def _release(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
