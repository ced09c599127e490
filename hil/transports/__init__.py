"""One-way transports ``farside replay --to`` sends packets to, each with ``send`` and ``close``.

Which one a URL names is the URL table's business (``hil.schemes.open_transport``); this package holds the
transports themselves and the framing wrapped around each packet.
"""

from __future__ import annotations

from hil.errors import TransportError
from hil.transports.base import FramedTransport, Transport, TransportBase
from hil.transports.files import FileTransport
from hil.transports.serialport import SerialTransport
from hil.transports.sockets import TcpTransport, UdpTransport
from protocols.errors import FramingError
from protocols.framing import STREAM_FRAMINGS, Framer, make_framing

FRAMING_NAMES = ("none", *STREAM_FRAMINGS)
"""Every value ``framing`` accepts (``none`` sends each packet as it is: one per datagram on UDP, as ``raw`` does)."""


def framer_for(framing: str) -> Framer | None:
    """The framer that wraps each packet in ``framing`` (None for ``none``); TransportError for an unknown one."""
    if framing not in FRAMING_NAMES:
        raise TransportError(f"unknown framing {framing!r}; expected one of {', '.join(FRAMING_NAMES)}")
    if framing == "none":
        return None
    try:
        return make_framing(framing)[0]
    except FramingError as exc:
        raise TransportError(f"framing {framing!r}: {exc}") from None


__all__ = [
    "FRAMING_NAMES",
    "FileTransport",
    "FramedTransport",
    "SerialTransport",
    "TcpTransport",
    "Transport",
    "TransportBase",
    "TransportError",
    "UdpTransport",
    "framer_for",
]
