"""``tcp://HOST:PORT[?listen]`` and ``udp://HOST:PORT[?listen|?bind=HOST:PORT][&any_sender]``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from hil.ports.base import DuplexPort, OnChange
from hil.schemes.base import Role, Url
from hil.schemes.grammar import address, bad_url, flag, host_port, is_unspecified, no_more, options, split
from hil.transports.base import Transport


@dataclass(frozen=True)
class TcpUrl(Url):
    """A TCP listener (one client at a time) or a dialer; a dialer is also a replay target."""

    form: ClassVar[str] = "tcp://HOST:PORT (or tcp://HOST:PORT?listen, tcp://:PORT?listen)"
    what: ClassVar[str] = "a TCP connection"
    roles: ClassVar[frozenset[Role]] = frozenset({Role.PORT, Role.TARGET})

    host: str = ""
    port: int = 0
    listen: bool = False

    @classmethod
    def from_url(cls, url: str) -> Self:
        """``tcp://HOST:PORT`` dials; ``?listen`` listens (loopback when no host; port 0 picks one)."""
        parts = split(url)
        items = options(url, parts.query, cls.form)
        listen = flag(url, items, "listen", cls.form)
        no_more(url, items, "tcp:// takes only ?listen", cls.form)
        host, port = host_port(url, parts, listen, cls.form)
        return cls(url, host, port, listen)

    def open_port(self, name: str, on_change: OnChange | None = None) -> DuplexPort:
        """Listen, or start dialling."""
        from hil.ports.tcp import TcpConnectPort, TcpListenPort

        kind = TcpListenPort if self.listen else TcpConnectPort
        return kind(self.text, name, on_change, host=self.host, port=self.port)

    def open_target(self) -> Transport:
        """Connect now and stream (a listening URL waits for a peer, which replay does not)."""
        if self.listen:
            raise bad_url(self.text, "replay sends to a peer that is there now: tcp://HOST:PORT, not ?listen",
                          self.form)
        from hil.transports.sockets import TcpTransport

        return TcpTransport(self.host, self.port, self.text)


@dataclass(frozen=True)
class UdpUrl(Url):
    """Datagrams to a peer (also a replay target), or, listening, to whoever sent the last one."""

    form: ClassVar[str] = ("udp://HOST:PORT (or udp://HOST:PORT?bind=HOST:PORT), udp://HOST:PORT?listen "
                           "(either with ?any_sender)")
    what: ClassVar[str] = "a UDP socket"
    roles: ClassVar[frozenset[Role]] = frozenset({Role.PORT, Role.TARGET})
    keeps_boundaries: ClassVar[bool] = True

    host: str = ""
    port: int = 0
    listen: bool = False
    bind: tuple[str, int] | None = None
    any_sender: bool = False
    """Take datagrams from any host, not just the peer's."""

    @classmethod
    def from_url(cls, url: str) -> Self:
        """``udp://HOST:PORT`` sends there; ``?listen`` replies to the last sender; ``?bind`` fixes the source."""
        parts = split(url)
        items = options(url, parts.query, cls.form)
        listen = flag(url, items, "listen", cls.form)
        any_sender = flag(url, items, "any_sender", cls.form)
        bind = address(url, items.pop("bind"), cls.form) if "bind" in items else None
        no_more(url, items, "udp:// takes only ?listen or ?bind=HOST:PORT, and ?any_sender", cls.form)
        if listen and bind is not None:
            raise bad_url(url, "a listening udp:// port binds HOST:PORT itself and takes no ?bind", cls.form)
        host, port = host_port(url, parts, listen, cls.form)
        if not listen and is_unspecified(host):
            raise bad_url(url, f"{host} names no machine to send to; give the peer's address "
                               f"(udp://{'[::]' if ':' in host else host}:{port}?listen listens on every interface)",
                          cls.form)
        return cls(url, host, port, listen, bind, any_sender)

    def open_port(self, name: str, on_change: OnChange | None = None) -> DuplexPort:
        """Bind the socket."""
        from hil.ports.udp import UdpPort

        return UdpPort(self.text, name, on_change, host=self.host, port=self.port, listen=self.listen,
                       bind=self.bind, any_sender=self.any_sender)

    def open_target(self) -> Transport:
        """One datagram per packet to HOST:PORT (a listening URL waits for a peer, which replay does not)."""
        if self.listen:
            raise bad_url(self.text, "replay sends to a peer that is there now: udp://HOST:PORT, not ?listen",
                          self.form)
        from hil.transports.sockets import UdpTransport

        return UdpTransport(self.host, self.port, self.text, self.bind)
