"""Service 5, event reporting: the 5,1–5,4 envelope and enable/disable lists."""

from __future__ import annotations

import struct
from collections.abc import Iterable
from enum import IntEnum

import construct as cs

from protocols.errors import TruncatedError
from protocols.services._construct import build, parse_all

SERVICE = 5
ENABLE, DISABLE = 5, 6

EVENT_HEAD = cs.Struct("event_id" / cs.Int16ub)
"""TM[5,1..4]: the event definition ID, then the event's auxiliary data."""
EVENT_ID_LIST = cs.PrefixedArray(cs.Int8ub, cs.Int16ub)
"""TC[5,5], TC[5,6]: N, then N event definition IDs."""

_EVENT_ID = struct.Struct(">H")


class Severity(IntEnum):
    """Event severity; the value is the TM[5,x] subtype."""

    INFO = 1
    LOW = 2
    MEDIUM = 3
    HIGH = 4


def event_id(app_data: bytes) -> int:
    """The event definition ID at the front of a TM[5,x] report."""
    if len(app_data) < 2:
        raise TruncatedError(f"an event report needs a 2-octet event ID, have {len(app_data)}",
                             field="event_id", value=len(app_data))
    return _EVENT_ID.unpack_from(app_data)[0]


def encode_event_ids(ids: Iterable[int]) -> bytes:
    """App data of TC[5,5] or TC[5,6]."""
    return build(EVENT_ID_LIST, list(ids), "event_ids")


def decode_event_ids(app_data: bytes) -> list[int]:
    """Event IDs from TC[5,5] or TC[5,6]."""
    return list(parse_all(EVENT_ID_LIST, app_data, "event_ids"))
