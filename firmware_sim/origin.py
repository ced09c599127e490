"""Where a packet originates on the bench: the one place it is counted, though flight software forwards copies."""

from __future__ import annotations

from protocols.dictionary import Dictionary

FROM_FSW = "a>b"
"""A link direction: from flight software's end (port a) towards the device's (port b)."""
FROM_DEVICE = "b>a"
"""A link direction: from the device's end (port b) towards flight software's (port a)."""
STREAM_BITS = 0x17
"""The first octet's bits that, with the second octet, name a packet's stream: the TC flag and the APID's top bits."""
TC_HEAD = 0x1000
"""The TC flag in a stream head (``stream_head``)."""


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
