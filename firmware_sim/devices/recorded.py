"""A device played back from a recording: its recorded telemetry goes out again at the same virtual times."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from firmware_sim.engine.link import Port
from firmware_sim.engine.scheduler import Scheduler
from firmware_sim.errors import ConfigurationError

RecordedPacket = tuple[int, bytes]
"""(virtual ns since T0, packet octets)."""


class RecordedDevice:
    """Stands in for a device with the packets it once sent; commands reach it but cannot change what it says.

    Packets are sent in order at their recorded virtual times (offset by ``offset_ns``); with ``loop`` the
    recording starts again after its last packet, shifted by its span.
    """

    def __init__(self, name: str, scheduler: Scheduler, packets: Sequence[RecordedPacket], offset_ns: int = 0,
                 loop: bool = False) -> None:
        if not packets:
            raise ConfigurationError(f"{name}: the recording holds no packets from this device")
        self.name = name
        self.scheduler = scheduler
        self.packets = sorted(packets, key=lambda item: item[0])
        self.offset_ns = offset_ns
        self.loop = loop
        self.sent = 0
        self.commands_ignored = 0
        self.laps = 0
        self.port: Port | None = None

    @classmethod
    def factory(cls, name: str, packets: Sequence[RecordedPacket], loop: bool = False) -> Any:
        """A model class for ``Bench(models=…)``: called like a device model, returns this player."""

        def build(scheduler: Scheduler, rng: np.random.Generator, *, epoch_ns: int = 0,
                  options: dict[str, Any] | None = None) -> RecordedDevice:
            return cls(name, scheduler, packets, loop=loop)

        return build

    def attach(self, port: Port) -> None:
        """Send over ``port`` from now on; commands arriving on it are counted and ignored."""
        self.port = port
        port.handler = self._on_command
        self._schedule(0)

    def _schedule(self, index: int) -> None:
        if index >= len(self.packets):
            if not self.loop:
                return
            self.laps += 1
            self.offset_ns += self.packets[-1][0] - self.packets[0][0] + self.scheduler.clock.period_ns
            index = 0
        when = self.packets[index][0] + self.offset_ns
        self.scheduler.call_at(self.scheduler.clock.cycles_ns(when), self._send, index)

    def _send(self, index: int) -> None:
        if self.port is not None:
            self.port.send(self.packets[index][1])
            self.sent += 1
        self._schedule(index + 1)

    def _on_command(self, raw: bytes) -> None:
        self.commands_ignored += 1

    def on_rejected(self, header: bytes, reason: str) -> None:
        """A TC the link refused (a real flight computer's, bad CRC or length): a recording cannot answer it."""

    def inject(self, fault: str, **params: Any) -> None:
        """A recording cannot take device faults (link faults still apply)."""
        raise ConfigurationError(f"{self.name} is played from a recording: device faults do not apply "
                                 f"(link faults on link.{self.name} do)")

    def figures(self) -> dict[str, Any]:
        """What was played back."""
        return {"replayed_packets": self.sent, "commands_ignored": self.commands_ignored, "laps": self.laps}
