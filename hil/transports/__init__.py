"""Transports by URL: ``open_transport("udp://127.0.0.1:5000")`` and friends, each with ``send`` and ``close``."""

from __future__ import annotations

from pathlib import Path

from hil.errors import TransportError
from hil.transports.base import FramedTransport, Transport, TransportBase
from hil.transports.files import FileTransport
from hil.transports.serialport import SerialTransport
from hil.transports.sockets import TcpTransport, UdpTransport
from hil.transports.url import EXPECTED, Target, parse_url
from protocols.errors import FramingError
from protocols.framing import FRAMINGS, make_framing

FRAMING_NAMES = ("none", *sorted(FRAMINGS))
"""Every value ``framing`` accepts."""

DEFAULT_FRAMING = {"udp": "none", "tcp": "none", "file": "none", "serial": "asm", "device": "asm"}
"""Framing used when none is asked for: packets as they are on sockets and files, ASM on serial links."""


def _open(target: Target, url: str) -> Transport:
    if target.kind == "udp":
        return UdpTransport(target.host, target.port, url)
    if target.kind == "tcp":
        return TcpTransport(target.host, target.port, url)
    if target.kind == "file":
        return FileTransport(Path(target.path), url)
    return SerialTransport(target.path, device=target.kind == "device")


def default_framing(url: str) -> str:
    """The framing ``open_transport`` applies to ``url`` when not told otherwise."""
    return DEFAULT_FRAMING[parse_url(url).kind]


def open_transport(url: str, framing: str | None = None) -> Transport:
    """Open the transport ``url`` names, framing each packet (``none``, ``asm``, ``cobs``; None: its default)."""
    target = parse_url(url)
    framing = DEFAULT_FRAMING[target.kind] if framing is None else framing
    if framing not in FRAMING_NAMES:
        raise TransportError(f"unknown framing {framing!r}; expected one of {', '.join(FRAMING_NAMES)}")
    framer = None
    if framing != "none":
        try:
            framer, _ = make_framing(framing)
        except FramingError as exc:
            raise TransportError(f"framing {framing!r}: {exc}") from None
    transport = _open(target, url)
    return transport if framer is None else FramedTransport(transport, framer, framing)


__all__ = [
    "DEFAULT_FRAMING",
    "EXPECTED",
    "FRAMING_NAMES",
    "FileTransport",
    "FramedTransport",
    "SerialTransport",
    "TcpTransport",
    "Transport",
    "TransportBase",
    "TransportError",
    "UdpTransport",
    "default_framing",
    "open_transport",
    "parse_url",
]
