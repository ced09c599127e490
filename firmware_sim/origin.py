"""Where a packet originates on the bench: the one place it is counted, though flight software forwards copies."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from protocols.dictionary import Dictionary

FROM_FSW = "a>b"
"""A link direction: from flight software's end (port a) towards the device's (port b)."""
FROM_DEVICE = "b>a"
"""A link direction: from the device's end (port b) towards flight software's (port a)."""
STREAM_BITS = 0x17
"""The first octet's bits that, with the second octet, name a packet's stream: the TC flag and the APID's top bits."""
TC_HEAD = 0x1000
"""The TC flag in a stream head (``stream_head``)."""
HEADS = (STREAM_BITS + 1) << 8
"""Stream heads are below this."""


def stream_head(packet: bytes) -> int:
    """The packet's stream as one number: its APID, plus TC_HEAD for a telecommand (``packet`` holds 2 octets)."""
    return ((packet[0] & STREAM_BITS) << 8) | packet[1]


class PacketOrigin:
    """Tells the link and direction a packet originates on from those it was seen on.

    A packet originates on the link of the device its APID belongs to, travelling from its source: telemetry
    from the device, telecommands to it. Every other sighting is a copy (telemetry flight software forwards to
    the relay for downlink, a ground telecommand on its way up through the relay).
    """

    def __init__(self, dictionary: Dictionary) -> None:
        self.owner = {device.apid: device.name for device in dictionary.devices}
        """The device (and so the link) each APID belongs to."""
        self.origin_by_head: dict[int, tuple[str, str]] = {}
        """The (link, direction) each stream originates on, by its stream head (the APID, plus TC_HEAD for TCs)."""
        for apid, device in self.owner.items():
            self.origin_by_head[apid] = (device, FROM_DEVICE)
            self.origin_by_head[TC_HEAD | apid] = (device, FROM_FSW)

    def is_origin(self, link: str | None, direction: str | None, packet: bytes) -> bool:
        """True when ``packet`` seen on ``link`` going ``direction`` (None: unknown, taken as from the device) is where
        it originates."""
        if len(packet) < 2:
            return False
        return self.origin_by_head.get(stream_head(packet)) == (link, direction or FROM_DEVICE)

    def once(self, first: np.ndarray, second: np.ndarray, link: np.ndarray, links: Sequence[str | None],
             direction: np.ndarray, directions: Sequence[str | None]) -> np.ndarray:
        """Which of a file's packets to count, as a mask: each where it originates, a copy only of a stream the file
        never holds at its origin (an APID no device owns, a space-link capture), every packet without a link.

        ``first`` and ``second`` are the packets' first two octets, ``link`` and ``direction`` codes into ``links``
        (None: no link) and ``directions`` (None: unknown, taken as from the device), as ``is_origin`` takes them.
        """
        heads = ((first.astype(np.int64) & STREAM_BITS) << 8) | second
        code = {name: k for k, name in enumerate(links) if name is not None}
        leg = {FROM_FSW: 1, FROM_DEVICE: 2}
        origin_link = np.full(HEADS, -1, dtype=np.int64)
        origin_leg = np.zeros(HEADS, dtype=np.int8)
        for head, (device, towards) in self.origin_by_head.items():
            origin_link[head], origin_leg[head] = code.get(device, -1), leg[towards]
        legs = np.array([leg.get(d or FROM_DEVICE, 0) for d in directions] or [0], dtype=np.int8)
        at_origin = (origin_link[heads] == link) & (origin_leg[heads] == legs[direction])
        held = np.zeros(HEADS, dtype=bool)
        held[heads[at_origin]] = True  # the streams the file holds where they originate
        no_link = np.array([name is None for name in links] or [False])
        return at_origin | no_link[link] | ~held[heads]
