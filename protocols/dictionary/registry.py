"""A set of devices looked up by name or APID; the built-in one holds the sampler, ascender and relay."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache

from protocols.dictionary.model import Device
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


@cache
def default_dictionary() -> Dictionary:
    """farside's built-in devices: sampler, ascender and relay radio."""
    from protocols.dictionary.ascender import ASCENDER
    from protocols.dictionary.relay import RELAY
    from protocols.dictionary.sampler import SAMPLER

    return Dictionary((SAMPLER, ASCENDER, RELAY))
