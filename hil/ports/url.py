"""Parse a duplex port URL into what to open: a pty, a TCP listener or dialer, a UDP socket or a serial port."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from urllib.parse import SplitResult, unquote, urlsplit

from hil.errors import TransportError

EXPECTED = ("pty:// (or pty://?link=PATH), tcp://HOST:PORT?listen (or tcp://:PORT?listen), tcp://HOST:PORT, "
            "udp://HOST:PORT (or udp://HOST:PORT?bind=HOST:PORT), udp://HOST:PORT?listen (either with ?any_sender), "
            "a serial device path (/dev/ttyUSB0?baudrate=115200&bytesize=8&parity=N&stopbits=1&rtscts=0&xonxoff=0, "
            "COM3) or a pyserial URL (socket://HOST:PORT, rfc2217://HOST:PORT, loop://, spy://PATH)")
"""The accepted forms, named in every bad-URL error."""

LISTEN_HOST = "127.0.0.1"
"""Where ``tcp://:PORT?listen`` and ``udp://:PORT?listen`` bind: loopback unless a host is given."""

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_WINDOWS_PORT = re.compile(r"^(COM\d+|\\\\\.\\COM\d+)$", re.IGNORECASE)
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")
_PARITIES = {"N": "N", "E": "E", "O": "O", "M": "M", "S": "S",
             "NONE": "N", "EVEN": "E", "ODD": "O", "MARK": "M", "SPACE": "S"}
DEVICE_OPTIONS = ("baudrate", "bytesize", "parity", "stopbits", "rtscts", "xonxoff", "dsrdtr")
"""Query options a serial device path accepts (pyserial URLs parse their own)."""


@dataclass(frozen=True)
class PortSpec:
    """A parsed port URL: its kind (pty, tcp-listen, tcp-connect, udp, serial) and what to open."""

    kind: str
    host: str = ""
    port: int = 0
    listen: bool = False
    bind: tuple[str, int] | None = None
    path: str = ""
    device: bool = False
    any_sender: bool = False
    """udp only: take datagrams from any host, not just the peer's."""
    options: dict[str, object] = field(default_factory=dict)


def bad_url(url: str, why: str) -> TransportError:
    """The error for a URL that names no port, listing the forms that would."""
    return TransportError(f"bad port URL {url!r}: {why}; expected {EXPECTED}")


def _query(url: str, parts: SplitResult) -> dict[str, str]:
    items: dict[str, str] = {}
    for item in filter(None, parts.query.split("&")):
        key, _, value = item.partition("=")
        if key in items:
            raise bad_url(url, f"option {key!r} given twice")
        items[key] = unquote(value)
    return items


def _host_port(url: str, parts: SplitResult, listen: bool) -> tuple[str, int]:
    try:
        host, port = parts.hostname or "", parts.port
    except ValueError as exc:
        raise bad_url(url, str(exc)) from None
    if parts.username is not None or parts.path not in ("", "/") or parts.fragment:
        raise bad_url(url, "takes nothing but HOST:PORT and options")
    if port is None:
        raise bad_url(url, "needs a port")
    if not listen and (not host or port == 0):
        raise bad_url(url, "needs a host and a port from 1 to 65535 (only a listening port may omit the host or use 0)")
    return host or LISTEN_HOST, port


