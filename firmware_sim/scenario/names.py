"""The names a condition or a test procedure refers to, checked against the dictionary: one unknown-name error."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TypeVar

from firmware_sim.errors import UnknownNameError
from protocols.describe import packet_names
from protocols.dictionary.model import Device, Event, HousekeepingSet, Parameter
from protocols.dictionary.registry import Dictionary
from protocols.errors import DictionaryError

T = TypeVar("T")
_UNNAMED_TM = re.compile(r"tm\[\d+,\d+\]")
"""The name ``describe`` gives telemetry the dictionary does not name."""


def _named(find: Callable[[str], T], name: str, path: str, line: int | None, refusal: Callable[[], str]) -> T:
    """``find(name)``, else UnknownNameError with the text ``refusal()`` gives."""
    try:
        return find(name)
    except DictionaryError:
        raise UnknownNameError(path, line, refusal()) from None


def known_device(dictionary: Dictionary, name: str, where: str, path: str = "", line: int | None = None) -> Device:
    """The device called ``name``, else UnknownNameError (``where`` says what named it) listing the devices."""
    return _named(dictionary.device, name, path, line,
                  lambda: f"{where}: no device {name!r}; devices: {', '.join(dictionary.names)}")


def known_parameter(device: Device, name: str, where: str, path: str = "", line: int | None = None) -> Parameter:
    """``device``'s parameter called ``name``, else UnknownNameError listing its parameters."""
    return _named(device.parameter, name, path, line,
                  lambda: f"{where}: {device.name} has no parameter {name!r}; parameters: "
                          f"{', '.join(p.name for p in device.parameters)}")


def known_event(devices: Sequence[Device], name: str, where: str, path: str = "",
                line: int | None = None) -> Event:
    """The event called ``name`` of one of ``devices``, else UnknownNameError listing their events."""
    for device in devices:
        try:
            return device.event(name)
        except DictionaryError:
            continue
    missing = f"{devices[0].name} has no event" if len(devices) == 1 else "no device on the bench has an event"
    known = dict.fromkeys(e.name for device in devices for e in device.events)
    raise UnknownNameError(path, line, f"{where}: {missing} {name!r}; events: {', '.join(known)}")


def known_hk_set(device: Device, name: str, where: str) -> HousekeepingSet:
    """``device``'s housekeeping set called ``name``, else UnknownNameError listing its sets."""
    return _named(device.hk_set, name, "", None,
                  lambda: f"{where}: {device.name} has no housekeeping set {name!r}; sets: "
                          f"{', '.join(h.name for h in device.housekeeping)}")


def known_packet(devices: Sequence[Device], name: str, where: str) -> str:
    """``name`` if ``describe`` names a packet of one of ``devices`` so, else UnknownNameError listing the names."""
    names = [n for device in devices for n in packet_names(device)]
    if name in names or _UNNAMED_TM.fullmatch(name):
        return name
    missing = (f"{devices[0].name} sends or receives no packet" if len(devices) == 1
               else "no device on the bench sends or receives a packet")
    raise UnknownNameError("", None, f"{where}: {missing} {name!r}; packets: "
                                     f"{', '.join(dict.fromkeys(names))}, tm[S,T] (farside dict DEVICE lists them)")
