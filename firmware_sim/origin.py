"""Where a packet originates on the bench: the one place it is counted, though flight software forwards copies."""

from __future__ import annotations

from protocols.dictionary import Dictionary

FROM_FSW = "a>b"
"""A link direction: from flight software's end (port a) towards the device's (port b)."""


class PacketOrigin:
    """Tells the link and direction a packet originates on from those it was seen on.

    A packet originates on the link of the device its APID belongs to, travelling from its source: telemetry
    from the device, telecommands to it. Every other sighting is a copy (telemetry flight software forwards to
    the relay for downlink, a ground telecommand on its way up through the relay).
    """

    def __init__(self, dictionary: Dictionary) -> None:
        self.owner = {device.apid: device.name for device in dictionary.devices}
        """The device (and so the link) each APID belongs to."""

    def is_origin(self, link: str | None, direction: str | None, packet: bytes) -> bool:
        """True when ``packet`` seen on ``link`` going ``direction`` is where it originates."""
        if len(packet) < 2:
            return False
        apid = ((packet[0] & 0x07) << 8) | packet[1]
        is_tc = bool(packet[0] & 0x10)
        return self.owner.get(apid) == link and (direction == FROM_FSW) == is_tc

    @staticmethod
    def stream(packet: bytes) -> tuple[int, bool]:
        """The packet's stream: its APID and whether it is a telecommand."""
        return ((packet[0] & 0x07) << 8) | packet[1], bool(packet[0] & 0x10)
