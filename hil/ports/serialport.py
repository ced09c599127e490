"""Serial ports: a device path (``/dev/ttyUSB0?baudrate=115200``, ``COM3``) or any pyserial URL.

Opening happens at once (an error then is fatal). A device that later disconnects (end of file, an I/O error, or
its path vanishing or naming another device) takes the port down; ``service()`` reopens the same path every
``retry_s``, so a re-plugged USB adapter (often behind a udev symlink) comes back by itself. pyserial URLs reopen
on a helper thread, since some (``socket://``) may block while connecting.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future

import serial
from serial.urlhandler import protocol_socket

from hil.errors import TransportError
from hil.ports.base import OnChange, PortBase, describe, drain
from hil.ports.pump import Pump

try:
    import termios
except ImportError:  # Windows: no ttys, COM ports go through a Pump
    termios = None  # type: ignore[assignment]

OPEN_ERRORS: tuple[type[Exception], ...] = (serial.SerialException, OSError, *((termios.error,) if termios else ()))
"""What opening a port may raise besides ValueError (pyserial lets a tty's refusal of its settings through)."""


def raw_fd(port: serial.SerialBase) -> int | None:
    """The OS fd to read and write directly when that bypasses nothing of pyserial's, else None (use a Pump).

    That is a plain posix tty (device paths, ``hwgrep://``) or a ``socket://`` connection; handlers that add
    behaviour to read/write (``spy://``) or have no fd (``loop://``, ``rfc2217://``, Windows) go through a Pump.
    """
    if os.name != "posix":
        return None
    kind = type(port)
    if kind is protocol_socket.Serial:
        return port.fileno()
    posix = getattr(serial, "serialposix", None)
    if posix is not None and isinstance(port, posix.Serial) and kind.read is posix.Serial.read \
            and kind.write is posix.Serial.write:
        return port.fd
    return None


def _empty_means_wait(fd: int) -> None:
    """VMIN=1 on a tty, so an empty non-blocking read is EAGAIN and only a hang-up reads as end of file.

    (pyserial leaves VMIN=0, VTIME=0, where a read with nothing waiting returns b"" just like a hang-up.)
    """
    if termios is None or not os.isatty(fd):
        return
    with contextlib.suppress(termios.error):
        attributes = termios.tcgetattr(fd)
        attributes[6][termios.VMIN], attributes[6][termios.VTIME] = 1, 0
        termios.tcsetattr(fd, termios.TCSANOW, attributes)


def _call_in_thread(call: Callable[[], serial.SerialBase], name: str) -> Future[serial.SerialBase]:
    """Run ``call`` on a daemon thread; its result or exception arrives in the future."""
    future: Future[serial.SerialBase] = Future()

    def run() -> None:
        try:
            future.set_result(call())
        except BaseException as exc:  # handed to the loop through the future
            future.set_exception(exc)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future


class SerialPort(PortBase):
    """A pyserial port driven without blocking: its own fd where it has a plain one, else a Pump's pipe."""

    kind = "serial"

    def __init__(self, url: str, name: str, on_change: OnChange | None = None, *, path: str,
                 options: dict[str, object] | None = None, device: bool = False) -> None:
        super().__init__(url, name, on_change, path)
        self.device = device
        self._options = dict(options or {})
        self._port: serial.SerialBase | None = None
        self._fd: int | None = None
        self._pump: Pump | None = None
        self._reopening: Future[serial.SerialBase] | None = None
        self._checked_at = 0.0
        try:
            port = self._open()
        except ValueError as exc:
            raise TransportError(f"bad URL {url!r}: {describe(exc)}") from None
        except OPEN_ERRORS as exc:
            raise TransportError(f"{url}: cannot open serial port: {describe(exc)}") from None
        self._attach(port, f"opened {self.endpoint}")

    def fileno(self) -> int | None:
        """The device's fd or the Pump's pipe while up; None while down (reopen attempts are polled)."""
        if self._pump is not None:
            return self._pump.fileno()
        return self._fd

    def service(self) -> bytes:
        """Read while up (noticing a disconnect); while down, reopen every ``retry_s``."""
        if self.closed:
            return b""
        if not self.up:
            self._reopen()
            return b""
        if self._pump is not None:
            data, running = self._pump.read()
            gone: Exception | None = None if running else OSError(self._pump.error or "stopped")
        else:
            data, gone = drain(self._read)
        self.stats.octets_in += len(data)
        if gone is not None:
            self._lose(f"{self.endpoint} disconnected: {'hung up' if isinstance(gone, EOFError) else describe(gone)}")
        else:
            self._check_path()
        self._service_tail()
        return data

    def write(self, octets: bytes) -> bool:
        """Non-blocking; through the Pump's bounded queue when there is one."""
        if self._pump is None or not octets:
            return super().write(octets)
        if not self.up or not self._pump.write(octets):
            return self._drop(len(octets))
        self.stats.octets_out += len(octets)
        return True

    def _open(self) -> serial.SerialBase:
        port = serial.serial_for_url(self.endpoint, do_not_open=True, timeout=0, **self._options)
        port.open()
        return port

    def _attach(self, port: serial.SerialBase, reason: str) -> None:
        self._port = port
        fd = raw_fd(port)
        if fd is None:
            self._pump = Pump(port, f"{self.name} {self.endpoint}")
        else:
            os.set_blocking(fd, False)
            _empty_means_wait(fd)
            self._fd = fd
        self._checked_at = time.monotonic()
        self._went_up(reason)

    def _reopen(self) -> None:
        if self.device:
            if self._retry_due():
                try:
                    self._attach(self._open(), f"reopened {self.endpoint}")
                except (*OPEN_ERRORS, ValueError) as exc:
                    self.reason = f"cannot reopen {self.endpoint}: {describe(exc)}"
            return
        if self._reopening is None:
            if self._retry_due():
                self._reopening = _call_in_thread(self._open, f"{self.name} reopen")
            return
        if self._reopening.done():
            future, self._reopening = self._reopening, None
            try:
                self._attach(future.result(), f"reopened {self.endpoint}")
            except Exception as exc:  # whatever the handler raised: stay down, retry later
                self.reason = f"cannot reopen {self.endpoint}: {describe(exc)}"
                self._retry_at = time.monotonic() + self.retry_s

    def _check_path(self) -> None:
        """Every ``retry_s`` while up: a device path that vanished or now names another device → down."""
        if not self.device or self._fd is None or os.name != "posix":
            return
        now = time.monotonic()
        if now - self._checked_at < self.retry_s:
            return
        self._checked_at = now
        try:
            changed = os.stat(self.endpoint).st_rdev != os.fstat(self._fd).st_rdev
        except OSError:
            self._lose(f"{self.endpoint} vanished")
            return
        if changed:
            self._lose(f"{self.endpoint} now names another device")

    def _read(self, size: int) -> bytes:
        assert self._fd is not None
        return os.read(self._fd, size)

    def _send(self, octets: bytes) -> int:
        if self._fd is None:
            raise BlockingIOError
        return os.write(self._fd, octets)

    def _lose(self, reason: str) -> None:
        """The device is gone: let go of it and go down. Slow pyserial closes (socket:// sleeps) run on a thread."""
        port, pump, fd = self._detach()
        if fd is not None and os.isatty(fd):
            _shut(port, pump)
        else:
            threading.Thread(target=_shut, args=(port, pump), name=f"{self.name} close", daemon=True).start()
        self._went_down(reason)

    def _release(self) -> None:
        _shut(*self._detach()[:2])
        if self._reopening is not None:
            self._reopening.add_done_callback(_close_result)
            self._reopening = None

    def _detach(self) -> tuple[serial.SerialBase | None, Pump | None, int | None]:
        """Forget the open port, counting writes its Pump will never deliver as dropped."""
        detached = self._port, self._pump, self._fd
        self._port, self._pump, self._fd = None, None, None
        if detached[1] is not None:
            unsent = detached[1].stop()
            self.stats.octets_out -= unsent
            self._discard(unsent)
        return detached


def _shut(port: serial.SerialBase | None, pump: Pump | None) -> None:
    """Close a port (through its Pump when it has one), ignoring whatever a dead device raises."""
    if pump is not None:
        pump.close()
    elif port is not None:
        with contextlib.suppress(Exception):
            port.close()


def _close_result(future: Future[serial.SerialBase]) -> None:
    """A reopen that finishes after the port was closed: close what it opened."""
    if future.exception() is None:
        _shut(future.result(), None)
