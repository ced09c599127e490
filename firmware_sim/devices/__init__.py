"""Emulated devices: each a state machine behind a PUS interface, built on DeviceModel."""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from firmware_sim.devices.base import DeviceModel
from firmware_sim.errors import ConfigurationError
from protocols.dictionary import DevicePlugin, device_registry


def resolve_model(plugin: DevicePlugin) -> type[DeviceModel]:
    """Import a plugin's model class (``"module:Class"``) and check it is a DeviceModel subclass."""
    module_name, _, qualname = plugin.model.partition(":")
    where = f"device {plugin.name}: model {plugin.model!r}"
    try:
        found: object = importlib.import_module(module_name)
    except Exception as exc:  # a plugin's broken module: one line naming it, not a traceback
        raise ConfigurationError(f"{where} cannot be imported ({type(exc).__name__}: {exc})") from None
    try:
        for attribute in qualname.split("."):
            found = getattr(found, attribute)
    except AttributeError:
        raise ConfigurationError(f"{where}: {module_name} has no {qualname}") from None
    if not (isinstance(found, type) and issubclass(found, DeviceModel)):
        raise ConfigurationError(f"{where} is not a DeviceModel subclass")
    return found


def model_class(name: str) -> type[DeviceModel]:
    """The model class of one registered device, by name (imported on demand)."""
    return resolve_model(device_registry().plugin(name))


def model_classes(names: Iterable[str] = ()) -> dict[str, type[DeviceModel]]:
    """Model classes by device name, in dictionary order: every bench's default members plus the devices named."""
    registry = device_registry()
    wanted = set(registry.default_members)
    for name in names:
        registry.plugin(name)  # an unknown name raises UnknownDeviceError listing the devices
        wanted.add(name)
    return {name: model_class(name) for name in registry.dictionary.names if name in wanted}
