"""Which records to replay: by link, APID (or device name) and a time range after the recording's start."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hil.errors import InputFileError
from hil.records import PacketRecord
from protocols.dictionary import default_dictionary


def packet_apid(packet: bytes) -> int | None:
    """The APID in a space packet's primary header, or None when the packet is too short."""
    return ((packet[0] & 0x07) << 8) | packet[1] if len(packet) >= 2 else None


def device_apids(names: Iterable[str]) -> set[int]:
    """The APIDs of the named devices; InputFileError listing the known names for an unknown one."""
    dictionary = default_dictionary()
    apids = set()
    for name in names:
        if name not in dictionary.names:
            raise InputFileError(f"unknown device {name!r}; devices: {', '.join(dictionary.names)}")
        apids.add(dictionary.device(name).apid)
    return apids


def _to_ns(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * 1e9)


@dataclass(frozen=True)
class Selection:
    """Record filters; an empty set or None lets everything through."""

    links: frozenset[str] = frozenset()
    apids: frozenset[int] = frozenset()
    start_ns: int | None = None
    stop_ns: int | None = None

    @classmethod
    def build(cls, links: Iterable[str] = (), apids: Iterable[int] = (), devices: Iterable[str] = (),
              start_s: float | None = None, stop_s: float | None = None) -> Selection:
        """A selection from CLI-style values: device names add their APIDs; times are seconds after the start."""
        wanted = set(apids) | device_apids(devices)
        return cls(frozenset(links), frozenset(wanted), _to_ns(start_s), _to_ns(stop_s))

    def keeps(self, record: PacketRecord, offset_ns: int) -> bool:
        """Whether ``record``, ``offset_ns`` after the recording's first packet, passes every filter."""
        if self.links and record.link not in self.links:
            return False
        if self.apids and packet_apid(record.packet) not in self.apids:
            return False
        if self.start_ns is not None and offset_ns < self.start_ns:
            return False
        return self.stop_ns is None or offset_ns <= self.stop_ns
