"""One link to a real flight computer for several modelled devices, as on a shared RS-422/485 bus."""

from __future__ import annotations

from collections.abc import Mapping

from firmware_sim.engine.external import ExternalCounters, ExternalPort
from firmware_sim.engine.link import Port


def apid_of(header: bytes) -> int:
    """The APID of a space packet's primary header."""
    return ((header[0] & 0x07) << 8) | header[1]


class Bus:
    """The bench side of the flight computer's one link: TCs routed by APID, every device's TM merged onto it.

    Octets from the flight computer are deframed once (with the same framing, CRC check and partial-frame timeout as
    any link end); each packet goes to the link of the device whose APID it carries, as if it had come on a transport
    of that device's own. A packet for no device on the bus is counted (``unknown_apids``) and dropped. Frames from
    the devices go out on the one port whole, in the order their links deliver them.
    """

    def __init__(self, members: Mapping[str, ExternalPort], apids: Mapping[str, int], framing: str) -> None:
        self.members = dict(members)
        self.by_apid = {apids[name]: port for name, port in members.items()}
        self.external = ExternalCounters()
        self.unknown_apids = 0
        self.outlet = None
        self._reader = Port("fsw.bus", framing)
        self._reader.link = next(iter(members.values())).link  # its scheduler times out half-sent frames
        self._reader.handler = self._route
        self._reader.on_rejected = self._rejected
        for port in members.values():
            port.outlet = self._send_out

    def _send_out(self, frame: bytes) -> bool:
        return self.external.deliver(self.outlet, frame)

    def inject(self, octets: bytes) -> None:
        """Octets from the flight computer: deframe them and route every whole packet, now."""
        self._reader.receive(octets)

    def expire(self) -> None:
        """The flight computer went quiet or away mid-frame: drop the partial frame."""
        self._reader.expire()

    def _route(self, packet: bytes) -> None:
        self.external.take(self._deliver, packet)

    def _deliver(self, packet: bytes) -> None:
        port = self.by_apid.get(apid_of(packet))
        if port is None:
            self.unknown_apids += 1
            return
        port.external.take(port.send, packet)

    def _rejected(self, header: bytes, reason: str) -> None:
        """A refused packet whose header could be read: its device answers as for its own link (TM[1,2])."""
        port = self.by_apid.get(apid_of(header))
        if port is not None and port.on_rejected is not None:
            port.on_rejected(header, reason)

    @property
    def errors(self) -> int:
        """Stretches of bad input skipped, inputs that could not be handled, and packets for no device on the bus."""
        return self._reader.deframer.stats.ranges_skipped + self.external.input_errors + self.unknown_apids

    @property
    def figures(self) -> str:
        """`` unknown-apid 3`` once a packet for no device on the bus came ("" before)."""
        return f" unknown-apid {self.unknown_apids}" if self.unknown_apids else ""
