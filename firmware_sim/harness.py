"""Drive one device model from a test: a real link with framing, commands by name, reports and telemetry back."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from firmware_sim.devices.base import DeviceModel
from firmware_sim.engine.clock import Clock
from firmware_sim.engine.link import Link, Port
from firmware_sim.engine.scheduler import Scheduler
from firmware_sim.errors import SimError
from protocols.describe import PacketView, describe
from protocols.dictionary import Dictionary, default_dictionary
from protocols.pus import PusTc
from protocols.spacepacket import SequenceCounter

ModelFactory = Callable[..., DeviceModel]


@dataclass
class Verification:
    """The service-1 reports one telecommand received, in order: e.g. ["acceptance-ok", "start-ok", …]."""

    seq_count: int
    stages: list[str] = field(default_factory=list)
    failure: str | None = None

    @property
    def completed(self) -> bool:
        """True once completion succeeded."""
        return "completion-ok" in self.stages

    @property
    def failed(self) -> bool:
        """True once any stage failed."""
        return self.failure is not None


class DeviceHarness:
    """One device model on a UART link to a test's stand-in flight software, in virtual time."""

    def __init__(self, model: ModelFactory, seed: int = 1, options: Mapping[str, Any] | None = None,
                 baud: int = 115_200, framing: str = "asm", clock_hz: int = 1000, epoch_ns: int = 0,
                 dictionary: Dictionary | None = None) -> None:
        self.scheduler = Scheduler(Clock(clock_hz))
        self.dictionary = dictionary or default_dictionary()
        seeds = np.random.SeedSequence(seed).spawn(2)
        self.device = model(self.scheduler, np.random.default_rng(seeds[0]), epoch_ns=epoch_ns, options=options)
        self.definition = self.device.definition
        self.fsw_port = Port("fsw", framing)
        device_port = Port(self.device.name, framing)
        self.link = Link(self.device.name, self.scheduler, self.fsw_port, device_port, baud,
                         np.random.default_rng(seeds[1]))
        self.fsw_port.handler = self._on_packet
        self.device.attach(device_port)
        self.packets: list[PacketView] = []
        self.verifications: dict[int, Verification] = {}
        self._seq = SequenceCounter()

    # commanding ----------------------------------------------------------------------------------------
    def send(self, command: str, ack: int = 0xF, **args: Any) -> Verification:
        """Send a command by name with engineering-unit arguments; returns its (growing) verification record."""
        spec, app_data = self.definition.encode_command(command, args)
        return self.send_raw(PusTc(self.definition.apid, spec.service, spec.subtype, app_data,
                                   self._seq.next(self.definition.apid), ack_flags=ack).pack())

    def send_raw(self, packet: bytes) -> Verification:
        """Send already-built octets (for malformed-command tests)."""
        seq = ((packet[2] << 8) | packet[3]) & 0x3FFF if len(packet) >= 4 else -1
        record = Verification(seq)
        self.verifications[seq] = record
        self.fsw_port.send(packet)
        return record

    # time ----------------------------------------------------------------------------------------------------
    def run(self, seconds: float) -> None:
        """Advance virtual time by ``seconds``."""
        self.scheduler.run(until_cycle=self.scheduler.cycle + self.scheduler.clock.cycles(seconds))

    def run_until(self, condition: Callable[[], bool], timeout_s: float) -> None:
        """Advance until ``condition()`` holds; raise SimError if ``timeout_s`` of virtual time pass first."""
        deadline = self.scheduler.cycle + self.scheduler.clock.cycles(timeout_s)
        while not condition():
            if self.scheduler.cycle >= deadline:
                raise SimError(f"condition not met within {timeout_s} s of virtual time")
            next_due = self.scheduler.next_due
            self.scheduler.run(until_cycle=min(deadline, next_due if next_due is not None else deadline))

    # what came back -------------------------------------------------------------------------------------------
    def _on_packet(self, raw: bytes) -> None:
        view = describe(raw, self.dictionary)
        self.packets.append(view)
        if view.service == 1 and view.fields.get("request_seq_count") in self.verifications:
            record = self.verifications[view.fields["request_seq_count"]]
            record.stages.append(view.name or "")
            if not view.fields.get("ok", True):
                record.failure = view.fields.get("failure")

    def events(self, name: str | None = None) -> list[PacketView]:
        """Event reports received (optionally only one event, by name)."""
        return [p for p in self.packets if p.service == 5 and (name is None or p.name == f"event:{name}")]

    def hk(self, set_name: str) -> list[PacketView]:
        """Housekeeping reports of one set, oldest first."""
        return [p for p in self.packets if p.name == f"hk:{set_name}"]

    def latest(self, parameter: str) -> Any:
        """The most recent reported value of a parameter from any housekeeping set or parameter report."""
        for view in reversed(self.packets):
            if parameter in view.fields and (view.name or "").startswith(("hk:", "param-report")):
                return view.fields[parameter]
        raise KeyError(f"{parameter} has not been reported yet")
