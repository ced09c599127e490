"""Parse a transport URL into what to open: udp, tcp, file or serial (pyserial URL or device path)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

from hil.errors import TransportError

EXPECTED = ("udp://HOST:PORT, tcp://HOST:PORT, file:PATH or a plain path, "
            "a serial device (/dev/ttyUSB0?baudrate=115200) or a pyserial URL (socket://HOST:PORT, loop://)")
"""The accepted forms, named in every bad-URL error."""

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_WINDOWS_PORT = re.compile(r"^COM\d+(\?.*)?$", re.IGNORECASE)
_NOT_SERIAL = ("/dev/null", "/dev/stdout", "/dev/stderr", "/dev/fd/")


class Target(NamedTuple):
    """A parsed transport URL: its kind (udp, tcp, file, serial, device) and where."""

    kind: str
    host: str = ""
    port: int = 0
    path: str = ""


def bad_url(url: str, why: str) -> TransportError:
    """The error for a URL that names no transport, listing the forms that would."""
    return TransportError(f"bad transport URL {url!r}: {why}; expected {EXPECTED}")


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    try:
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise bad_url(url, str(exc)) from None
    if not host or port is None or port == 0:
        raise bad_url(url, "needs a host and a port from 1 to 65535")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise bad_url(url, "takes nothing after HOST:PORT")
    return host, port


def is_device_path(text: str) -> bool:
    """A serial device rather than a file: /dev/tty…, /dev/serial/…, /dev/pts/… or COMn."""
    if _WINDOWS_PORT.match(text):
        return True
    return text.startswith("/dev/") and not text.startswith(_NOT_SERIAL)


def parse_url(url: str) -> Target:
    """What a transport URL names; TransportError naming the accepted forms when it names nothing."""
    url = url.strip()
    if not url:
        raise bad_url(url, "empty")
    scheme = _SCHEME.match(url)
    if scheme:
        name = scheme.group(1).lower()
        if name in ("udp", "tcp"):
            host, port = _host_port(url)
            return Target(name, host, port)
        if name == "file":
            path = urlsplit(url).path
            if not path:
                raise bad_url(url, "names no file")
            return Target("file", path=path)
        return Target("serial", path=url)
    if url.lower().startswith("file:"):
        path = url[len("file:"):]
        if not path:
            raise bad_url(url, "names no file")
        return Target("file", path=path)
    if is_device_path(url):
        return Target("device", path=url)
    if "?" in url or url.endswith(("/", ":")):
        raise bad_url(url, "not a file path")
    return Target("file", path=str(Path(url)))
