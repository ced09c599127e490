"""Service 3, housekeeping: structure-ID lists, collection intervals and the 3,25 report envelope."""

from __future__ import annotations

import struct
from collections.abc import Iterable

import construct as cs

from protocols.errors import TruncatedError
from protocols.services._construct import build, parse_all

SERVICE = 3
ENABLE_PERIODIC, DISABLE_PERIODIC = 5, 6
REPORT = 25
ONE_SHOT = 27
MODIFY_INTERVAL = 31

SID_LIST = cs.PrefixedArray(cs.Int8ub, cs.Int16ub)
"""TC[3,5], TC[3,6], TC[3,27]: N, then N structure IDs."""
INTERVAL_LIST = cs.PrefixedArray(cs.Int8ub, cs.Struct("sid" / cs.Int16ub, "interval_ms" / cs.Int32ub))
"""TC[3,31]: N, then N pairs of structure ID and collection interval in milliseconds."""
REPORT_HEAD = cs.Struct("sid" / cs.Int16ub)
"""TM[3,25]: the structure ID, followed by the parameter values the SID defines."""

_SID = struct.Struct(">H")


def encode_sids(sids: Iterable[int]) -> bytes:
    """App data of TC[3,5], TC[3,6] or TC[3,27]."""
    return build(SID_LIST, list(sids), "sids")


def decode_sids(app_data: bytes) -> list[int]:
    """Structure IDs from TC[3,5], TC[3,6] or TC[3,27]."""
    return list(parse_all(SID_LIST, app_data, "sids"))


def encode_intervals(pairs: Iterable[tuple[int, int]]) -> bytes:
    """App data of TC[3,31] from (SID, interval in ms) pairs."""
    return build(INTERVAL_LIST, [{"sid": s, "interval_ms": i} for s, i in pairs], "intervals")


def decode_intervals(app_data: bytes) -> list[tuple[int, int]]:
    """(SID, interval in ms) pairs from TC[3,31]."""
    return [(p.sid, p.interval_ms) for p in parse_all(INTERVAL_LIST, app_data, "intervals")]


def report_sid(app_data: bytes) -> int:
    """The structure ID at the front of a TM[3,25] report."""
    if len(app_data) < 2:
        raise TruncatedError(f"a housekeeping report needs a 2-octet SID, have {len(app_data)}",
                             field="sid", value=len(app_data))
    return _SID.unpack_from(app_data)[0]
