"""The device dictionary: every command, parameter and event of every installed device, declared once."""

from protocols.dictionary.calibration import Linear, Table
from protocols.dictionary.fields import RAW_TYPES, Field, RecordCodec
from protocols.dictionary.model import Command, Device, Event, Function, HousekeepingSet, Parameter
from protocols.dictionary.plugins import GROUP, DevicePlugin, PluginWarning
from protocols.dictionary.registry import DeviceRegistry, Dictionary, default_dictionary, device_registry

__all__ = [
    "GROUP",
    "RAW_TYPES",
    "Command",
    "Device",
    "DevicePlugin",
    "DeviceRegistry",
    "Dictionary",
    "Event",
    "Field",
    "Function",
    "HousekeepingSet",
    "Linear",
    "Parameter",
    "PluginWarning",
    "RecordCodec",
    "Table",
    "default_dictionary",
    "device_registry",
]
