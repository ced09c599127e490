"""An in-process duplex port: one end of a socket pair, the other end held by a pyserial ``emu://`` object."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

from hil.ports import PortCounters

ChangeCallback = Callable[[str, bool, str], None]


class SocketPairPort:
    """The bench's end of an ``emu://`` connection; down until a client attaches, down again when it closes."""

    kind = "emu"

    def __init__(self, url: str, name: str, on_change: ChangeCallback | None = None) -> None:
        self.url = url
        self.name = name
        self.endpoint = f"emu://{name}"
        self.on_change = on_change
        self.stats = PortCounters()
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()

    @property
    def up(self) -> bool:
        """True while a pyserial client holds the other end."""
        return self._socket is not None

    def connect(self) -> socket.socket:
        """A new client: returns its end of a fresh socket pair (the bench lets one client in at a time)."""
        ours, theirs = socket.socketpair()
        ours.setblocking(False)
        with self._lock:
            previous, self._socket = self._socket, ours
        if previous is not None:
            previous.close()
        self.stats.connects += 1
        self._changed(True, "pyserial client opened the port")
        return theirs

    def fileno(self) -> int | None:
        """The bench end of the pair while a client is there."""
        current = self._socket
        return None if current is None else current.fileno()

    def service(self) -> bytes:
        """Read what the client wrote; notice when it has gone."""
        current = self._socket
        if current is None:
            return b""
        try:
            octets = current.recv(65536)
        except BlockingIOError:
            return b""
        except OSError:
            octets = b""
        if not octets:
            self._drop(current, "pyserial client closed the port")
            return b""
        self.stats.octets_in += len(octets)
        return octets

    def write(self, octets: bytes) -> bool:
        """Hand octets to the client; False (counted) when no client is there or it does not read."""
        current = self._socket
        if current is not None:
            try:
                if current.send(octets) == len(octets):
                    self.stats.octets_out += len(octets)
                    return True
            except OSError:  # full, or the client went away: service() notices that (it reads the end of stream)
                pass
        self.stats.writes_dropped += len(octets)
        return False

    def release(self) -> None:
        """The client closed its end: drop it now, not when the bench next reads (it may reopen at once)."""
        current = self._socket
        if current is not None:
            self._drop(current, "pyserial client closed the port")

    def _drop(self, current: socket.socket, reason: str) -> None:
        with self._lock:
            if self._socket is not current:
                return
            self._socket = None
        current.close()
        self.stats.disconnects += 1
        self._changed(False, reason)

    def _changed(self, up: bool, reason: str) -> None:
        if self.on_change is not None:
            self.on_change(self.name, up, reason)

    def close(self) -> None:
        """Drop the client (idempotent)."""
        current = self._socket
        if current is not None:
            self._drop(current, "bench closed")
