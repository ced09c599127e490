"""The one table of URL schemes: farside's own, then those of the entry-point group ``farside.transports``.

Each scheme maps to a ``"module:Class"`` reference, imported on first use, whose class (a ``Url``) owns the
scheme's grammar in ``from_url``. A URL without a scheme is a path: a serial device when ``is_serial_device``
says so, else a file. Built-in schemes are fixed here (they work from a source tree without metadata and cannot be
shadowed); a distribution adds a scheme with ``[project.entry-points."farside.transports"] name = "module:Class"``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from hil.errors import TransportError
from hil.schemes.base import Role, Url
from hil.schemes.files import FileUrl
from hil.schemes.grammar import scheme_of
from hil.schemes.serial import DeviceUrl, is_serial_device
from protocols.dictionary.plugins import FARSIDE, PluginWarning, distribution_name
from protocols.entrypoints import PluginEntry, entry_points

GROUP = "farside.transports"
"""The entry-point group a distribution registers URL schemes in (name: the scheme, value: ``module:Class``)."""
BUILTIN = {
    "pty": "hil.schemes.pty:PtyUrl",
    "tcp": "hil.schemes.net:TcpUrl",
    "udp": "hil.schemes.net:UdpUrl",
    "socket": "hil.schemes.serial:PyserialUrl",
    "rfc2217": "hil.schemes.serial:PyserialUrl",
    "loop": "hil.schemes.serial:PyserialUrl",
    "spy": "hil.schemes.serial:PyserialUrl",
    "hwgrep": "hil.schemes.serial:PyserialUrl",
    "emu": "hil.schemes.emu:EmuUrl",
    "qemu": "hil.schemes.qemu:QemuUrl",
    "file": "hil.schemes.files:FileUrl",
    "replay": "hil.schemes.replay:ReplayUrl",
}
"""farside's own schemes and the class that owns each."""
PATHS = "a device path /dev/…, COMn, or a file path"
"""What a URL without a scheme may be, as the unknown-scheme error says it."""

_NAME = re.compile(r"^[a-z][a-z0-9+.-]+$")


class TransportPluginWarning(PluginWarning):
    """A URL scheme from a plugin that cannot be used: it is left out and everything else keeps working."""


@dataclass(frozen=True)
class Scheme:
    """One row of the table: a scheme, the class that owns it and the distribution that registered it."""

    name: str
    reference: str
    distribution: str = FARSIDE

    def load(self) -> type[Url]:
        """The scheme's class, imported now; TransportError naming the plugin when it cannot be used."""
        where = f"URL scheme {self.name!r} ({self.reference}) from {self.distribution}"
        try:
            found = PluginEntry(self.name, self.reference, GROUP).load()
        except Exception as exc:  # a broken plugin must not take farside down with it
            raise TransportError(f"{where} cannot be imported ({type(exc).__name__}: {exc})") from None
        if not (isinstance(found, type) and issubclass(found, Url)):
            raise TransportError(f"{where} gives {found!r}, not a hil.schemes.Url subclass")
        return found


class SchemeTable:
    """Every known scheme; parses a URL with the class that owns its scheme."""

    def __init__(self, schemes: Iterable[Scheme]) -> None:
        self.schemes: dict[str, Scheme] = {}
        for scheme in schemes:
            first = self.schemes.get(scheme.name)
            if first is not None:
                raise TransportError(f"URL scheme {scheme.name!r} is declared by {first.distribution} "
                                     f"and by {scheme.distribution}")
            self.schemes[scheme.name] = scheme
        self._classes: dict[str, type[Url]] = {}

    @classmethod
    def from_entry_points(cls, found: Iterable[PluginEntry]) -> SchemeTable:
        """The built-in schemes plus these ``farside.transports`` entry points (a bad name: a warning, left out)."""
        added = []
        for entry_point in found:
            distribution = distribution_name(entry_point)
            if not _NAME.match(entry_point.name):
                warnings.warn(f"URL scheme {entry_point.name!r} ({entry_point.value}) from {distribution} is not a "
                              f"scheme name (lower-case letters, digits, + . -); left out", TransportPluginWarning,
                              stacklevel=2)
                continue
            added.append(Scheme(entry_point.name, entry_point.value, distribution))
        return cls([*(Scheme(name, reference) for name, reference in BUILTIN.items()), *added])

    @property
    def names(self) -> list[str]:
        """Every scheme, sorted."""
        return sorted(self.schemes)

    def url_class(self, name: str) -> type[Url]:
        """The class that owns scheme ``name`` (imported on first use)."""
        if name not in self._classes:
            scheme = self.schemes.get(name)
            if scheme is None:
                raise TransportError(f"unknown URL scheme {name!r}; known: {', '.join(self.names)}, or {PATHS}")
            self._classes[name] = scheme.load()
        return self._classes[name]

    def parse(self, url: str) -> Url:
        """What ``url`` names, read by its scheme's class; a plain path is a serial device or a file."""
        text = url.strip()
        if not text:
            raise TransportError(f"empty URL; expected {self.expected(None)}")
        name = scheme_of(text)
        if name is not None and (name in self.schemes or "://" in text):
            if name not in self.schemes:
                raise TransportError(f"unknown URL scheme {name!r} in {text!r}; known: {', '.join(self.names)}, "
                                     f"or {PATHS}")
            return self.url_class(name).from_url(text)
        return (DeviceUrl if is_serial_device(text) else FileUrl).from_url(text)

    def expected(self, role: Role | None) -> str:
        """The forms of every URL that can be ``role`` (any role for None), for error messages."""
        forms: list[str] = []
        for cls in self._listing():
            if (role is None or role in cls.roles) and cls.form not in forms:
                forms.append(cls.form)
        return ", ".join(forms)

    def _listing(self) -> list[type[Url]]:
        """Every usable class in listing order (device paths after udp); a plugin that cannot load is warned of."""
        classes: list[type[Url]] = []
        for name in self.schemes:
            if name == "socket":
                classes.append(DeviceUrl)
            try:
                classes.append(self.url_class(name))
            except TransportError as exc:
                warnings.warn(f"{exc}; left out", TransportPluginWarning, stacklevel=3)
        return classes

    def wrong_role(self, url: Url, role: Role) -> TransportError:
        """The error for asking ``url`` to be what it cannot be, listing the forms that can."""
        can = " or ".join(r.value for r in Role if r in url.roles) or "nothing farside opens"
        return TransportError(f"{url.text!r} names {url.what}, which can be {can}, not {role.value}; "
                              f"{role.value} is {self.expected(role)}")


@cache
def scheme_table() -> SchemeTable:
    """The installed table: built-in schemes, then every ``farside.transports`` entry point (built once)."""
    return SchemeTable.from_entry_points(entry_points(GROUP))


def expected(role: Role | None = None) -> str:
    """The accepted forms for ``role`` in the installed table."""
    return scheme_table().expected(role)
