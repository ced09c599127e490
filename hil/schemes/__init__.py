"""One URL grammar for every command: ``parse_url`` says what a URL names, ``open_port`` and ``open_transport`` open it.

A URL means the same everywhere (``serve``, ``run``, ``replay --to``, bench files, ``emu://``): its scheme picks
the class that owns its grammar (``hil.schemes.table``), and that class says what the URL can be — a duplex port
for a real node, a replay target, or a recording the bench plays. Asking a URL to be what it cannot be, or an
unknown scheme, is one TransportError listing the forms that would do.
"""

from __future__ import annotations

from hil.errors import TransportError
from hil.ports.base import DuplexPort, OnChange
from hil.schemes.base import Role, Url
from hil.schemes.table import GROUP, Scheme, SchemeTable, TransportPluginWarning, expected, scheme_table
from hil.transports import FramedTransport, Transport, framer_for
from protocols.framing import DATAGRAM_FRAMINGS


def parse_url(url: str) -> Url:
    """What ``url`` names, checked by its scheme's class (TransportError when it names nothing)."""
    return scheme_table().parse(url)


def _as(url: str, role: Role) -> Url:
    parsed = parse_url(url)
    if role not in parsed.roles:
        raise scheme_table().wrong_role(parsed, role)
    return parsed


def open_port(url: str, name: str, on_change: OnChange | None = None) -> DuplexPort:
    """Open the duplex port ``url`` names, now; ``name`` labels it in ``on_change`` (TransportError if it cannot)."""
    return _as(url, Role.PORT).open_port(name, on_change)


def check_framing(url: str, framing: str) -> None:
    """Refuse a device-link framing the port ``url`` names cannot carry: ``raw`` needs datagrams (TransportError)."""
    if framing not in DATAGRAM_FRAMINGS:
        return
    parsed = parse_url(url)
    if Role.PORT in parsed.roles and not parsed.keeps_boundaries:
        raise TransportError(f"framing {framing!r} sends one packet per datagram, but {parsed.text!r} names "
                             f"{parsed.what}, a byte stream that loses packet boundaries; use a udp:// URL, "
                             f"or framing \"asm\" or \"cobs\"")


def default_framing(url: str) -> str:
    """The framing ``open_transport`` wraps each packet in for ``url`` when not told otherwise."""
    return _as(url, Role.TARGET).default_framing


def open_transport(url: str, framing: str | None = None) -> Transport:
    """Open the replay target ``url`` names, framing each packet (``none``, ``asm``, ``cobs``; None: its default)."""
    target = _as(url, Role.TARGET)
    framer = framer_for(target.default_framing if framing is None else framing)
    transport = target.open_target()
    return transport if framer is None else FramedTransport(transport, framer, framing or target.default_framing)


__all__ = [
    "GROUP",
    "Role",
    "Scheme",
    "SchemeTable",
    "TransportPluginWarning",
    "Url",
    "check_framing",
    "default_framing",
    "expected",
    "open_port",
    "open_transport",
    "parse_url",
    "scheme_table",
]
