"""``udp://HOST:PORT`` (send there, from 127.0.0.1:0 or ``?bind=``) and ``udp://HOST:PORT?listen`` (reply to the
last sender). One ``write()`` is one datagram and one ``service()`` returns at most one, so boundaries survive."""

from __future__ import annotations

import ipaddress
import socket

from hil.ports.base import OnChange, PortBase
from hil.ports.net import Address, bound_socket, format_address, resolve
from hil.ports.url import PortSpec

MAX_DATAGRAM = 65535


def _local_for(family: socket.AddressFamily, destination: Address) -> tuple[str, int]:
    """Loopback for a loopback destination (nothing else can reach it), else every interface; any free port."""
    loopback = ipaddress.ip_address(destination[0].split("%")[0]).is_loopback
    if family == socket.AF_INET6:
        return ("::1" if loopback else "::"), 0
    return ("127.0.0.1" if loopback else "0.0.0.0"), 0


class UdpPort(PortBase):
    """Datagrams to a fixed peer (always up), or, listening, to whoever sent the last one (up after the first)."""

    kind = "udp"

    def __init__(self, spec: PortSpec, url: str, name: str, on_change: OnChange | None = None) -> None:
        super().__init__(url, name, on_change)
        self.listen = spec.listen
        self.peer: Address | None = None
        if spec.listen:
            family, local = resolve(spec.host, spec.port, socket.SOCK_DGRAM, url)
        else:
            family, self.peer = resolve(spec.host, spec.port, socket.SOCK_DGRAM, url)
            local = resolve(*spec.bind, socket.SOCK_DGRAM, url)[1] if spec.bind else _local_for(family, self.peer)
        self._sock: socket.socket | None = bound_socket(family, socket.SOCK_DGRAM, local, url)
        self.endpoint = format_address(self._sock.getsockname())
        if self.peer is None:
            self.reason = f"listening on {self.endpoint}, waiting for a first datagram"
        else:
            self._went_up(f"sending to {format_address(self.peer)} from {self.endpoint}")

    def fileno(self) -> int | None:
        """The socket, always (until closed)."""
        return self._sock.fileno() if self._sock is not None else None

    def service(self) -> bytes:
        """One waiting datagram (b"" if none); a listening port answers its sender from now on."""
        if self._sock is None:
            return b""
        try:
            data, sender = self._sock.recvfrom(MAX_DATAGRAM)
        except OSError:
            return b""
        self.stats.octets_in += len(data)
        if self.listen and sender != self.peer:
            self.peer = sender
            if self.up:
                self.reason = f"replying to {format_address(sender)}"
            else:
                self._went_up(f"first datagram from {format_address(sender)}")
        return data

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
