"""pyserial's handler for ``emu://DEVICE[?seed=N&speed=X]`` (grammar: ``hil.schemes.emu``), found by ``serial_for_url``
once registered."""

from __future__ import annotations

import fcntl
import select
import socket
import struct
import termios
import time

from serial import PortNotOpenError, SerialBase, SerialException, SerialTimeoutException

from hil.schemes.emu import EmuUrl
from protocols.errors import FarsideError


class Serial(SerialBase):
    """A pyserial port onto an emulated device's link; the octets are exactly those a real cable would carry."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self._socket: socket.socket | None = None
        self._bench: object | None = None
        self._device = ""
        super().__init__(*args, **kwargs)

    def open(self) -> None:
        """Attach to the process's emulated bench (started on the first open)."""
        from hil.emu.bench import attach

        if self.is_open:
            raise SerialException("Port is already open.")
        if self._port is None:
            raise SerialException("Port must be configured before it can be used.")
        try:
            url = EmuUrl.from_url(self.portstr)
            self._bench, self._socket = attach(url.device, url.seed, url.speed)
        except FarsideError as exc:  # a bad URL, an unknown device, a plugin model that cannot be imported
            raise SerialException(str(exc)) from None
        self._device = url.device
        self._socket.setblocking(False)
        self.is_open = True

    def close(self) -> None:
        """Detach; the bench stops when its last port closes."""
        from hil.emu.bench import detach

        if self._socket is not None:
            self._socket.close()
            self._socket = None
        if self._bench is not None:
            bench, self._bench = self._bench, None
            detach(bench, self._device)  # type: ignore[arg-type]
        self.is_open = False

    def _reconfigure_port(self) -> None:
        """Baud rate and the like mean nothing in-process."""

    def _open_socket(self) -> socket.socket:
        if not self.is_open or self._socket is None:
            raise PortNotOpenError()
        return self._socket

    @property
    def in_waiting(self) -> int:
        """Octets ready to read."""
        sock = self._open_socket()
        return struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.FIONREAD, b"\0\0\0\0"))[0]

    def read(self, size: int = 1) -> bytes:
        """Up to ``size`` octets, waiting at most ``timeout`` seconds (None: until all arrive; 0: what is there)."""
        sock = self._open_socket()
        deadline = None if self._timeout is None else time.monotonic() + self._timeout
        data = bytearray()
        while len(data) < size:
            try:
                chunk = sock.recv(size - len(data))
            except BlockingIOError:
                chunk = None
            except OSError as exc:
                raise SerialException(f"emu:// bench closed the port ({exc.strerror})") from None
            if chunk == b"":
                raise SerialException("emu:// bench closed the port")
            if chunk:
                data += chunk
                continue
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                break
            select.select([sock], [], [], wait)
        return bytes(data)

    def write(self, data: bytes) -> int:
        """Send every octet (waiting at most ``write_timeout``)."""
        sock = self._open_socket()
        view = memoryview(bytes(data))
        deadline = None if self._write_timeout is None else time.monotonic() + self._write_timeout
        while view:
            try:
                view = view[sock.send(view):]
            except BlockingIOError:
                wait = None if deadline is None else deadline - time.monotonic()
                if wait is not None and wait <= 0:
                    raise SerialTimeoutException("Write timeout") from None
                select.select([], [sock], [], wait)
            except OSError as exc:  # the bench end is gone (BrokenPipeError, ConnectionResetError)
                raise SerialException(f"emu:// bench closed the port ({exc.strerror})") from None
        return len(data)

    def reset_input_buffer(self) -> None:
        """Drop what has arrived but not been read."""
        sock = self._open_socket()
        while True:
            try:
                if not sock.recv(65536):
                    return
            except BlockingIOError:
                return

    def reset_output_buffer(self) -> None:
        """Nothing is buffered on this side."""

    def fileno(self) -> int:
        """The socket to select on, like a posix serial port's fd."""
        return self._open_socket().fileno()
