"""The CCSDS TC BCH(63,56) codeblock (231.0-B): 7 information octets and a parity octet, table-driven."""

from __future__ import annotations

from typing import NamedTuple

from protocols.errors import LengthError, field_error

INFO_SIZE = 7
CODEBLOCK_SIZE = 8
FILL = 0x55
"""Octet that pads a short last codeblock."""
GENERATOR = 0b11000101
"""g(x) = x^7 + x^6 + x^2 + 1."""


def _table() -> tuple[int, ...]:
    """Byte-wise remainder table for g(x), the 7-bit register kept left-aligned in an octet."""
    poly = (GENERATOR & 0x7F) << 1
    table = []
    for value in range(256):
        reg = value
        for _ in range(8):
            reg = ((reg << 1) ^ poly) & 0xFF if reg & 0x80 else (reg << 1) & 0xFF
        table.append(reg)
    return tuple(table)


_TABLE = _table()


def remainder(info: bytes | bytearray | memoryview) -> int:
    """The 7 parity bits (uncomplemented): info(x) * x^7 mod g(x)."""
    table = _TABLE
    reg = 0
    for octet in info:
        reg = table[reg ^ octet]
    return reg >> 1


def parity_octet(info: bytes | bytearray | memoryview) -> int:
    """The eighth octet of a codeblock: the complemented parity bits, then a 0 filler bit."""
    return ((remainder(info) ^ 0x7F) << 1) & 0xFE


def encode_codeblock(info: bytes | bytearray | memoryview) -> bytes:
    """A codeblock for exactly 7 information octets."""
    return bytes(info) + bytes([parity_octet(info)])


def _syndromes() -> dict[int, tuple[int, int]]:
    """Syndrome of every single-bit error → (octet index, bit mask); octet 7 stands for the parity bits."""
    table: dict[int, tuple[int, int]] = {}
    for index in range(INFO_SIZE):
        for bit in range(8):
            pattern = bytearray(INFO_SIZE)
            pattern[index] = 1 << bit
            table[remainder(pattern)] = (index, 1 << bit)
    for bit in range(7):
        table[1 << bit] = (INFO_SIZE, 2 << bit)
    return table


_SYNDROMES = _syndromes()


class Decoded(NamedTuple):
    """A decoded codeblock: its 7 information octets (None if rejected) and the bits corrected (0 or 1)."""

    info: bytes | None
    corrected: int


def decode_codeblock(block: bytes | bytearray | memoryview) -> Decoded:
    """Check one 8-octet codeblock; correct a single bit error, reject anything worse (filler bit ignored)."""
    if len(block) != CODEBLOCK_SIZE:
        raise field_error(LengthError, "codeblock", len(block), f"a codeblock is {CODEBLOCK_SIZE} octets")
    info = bytes(block[:INFO_SIZE])
    syndrome = remainder(info) ^ ((block[INFO_SIZE] >> 1) ^ 0x7F)
    if not syndrome:
        return Decoded(info, 0)
    where = _SYNDROMES.get(syndrome)
    if where is None:
        return Decoded(None, 0)
    index, mask = where
    if index < INFO_SIZE:
        fixed = bytearray(info)
        fixed[index] ^= mask
        info = bytes(fixed)
    return Decoded(info, 1)
