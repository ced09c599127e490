"""farside's exception root, FarsideError, and the protocol layer's tree under it (every codec failure is a
ProtocolError). Each package has its subtree (``firmware_sim.errors.SimError``, ``hil.errors.HilError``), and every
class also keeps its stdlib base (ValueError, RuntimeError, OSError …), so ``except ValueError`` still works."""

from __future__ import annotations

import reprlib
from typing import Any

SHOWN_CHARS = 80
"""The most of an offending value an error message shows (a huge or deeply nested value is cut short)."""
_DEEP = reprlib.Repr()
_DEEP.maxlevel = 6


class FarsideError(Exception):
    """Base of every error farside raises on purpose: the CLI turns one into a line on stderr and exit code 2."""


class ProtocolError(FarsideError, ValueError):
    """Base of every error raised by ``protocols``; names the field and the offending value."""

    def __init__(self, message: str, *, field: str | None = None, value: Any = None) -> None:
        super().__init__(message)
        self.field = field
        self.value = value


class TruncatedError(ProtocolError):
    """Fewer octets than the structure needs."""


class LengthError(ProtocolError):
    """A length field disagrees with the octets present, or a size limit is broken."""


class CrcError(ProtocolError):
    """A packet error control or frame check sequence does not match."""


class VersionError(ProtocolError):
    """A version number the protocol does not define."""


class FieldValueError(ProtocolError):
    """A header or data field holds a value outside its width or its defined set."""


class TimeCodeError(ProtocolError):
    """A time code that cannot be decoded or represented."""


class FramingError(ProtocolError):
    """A device-link frame that cannot be built or decoded."""


class DictionaryError(ProtocolError):
    """A lookup or value that the device dictionary does not allow."""


class UnknownDeviceError(DictionaryError):
    """No device of that name."""


class UnknownApidError(DictionaryError):
    """No device owns that APID."""


class UnknownCommandError(DictionaryError):
    """The device has no command of that name, function ID or service/subtype."""


class UnknownParameterError(DictionaryError):
    """The device has no parameter or housekeeping set of that name or ID."""


class UnknownEventError(DictionaryError):
    """The device has no event of that name or ID."""


class ArgumentError(DictionaryError):
    """A command argument that is missing, unexpected or of the wrong type."""


class ArgumentRangeError(ArgumentError):
    """A command argument outside its declared range or enumeration."""


class SecurityError(ProtocolError):
    """A secured frame that Space Data Link Security (355.0-B) rejects; ``reason`` says why, for counting."""

    BAD_MAC = "bad-mac"
    UNKNOWN_SPI = "unknown-spi"
    REPLAYED = "replayed"
    TOO_OLD = "too-old"
    TRUNCATED = "truncated"
    REASONS = (BAD_MAC, UNKNOWN_SPI, REPLAYED, TOO_OLD, TRUNCATED)

    def __init__(self, message: str, *, reason: str, field: str | None = None, value: Any = None) -> None:
        super().__init__(message, field=field, value=value)
        self.reason = reason


def field_error(cls: type[ProtocolError], field: str, value: Any, problem: str) -> ProtocolError:
    """Build an error whose message names the field and the offending value."""
    return cls(f"{field}={shown(value)}: {problem}", field=field, value=value)


def shown(value: Any) -> str:
    """``repr(value)`` for a message: whole when short, else its first SHOWN_CHARS characters and "…"."""
    try:
        text = repr(value)
    except RecursionError:  # nested deeper than repr goes
        text = _DEEP.repr(value)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS - 1] + "…"
