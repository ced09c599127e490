"""A serial transport: a device path with its line settings, or any pyserial URL (``loop://``, ``socket://…``)."""

from __future__ import annotations

import contextlib

import serial

from hil.errors import TransportError
from hil.ports.serialport import OPEN_ERRORS
from hil.transports.base import TransportBase

WRITE_TIMEOUT_S = 10.0


class SerialTransport(TransportBase):
    """Writes octets to a pyserial port opened from a URL or a device path."""

    def __init__(self, url: str, path: str, options: dict[str, object] | None = None) -> None:
        self.url = url
        try:
            self.port: serial.SerialBase | None = serial.serial_for_url(
                path, do_not_open=True, write_timeout=WRITE_TIMEOUT_S, **(options or {}))
            self.port.open()
        except ValueError as exc:
            raise TransportError(f"bad URL {url!r}: {exc}") from None
        except OPEN_ERRORS as exc:
            raise TransportError(f"{url}: cannot open serial port: {exc}") from None

    def send(self, octets: bytes) -> None:
        """Write ``octets`` to the port (TransportError after a write timeout)."""
        if self.port is None:
            raise TransportError(f"{self.url}: transport is closed")
        try:
            self.port.write(octets)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise TransportError(f"{self.url}: cannot write {len(octets)} octets: {exc}") from None

    def close(self) -> None:
        """Wait for pending output, then close the port."""
        if self.port is not None:
            port, self.port = self.port, None
            with contextlib.suppress((serial.SerialException, OSError)):
                port.flush()
            port.close()
