"""What every duplex port offers (``DuplexPort``), its counters, and the up/down and stream plumbing they share."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import ClassVar, Protocol, runtime_checkable

OnChange = Callable[[str, bool, str], None]
"""``on_change(name, up, reason)``: called on every up/down transition of a port."""

READ_CHUNK = 65536
MAX_READ = 1 << 20
"""At most this many octets are returned by one ``service()`` call (the rest wait for the next)."""


@dataclass
class PortCounters:
    """What a port has moved and lost since it was opened."""

    octets_in: int = 0
    octets_out: int = 0
    writes_dropped: int = 0
    """Octets dropped because the port was down or the OS buffer was full (``octets_discarded`` included)."""
    octets_discarded: int = 0
    """Octets a ``write()`` had taken but the peer left before they went out (a partial write's tail, a queue)."""
    overflows: int = 0
    """Datagrams the OS dropped because the receive buffer was full (udp on Linux; learnt with the next datagram)."""
    disconnects: int = 0
    connects: int = 0
    refused: int = 0
    """Clients turned away because one was already connected (tcp-listen), datagrams from a host other than the
    peer's (udp)."""


@runtime_checkable
class DuplexPort(Protocol):
    """A non-blocking, self-reconnecting byte port named by a URL, driven from a ``selectors`` loop."""

    url: str
    name: str
    """The label passed to ``on_change`` (e.g. "sampler")."""
    kind: str
    """pty, tcp-listen, tcp-connect, udp or serial."""
    endpoint: str
    """How the outside reaches this port: the pty slave path, the bound listening or UDP address (the real port
    when 0 was asked for), the address a tcp-connect port dials, the device path or pyserial URL."""
    up: bool
    """A peer is there to talk to."""
    stats: PortCounters
    retry_s: float
    """How often ``service()`` retries while down; the driver should call it at least this often."""

    def fileno(self) -> int | None:
        """The fd to watch for readability now, or None when the port must be polled (re-read after service())."""

    def service(self) -> bytes:
        """Accept, read, reconnect or reopen as needed without blocking; the octets received (b"" if none)."""

    def write(self, octets: bytes) -> bool:
        """Send ``octets`` without blocking; False (and counted in ``writes_dropped``) if they were dropped."""

    def close(self) -> None:
        """Release everything; closing twice is harmless."""


class PortBase:
    """Shared state and transitions; stream ports supply ``_send`` and ``_release`` and get ``write`` for free."""

    kind: ClassVar[str] = ""
    retry_s: float = 0.2

    def __init__(self, url: str, name: str, on_change: OnChange | None, endpoint: str = "") -> None:
        self.url = url
        self.name = name
        self.endpoint = endpoint
        self.up = False
        self.reason = "not opened yet"
        """Why the port is in its current state (the latest transition or failed attempt)."""
        self.stats = PortCounters()
        self.exposure = ""
        """How other machines can reach this port (``listens on 0.0.0.0:4000``); "" when only this one can."""
        self.closed = False
        self._on_change = on_change
        self._retry_at = 0.0
        self._tail = b""

    def fileno(self) -> int | None:
        """No fd to watch (subclasses override)."""
        return None

    def service(self) -> bytes:
        """Nothing to do (subclasses override)."""
        return b""

    def close(self) -> None:
        """Release the port's resources; it is down afterwards but no transition is reported (the caller knows)."""
        if not self.closed:
            self.closed = True
            self.up = False
            self.reason = "closed"
            self._tail = b""
            self._release()

    def write(self, octets: bytes) -> bool:
        """Put all of ``octets`` on the stream or none of them; a partial OS write keeps its tail for the next call."""
        if not octets:
            return True
        if not self.up:
            return self._drop(len(octets))
        try:
            if self._tail:
                self._flush_tail()
                if self._tail:
                    return self._drop(len(octets))
            sent = self._send(octets)
        except BlockingIOError:
            return self._drop(len(octets))
        except OSError as exc:
            self._lose(f"write failed: {describe(exc)}")
            return self._drop(len(octets))
        self.stats.octets_out += sent
        self._tail = octets[sent:]
        return True

    def _send(self, octets: bytes) -> int:
        """Write what the OS takes now; the count (BlockingIOError when it takes nothing)."""
        raise BlockingIOError

    def _release(self) -> None:
        """Let go of the peer's resources (subclasses override)."""

    def _flush_tail(self) -> None:
        """Send what is left of a partially written ``write()`` (OSError when the peer is gone)."""
        while self._tail:
            try:
                sent = self._send(self._tail)
            except BlockingIOError:
                return
            self.stats.octets_out += sent
            self._tail = self._tail[sent:]

    def _service_tail(self) -> None:
        """Flush the tail from ``service()``; a dead peer marks the port down."""
        if self._tail and self.up:
            try:
                self._flush_tail()
            except OSError as exc:
                self._lose(f"write failed: {describe(exc)}")

    def _drop(self, count: int) -> bool:
        self.stats.writes_dropped += count
        return False

    def _discard(self, count: int) -> None:
        """Octets a ``write()`` had taken that will never leave: count them as dropped."""
        self.stats.octets_discarded += count
        self._drop(count)

    def _lose(self, reason: str) -> None:
        """The peer is gone: release it and go down."""
        self._release()
        self._went_down(reason)

    def _went_up(self, reason: str) -> None:
        self.reason = reason
        if not self.up:
            self.up = True
            self.stats.connects += 1
            self._notify(reason)

    def _went_down(self, reason: str) -> None:
        self.reason = reason
        self._retry_at = time.monotonic() + self.retry_s
        if self._tail:
            self._discard(len(self._tail))
            self._tail = b""
        if self.up:
            self.up = False
            self.stats.disconnects += 1
            self._notify(reason)

    def _notify(self, reason: str) -> None:
        if self._on_change is not None:
            self._on_change(self.name, self.up, reason)

    def _retry_due(self) -> bool:
        """True at most once every ``retry_s`` (the first call right away)."""
        now = time.monotonic()
        if now < self._retry_at:
            return False
        self._retry_at = now + self.retry_s
        return True

    def __enter__(self) -> PortBase:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "up" if self.up else "down"
        return f"{type(self).__name__}({self.name!r}, {self.url!r}, {state}, endpoint={self.endpoint!r})"


def drain(read: Callable[[int], bytes], short_read_ends: bool = False) -> tuple[bytes, Exception | None]:
    """Read until nothing more is waiting (at most MAX_READ): the octets, and why the peer is gone (None if not).

    ``read(n)`` returns b"" at end of stream (reported as EOFError) and raises BlockingIOError when nothing waits;
    any other OSError is reported, after the octets that arrived before it. With ``short_read_ends`` a read that
    returns fewer octets than asked for ends the turn (the fd held no more), saving the read that would only
    say so; whatever comes later (a departure included) makes the fd readable again for the next turn.
    """
    data = bytearray()
    while len(data) < MAX_READ:
        try:
            chunk = read(READ_CHUNK)
        except BlockingIOError:
            return bytes(data), None
        except OSError as exc:
            return bytes(data), exc
        if not chunk:
            return bytes(data), EOFError("end of stream")
        if short_read_ends and len(chunk) < READ_CHUNK:
            return bytes(data) + chunk if data else chunk, None
        data += chunk
    return bytes(data), None


def describe(exc: BaseException) -> str:
    """An OSError's strerror, else its text."""
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
