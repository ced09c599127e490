"""The one emulated bench behind every ``emu://`` port of a process, running in real time on its own thread."""

from __future__ import annotations

import socket
import threading

from firmware_sim.scenario.model import BenchSettings, Scenario
from hil.emu.socketpair_port import SocketPairPort
from hil.errors import TransportError
from hil.serve.session import ServeSession
from protocols.dictionary import device_registry

EMU_URL = "emu://"
STOP_TIMEOUT_S = 5.0


class EmulatedBench:
    """Every device modelled, each exposed as an in-process port; the flight software is whoever opens them."""

    def __init__(self, seed: int = 0, speed: float = 1.0) -> None:
        self.seed = seed
        self.speed = speed
        named = {name: {} for name in _plugin_devices()}
        scenario = Scenario(name="emu", path="<emu>", seed=seed, bench=BenchSettings(nodes={"fsw": EMU_URL},
                                                                                   devices=named))
        self.session = ServeSession(scenario, speed=speed)
        self.session.open(opener=SocketPairPort)
        self.clients = 0
        self._thread = threading.Thread(target=self.session.serve, name="farside-emu", daemon=True)
        self._thread.start()

    @property
    def devices(self) -> list[str]:
        """The devices a client can open."""
        return list(self.session.ports)

    def connect(self, device: str) -> socket.socket:
        """A client's end of a fresh connection to ``device``'s link."""
        port = self.session.ports.get(device)
        if port is None:
            raise TransportError(f"emu://{device}: no such device; devices: {', '.join(self.devices)}")
        client = port.connect()
        self.clients += 1
        self.session.pacing.wake()
        return client

    def release(self) -> bool:
        """A client closed; True when it was the last one (the caller then stops the bench)."""
        self.clients -= 1
        self.session.pacing.wake()
        return self.clients <= 0

    def stop(self) -> None:
        """Stop the bench thread and close everything."""
        self.session.stop("last emu:// port closed")
        self._thread.join(STOP_TIMEOUT_S)
        self.session.close()


def _plugin_devices() -> list[str]:
    """Installed devices that are not on every bench: the emulated bench names them, so it models them too."""
    registry = device_registry()
    return [name for name in registry.dictionary.names if name not in registry.default_members]


_lock = threading.Lock()
_shared: EmulatedBench | None = None


def attach(device: str, seed: int | None, speed: float | None) -> tuple[EmulatedBench, socket.socket]:
    """Connect to ``device`` on the shared bench, starting it (with this seed and speed) if it is not running."""
    global _shared
    with _lock:
        started = _shared is None
        if _shared is None:
            _shared = EmulatedBench(seed or 0, speed or 1.0)
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


def detach(bench: EmulatedBench) -> None:
    """A client closed its port; the bench stops with the last one."""
    global _shared
    with _lock:
        last = bench.release()
        if last and _shared is bench:
            _shared = None
        else:
            last = False
    if last:
        bench.stop()
