"""The whole emulated lander on one virtual clock: flight-software stand-in, device links, device models."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import numpy as np

from firmware_sim.devices.base import DeviceModel
from firmware_sim.devices.relay import RelayRadioModel
from firmware_sim.engine.clock import Clock
from firmware_sim.engine.external import ExternalEnd, ExternalPort
from firmware_sim.engine.link import Link, Port
from firmware_sim.engine.pacing import Pacing
from firmware_sim.engine.scheduler import Scheduler
from firmware_sim.errors import ConfigurationError
from firmware_sim.fsw.standin import FlightSoftware
from firmware_sim.fsw.telemetry import TelemetryStore
from firmware_sim.origin import TC_HEAD, PacketOrigin, stream_head
from firmware_sim.scenario.loader import UNEXPOSED
from firmware_sim.scenario.model import BenchSettings, LinkSettings
from firmware_sim.spacelink.frames_link import FramesLink
from firmware_sim.spacelink.gateway import FrameGroundGateway
from firmware_sim.spacelink.ground import GroundStation
from firmware_sim.spacelink.ground_node import FrameGroundNode
from firmware_sim.spacelink.packet_gateway import GroundGateway
from firmware_sim.spacelink.propagation import PropagationLink, SpaceLink
from protocols.dictionary import Dictionary, default_dictionary
from protocols.dictionary.registry import default_members
from protocols.errors import ProtocolError
from protocols.timecode import datetime_to_utc_ns, utc_to_tai_ns

DEFAULT_EPOCH_UTC = "2024-06-01T22:23:00Z"
"""Chang'e-6 touchdown on the far side."""

ModelClass = Callable[..., DeviceModel]


class PacketDigest:
    """SHA-256 over every packet put on any link, in order, and the count of packets per APID."""

    def __init__(self, dictionary: Dictionary) -> None:
        self._hash = hashlib.sha256()
        self.per_apid: dict[int, int] = {}
        self.total = 0
        self._origin_by_head = PacketOrigin(dictionary).origin_by_head

    def tap(self, time_ns: int, link: str, direction: str, packet: bytes) -> None:
        """Link tap: hash every packet; count each once where it originates.

        That is on the link of the device its APID belongs to, in the direction it travels from its source:
        telemetry from the device, telecommands to it (not the copies flight software forwards for downlink).
        """
        self._hash.update(packet)
        self.total += 1
        if len(packet) >= 2:  # ``PacketOrigin.is_origin`` for a link, whose direction is never None
            head = stream_head(packet)
            if self._origin_by_head.get(head) == (link, direction):
                apid = head & ~TC_HEAD
                self.per_apid[apid] = self.per_apid.get(apid, 0) + 1

    def hexdigest(self) -> str:
        """The digest so far."""
        return self._hash.hexdigest()


