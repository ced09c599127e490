"""Run a construct declaration and turn its exceptions into ProtocolErrors."""

from __future__ import annotations

from typing import Any

import construct as cs

from protocols.errors import FieldValueError, ProtocolError, TruncatedError


def _WITH_END(declaration: cs.Construct) -> cs.Construct:  # noqa: N802 - reads like a declaration
    return cs.Struct("value" / declaration, "used" / cs.Tell)


def parse_all(declaration: cs.Construct, data: bytes, what: str) -> Any:
    """Parse ``data`` completely with ``declaration``; trailing octets are an error."""
    try:
        parsed = _WITH_END(declaration).parse(data)
    except cs.StreamError as exc:
        raise TruncatedError(f"{what}: {len(data)} octets are too few", field=what, value=len(data)) from exc
    except cs.ConstructError as exc:
        raise FieldValueError(f"{what}: {exc}", field=what, value=data.hex()) from exc
    value, used = parsed.value, parsed.used
    if used != len(data):
        raise FieldValueError(f"{what}: {len(data) - used} unexpected octets at the end", field=what,
                              value=len(data))
    return value


def build(declaration: cs.Construct, value: Any, what: str) -> bytes:
    """Build ``value`` with ``declaration``; construct's complaints become FieldValueError."""
    try:
        return declaration.build(value)
    except ProtocolError:
        raise
    except (cs.ConstructError, ValueError, TypeError, OverflowError) as exc:
        raise FieldValueError(f"{what}: cannot encode {value!r}: {exc}", field=what, value=value) from exc
