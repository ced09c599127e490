"""The one emulated bench behind every ``emu://`` port of a process, running in real time on its own thread."""

from __future__ import annotations

import socket
import threading
import warnings

from firmware_sim.devices import model_class
from firmware_sim.errors import ConfigurationError
from firmware_sim.scenario.model import BenchSettings, Scenario
from hil.emu.socketpair_port import SocketPairPort
from hil.errors import TransportError
from hil.serve.session import ServeSession
from protocols.dictionary import PluginWarning, device_registry

EMU_URL = "emu://"
STOP_TIMEOUT_S = 5.0


class EmulatedBench:
    """Every device modelled, each exposed as an in-process port; the flight software is whoever opens them."""

    def __init__(self, seed: int = 0, speed: float = 1.0) -> None:
        self.seed = seed
        self.speed = speed
        plugins, self.left_out = _plugin_devices()
        named: dict[str, dict[str, object]] = {name: {} for name in plugins}
        scenario = Scenario(name="emu", path="<emu>", seed=seed, bench=BenchSettings(nodes={"fsw": EMU_URL},
                                                                                   devices=named))
        self.session = ServeSession(scenario, speed=speed)
        self.session.open(opener=SocketPairPort)
        self.clients = 0
        self._thread = threading.Thread(target=self._serve, name="farside-emu", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        """The bench thread: serve until stopped, then close the ports, which its loop no longer waits on."""
        try:
            self.session.serve()
        finally:
            self.session.close()

    @property
    def devices(self) -> list[str]:
        """The devices a client can open."""
        return list(self.session.ports)

    def connect(self, device: str) -> socket.socket:
        """A client's end of a fresh connection to ``device``'s link."""
        port = self.session.ports.get(device)
        if port is None:
            if device in self.left_out:
                raise TransportError(f"emu://{device}: {self.left_out[device]}")
            raise TransportError(f"emu://{device}: no such device; devices: {', '.join(self.devices)}")
        if port.up:
            raise TransportError(f"emu://{device} is already open in this process (one pyserial port per "
                                 f"device: close it before opening it again)")
        client = port.connect()
        self.clients += 1
        self.session.pacing.wake()
        return client

    def release(self, device: str) -> bool:
        """``device``'s client closed; True when it was the last one (the caller then stops the bench)."""
        port = self.session.ports.get(device)
        if port is not None:
            port.release()
        self.clients -= 1
        self.session.pacing.wake()
        return self.clients <= 0

    def stop(self) -> None:
        """Stop the bench thread, which closes everything as it leaves (waited for at most STOP_TIMEOUT_S)."""
        self.session.stop("last emu:// port closed")
        self._thread.join(STOP_TIMEOUT_S)


def _plugin_devices() -> tuple[list[str], dict[str, str]]:
    """Installed devices that are not on every bench: the emulated bench names them, so it models them too.

    A device whose model cannot be imported is left out with a PluginWarning, as a plugin that fails to load is
    (returned with the reason, which opening it reports).
    """
    registry = device_registry()
    modelled: list[str] = []
    left_out: dict[str, str] = {}
    for name in registry.dictionary.names:
        if name in registry.default_members:
            continue
        try:
            model_class(name)
        except ConfigurationError as exc:
            left_out[name] = str(exc)
            warnings.warn(f"{exc}; left out of the emu:// bench", PluginWarning, stacklevel=2)
            continue
        modelled.append(name)
    return modelled, left_out


_lock = threading.Lock()
_shared: EmulatedBench | None = None


def attach(device: str, seed: int | None, speed: float | None) -> tuple[EmulatedBench, socket.socket]:
    """Connect to ``device`` on the shared bench, starting it (with this seed and speed) if it is not running."""
    global _shared
    with _lock:
        started = _shared is None
        if _shared is None:
            _shared = EmulatedBench(0 if seed is None else seed, 1.0 if speed is None else speed)
        elif (seed is not None and seed != _shared.seed) or (speed is not None and speed != _shared.speed):
            raise TransportError(f"emu://{device}: the emulated bench already runs with seed={_shared.seed} "
                                 f"speed={_shared.speed}; close every emu:// port to start another")
        bench = _shared
        try:
            return bench, bench.connect(device)
        except TransportError:
            if started:  # no port ever joined the bench this call started: it stops again
                _shared = None
                bench.stop()
            raise


def detach(bench: EmulatedBench, device: str) -> None:
    """``device``'s client closed its port; the bench stops with the last one."""
    global _shared
    with _lock:
        last = bench.release(device)
        if last and _shared is bench:
            _shared = None
        else:
            last = False
    if last:
        bench.stop()
