"""Duplex, non-blocking, self-reconnecting byte ports by URL, for a ``selectors`` loop: ``open_port(url, name)``.

Kinds: ``pty://`` (a pseudo-terminal farside creates), ``tcp://HOST:PORT?listen``, ``tcp://HOST:PORT``,
``udp://HOST:PORT[?listen|?bind=HOST:PORT][&any_sender]`` and serial (a device path or any pyserial URL).

Shared rules: every port starts down and reports each transition through ``on_change`` (coming up while being
opened included; ``close()`` is not reported). A ``write()`` while down, or one the OS cannot take now, is dropped
whole and counted; on a stream a partial OS write keeps its tail and sends it before anything newer, so the
stream never loses octets mid-write (a tail the peer never takes is counted in ``octets_discarded``). A pty is
down until a reader opens its slave; a TCP listener turns a second client away; a UDP port takes datagrams from
its peer's host only; pyserial ports without a usable fd get one from a two-thread Pump with a bounded queue.
Nothing binds beyond loopback unless the URL names a host; ``exposure`` then says how other machines reach it.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from hil.errors import TransportError
from hil.ports.base import DuplexPort, OnChange, PortBase, PortCounters
from hil.ports.url import EXPECTED, PortSpec, parse_port_url

PORT_CLASSES = {
    "pty": "hil.ports.ptyport:PtyPort",
    "tcp-listen": "hil.ports.tcp:TcpListenPort",
    "tcp-connect": "hil.ports.tcp:TcpConnectPort",
    "udp": "hil.ports.udp:UdpPort",
    "serial": "hil.ports.serialport:SerialPort",
}
"""Where the class for each kind lives; imported on first use (``pty`` needs termios, which Windows lacks)."""


def port_class(kind: str) -> type[PortBase]:
    """The class that opens ports of ``kind``."""
    module, _, name = PORT_CLASSES[kind].partition(":")
    return getattr(import_module(module), name)


def open_port(url: str, name: str, on_change: Callable[[str, bool, str], None] | None = None) -> DuplexPort:
    """Parse ``url`` and open the port now (TransportError if it cannot be); ``name`` labels it in ``on_change``."""
    spec = parse_port_url(url)
    return port_class(spec.kind)(spec, url.strip(), name, on_change)


__all__ = [
    "EXPECTED",
    "PORT_CLASSES",
    "DuplexPort",
    "OnChange",
    "PortBase",
    "PortCounters",
    "PortSpec",
    "TransportError",
    "open_port",
    "parse_port_url",
    "port_class",
]
