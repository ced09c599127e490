"""The ground node played by a real ground system: downlinked packets go out, telecommands come in."""

from __future__ import annotations

from firmware_sim.engine.external import ExternalCounters, Outlet
from firmware_sim.engine.scheduler import Scheduler
from firmware_sim.spacelink.ground import GroundStation
from protocols.framing import make_framing


class GroundGateway(GroundStation):
    """A ground station whose user is outside: every downlinked packet is framed and written to ``outlet``.

    Octets from outside are deframed; each telecommand in them is uplinked (held for the next pass while
    the radio has no lock), anything else is counted and dropped.
    """

    def __init__(self, scheduler: Scheduler, framing: str = "asm") -> None:
        super().__init__(scheduler, keep=1000)
        self.framing = framing
        self.framer, self.deframer = make_framing(framing, require_crc=True)
        self.outlet: Outlet | None = None
        self.external = ExternalCounters()
        self.not_telecommands = 0

    def receive_downlink(self, packet: bytes, sent_ns: int, arrival_ns: int) -> None:
        """Account for the packet like the built-in station, then pass it on to the outside."""
        super().receive_downlink(packet, sent_ns, arrival_ns)
        self.external.deliver(self.outlet, self.framer.frame(packet))

    def inject(self, octets: bytes) -> None:
        """Telecommands from the outside ground system: uplink each whole one."""
        self._uplink_all(self.deframer.feed(octets).packets)

    def expire(self) -> None:
        """The ground system went away mid-frame: drop its partial frame, uplink whatever followed it."""
        self._uplink_all(self.deframer.expire().packets)

    def _uplink_all(self, packets: list[bytes]) -> None:
        for packet in packets:
            if not packet[0] & 0x10:
                self.not_telecommands += 1
                continue
            self.external.take(self.uplink, packet)

    @property
    def errors(self) -> int:
        """Skipped input ranges and packets that were not telecommands."""
        return self.deframer.stats.ranges_skipped + self.not_telecommands + self.external.input_errors
