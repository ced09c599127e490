"""Socket helpers the TCP and UDP ports share: resolve once at open, format addresses, tune streams."""

from __future__ import annotations

import contextlib
import ipaddress
import socket

from hil.errors import TransportError
from hil.ports.base import describe

Address = tuple  # (host, port) or (host, port, flowinfo, scope_id)

KEEPALIVE = {"TCP_KEEPIDLE": 5, "TCP_KEEPINTVL": 1, "TCP_KEEPCNT": 3}
"""A silent peer (cable pulled, board powered off) is declared gone after about 8 s without traffic."""


def resolve(host: str, port: int, kind: socket.SocketKind, url: str) -> tuple[socket.AddressFamily, Address]:
    """The family and address of HOST:PORT, resolved now (never later, inside the loop); TransportError if not."""
    try:
        family, _, _, _, address = socket.getaddrinfo(host, port, type=kind)[0]
    except (OSError, UnicodeError) as exc:
        raise TransportError(f"{url}: cannot resolve host {host!r}: {describe(exc)}") from None
    return family, address


def format_address(address: Address) -> str:
    """``127.0.0.1:5000`` or ``[::1]:5000``."""
    host, port = address[0], address[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def host_of(address: Address) -> str:
    """The host part of ``address``, an IPv4-mapped IPv6 address as plain IPv4, without a zone."""
    host = str(address[0]).split("%")[0]
    try:
        parsed = ipaddress.ip_address(host)
    except ValueError:
        return host
    mapped = getattr(parsed, "ipv4_mapped", None)
    return str(mapped or parsed)


def is_loopback(address: Address) -> bool:
    """Only this machine can reach ``address`` (127.0.0.0/8, ::1)."""
    try:
        return ipaddress.ip_address(host_of(address)).is_loopback
    except ValueError:
        return False


def exposure(verb: str, address: Address) -> str:
    """``listens on 0.0.0.0:4000`` when other machines can reach ``address``, else "" (loopback)."""
    return "" if is_loopback(address) else f"{verb} {format_address(address)}"


def route_source(family: socket.AddressFamily, destination: Address, url: str) -> Address:
    """The local address the OS sends from to reach ``destination`` (port 0: any free one); TransportError if none."""
    probe = socket.socket(family, socket.SOCK_DGRAM)
    try:
        probe.connect(destination)
        local = probe.getsockname()
    except OSError as exc:
        raise TransportError(f"{url}: no route to {format_address(destination)}: {describe(exc)}") from None
    finally:
        probe.close()
    return (local[0], 0, *local[2:])


def bound_socket(family: socket.AddressFamily, kind: socket.SocketKind, address: Address, url: str) -> socket.socket:
    """A non-blocking socket bound to ``address``; TransportError when it cannot be."""
    sock = socket.socket(family, kind)
    try:
        if kind == socket.SOCK_STREAM:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.setblocking(False)
    except OSError as exc:
        sock.close()
        raise TransportError(f"{url}: cannot bind {format_address(address)}: {describe(exc)}") from None
    return sock


def tune_stream(sock: socket.socket) -> None:
    """Non-blocking, no Nagle delay, keepalive probes where the OS has them."""
    sock.setblocking(False)
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        for option, value in KEEPALIVE.items():
            if hasattr(socket, option):
                sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, option), value)


def send_flags() -> int:
    """MSG_NOSIGNAL where it exists: a dead peer gives EPIPE, never SIGPIPE."""
    return getattr(socket, "MSG_NOSIGNAL", 0)
