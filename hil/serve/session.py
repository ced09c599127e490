"""A bench running in real time with its real nodes on transports: open, run, report, stop cleanly."""

from __future__ import annotations

import json
import os
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from firmware_sim.errors import ConfigurationError
from firmware_sim.runner import ScenarioRun
from firmware_sim.scenario.model import BenchSettings, LinkSettings, Scenario
from firmware_sim.spacelink.gateway import FrameGroundGateway
from hil.errors import TransportError
from hil.serve.pacing import WallClockIo
from hil.serve.shadow import Difference, Shadow

DEFAULT_FSW_URL = "pty://"
"""``farside serve`` with no bench: a real flight computer opens one pseudo-terminal per modelled device."""
SHAREABLE_URLS = ("pty://", "emu://")
"""URLs several ends may name: each end gets a pseudo-terminal (or in-process pair) of its own."""
EVENTS_KEPT = 200

Notify = Callable[[str], None]


def default_scenario(ground_url: str | None = None) -> Scenario:
    """Every device a model, each on its own pty for whatever flight software opens it; or, with a real
    ground system, the stand-in flies and the ground system talks to it over the space link."""
    nodes = {"ground": ground_url} if ground_url else {"fsw": DEFAULT_FSW_URL}
    return Scenario(name="serve", path="<serve>", bench=BenchSettings(nodes=nodes))


def with_overrides(scenario: Scenario, ground_url: str | None, relay_visibility: str | None) -> Scenario:
    """The scenario with ``--ground`` and ``--relay`` applied to its bench."""
    bench = scenario.bench
    if ground_url:
        bench = replace(bench, nodes={**bench.nodes, "ground": ground_url})
    if relay_visibility:
        relay = {**bench.devices.get("relay", {}), "visibility": relay_visibility}
        bench = replace(bench, devices={**bench.devices, "relay": relay})
    return replace(scenario, bench=bench)


def check_real_nodes(scenario: Scenario) -> None:
    """Refuse benches that cannot run: a shared non-pty transport, or a timeline with no stand-in to send it."""
    settings = scenario.bench
    urls = Counter(url for url in _bench_urls(settings))
    for url, uses in urls.items():
        if uses > 1 and url not in SHAREABLE_URLS:
            raise ConfigurationError(f"{url}: {uses} nodes use this transport; one transport carries one link, "
                                     f"so give each device its own in [bench.expose] (or use pty://)")
    if settings.is_real("fsw") and any(step.command for step in scenario.timeline):
        raise ConfigurationError("the timeline sends commands through the flight-software stand-in, "
                                 "but bench.nodes.fsw is a real flight computer")


def _bench_urls(settings: BenchSettings) -> list[str]:
    from protocols.dictionary import default_dictionary
    from protocols.dictionary.registry import default_members

    dictionary = default_dictionary()
    names = settings.member_names(dictionary.names, default_members(dictionary))
    urls = [settings.node(name) for name in names if settings.is_real(name)]
    if settings.is_real("fsw"):
        urls += [settings.expose.get(name, settings.node("fsw")) for name in names]
    if settings.is_real("ground"):
        urls.append(settings.node("ground"))
    return urls + list(settings.shadow.values())


