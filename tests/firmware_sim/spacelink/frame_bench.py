"""Helpers shared by the frame-link tests: a bench with the relay always in view, a stand-in radio, taps."""

from __future__ import annotations

from typing import Any

from firmware_sim.bench import Bench
from firmware_sim.devices.relay import RelayRadioModel
from firmware_sim.engine.clock import Clock
from firmware_sim.engine.scheduler import Scheduler
from firmware_sim.scenario.model import BenchSettings

LIGHT_NS = 1_300_000_000


def frame_bench(seed: int = 3, **relay: Any) -> Bench:
    """A bench whose relay is always in view, on the frame link unless told otherwise."""
    return Bench(BenchSettings(devices={"relay": {"visibility": "always", **relay}}), seed=seed)


def radio_of(bench: Bench) -> RelayRadioModel:
    """The bench's relay radio model."""
    radio = bench.devices["relay"]
    assert isinstance(radio, RelayRadioModel)
    return radio


def uplinked_tcs(bench: Bench) -> list[bytes]:
    """Collect every TC the radio hands to flight software (taps the relay's device link); returns the list."""
    seen: list[bytes] = []

    def tap(time_ns: int, link: str, direction: str, packet: bytes) -> None:
        if direction == "b>a" and packet[0] & 0x10:
            seen.append(packet)

    bench.links["relay"].taps.append(tap)
    return seen


class FakeRadio:
    """The radio as the frame link sees it, with switches for lock and transmitter and records of its hooks."""

    def __init__(self, downlink_bps: int = 50_000, uplink_bps: int = 125) -> None:
        self.link_up = True
        self.transmitting = True
        self.downlink_rate_bps = downlink_bps
        self.uplink_rate_bps = uplink_bps
        self.frames: list[int] = []
        self.tc_results: list[tuple[bool, str | None, int]] = []
        self.uplinked: list[tuple[bytes, int]] = []
        self.lost = 0

    def tm_frame_sent(self, mc_count: int) -> None:
        self.frames.append(mc_count)

    def tc_frame_handled(self, accepted: bool, reason: str | None, vr: int) -> None:
        self.tc_results.append((accepted, reason, vr))

    def uplink_lost(self) -> None:
        self.lost += 1

    def receive_uplink(self, packet: bytes, first_bit_ns: int) -> None:
        self.uplinked.append((packet, first_bit_ns))


def scheduler() -> Scheduler:
    """A 1 kHz scheduler."""
    return Scheduler(Clock(1000))
