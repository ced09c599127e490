"""The rules a dictionary's items follow to reach the wire and the exports: names they can carry, IDs that fit their
packet fields, values of the declared types; each check raises a DictionaryError naming the item and the rule."""

from __future__ import annotations

import math
import re
from typing import Any

import construct as cs

from protocols.errors import DictionaryError
from protocols.services import events, functions, housekeeping, parameters
from protocols.services.events import Severity
from protocols.spacepacket import IDLE_APID

NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
"""A device's name and its functions', housekeeping sets' and events' names: XTCE, COSMOS and scenarios carry them."""
NAME_RULE = "a letter, then letters, digits, '_' or '-'"


def _largest(field: cs.Construct) -> int:
    """The largest value an unsigned packet field holds."""
    return (1 << 8 * field.sizeof()) - 1


MAX_APID = IDLE_APID - 1
"""The largest APID a device may have: the 11-bit field's last value, 0x7FF, marks idle packets."""
MAX_FUNCTION_ID = _largest(functions.FUNCTION_HEAD.function_id)
"""TC[8,1] carries the function ID in 16 bits."""
MAX_PARAMETER_ID = _largest(parameters.PARAMETER_ID)
"""TC[20,1], TM[20,2] and TC[20,3] carry parameter IDs in 16 bits."""
MAX_SID = _largest(housekeeping.REPORT_HEAD.sid)
"""TM[3,25] and TC[3,x] carry the structure ID in 16 bits."""
MAX_EVENT_ID = _largest(events.EVENT_HEAD.event_id)
"""TM[5,x] carries the event ID in 16 bits."""
MIN_INTERVAL_MS, MAX_INTERVAL_MS = 1, 86_400_000
"""A housekeeping set's collection interval in ms: what hk-interval (TC[3,31]) sets, a set declares."""


def require_integer(where: str, what: str, value: Any, low: int, high: int, why: str) -> int:
    """The value, once it is an integer in low..high; else a DictionaryError naming the item, field, limits and why."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DictionaryError(f"{where}: {what}={value!r} must be an integer {low}..{high} ({why})",
                              field=what, value=value)
    return value


def require_name(kind: str, value: Any) -> None:
    """Refuse a name the exports cannot carry, saying which characters are allowed."""
    if not isinstance(value, str) or not NAME.fullmatch(value):
        raise DictionaryError(f"{kind} {value!r}: a name must be {NAME_RULE} (XTCE, COSMOS and scenario "
                              f"conditions carry it)", field="name", value=value)


def require_number(where: str, what: str, value: Any) -> None:
    """Refuse a bound that is neither None nor a finite int or float."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or
                              not math.isfinite(value)):
        raise DictionaryError(f"{where}: {what}={value!r} must be a finite number (int or float) or None",
                              field=what, value=value)


def require_severity(where: str, value: Any) -> None:
    """Refuse an event severity that is not a Severity."""
    if not isinstance(value, Severity):
        raise DictionaryError(f"{where}: severity={value!r} must be a Severity: "
                              f"{', '.join(f'Severity.{s.name}' for s in Severity)}", field="severity", value=value)
