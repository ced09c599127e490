"""Consistent Overhead Byte Stuffing: zero-free encoding of any octets, built from split and slice."""

from __future__ import annotations

from itertools import pairwise
from operator import add

from protocols.errors import FramingError, field_error

_BLOCK = 254  # data octets in a full block (code 0xFF, no zero implied)
_FULL = b"\xff"
_CODES = [bytes([code]) for code in range(256)]
_CODE_FOR_RUN = _CODES[1:]  # a zero-free run of n octets gets code n + 1
_ZERO = b"\x00"


def cobs_max_encoded_size(size: int) -> int:
    """The most octets ``cobs_encode`` produces for ``size`` input octets (delimiter not included)."""
    return size + (size + _BLOCK - 1) // _BLOCK if size else 1


def cobs_encode(data: bytes | bytearray | memoryview) -> bytes:
    """COBS-encode ``data``: the result holds no zero octet (add the 0x00 delimiter yourself)."""
    pieces = bytes(data).split(_ZERO)
    if max(map(len, pieces)) < _BLOCK:  # the common case: every zero-free run fits in one block
        return b"".join(map(add, map(_CODE_FOR_RUN.__getitem__, map(len, pieces)), pieces))
    out: list[bytes] = []
    last = len(pieces) - 1
    for index, piece in enumerate(pieces):
        size = len(piece)
        start = 0
        while size - start >= _BLOCK:
            out += (_FULL, piece[start:start + _BLOCK])
            start += _BLOCK
        if start < size or index < last or not size:
            out += (_CODES[size - start + 1], piece[start:])
    return b"".join(out)


def cobs_decode(data: bytes | bytearray | memoryview) -> bytes:
    """Decode one COBS block sequence (no delimiter); FramingError if it is not valid COBS."""
    data = bytes(data)
    size = len(data)
    if not size:
        raise field_error(FramingError, "cobs_size", 0, "empty input is not a COBS encoding")
    zero = data.find(_ZERO)
    if zero >= 0:
        raise field_error(FramingError, "cobs_octet", zero, "a zero octet inside COBS data")
    out = bytearray(data)
    cuts = [0]  # code octets that stand for nothing: the first, and any after a full block
    pos = 0
    while True:
        code = data[pos]
        stop = pos + code
        if stop >= size:
            break
        if code == 0xFF:
            cuts.append(stop)
        else:
            out[stop] = 0  # every other code octet stands for the zero that ended the block before it
        pos = stop
    if stop > size:
        raise field_error(FramingError, "cobs_code", code,
                          f"block at {pos} needs {code - 1} octets, {size - pos - 1} left")
    if len(cuts) == 1:
        return bytes(memoryview(out)[1:])
    cuts.append(size)
    return b"".join(out[start + 1:stop] for start, stop in pairwise(cuts))
