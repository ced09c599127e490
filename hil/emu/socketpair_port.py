"""An in-process duplex port: one end of a socket pair, the other end held by a pyserial ``emu://`` object."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable

from hil.ports import PortCounters

ChangeCallback = Callable[[str, bool, str], None]


class SocketPairPort:
    """The bench's end of an ``emu://`` connection; down until a client attaches, down again when it closes.

    Clients come and go on their own threads while the bench's loop may be waiting on this port's fd, so an end a
    client leaves is only shut down then (its client reads end of file, the loop's wait wakes on it) and is closed
    by the loop's next ``service()``, or by ``close()`` once the loop has stopped.
    """

    kind = "emu"

    def __init__(self, url: str, name: str, on_change: ChangeCallback | None = None) -> None:
        self.url = url
        self.name = name
        self.endpoint = f"emu://{name}"
        self.on_change = on_change
        self.stats = PortCounters()
        self._socket: socket.socket | None = None
        self._retired: list[socket.socket] = []
        """Ends shut down but still open, because the loop may be waiting on them."""
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
            self._retire(previous)
        self.stats.connects += 1
        self._changed(True, "pyserial client opened the port")
        return theirs

    def fileno(self) -> int | None:
        """The bench end of the pair while a client is there."""
        current = self._socket
        return None if current is None else current.fileno()

    def service(self) -> bytes:
        """Read what the client wrote; notice when it has gone; close the ends clients have left."""
        octets = self._receive()
        self._close_retired()
        return octets

    def _receive(self) -> bytes:
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
        """The client closed its end: the port is down now, not when the bench next reads (it may reopen at once)."""
        current = self._socket
        if current is not None:
            self._drop(current, "pyserial client closed the port")

    def _drop(self, current: socket.socket, reason: str) -> None:
        with self._lock:
            if self._socket is not current:
                return
            self._socket = None
        self._retire(current)
        self.stats.disconnects += 1
        self._changed(False, reason)

    def _retire(self, end: socket.socket) -> None:
        """Shut ``end`` down (its client reads end of file, a wait on it wakes) and keep it open for the loop."""
        with contextlib.suppress(OSError):
            end.shutdown(socket.SHUT_RDWR)
        with self._lock:
            self._retired.append(end)

    def _close_retired(self) -> None:
        with self._lock:
            retired, self._retired = self._retired, []
        for end in retired:
            end.close()

    def _changed(self, up: bool, reason: str) -> None:
        if self.on_change is not None:
            self.on_change(self.name, up, reason)

    def close(self) -> None:
        """Drop the client and close every end (idempotent): only once no loop waits on this port any more."""
        current = self._socket
        if current is not None:
            self._drop(current, "bench closed")
        self._close_retired()
