"""CCSDS pseudo-randomizers (131.0-B TM, 231.0-B TC): an all-ones-seeded LFSR sequence XORed onto the frame."""

from __future__ import annotations

from functools import lru_cache

PERIOD = 255
"""Octets before either sequence repeats."""


def lfsr_sequence(taps: tuple[int, ...], length: int = PERIOD) -> bytes:
    """``length`` octets of the sequence a(k+8) = XOR of a(k+t) for t in ``taps``, from eight 1 bits, MSB first."""
    bits = [1] * 8
    while len(bits) < length * 8:
        k = len(bits) - 8
        value = 0
        for tap in taps:
            value ^= bits[k + tap]
        bits.append(value)
    out = bytearray()
    for i in range(length):
        octet = 0
        for bit in bits[8 * i:8 * i + 8]:
            octet = (octet << 1) | bit
        out.append(octet)
    return bytes(out)


TM_SEQUENCE = lfsr_sequence((0, 3, 5, 7))
"""One period of the TM randomizer, h(x) = x^8 + x^7 + x^5 + x^3 + 1: FF 48 0E C0 9A ..."""

TC_SEQUENCE = lfsr_sequence((0, 1, 2, 3, 4, 6))
"""One period of the TC randomizer, h(x) = x^8 + x^6 + x^4 + x^3 + x^2 + x + 1: FF 39 9E 5A ..."""


@lru_cache(maxsize=64)
def sequence_mask(length: int, sequence: bytes = TM_SEQUENCE) -> int:
    """The sequence repeated to ``length`` octets, as one big integer: randomizing is a single XOR with it."""
    reps = -(-length // len(sequence))
    return int.from_bytes((sequence * reps)[:length], "big")


def randomize(data: bytes | bytearray | memoryview, sequence: bytes = TM_SEQUENCE) -> bytes:
    """``data`` XOR the sequence (restarted at the first octet); applying it twice gives ``data`` back."""
    length = len(data)
    if not length:
        return b""
    return apply_mask(data, sequence_mask(length, sequence), length)


def apply_mask(data: bytes | bytearray | memoryview, mask: int, length: int) -> bytes:
    """``data`` (``length`` octets) XOR a mask from ``sequence_mask``: randomizing when the mask is held."""
    return (int.from_bytes(data, "big") ^ mask).to_bytes(length, "big")


def tm_randomize(data: bytes | bytearray | memoryview) -> bytes:
    """Randomize (or derandomize) a TM frame or codeblock with the TM sequence."""
    return randomize(data, TM_SEQUENCE)


def tc_randomize(data: bytes | bytearray | memoryview) -> bytes:
    """Randomize (or derandomize) a TC frame with the TC sequence."""
    return randomize(data, TC_SEQUENCE)
