"""Device plugins: the entry-point group ``farside.devices`` and the DevicePlugin object each entry point gives."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from protocols.dictionary.model import Device
from protocols.entrypoints import PluginEntry, entry_points

GROUP = "farside.devices"
"""The entry-point group a distribution registers its devices in."""
FARSIDE = "farside"
"""The distribution whose devices (sampler, ascender, relay) are built in."""
SOURCE_TREE_PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
"""farside's pyproject.toml when farside runs from its source tree: read only if no metadata is installed."""

_REFERENCE = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


class PluginWarning(UserWarning):
    """A device plugin that cannot be used: it is left out and everything else keeps working."""


@dataclass(frozen=True, kw_only=True)
class DevicePlugin:
    """One device a distribution adds: its dictionary, its model class as ``"module:Class"`` and bench membership.

    ``default_member`` is True only for farside's own devices: they join every bench. Any other device joins a
    bench only when a scenario or bench file names it, so installing a plugin never changes a bench's bytes.
    """

    device: Device
    model: str
    default_member: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.device, Device):
            raise TypeError(f"DevicePlugin.device must be a protocols.dictionary.Device, not {type(self.device)}")
        if not isinstance(self.model, str) or not _REFERENCE.match(self.model):
            raise ValueError(f"device {self.device.name}: model={self.model!r} must be an import reference "
                             f"'package.module:Class'")

    @property
    def name(self) -> str:
        """The device's name."""
        return self.device.name


@dataclass(frozen=True)
class RegisteredDevice:
    """A loaded DevicePlugin and the distribution that registered it."""

    plugin: DevicePlugin
    distribution: str

    @property
    def builtin(self) -> bool:
        """True for farside's own devices."""
        return self.distribution == FARSIDE


def installed_entry_points() -> list[PluginEntry]:
    """The ``farside.devices`` entry points of every installed distribution (farside's own from the source tree
    when farside runs without installed metadata)."""
    found = entry_points(GROUP)
    if any(distribution_name(ep) == FARSIDE for ep in found):
        return found
    return [*builtin_entry_points(), *found]


def builtin_entry_points(pyproject: Path = SOURCE_TREE_PYPROJECT) -> list[PluginEntry]:
    """farside's own entry points read from its source tree's pyproject.toml (the fallback without metadata)."""
    import tomllib  # only a source tree without installed metadata reads its pyproject.toml

    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
        table = project["entry-points"][GROUP] if project["name"] == FARSIDE else {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError):
        return []
    return [PluginEntry(name, reference, GROUP) for name, reference in table.items()]


def distribution_name(entry_point: PluginEntry) -> str:
    """The distribution an entry point belongs to; one without a distribution is farside's own (source tree)."""
    return FARSIDE if entry_point.distribution is None else entry_point.distribution


def load_plugins(found: Iterable[PluginEntry]) -> list[RegisteredDevice]:
    """Load each entry point; one that fails gives one PluginWarning naming it and is left out.

    The order is fixed: farside's own devices by APID (sampler, ascender, relay), then the others by name.
    """
    loaded = [registered for registered in map(_load, found) if registered is not None]
    return sorted(loaded, key=lambda r: (not r.builtin, r.plugin.device.apid if r.builtin else 0, r.plugin.name))


def _load(entry_point: PluginEntry) -> RegisteredDevice | None:
    distribution = distribution_name(entry_point)
    where = f"device plugin {entry_point.name!r} ({entry_point.value}) from {distribution}"
    try:
        plugin = entry_point.load()
    except Exception as exc:  # a broken plugin must not take farside down with it
        return _skip(f"{where} cannot be imported ({type(exc).__name__}: {exc}); left out")
    if not isinstance(plugin, DevicePlugin):
        return _skip(f"{where} gives a {type(plugin).__name__}, not a DevicePlugin; left out")
    if plugin.name != entry_point.name:
        return _skip(f"{where} declares device {plugin.name!r}, but the entry point must have the device's name; "
                     f"left out")
    return RegisteredDevice(plugin, distribution)


def _skip(message: str) -> None:
    warnings.warn(message, PluginWarning, stacklevel=4)
    return None