def epoch_tai_ns(start_utc: str) -> int:
    """Mission time (ns since 1958 TAI) of an ISO-8601 UTC instant such as 2024-06-01T22:23:00Z."""
    try:
        moment = datetime.fromisoformat(start_utc.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigurationError(f"start={start_utc!r}: not an ISO-8601 time such as {DEFAULT_EPOCH_UTC}") from None
    try:
        return utc_to_tai_ns(datetime_to_utc_ns(moment))
    except ProtocolError as exc:
        raise ConfigurationError(f"start={start_utc!r}: {exc}") from None


class Bench:
    """Flight software, the three devices and their links, wired and seeded from one scenario seed.

    ``watch`` names the ``device.parameter`` histories to keep (None: all of them; default: none, only the
    latest values, which keeps long runs fast and small).
    """

    def __init__(self, settings: BenchSettings | None = None, seed: int = 0, start_utc: str = DEFAULT_EPOCH_UTC,
                 pacing: Pacing | None = None, watch: list[str] | None = (),
                 models: Mapping[str, ModelClass] | None = None, dictionary: Dictionary | None = None) -> None:
        from firmware_sim.devices import model_class as registered_model

        self.settings = settings or BenchSettings()
        self.seed = seed
        self.clock = Clock(self.settings.clock_hz)
        self.scheduler = Scheduler(self.clock, pacing)
        self.dictionary = dictionary or default_dictionary()
        self.epoch_ns = epoch_tai_ns(start_utc)
        self.store = TelemetryStore(watch)
        self.fsw = FlightSoftware(self.scheduler, self.dictionary, self.store)
        self.digest = PacketDigest(self.dictionary)
        self.devices: dict[str, DeviceModel] = {}
        self.links: dict[str, Link] = {}
        self.external: dict[str, ExternalEnd] = {}
        """The ends that meet the outside world, by endpoint name, each with the URL of its transport."""
        self.radio: RelayRadioModel | None = None
        """The relay radio's model, at the lander's end of the space link."""
        self.space_link: SpaceLink | None = None
        """The link between the relay radio and the ground (None when the radio is not a modelled member)."""
        self.ground: GroundStation | None = None
        """The ground end of the space link: the built-in ground node, or the gateway to a real ground system."""
        unknown = (self.settings.named_devices() | set(self.settings.members or ())) - set(self.dictionary.names)
        if unknown:
            raise ConfigurationError(f"bench: unknown device {sorted(unknown)[0]!r}; "
                                     f"devices: {', '.join(self.dictionary.names)}")
        real_fsw = self.settings.is_real("fsw")
        self.members = self.settings.member_names(self.dictionary.names, default_members(self.dictionary))
        """The devices on this bench, in dictionary order."""
        classes = {name: (models or {}).get(name) or registered_model(name) for name in self.members}
        for name in self.members:
            if self.settings.is_recorded(name) and name not in (models or {}):
                raise ConfigurationError(f"bench.nodes.{name} = {self.settings.node(name)!r}: a recorded device "
                                         f"needs its packets loaded (farside run and serve do this)")
        for name, model_class in classes.items():
            link_settings = self.settings.links.get(name, LinkSettings())
            exposure = self._exposure(name) if real_fsw else None
            fsw_port = self._port(f"fsw.{name}", name, link_settings.framing, exposure)
            board = self.settings.node(name) if self.settings.is_real(name) else None
            device_port = self._port(name, f"{name}.board" if real_fsw else name, link_settings.framing, board)
            link = Link(name, self.scheduler, fsw_port, device_port, link_settings.baud, self.rng(f"link.{name}"))
            link.timed = not (real_fsw or board)
            link.taps.append(self.digest.tap)
            if real_fsw and board is None:
                link.taps.append(self._overhear)
            self.links[name] = link
            if not real_fsw:
                self.fsw.attach(name, fsw_port)
            if board is None:
                model = model_class(self.scheduler, self.rng(name), epoch_ns=self.epoch_ns,
                                    options=self.settings.devices.get(name, {}))
                if isinstance(model, RelayRadioModel):
                    self._wire_space_link(model)
                model.attach(device_port)
                if isinstance(fsw_port, ExternalPort):
                    fsw_port.on_rejected = model.on_rejected  # a real flight computer's refused TCs get TM[1,2]
                self.devices[name] = model
        if self.settings.is_real("ground") and self.ground is None:
            raise ConfigurationError("bench.nodes.ground: a real ground system needs the relay radio's model")

    def _overhear(self, time_ns: int, link: str, direction: str, packet: bytes) -> None:
        """A real flight computer's telemetry from a modelled device: decoded into the store as the stand-in would
        (so that expectations and conditions see it); nothing else is done with it. Verification reports answer
        the flight computer's own commands, which the stand-in does not track: they are left alone."""
        if direction == "b>a" and len(packet) > 7 and not packet[0] & 0x10 and packet[7] != 1:
            self.fsw.decode_telemetry(link, packet)  # the stand-in's own decoder, the one for every device's TM

    def _exposure(self, device: str) -> str | None:
        """The URL a modelled device meets a real flight computer on (``"bus"``: its shared link; None: nowhere)."""
        url = self.settings.expose.get(device, self.settings.node("fsw"))
        return None if url == UNEXPOSED else url

    def _port(self, port_name: str, endpoint: str, framing: str, url: str | None) -> Port:
        if url is None:
            return Port(port_name, framing)
        port = ExternalPort(port_name, framing)
        self.external[endpoint] = ExternalEnd(endpoint, url, port)
        return port

    def _wire_space_link(self, radio: RelayRadioModel) -> None:
        """Build the space link the radio's settings ask for, and the ground at its far end: the built-in ground
        node, or (``bench.nodes.ground`` a URL) the gateway to a real ground system, at frame level (CADUs out,
        CLTUs in) on the CCSDS frame link and at packet level on the packet link. The bench's security associations
        go to both ends of the frame link (SDLS on the TC frames); the packet link has no frames to secure."""
        s = radio.settings
        link: SpaceLink
        ground: GroundStation
        real = self.settings.is_real("ground")
        security = self.settings.security
        problem = self.settings.security_problem()
        if problem:
            raise ConfigurationError(f"bench.security: {problem}")
        if s.space_link == "frames":
            link = FramesLink(self.scheduler, radio.light_time_ns, s.frames, radio.rng.spawn(1)[0], security)
            ground = FrameGroundGateway(self.scheduler, s.frames, security=security) if real \
                else FrameGroundNode(self.scheduler, security=security)
        else:
            link = PropagationLink(self.scheduler, radio.light_time_ns, s.overhead_octets)
            ground = GroundGateway(self.scheduler) if real else GroundStation(self.scheduler)
        link.connect(radio, ground)
        ground.attach(link)
        radio.use_space_link(link)
        self.radio, self.space_link, self.ground = radio, link, ground
        if isinstance(ground, GroundGateway | FrameGroundGateway):
            self.external["ground"] = ExternalEnd("ground", self.settings.node("ground"), ground)

    def rng(self, name: str) -> np.random.Generator:
        """The random generator of one node: derived from the bench seed and the node's name only."""
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(zlib.crc32(name.encode()),)))

    @property
    def now_s(self) -> float:
        """Virtual seconds since T0."""
        return self.scheduler.now_s

    def run(self, seconds: float | None = None, until: Callable[[], bool] | None = None) -> bool:
        """Advance virtual time by ``seconds`` and/or until ``until()`` holds; True if the predicate came true."""
        end = None if seconds is None else self.scheduler.cycle + self.clock.cycles(seconds)
        return self.scheduler.run(until_cycle=end, until=until)

    def inject(self, target: str, fault: str, params: Mapping[str, Any] | None = None) -> None:
        """Inject a fault into a device (``sampler``) or a link (``link.sampler``)."""
        params = dict(params or {})
        if target.startswith("link."):
            link = self.links.get(target[5:])
            if link is None:
                known = ", ".join("link." + n for n in self.links)
                raise ConfigurationError(f"fault target {target!r}: links are {known}")
            link.inject(fault, **params)
            return
        device = self.devices.get(target)
        if device is None:
            raise ConfigurationError(f"fault target {target!r}: devices are {', '.join(self.devices)}")
        device.inject(fault, **params)
