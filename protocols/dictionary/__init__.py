"""The device dictionary: every command, parameter and event of farside's devices, declared once."""

from protocols.dictionary.calibration import Linear, Table
from protocols.dictionary.fields import RAW_TYPES, Field, RecordCodec
from protocols.dictionary.model import Command, Device, Event, Function, HousekeepingSet, Parameter
from protocols.dictionary.registry import Dictionary, default_dictionary

__all__ = [
    "RAW_TYPES",
    "Command",
    "Device",
    "Dictionary",
    "Event",
    "Field",
    "Function",
    "HousekeepingSet",
    "Linear",
    "Parameter",
    "RecordCodec",
    "Table",
    "default_dictionary",
]
