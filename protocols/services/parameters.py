"""Service 20, on-board parameters: TC[20,1] report request, TM[20,2] report, TC[20,3] set."""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable

import construct as cs

from protocols.errors import FieldValueError, TruncatedError
from protocols.services._construct import build, parse_all

SERVICE = 20
REPORT_REQUEST = 1
REPORT = 2
SET = 3

PARAMETER_ID = cs.Int16ub
"""A parameter ID as TC[20,1], TM[20,2] and TC[20,3] carry it."""
PARAMETER_ID_LIST = cs.PrefixedArray(cs.Int8ub, PARAMETER_ID)
"""TC[20,1]: N, then N parameter IDs."""
PARAMETER_VALUES_HEAD = cs.Struct("count" / cs.Int8ub)
"""TM[20,2], TC[20,3]: N, then N pairs of parameter ID (16 bits) and value (typed by the dictionary)."""

_ID = struct.Struct(">H")
ValueCodec = Callable[[int], cs.Construct]
"""Maps a parameter ID to the construct type of its raw value."""


def encode_ids(ids: Iterable[int]) -> bytes:
    """App data of TC[20,1]."""
    return build(PARAMETER_ID_LIST, list(ids), "parameter_ids")


def decode_ids(app_data: bytes) -> list[int]:
    """Parameter IDs from TC[20,1]."""
    return list(parse_all(PARAMETER_ID_LIST, app_data, "parameter_ids"))


def encode_values(pairs: Iterable[tuple[int, int | float]], type_of: ValueCodec) -> bytes:
    """App data of TM[20,2] or TC[20,3] from (parameter ID, raw value) pairs."""
    pairs = list(pairs)
    if len(pairs) > 255:
        raise FieldValueError(f"count={len(pairs)}: at most 255 parameters per packet", field="count",
                              value=len(pairs))
    out = [bytes((len(pairs),))]
    for pid, raw in pairs:
        out.append(_ID.pack(pid) + build(type_of(pid), raw, f"parameter {pid}"))
    return b"".join(out)


def decode_values(app_data: bytes, type_of: ValueCodec) -> list[tuple[int, int | float]]:
    """(parameter ID, raw value) pairs from TM[20,2] or TC[20,3]."""
    if not app_data:
        raise TruncatedError("parameter values need a count octet", field="count", value=0)
    count, offset, pairs = app_data[0], 1, []
    for _ in range(count):
        if len(app_data) - offset < 2:
            raise TruncatedError(f"parameter {len(pairs) + 1} of {count}: missing ID", field="count",
                                 value=count)
        pid = _ID.unpack_from(app_data, offset)[0]
        codec = type_of(pid)
        size = codec.sizeof()
        chunk = app_data[offset + 2:offset + 2 + size]
        if len(chunk) < size:
            raise TruncatedError(f"parameter {pid}: value needs {size} octets, have {len(chunk)}",
                                 field=f"parameter {pid}", value=len(chunk))
        pairs.append((pid, parse_all(codec, chunk, f"parameter {pid}")))
        offset += 2 + size
    if offset != len(app_data):
        raise FieldValueError(f"{len(app_data) - offset} unexpected octets after {count} parameters",
                              field="count", value=count)
    return pairs
