"""Devices looked up by name or APID, and the registry of every installed device plugin they come from."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator
from functools import cache

from protocols.dictionary.model import Device
from protocols.dictionary.plugins import (
    DevicePlugin,
    PluginWarning,
    RegisteredDevice,
    installed_entry_points,
    load_plugins,
)
from protocols.entrypoints import PluginEntry
from protocols.errors import DictionaryError, UnknownApidError, UnknownDeviceError, field_error


class Dictionary:
    """Devices by name and by APID; immutable once built."""

    def __init__(self, devices: Iterable[Device]) -> None:
        self.devices = tuple(devices)
        self._by_name: dict[str, Device] = {}
        self._by_apid: dict[int, Device] = {}
        for device in self.devices:
            if device.name in self._by_name or device.apid in self._by_apid:
                raise DictionaryError(f"duplicate device name or APID: {device.name} 0x{device.apid:03X}")
            self._by_name[device.name] = device
            self._by_apid[device.apid] = device

    def __iter__(self) -> Iterator[Device]:
        return iter(self.devices)

    @property
    def names(self) -> tuple[str, ...]:
        """Device names in declaration order."""
        return tuple(d.name for d in self.devices)

    def device(self, name: str) -> Device:
        """The device of that name."""
        try:
            return self._by_name[name]
        except KeyError:
            raise field_error(UnknownDeviceError, "device", name, f"devices: {', '.join(self.names)}") from None

    def by_apid(self, apid: int) -> Device:
        """The device that owns ``apid``."""
        try:
            return self._by_apid[apid]
        except KeyError:
            known = ", ".join(f"{d.name}=0x{d.apid:03X}" for d in self.devices)
            raise field_error(UnknownApidError, "apid", apid, f"known: {known}") from None

    def find_apid(self, apid: int) -> Device | None:
        """The device that owns ``apid``, or None."""
        return self._by_apid.get(apid)


class DeviceRegistry:
    """The registered devices: each one's plugin and distribution, and the Dictionary of them all, in order."""

    def __init__(self, registered: Iterable[RegisteredDevice]) -> None:
        self.registered = tuple(registered)
        by_name: dict[str, RegisteredDevice] = {}
        by_apid: dict[int, RegisteredDevice] = {}
        for entry in self.registered:
            device = entry.plugin.device
            if device.name in by_name:
                first = by_name[device.name]
                raise DictionaryError(f"device name {device.name!r} is declared by {first.distribution} "
                                      f"and by {entry.distribution}")
            if device.apid in by_apid:
                first = by_apid[device.apid]
                raise DictionaryError(f"APID 0x{device.apid:03X} is declared by {first.distribution} "
                                      f"({first.plugin.name}) and by {entry.distribution} ({device.name})")
            by_name[device.name] = by_apid[device.apid] = entry
        self._by_name = by_name
        self.dictionary = Dictionary(entry.plugin.device for entry in self.registered)
        for entry in self.registered:
            if entry.plugin.default_member and not entry.builtin:
                warnings.warn(f"device plugin {entry.plugin.name!r} from {entry.distribution} asks to join every "
                              f"bench; only farside's own devices do, so it joins a bench when a scenario names it",
                              PluginWarning, stacklevel=2)

    @classmethod
    def from_entry_points(cls, found: Iterable[PluginEntry]) -> DeviceRegistry:
        """Load these ``farside.devices`` entry points (PluginWarning for each that fails) and register them."""
        return cls(load_plugins(found))

    @property
    def default_members(self) -> tuple[str, ...]:
        """The devices every bench has, in dictionary order: farside's own (a plugin cannot ask to be one)."""
        return tuple(entry.plugin.name for entry in self.registered if entry.plugin.default_member and entry.builtin)

    def plugin(self, name: str) -> DevicePlugin:
        """The plugin of the device of that name (UnknownDeviceError listing the devices)."""
        self.dictionary.device(name)
        return self._by_name[name].plugin

    def distribution(self, name: str) -> str:
        """The distribution that registered the device of that name (UnknownDeviceError listing the devices)."""
        self.dictionary.device(name)
        return self._by_name[name].distribution


@cache
def device_registry() -> DeviceRegistry:
    """Every installed device: farside's sampler, ascender and relay, then plugin devices by name (loaded once)."""
    return DeviceRegistry.from_entry_points(installed_entry_points())


def default_dictionary() -> Dictionary:
    """The dictionary of every installed device (farside's own, then plugins); DictionaryError on a clash."""
    return device_registry().dictionary


def default_members(dictionary: Dictionary) -> tuple[str, ...]:
    """The devices every bench on ``dictionary`` has: farside's own for the installed one, all of one made by hand."""
    registry = device_registry()
    return registry.default_members if dictionary is registry.dictionary else dictionary.names
