"""A serial transport: any pyserial URL (``loop://``, ``socket://…``) or a device path with ``?baudrate=N``."""

from __future__ import annotations

import contextlib

import serial

from hil.errors import TransportError
from hil.transports.base import TransportBase
from hil.transports.url import bad_url

WRITE_TIMEOUT_S = 10.0
DEVICE_OPTIONS = {"baudrate": int}
"""Query options a plain device path accepts (pyserial URLs parse their own)."""


def _device_options(url: str) -> tuple[str, dict[str, int]]:
    port, _, query = url.partition("?")
    options: dict[str, int] = {}
    for item in filter(None, query.split("&")):
        key, _, value = item.partition("=")
        if key not in DEVICE_OPTIONS:
            raise TransportError(f"{url}: unknown option {key!r}; a device path takes ?baudrate=N")
        try:
            options[key] = DEVICE_OPTIONS[key](value)
        except ValueError:
            raise TransportError(f"{url}: {key}={value!r} is not a whole number") from None
    return port, options


class SerialTransport(TransportBase):
    """Writes octets to a pyserial port opened from a URL or a device path."""

    def __init__(self, url: str, device: bool) -> None:
        self.url = url
        port, options = _device_options(url) if device else (url, {})
        try:
            self.port: serial.SerialBase | None = serial.serial_for_url(
                port, do_not_open=True, write_timeout=WRITE_TIMEOUT_S, **options)
            self.port.open()
        except ValueError as exc:
            raise bad_url(url, str(exc)) from None
        except (serial.SerialException, OSError) as exc:
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
