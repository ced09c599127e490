"""A bench running in real time with its real nodes on transports: open, run, report, stop cleanly."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from firmware_sim.errors import ConfigurationError
from firmware_sim.runner import RunResult, ScenarioRun
from firmware_sim.scenario.loader import BUS, UNEXPOSED
from firmware_sim.scenario.model import BenchSettings, LinkSettings, Scenario
from firmware_sim.spacelink.gateway import FrameGroundGateway
from hil.boards.errors import BoardError
from hil.errors import HilError, TransportError
from hil.serve.bus import Bus
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
                                     f"so give each device its own in [bench.expose], put them on the flight "
                                     f"computer's one link with DEVICE = \"bus\" there (DEVICE = \"none\" leaves one "
                                     f"unexposed), or use pty://")
    if settings.is_real("fsw") and any(step.command for step in scenario.timeline):
        raise ConfigurationError("the timeline sends commands through the flight-software stand-in, "
                                 "but bench.nodes.fsw is a real flight computer")
    check_link_framings(settings)


def check_link_framings(settings: BenchSettings) -> None:
    """Refuse a device link whose transport cannot carry its framing (``raw`` on a byte stream)."""
    from hil.schemes import check_framing

    for device, url in _device_link_urls(settings):
        try:
            check_framing(url, settings.links.get(device, LinkSettings()).framing)
        except TransportError as exc:
            raise ConfigurationError(f"bench.links.{device}: {exc}") from None


def _device_link_urls(settings: BenchSettings) -> list[tuple[str, str]]:
    """(device, URL) of every real transport that carries a device link: a board, an exposed model, a shadow."""
    from protocols.dictionary import default_dictionary
    from protocols.dictionary.registry import default_members

    dictionary = default_dictionary()
    names = settings.member_names(dictionary.names, default_members(dictionary))
    found = [(name, settings.node(name)) for name in names if settings.is_real(name)]
    if settings.is_real("fsw"):
        for name in names:
            exposed = settings.expose.get(name, settings.node("fsw"))
            if exposed != UNEXPOSED:
                found.append((name, settings.node("fsw") if exposed == BUS else exposed))
    return found + list(settings.shadow.items())


def _bench_urls(settings: BenchSettings) -> list[str]:
    from protocols.dictionary import default_dictionary
    from protocols.dictionary.registry import default_members

    dictionary = default_dictionary()
    names = settings.member_names(dictionary.names, default_members(dictionary))
    urls = [settings.node(name) for name in names if settings.is_real(name)]
    if settings.is_real("fsw"):
        exposures = [settings.expose.get(name, settings.node("fsw")) for name in names]
        urls += [url for url in exposures if url not in (BUS, UNEXPOSED)]
        if BUS in exposures:
            urls.append(settings.node("fsw"))
    if settings.is_real("ground"):
        urls.append(settings.node("ground"))
    return urls + list(settings.shadow.values())


def as_served(scenario: Scenario) -> Scenario:
    """The scenario checked as serve runs it: with no real node, a real flight computer on a pty per device."""
    if scenario.bench.real_time:
        check_real_nodes(scenario)
        return scenario
    served = replace(scenario, bench=replace(scenario.bench, nodes={**scenario.bench.nodes, "fsw": DEFAULT_FSW_URL}))
    try:
        check_real_nodes(served)
    except ConfigurationError as exc:
        raise ConfigurationError(f"{exc} (serve's default on a bench with no real node: "
                                 f"fsw = \"{DEFAULT_FSW_URL}\", every device on a pty; farside run runs this "
                                 f"scenario with the stand-in)") from None
    return served


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Keep the objects alive now out of Python's garbage collections while the bench serves, then hand them back.

    The bench is built before it serves: tens of thousands of long-lived objects (dictionary, codecs, models) that
    a full collection would walk, for tens of milliseconds, in the middle of whatever command had just come in.
    Only on the main thread, where the process is the bench: a bench on a thread of someone else's process
    (``emu://`` in a flight-software program) leaves that process's collections alone.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class ServeSession:
    """Builds the bench on a wall-clock pacing, opens a port for every real node, and runs until told to stop."""

    def __init__(self, scenario: Scenario, seed: int | None = None, speed: float = 1.0,
                 notify: Notify | None = None, watch: list[str] | None = None) -> None:
        scenario = as_served(scenario)
        self.scenario = scenario
        self.pacing = WallClockIo(speed=speed)
        from hil.replay.node import recorded_models

        self.run = ScenarioRun(scenario, seed=seed, pacing=self.pacing, watch=watch,
                               models=recorded_models(scenario.bench))
        self.bench = self.run.bench
        self.notify = notify or (lambda message: None)
        self.ports: dict[str, Any] = {}
        self.boundaries: dict[str, Any] = {}
        """What the bench puts behind each port (an external end, the bus, a shadow), by port name."""
        self.board_log_path: Callable[[str], Path] | None = None
        """Where the log of the board behind a port goes, by port name (None: kept in memory only)."""
        self.board_logs: dict[str, Path] = {}
        self.board_ends: dict[str, str] = {}
        """The line each board ended the run with, by port name."""
        self.failure: BoardError | None = None
        """Why the run could not go on (a board that exited); raised by whoever runs the session, once it is closed."""
        path = Path(scenario.path)
        self.base_dir = path.parent if path.is_file() else None
        """Relative paths in node URLs (a board's kernel) are taken from here: the bench file's directory."""
        self.events: deque[str] = deque(maxlen=EVENTS_KEPT)
        self.port_changes = 0
        self.shadows: dict[str, Shadow] = {}
        self.recorder: Any = None
        self.wall_time_s = 0.0
        """Wall-clock seconds the session served."""
        self._stop_reason: str | None = None
        self._ended_by_board = False
        """True when a board's end line stopped the run: its end, where checks at the end are judged."""

    # opening -------------------------------------------------------------------------------------------------
    def open(self, opener: Callable[..., Any] | None = None) -> dict[str, str]:
        """Open every real node's transport; returns the endpoints. TransportError names the node that failed.

        ``opener(url, name, on_change)`` opens one port (default: ``hil.schemes.open_port``, the URL table).
        """
        if opener is None:
            from hil.schemes import open_port as opener
        open_port = opener
        try:
            on_bus = {name: end.boundary for name, end in self.bench.external.items() if end.url == BUS}
            for name, end in self.bench.external.items():
                if end.url != BUS:
                    self._attach(name, self._open(open_port, name, end.url), end.boundary)
            if on_bus:
                apids = {name: self.bench.dictionary.device(name).apid for name in on_bus}
                framing = next(iter(on_bus.values())).framing
                fsw = self.scenario.bench.node("fsw")
                self._attach("fsw", self._open(open_port, "fsw", fsw), Bus(on_bus, apids, framing))
            for device, url in self.scenario.bench.shadow.items():
                self._open_shadow(open_port, device, url)
        except Exception:
            self.close()
            raise
        return self.endpoints()

    def _open(self, open_port: Callable[..., Any], name: str, url: str) -> Any:
        try:
            anchored = self._anchored(url)
            if anchored is not None:
                port = anchored.open_port(name, self._port_changed)
            else:
                port = open_port(url, name, on_change=self._port_changed)
        except TransportError as exc:
            raise TransportError(f"cannot open {name} ({url}): {exc}") from None
        self.ports[name] = port
        return port

    def _anchored(self, url: str) -> Any:
        """The parsed URL with its relative paths taken from the bench file's directory, if its scheme has any."""
        if self.base_dir is None:
            return None
        from hil.schemes import parse_url

        try:
            anchored = getattr(parse_url(url), "anchored", None)
        except TransportError:
            return None  # the opener says what is wrong with it
        return anchored(self.base_dir) if anchored is not None else None

    def _attach(self, name: str, port: Any, boundary: Any) -> None:
        """Carry ``boundary``'s frames on ``port`` and its input into the bench; watch a board's log and exit."""
        boundary.outlet = port.write
        self.pacing.watch(port, boundary.inject, boundary.expire)
        self.boundaries[name] = boundary
        log = getattr(port, "board_log", None)
        if log is not None and self.board_log_path is not None:
            self.board_logs[name] = self.board_log_path(name)
            log.save_to(self.board_logs[name])
        supervise = getattr(port, "supervise", None)
        if supervise is not None:
            supervise(lambda line: self._board_ended(name, line), self._board_failed)

    def _board_ended(self, name: str, line: str) -> None:
        """A board's log printed its end line (called from its log thread): the run is done."""
        self.board_ends.setdefault(name, line)
        if self._stop_reason is None:
            self._ended_by_board = True
        self.stop(f"{name} finished: {line}")

    def failed_verdicts(self) -> list[str]:
        """One sentence per board asked to pass (``pass=``) whose end line is missing or not the passing one."""
        failed = []
        for name, port in self.ports.items():
            passing = getattr(port, "passing", "")
            if not passing:
                continue
            line = self.board_ends.get(name)
            if line is None:
                end = port.board_log.end
                failed.append(f"{name}: the board never printed its end line {end!r} before the run stopped "
                              f"({self.stop_reason or 'stopped'}, at T+{self.bench.scheduler.now_ns / 1e9:.3f}s)")
            elif not line.startswith(passing):
                failed.append(f"{name}: the board ended with {line!r}, not {passing!r}")
        return failed

    def _board_failed(self, error: BoardError) -> None:
        """A board exited while the bench needed it (called from its watcher thread): end the run with its error."""
        if self.failure is None:
            self.failure = BoardError(f"{error} (at T+{self.bench.scheduler.now_ns / 1e9:.3f}s)")
            self.stop(f"{error}")

    def _open_shadow(self, open_port: Callable[..., Any], device: str, url: str) -> None:
        link = self.bench.links.get(device)
        if link is None or device not in self.bench.devices:
            raise ConfigurationError(f"bench.shadow.{device}: shadow mode needs {device}'s model on the bench")
        framing = self.scenario.bench.links.get(device, LinkSettings()).framing
        shadow = Shadow(device, self.bench.scheduler, self._difference, framing=framing)
        port = self._open(open_port, f"{device}.shadow", url)
        shadow.outlet = port.write
        self.boundaries[f"{device}.shadow"] = shadow
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
        """Write the endpoints as JSON, atomically (a reader never sees half a file); HilError when it cannot."""
        partial = path.with_name(path.name + ".partial")
        try:
            partial.write_text(json.dumps(self.endpoints(), indent=2) + "\n")
            os.replace(partial, path)
        except OSError as exc:
            raise HilError(f"cannot write {path}: {exc.strerror or exc}") from None

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
        has_end = self.scenario.has_end
        self.pacing.tick = tick
        started = time.monotonic()

        def done() -> bool:
            if self._stop_reason is None and has_end and self.run.finished():
                self._stop_reason = "scenario finished"
            return self._stop_reason is not None

        scheduler.every(self.bench.clock.cycles(1.0), lambda: None, priority=100)  # the bench never runs dry
        try:
            with frozen_heap():
                scheduler.run(until_cycle=end, until=done)
        finally:
            self.wall_time_s = time.monotonic() - started
        if self._stop_reason is None:
            self._stop_reason = "duration reached"

    def result(self) -> RunResult:
        """The scenario's result once served: expectations decided at the instant it stopped, in the session's wall
        time (checks at the end judged there when a board's end line ended the run, else open if it stopped before
        the scenario's end)."""
        result = self.run.run(until_ns=self.bench.scheduler.now_ns, ended=self._ended_by_board)
        return replace(result, wall_time_s=self.wall_time_s)

    def close(self) -> None:
        """Flush the recording and close every port (idempotent); only once ``serve()`` has returned, since its loop
        waits on the ports' fds."""
        if self.recorder is not None:
            self.recorder.close()
        for port in self.ports.values():
            port.close()
        self.pacing.close()
