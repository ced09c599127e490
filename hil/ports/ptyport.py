"""``pty://``: a pseudo-terminal farside creates; a program opens its slave path like a serial port.

The port is down until a reader has the slave open (nobody has, right after creation) and goes down again
when the last reader closes it: on Linux the master then reads EIO and polls as HUP, so ``fileno()`` is None
while down and ``service()`` probes the master instead (EIO: still down; nothing waiting or data: up).
Writes while down are dropped and counted; when a reader leaves, whatever it did not read is flushed from the
slave's input and the slave is set raw again, so the next reader starts clean and binary-safe.
"""

from __future__ import annotations

import contextlib
import errno
import os
import termios
import tty
from pathlib import Path

from hil.errors import TransportError
from hil.ports.base import READ_CHUNK, OnChange, PortBase, describe, drain


def _make_link(link: Path, target: str) -> None:
    """Point ``link`` at ``target``, replacing a stale symlink (never a real file)."""
    if link.exists() and not link.is_symlink():
        raise TransportError(f"pty link {link}: exists and is not a symlink; not replacing it")
    temporary = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    try:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        temporary.symlink_to(target)
        temporary.replace(link)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise TransportError(f"pty link {link}: cannot create it: {describe(exc)}") from None


class PtyPort(PortBase):
    """A pseudo-terminal: farside holds the master, ``endpoint`` is the slave path a reader opens."""

    kind = "pty"

    def __init__(self, url: str, name: str, on_change: OnChange | None = None, *, link: str = "") -> None:
        super().__init__(url, name, on_change)
        try:
            self._master: int | None
            self._master, slave = os.openpty()
        except OSError as exc:
            raise TransportError(f"{url}: cannot create a pseudo-terminal: {describe(exc)}") from None
        try:
            tty.setraw(slave)
            self.endpoint = os.ttyname(slave)
            os.set_blocking(self._master, False)
        except (OSError, termios.error) as exc:
            self._release()
            raise TransportError(f"{url}: cannot set up the pseudo-terminal: {exc}") from None
        finally:
            os.close(slave)
        self.link = Path(link) if link else None
        if self.link is not None:
            try:
                _make_link(self.link, self.endpoint)
            except TransportError:
                self.link = None
                self._release()
                raise
        self.reason = f"waiting for a reader to open {self.endpoint}"

    def fileno(self) -> int | None:
        """The master while a reader is there; None while down (a master without reader polls as HUP)."""
        return self._master if self.up else None

    def service(self) -> bytes:
        """Read what the reader wrote; while down, probe whether a reader has opened the slave."""
        if self._master is None:
            return b""
        if self.up and not self._tail:  # the common turn: one read that the fd answers in full
            try:
                data = os.read(self._master, READ_CHUNK)
            except OSError:
                data = b""
            else:
                if 0 < len(data) < READ_CHUNK:
                    self.stats.octets_in += len(data)
                    return data
            more, gone = drain(self._read, short_read_ends=True)  # the rest, or why the reader left
            data += more
        else:
            data, gone = drain(self._read, short_read_ends=self.up)  # while down: read on, to learn EIO
        self.stats.octets_in += len(data)
        if (gone is None or data) and not self.up:
            self._went_up(f"a reader opened {self.endpoint}")
        if gone is not None and self.up:
            self._went_down(f"the reader closed {self.endpoint}" if _is_eio(gone) else f"pty error: {describe(gone)}")
            self._forget_stale()
        self._service_tail()
        return data

    def _read(self, size: int) -> bytes:
        assert self._master is not None
        return os.read(self._master, size)

    def _send(self, octets: bytes) -> int:
        if self._master is None:
            raise BlockingIOError
        return os.write(self._master, octets)

    def _lose(self, reason: str) -> None:
        """A failed write never ends a pty: go down and wait for the next reader."""
        self._went_down(reason)
        self._forget_stale()

    def _forget_stale(self) -> None:
        """Discard octets the last reader left unread and set the slave raw again, for the next reader."""
        try:
            slave = os.open(self.endpoint, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError:
            return
        try:
            termios.tcflush(slave, termios.TCIFLUSH)
            tty.setraw(slave)
        except termios.error:
            pass
        finally:
            os.close(slave)

    def _release(self) -> None:
        if self._master is not None:
            os.close(self._master)
            self._master = None
        if self.link is not None:
            with contextlib.suppress(OSError):
                if os.readlink(self.link) == self.endpoint:
                    self.link.unlink()
            self.link = None


def _is_eio(exc: Exception) -> bool:
    return isinstance(exc, OSError) and exc.errno == errno.EIO