class ServeSession:
    """Builds the bench on a wall-clock pacing, opens a port for every real node, and runs until told to stop."""

    def __init__(self, scenario: Scenario, seed: int | None = None, speed: float = 1.0,
                 notify: Notify | None = None) -> None:
        check_real_nodes(scenario)
        settings = scenario.bench
        if not settings.real_time:
            settings = replace(settings, nodes={**settings.nodes, "fsw": DEFAULT_FSW_URL})
            scenario = replace(scenario, bench=settings)
        self.scenario = scenario
        self.pacing = WallClockIo(speed=speed)
        from hil.replay.node import recorded_models

        self.run = ScenarioRun(scenario, seed=seed, pacing=self.pacing, models=recorded_models(scenario.bench))
        self.bench = self.run.bench
        self.notify = notify or (lambda message: None)
        self.ports: dict[str, Any] = {}
        self.events: deque[str] = deque(maxlen=EVENTS_KEPT)
        self.port_changes = 0
        self.shadows: dict[str, Shadow] = {}
        self.recorder: Any = None
        self.wall_started = 0.0
        self._stop_reason: str | None = None

    # opening -------------------------------------------------------------------------------------------------
    def open(self, opener: Callable[..., Any] | None = None) -> dict[str, str]:
        """Open every real node's transport; returns the endpoints. TransportError names the node that failed.

        ``opener(url, name, on_change)`` opens one port (default: ``hil.schemes.open_port``, the URL table).
        """
        if opener is None:
            from hil.schemes import open_port as opener
        open_port = opener
        try:
            for name, end in self.bench.external.items():
                port = self._open(open_port, name, end.url)
                end.boundary.outlet = port.write
                self.pacing.watch(port, end.boundary.inject, end.boundary.expire)
            for device, url in self.scenario.bench.shadow.items():
                self._open_shadow(open_port, device, url)
        except Exception:
            self.close()
            raise
        return self.endpoints()

    def _open(self, open_port: Callable[..., Any], name: str, url: str) -> Any:
        try:
            port = open_port(url, name, on_change=self._port_changed)
        except TransportError as exc:
            raise TransportError(f"cannot open {name} ({url}): {exc}") from None
        self.ports[name] = port
        return port

    def _open_shadow(self, open_port: Callable[..., Any], device: str, url: str) -> None:
        link = self.bench.links.get(device)
        if link is None or device not in self.bench.devices:
            raise ConfigurationError(f"bench.shadow.{device}: shadow mode needs {device}'s model on the bench")
        framing = self.scenario.bench.links.get(device, LinkSettings()).framing
        shadow = Shadow(device, self.bench.scheduler, self._difference, framing=framing)
        port = self._open(open_port, f"{device}.shadow", url)
        shadow.outlet = port.write
        shadow.follow(link)
        self.pacing.watch(port, shadow.inject, shadow.expire)
        self.shadows[device] = shadow

    def endpoints(self) -> dict[str, Any]:
        """What each real node is reached at (pty paths, bound addresses, device paths), and the ground's link."""
        found: dict[str, Any] = {name: port.endpoint for name, port in self.ports.items()}
        ground = self.bench.external.get("ground")
        port = self.ports.get("ground")
        if ground is not None and port is not None:
            if port.kind == "udp":
                found["ground_tc"] = int(port.endpoint.rsplit(":", 1)[1])
            if isinstance(ground.boundary, FrameGroundGateway):
                found.update(ground.boundary.describe())
        return found

    def write_endpoints(self, path: Path) -> None:
        """Write the endpoints as JSON, atomically (a reader never sees half a file)."""
        partial = path.with_name(path.name + ".partial")
        partial.write_text(json.dumps(self.endpoints(), indent=2) + "\n")
        os.replace(partial, path)

    def record(self, path: Path, header: dict[str, Any]) -> None:
        """Record every packet on every link, with virtual and wall time."""
        from hil.recording.writer import Recorder

        self.recorder = Recorder(wall_clock=True).open(path, header)
        self.recorder.attach(self.bench)
        self.run.phase_listeners.append(self.recorder.mark_phase)

    # events --------------------------------------------------------------------------------------------------
    def _port_changed(self, name: str, up: bool, reason: str) -> None:
        self.port_changes += 1
        self._event(f"{name} {'up' if up else 'down'}: {reason}")

    def _difference(self, difference: Difference) -> None:
        self._event(str(difference))

    def _event(self, text: str) -> None:
        stamped = f"T+{self.bench.scheduler.now_ns / 1e9:.3f}s {text}"
        self.events.append(stamped)
        self.notify(stamped)

    # running -------------------------------------------------------------------------------------------------
    def stop(self, reason: str = "stopped") -> None:
        """Ask the run to end after the current cycle (safe from a signal handler)."""
        self._stop_reason = reason
        self.pacing.wake()

    @property
    def stop_reason(self) -> str | None:
        """Why the run ended (None while it runs)."""
        return self._stop_reason

    def serve(self, seconds: float | None = None, tick: Callable[[], None] | None = None) -> None:
        """Run in real time until ``stop()``, ``seconds`` of virtual time, or the scenario's end (if it has one)."""
        scheduler = self.bench.scheduler
        end = None if seconds is None else scheduler.cycle + self.bench.clock.cycles(seconds)
        has_end = bool(self.scenario.timeline) or self.scenario.duration_ns is not None
        self.pacing.tick = tick
        self.wall_started = time.monotonic()

        def done() -> bool:
            if self._stop_reason is None and has_end and self.run.finished():
                self._stop_reason = "scenario finished"
            return self._stop_reason is not None

        scheduler.every(self.bench.clock.cycles(1.0), lambda: None, priority=100)  # the bench never runs dry
        scheduler.run(until_cycle=end, until=done)
        if self._stop_reason is None:
            self._stop_reason = "duration reached"

    def close(self) -> None:
        """Flush the recording and close every port (idempotent)."""
        if self.recorder is not None:
            self.recorder.close()
        for port in self.ports.values():
            port.close()
        self.pacing.close()
