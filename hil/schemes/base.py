"""What a parsed URL is (``Url``): its scheme, its grammar, and the roles it can play (port, replay target, node)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Self

from hil.errors import TransportError

if TYPE_CHECKING:
    from hil.ports.base import DuplexPort, OnChange
    from hil.transports.base import Transport


class Role(enum.Enum):
    """Something a URL can be asked to be."""

    PORT = "a port"
    """A duplex port ``farside serve``/``run`` opens for a real node (``open_port``)."""
    TARGET = "a replay target"
    """Where ``farside replay --to`` sends packets (``open_target``)."""
    RECORDING = "a recording node"
    """A device the bench plays from a recording, in virtual time (``replay://``)."""


@dataclass(frozen=True)
class Url:
    """A URL of one scheme, parsed and checked by its class's ``from_url``; it opens what it names.

    A scheme's class sets ``scheme`` (its name in the table), ``form`` (its grammar, named in every error),
    ``what`` (what it names, in words), ``roles`` (what it can be) and overrides the opener of each role.
    Every port is also a bench node; a file is only a replay target; a recording is only a node.
    """

    scheme: ClassVar[str] = ""
    form: ClassVar[str] = ""
    what: ClassVar[str] = ""
    roles: ClassVar[frozenset[Role]] = frozenset()
    default_framing: ClassVar[str] = "none"
    """The framing ``replay --to`` wraps each packet in unless told otherwise."""
    keeps_boundaries: ClassVar[bool] = False
    """Each write reaches the peer as one read (datagrams): only such a port can carry ``raw`` device-link framing."""

    text: str
    """The URL as written (stripped)."""

    @classmethod
    def from_url(cls, url: str) -> Self:
        """Parse ``url`` (TransportError naming ``form`` when it is not one of this scheme's)."""
        raise NotImplementedError

    def open_port(self, name: str, on_change: OnChange | None = None) -> DuplexPort:
        """Open the duplex port this URL names; ``name`` labels it in ``on_change``."""
        raise TransportError(f"{self.text!r} names {self.what}, not {Role.PORT.value}")

    def open_target(self) -> Transport:
        """Open the one-way transport ``replay --to`` sends to."""
        raise TransportError(f"{self.text!r} names {self.what}, not {Role.TARGET.value}")
