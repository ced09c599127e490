"""CRC-16/CCITT-FALSE of many equal-length rows at once, two octets per step through a 64 Ki-entry table."""

from __future__ import annotations

from functools import cache

import numpy as np

from protocols.crc import CRC16_INIT

_POLY = 0x1021


def _byte_step(state: np.ndarray, octet: int | np.ndarray, table: np.ndarray) -> np.ndarray:
    return ((state << 8) & 0xFFFF) ^ table[((state >> 8) ^ octet) & 0xFF]


@cache
def byte_table() -> np.ndarray:
    """The classic 256-entry table of the MSB-first CRC-16 with polynomial 0x1021."""
    crc = np.arange(256, dtype=np.uint32) << 8
    for _ in range(8):
        crc = np.where(crc & 0x8000, (crc << 1) ^ _POLY, crc << 1) & 0xFFFF
    return crc.astype(np.uint16)


@cache
def word_table() -> np.ndarray:
    """State after two octets, indexed by state XOR the big-endian 16-bit word of those octets."""
    state = np.arange(1 << 16, dtype=np.uint32)
    table = byte_table().astype(np.uint32)
    return _byte_step(_byte_step(state, 0, table), 0, table).astype(np.uint16)


@cache
def init_before_zero_octet() -> int:
    """The state that one leading 0x00 octet turns into 0xFFFF, so odd-length rows can be padded in front."""
    state = np.arange(1 << 16, dtype=np.uint32)
    after = _byte_step(state, 0, byte_table().astype(np.uint32))
    return int(np.flatnonzero(after == CRC16_INIT)[0])


def crc_rows(rows: np.ndarray, padded: bool) -> np.ndarray:
    """CRC of every row of a C-contiguous (n, even width) uint8 array; ``padded``: the first octet is a 0x00 pad."""
    words = rows.view(">u2")
    table = word_table()
    crc = np.full(len(rows), init_before_zero_octet() if padded else CRC16_INIT, dtype=np.uint16)
    for k in range(words.shape[1]):
        crc = table[crc ^ words[:, k]]
    return crc