def _address(url: str, text: str) -> tuple[str, int]:
    parts = urlsplit(f"//{text}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise bad_url(url, f"bind={text!r}: {exc}") from None
    if port is None or parts.path or parts.query:
        raise bad_url(url, f"bind={text!r} is not HOST:PORT")
    return host or LISTEN_HOST, port


def _flag(url: str, items: dict[str, str], name: str = "listen") -> bool:
    if name not in items:
        return False
    if items.pop(name).lower() not in ("", *_TRUE):
        raise bad_url(url, f"{name} takes no value")
    return True


def is_unspecified(host: str) -> bool:
    """``0.0.0.0`` or ``::``: every interface when bound, no machine when sent to."""
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_unspecified
    except ValueError:
        return False


def _pty(url: str, parts: SplitResult) -> PortSpec:
    if parts.netloc or parts.path not in ("", "/") or parts.fragment:
        raise bad_url(url, "pty:// takes nothing but ?link=PATH")
    items = _query(url, parts)
    link = items.pop("link", "")
    if items or ("link" in parts.query and not link):
        raise bad_url(url, "pty:// takes only ?link=PATH")
    return PortSpec("pty", path=link)


def _tcp(url: str, parts: SplitResult) -> PortSpec:
    items = _query(url, parts)
    listen = _flag(url, items)
    if items:
        raise bad_url(url, f"tcp:// takes only ?listen, not {', '.join(items)}")
    host, port = _host_port(url, parts, listen)
    return PortSpec("tcp-listen" if listen else "tcp-connect", host, port, listen)


def _udp(url: str, parts: SplitResult) -> PortSpec:
    items = _query(url, parts)
    listen = _flag(url, items)
    any_sender = _flag(url, items, "any_sender")
    bind = _address(url, items.pop("bind")) if "bind" in items else None
    if items:
        raise bad_url(url, f"udp:// takes only ?listen or ?bind=HOST:PORT, and ?any_sender, not {', '.join(items)}")
    if listen and bind is not None:
        raise bad_url(url, "a listening udp:// port binds HOST:PORT itself and takes no ?bind")
    host, port = _host_port(url, parts, listen)
    if not listen and is_unspecified(host):
        raise bad_url(url, f"{host} names no machine to send to; give the peer's address "
                           f"(udp://{'[::]' if ':' in host else host}:{port}?listen listens on every interface)")
    return PortSpec("udp", host, port, listen, bind, any_sender=any_sender)


def _option(url: str, key: str, value: str) -> object:
    text = value.strip()
    if key == "baudrate" and text.isdigit() and int(text) > 0:
        return int(text)
    if key == "bytesize" and text in ("5", "6", "7", "8"):
        return int(text)
    if key == "parity" and text.upper() in _PARITIES:
        return _PARITIES[text.upper()]
    if key == "stopbits" and text in ("1", "1.5", "2"):
        return float(text) if text == "1.5" else int(text)
    if key in ("rtscts", "xonxoff", "dsrdtr") and text.lower() in (*_TRUE, *_FALSE):
        return text.lower() in _TRUE
    raise bad_url(url, f"{key}={value!r} is not valid (baudrate: a positive whole number, bytesize: 5-8, "
                       "parity: N/E/O/M/S, stopbits: 1/1.5/2, rtscts/xonxoff/dsrdtr: 0/1)")


def _device(url: str) -> PortSpec:
    path, _, query = url.partition("?")
    options: dict[str, object] = {}
    for item in filter(None, query.split("&")):
        key, _, value = item.partition("=")
        if key not in DEVICE_OPTIONS:
            raise bad_url(url, f"unknown serial option {key!r} (a device path takes {', '.join(DEVICE_OPTIONS)})")
        options[key] = _option(url, key, value)
    return PortSpec("serial", path=path, device=True, options=options)


def is_device_path(text: str) -> bool:
    """A serial device rather than garbage: an absolute or ./relative path, or COMn."""
    path = text.partition("?")[0]
    return (path.startswith(("/", "./", "../")) and not path.endswith("/")) or bool(_WINDOWS_PORT.match(path))


def parse_port_url(url: str) -> PortSpec:
    """What a port URL names; TransportError naming the accepted forms when it names nothing."""
    url = url.strip()
    if not url:
        raise bad_url(url, "empty")
    scheme = _SCHEME.match(url)
    if scheme is None:
        if is_device_path(url):
            return _device(url)
        raise bad_url(url, "neither a URL nor a device path")
    name = scheme.group(1).lower()
    parts = urlsplit(url)
    if name == "pty":
        return _pty(url, parts)
    if name == "tcp":
        return _tcp(url, parts)
    if name == "udp":
        return _udp(url, parts)
    return PortSpec("serial", path=url)
