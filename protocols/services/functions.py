"""Service 8, function management: TC[8,1] carries a function ID and the function's typed arguments."""

from __future__ import annotations

import struct

import construct as cs

from protocols.errors import TruncatedError

SERVICE = 8
PERFORM_FUNCTION = 1

FUNCTION_HEAD = cs.Struct("function_id" / cs.Int16ub)
"""TC[8,1]: the function ID, then the arguments the function declares."""

_FID = struct.Struct(">H")


def function_id(app_data: bytes) -> int:
    """The function ID at the front of TC[8,1]."""
    if len(app_data) < 2:
        raise TruncatedError(f"TC[8,1] needs a 2-octet function ID, have {len(app_data)}",
                             field="function_id", value=len(app_data))
    return _FID.unpack_from(app_data)[0]
