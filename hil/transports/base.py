"""What every transport offers: send octets, close; and a wrapper that frames each packet first."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, runtime_checkable

from protocols.framing import Framer


@runtime_checkable
class Transport(Protocol):
    """A byte sink named by a URL: ``send`` writes one unit (a datagram, or octets on a stream)."""

    url: str

    def send(self, octets: bytes) -> None:
        """Write ``octets``; TransportError when they cannot be written."""

    def close(self) -> None:
        """Release the underlying resource; closing twice is harmless."""


class TransportBase:
    """Context-manager plumbing shared by the concrete transports."""

    url: str = ""

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> TransportBase:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"


class FramedTransport(TransportBase):
    """Frames every packet (ASM, COBS…) before handing it to the transport underneath."""

    def __init__(self, inner: Transport, framer: Framer, framing: str) -> None:
        self.inner = inner
        self.framer = framer
        self.framing = framing
        self.url = inner.url

    def send(self, octets: bytes) -> None:
        """Frame one packet and send the frame."""
        self.inner.send(self.framer.frame(octets))

    def close(self) -> None:
        """Close the transport underneath."""
        self.inner.close()
