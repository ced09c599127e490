"""Serial ports through pyserial: a device path (``/dev/ttyUSB0?baudrate=115200&parity=E``, ``COM3``) or a pyserial
URL (``socket://``, ``rfc2217://``, ``loop://``, ``spy://``, ``hwgrep://``), and the rule that tells a device path
from a file."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from typing import ClassVar, Self

from hil.ports.base import DuplexPort, OnChange
from hil.schemes.base import Role, Url
from hil.schemes.grammar import FALSE, TRUE, bad_url, scheme_of
from hil.transports.base import Transport

WINDOWS_PORT = re.compile(r"^(COM\d+|\\\\\.\\COM\d+)$", re.IGNORECASE)
NOT_SERIAL = ("/dev/null", "/dev/zero", "/dev/full", "/dev/stdin", "/dev/stdout", "/dev/stderr", "/dev/fd/",
              "/dev/shm/", "/proc/")
"""Paths under /dev that are no serial line (files, pseudo-files and the like)."""
DEVICE_OPTIONS = ("baudrate", "bytesize", "parity", "stopbits", "rtscts", "xonxoff", "dsrdtr")
"""Query options a serial device path accepts (pyserial URLs parse their own)."""
PYSERIAL_SCHEMES = ("socket", "rfc2217", "loop", "spy", "hwgrep")
"""pyserial's own URL schemes farside passes through."""
_PARITIES = {"N": "N", "E": "E", "O": "O", "M": "M", "S": "S",
             "NONE": "N", "EVEN": "E", "ODD": "O", "MARK": "M", "SPACE": "S"}


def is_serial_device(path: str) -> bool:
    """The one rule for a plain path: a serial device when it is COMn, under /dev/ (not /dev/null, /dev/stdout …)
    or a character device now (a udev name elsewhere, a ``pty://?link=`` symlink); any other path is a file."""
    path = path.partition("?")[0]
    if WINDOWS_PORT.match(path):
        return True
    if path.startswith(NOT_SERIAL):
        return False
    if path.startswith("/dev/"):
        return True
    try:
        is_character = stat.S_ISCHR(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False
    return is_character and not os.path.realpath(path).startswith(NOT_SERIAL)


def _option(url: str, key: str, value: str, form: str) -> object:
    text = value.strip()
    if key == "baudrate" and text.isdigit() and int(text) > 0:
        return int(text)
    if key == "bytesize" and text in ("5", "6", "7", "8"):
        return int(text)
    if key == "parity" and text.upper() in _PARITIES:
        return _PARITIES[text.upper()]
    if key == "stopbits" and text in ("1", "1.5", "2"):
        return float(text) if text == "1.5" else int(text)
    if key in ("rtscts", "xonxoff", "dsrdtr") and text.lower() in (*TRUE[1:], *FALSE):
        return text.lower() in TRUE
    raise bad_url(url, f"{key}={value!r} is not valid (baudrate: a positive whole number, bytesize: 5-8, "
                       "parity: N/E/O/M/S, stopbits: 1/1.5/2, rtscts/xonxoff/dsrdtr: 0/1)", form)


@dataclass(frozen=True)
class DeviceUrl(Url):
    """A serial device by path with its line settings: a port, and a replay target (ASM framing by default)."""

    form: ClassVar[str] = ("a serial device path (/dev/ttyUSB0?baudrate=115200&bytesize=8&parity=N&stopbits=1"
                           "&rtscts=0&xonxoff=0, /dev/serial/by-id/…, COM3)")
    what: ClassVar[str] = "a serial device"
    roles: ClassVar[frozenset[Role]] = frozenset({Role.PORT, Role.TARGET})
    default_framing: ClassVar[str] = "asm"

    path: str = ""
    options: dict[str, object] = field(default_factory=dict)
    """Line settings for pyserial (``baudrate``, ``parity`` …), typed."""

    @classmethod
    def from_url(cls, url: str) -> Self:
        """``PATH[?baudrate=N&bytesize=5-8&parity=N|E|O|M|S&stopbits=1|1.5|2&rtscts=0|1&xonxoff=0|1&dsrdtr=0|1]``."""
        path, _, query = url.partition("?")
        if not path:
            raise bad_url(url, "names no device", cls.form)
        settings: dict[str, object] = {}
        for item in filter(None, query.split("&")):
            key, _, value = item.partition("=")
            if key not in DEVICE_OPTIONS:
                raise bad_url(url, f"unknown serial option {key!r} (a device path takes {', '.join(DEVICE_OPTIONS)})",
                              cls.form)
            if key in settings:
                raise bad_url(url, f"option {key!r} given twice", cls.form)
            settings[key] = _option(url, key, value, cls.form)
        return cls(url, path, settings)

    def open_port(self, name: str, on_change: OnChange | None = None) -> DuplexPort:
        """Open the device now; it reopens by itself after an unplug."""
        from hil.ports.serialport import SerialPort

        return SerialPort(self.text, name, on_change, path=self.path, options=self.options, device=True)

    def open_target(self) -> Transport:
        """Open the device for writing."""
        from hil.transports.serialport import SerialTransport

        return SerialTransport(self.text, self.path, self.options)


@dataclass(frozen=True)
class PyserialUrl(Url):
    """One of pyserial's own URLs, handed to ``serial.serial_for_url`` as written (pyserial parses its options)."""

    form: ClassVar[str] = ("a pyserial URL (socket://HOST:PORT, rfc2217://HOST:PORT, loop://, spy://URL, "
                           "hwgrep://REGEXP)")
    what: ClassVar[str] = "a pyserial port"
    roles: ClassVar[frozenset[Role]] = frozenset({Role.PORT, Role.TARGET})
    default_framing: ClassVar[str] = "asm"

    @classmethod
    def from_url(cls, url: str) -> Self:
        """Any URL of pyserial's schemes."""
        if scheme_of(url) not in PYSERIAL_SCHEMES:
            raise bad_url(url, "not a pyserial URL", cls.form)
        return cls(url)

    def open_port(self, name: str, on_change: OnChange | None = None) -> DuplexPort:
        """Open it now; it reopens (on a helper thread) after the far end goes away."""
        from hil.ports.serialport import SerialPort

        return SerialPort(self.text, name, on_change, path=self.text)

    def open_target(self) -> Transport:
        """Open it for writing."""
        from hil.transports.serialport import SerialTransport

        return SerialTransport(self.text, self.text)
