"""The dictionary's elements: parameters, housekeeping sets, events and commands (devices are in ``model``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from protocols.dictionary.checks import MAX_FUNCTION_ID, require_integer
from protocols.dictionary.fields import Field, RecordCodec
from protocols.errors import ArgumentError, TruncatedError, field_error
from protocols.services.events import Severity


class DeviceTables(Protocol):
    """What a command needs of its device to encode and decode arguments: its parameters and housekeeping sets."""

    name: str
    parameters: tuple[Parameter, ...]
    housekeeping: tuple[HousekeepingSet, ...]

    def parameter(self, key: str | int) -> Parameter:
        """A parameter by name or ID."""
        ...

    def hk_set(self, key: str | int) -> HousekeepingSet:
        """A housekeeping set by name or SID."""
        ...


@dataclass(frozen=True, kw_only=True)
class Parameter(Field):
    """An on-board parameter: a field with a 16-bit ID, readable by service 20 and reported by service 3."""

    id: int
    writable: bool = False


@dataclass(frozen=True, kw_only=True)
class HousekeepingSet:
    """A housekeeping structure (SID): which parameters a TM[3,25] report carries, and how often."""

    sid: int
    name: str
    parameters: tuple[str, ...]
    interval_ms: int = 1000
    enabled: bool = True
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class Event:
    """An event report definition: ID, severity (TM[5,severity]) and its auxiliary data fields."""

    id: int
    name: str
    severity: Severity
    data: tuple[Field, ...] = ()
    description: str = ""
    codec: RecordCodec = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "codec", RecordCodec(self.data, strict=False))


@dataclass(frozen=True, kw_only=True)
class Command:
    """Something a device can be told to do: a service/subtype, its arguments and their encoding."""

    name: str
    service: int
    subtype: int
    args: tuple[Field, ...] = ()
    description: str = ""
    function_id: int | None = None

    def encode(self, device: DeviceTables, values: Mapping[str, Any]) -> bytes:
        """App data of the TC for these argument values (engineering units, enum labels)."""
        raise NotImplementedError

    def decode(self, device: DeviceTables, app_data: bytes) -> dict[str, Any]:
        """Argument values from a TC's app data."""
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class Function(Command):
    """A device function, performed by TC[8,1] with its function ID and typed arguments."""

    service: int = 8
    subtype: int = 1
    codec: RecordCodec = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        fid = require_integer(f"function {self.name}", "function_id", self.function_id, 0, MAX_FUNCTION_ID,
                              "TC[8,1] carries it in 16 bits")
        object.__setattr__(self, "codec", RecordCodec(self.args, strict=True))
        object.__setattr__(self, "_prefix", fid.to_bytes(2, "big"))

    def encode(self, device: DeviceTables, values: Mapping[str, Any]) -> bytes:
        """Function ID, then the packed arguments."""
        return self._prefix + self.codec.encode_mapping(values)  # type: ignore[attr-defined]

    def encode_args(self, *values: Any) -> bytes:
        """Fast path: function ID and arguments given positionally in declaration order."""
        if len(values) != len(self.args):
            return self._prefix + self.codec.encode_values(values)  # raises ArgumentError naming the count
        return self._prefix + self.codec.encode(*values)  # type: ignore[attr-defined]

    def decode(self, device: DeviceTables, app_data: bytes) -> dict[str, Any]:
        """Argument values (engineering) after the 2-octet function ID."""
        if app_data[:2] != self._prefix:  # type: ignore[attr-defined]
            raise field_error(ArgumentError, "function_id", app_data[:2].hex(),
                              f"{self.name} is function {self.function_id}")
        body = app_data[2:]
        if len(body) != self.codec.size:
            problem = "truncated" if len(body) < self.codec.size else "too long"
            raise field_error(TruncatedError if len(body) < self.codec.size else ArgumentError, "app_data",
                              len(body), f"{self.name} arguments are {self.codec.size} octets ({problem})")
        return self.codec.decode_mapping(body)
