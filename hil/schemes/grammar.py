"""The pieces every scheme's ``from_url`` shares: the scheme prefix, ``?key=value&flag`` options, HOST:PORT."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import SplitResult, unquote, urlsplit

from hil.errors import TransportError

SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")
"""A URL's scheme (two letters at least, so a Windows drive ``C:`` is a path)."""
LISTEN_HOST = "127.0.0.1"
"""Where ``tcp://:PORT?listen`` and ``udp://:PORT?listen`` bind: loopback unless a host is given."""
TRUE = ("", "1", "true", "yes", "on")
"""What a flag may be set to (a bare ``?listen`` included)."""
FALSE = ("0", "false", "no", "off")


def bad_url(url: str, why: str, form: str) -> TransportError:
    """The error for a URL its scheme cannot read: what is wrong, and the form that would be right."""
    return TransportError(f"bad URL {url!r}: {why}; expected {form}")


def scheme_of(url: str) -> str | None:
    """The scheme of ``url`` in lower case, or None for a plain path."""
    found = SCHEME.match(url)
    return found.group(1).lower() if found else None


def split(url: str) -> SplitResult:
    """``urlsplit``, the same for every scheme."""
    return urlsplit(url)


def options(url: str, query: str, form: str) -> dict[str, str]:
    """The ``key=value`` (or bare ``flag``) options of a query; an option given twice is an error."""
    items: dict[str, str] = {}
    for item in filter(None, query.split("&")):
        key, _, value = item.partition("=")
        if key in items:
            raise bad_url(url, f"option {key!r} given twice", form)
        items[key] = unquote(value)
    return items


def flag(url: str, items: dict[str, str], name: str, form: str) -> bool:
    """Take the flag ``name`` (``?listen``, ``?listen=1``) out of ``items``: True when it was given."""
    if name not in items:
        return False
    if items.pop(name).lower() not in TRUE:
        raise bad_url(url, f"{name} takes no value", form)
    return True


def boolean(url: str, items: dict[str, str], name: str, form: str) -> bool:
    """Take the yes/no option ``name`` (``?loop``, ``?loop=1``, ``?loop=0``) out of ``items``."""
    if name not in items:
        return False
    value = items.pop(name).lower()
    if value not in (*TRUE, *FALSE):
        raise bad_url(url, f"{name}={value!r} is neither 1 nor 0", form)
    return value in TRUE


def no_more(url: str, items: dict[str, str], takes: str, form: str) -> None:
    """Refuse options nobody took: ``takes`` says what this scheme takes (``tcp:// takes only ?listen``)."""
    if items:
        raise bad_url(url, f"{takes}, not {', '.join(items)}", form)


def host_port(url: str, parts: SplitResult, listen: bool, form: str) -> tuple[str, int]:
    """HOST and PORT of ``scheme://HOST:PORT``; a listening URL may omit the host (loopback) or use port 0."""
    try:
        host, port = parts.hostname or "", parts.port
    except ValueError as exc:
        raise bad_url(url, str(exc), form) from None
    if parts.username is not None or parts.path not in ("", "/") or parts.fragment:
        raise bad_url(url, "takes nothing but HOST:PORT and options", form)
    if port is None:
        raise bad_url(url, "needs a port", form)
    if not listen and (not host or port == 0):
        raise bad_url(url, "needs a host and a port from 1 to 65535 (only a listening port may omit the host or "
                           "use 0)", form)
    return host or LISTEN_HOST, port


def address(url: str, text: str, form: str) -> tuple[str, int]:
    """``HOST:PORT`` given as an option value (``?bind=HOST:PORT``)."""
    parts = urlsplit(f"//{text}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise bad_url(url, f"bind={text!r}: {exc}", form) from None
    if port is None or parts.path or parts.query:
        raise bad_url(url, f"bind={text!r} is not HOST:PORT", form)
    return host or LISTEN_HOST, port


def is_unspecified(host: str) -> bool:
    """``0.0.0.0`` or ``::``: every interface when bound, no machine when sent to."""
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_unspecified
    except ValueError:
        return False
