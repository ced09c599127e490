"""Duplex, non-blocking, self-reconnecting byte ports for a ``selectors`` loop; ``hil.schemes.open_port(url, name)``
opens the one a URL names.

Kinds: a pseudo-terminal farside creates (``PtyPort``), a TCP listener or dialer (``TcpListenPort``,
``TcpConnectPort``), a UDP socket (``UdpPort``) and a pyserial port (``SerialPort``: a device path or a pyserial URL).

Shared rules: every port starts down and reports each transition through ``on_change`` (coming up while being
opened included; ``close()`` is not reported). A ``write()`` while down, or one the OS cannot take now, is dropped
whole and counted; on a stream a partial OS write keeps its tail and sends it before anything newer, so the
stream never loses octets mid-write (a tail the peer never takes is counted in ``octets_discarded``). A pty is
down until a reader opens its slave; a TCP listener turns a second client away; a UDP port takes datagrams from
its peer's host only; pyserial ports without a usable fd get one from a two-thread Pump with a bounded queue.
Nothing binds beyond loopback unless the URL names a host; ``exposure`` then says how other machines reach it.
The port modules are imported by the URL table when first needed (``pty`` needs termios, which Windows lacks).
"""

from __future__ import annotations

from hil.errors import TransportError
from hil.ports.base import DuplexPort, OnChange, PortBase, PortCounters

__all__ = [
    "DuplexPort",
    "OnChange",
    "PortBase",
    "PortCounters",
    "TransportError",
]
