"""CCSDS RS(255,223): the code's roots, dual-basis tables, correction up to 16 symbols and reporting beyond."""

from __future__ import annotations

import numpy as np
import pytest

from protocols.errors import FieldValueError, LengthError
from protocols.spacelink.reed_solomon import (
    CONV_TO_DUAL,
    DUAL_TO_CONV,
    EXP,
    GENERATOR,
    LOG,
    ReedSolomon,
    gf_mul,
)


def poly_at(coefs: bytes, log_x: int) -> int:
    """A polynomial given highest degree first, at a^log_x (Horner)."""
    acc = 0
    for coef in coefs:
        acc = (gf_mul(acc, EXP[log_x % 255])) ^ coef
    return acc


def test_field_and_generator() -> None:
    assert len(set(EXP[:255])) == 255 and EXP[8] == 0x87  # a^8 = a^7 + a^2 + a + 1
    assert len(GENERATOR) == 33 and GENERATOR[0] == 1
    assert GENERATOR[::-1] == GENERATOR  # the CCSDS generator is symmetric (self-reciprocal)


def test_codewords_vanish_at_the_32_roots() -> None:
    rng = np.random.default_rng(1)
    codeword = ReedSolomon(1, dual_basis=False).encode(rng.bytes(223))
    for j in range(112, 144):
        assert poly_at(codeword, 11 * j) == 0


def test_dual_basis_tables() -> None:
    # rows of the standard's conventional → Berlekamp transformation matrix
    assert [CONV_TO_DUAL[1 << (7 - i)] for i in range(8)] == [0x8D, 0xEF, 0xEC, 0x86, 0xFA, 0x99, 0xAF, 0x7B]
    assert bytes(range(256)).translate(CONV_TO_DUAL).translate(DUAL_TO_CONV) == bytes(range(256))
    assert LOG[1] == 0


def corrupt(block: bytes, codec: ReedSolomon, per_codeword: int, rng: np.random.Generator) -> bytes:
    """``block`` with ``per_codeword`` symbols of every codeword replaced by a different value."""
    out = bytearray(block)
    n = codec.k + 32
    for cw in range(codec.interleave):
        for symbol in rng.choice(n, per_codeword, replace=False):
            out[int(symbol) * codec.interleave + cw] ^= int(rng.integers(1, 256))
    return bytes(out)


@pytest.mark.parametrize(("interleave", "fill"), [(1, 0), (2, 0), (3, 10), (4, 0), (5, 0), (8, 120), (1, 200)])
def test_up_to_16_errors_per_codeword_are_corrected(interleave: int, fill: int) -> None:
    rng = np.random.default_rng(interleave * 100 + fill)
    codec = ReedSolomon(interleave, fill)
    for errors in (0, 1, 7, 16):
        data = rng.bytes(codec.data_size)
        block = codec.encode(data)
        assert len(block) == codec.block_size == interleave * (255 - fill)
        result = codec.decode(corrupt(block, codec, errors, rng))
        assert result.ok and result.data == data and result.corrected == errors * interleave


@pytest.mark.parametrize("interleave", [1, 5])
def test_more_than_16_errors_are_reported_uncorrectable(interleave: int) -> None:
    rng = np.random.default_rng(interleave)
    codec = ReedSolomon(interleave)
    for errors in (17, 20, 40):
        block = codec.encode(rng.bytes(codec.data_size))
        result = codec.decode(corrupt(block, codec, errors, rng))
        assert not result.ok and result.uncorrectable == interleave


def test_conventional_basis_codec_and_refusals() -> None:
    codec = ReedSolomon(2, dual_basis=False)
    data = bytes(range(223)) * 2
    block = bytearray(codec.encode(data))
    block[5] ^= 0xFF
    assert codec.decode(bytes(block)).data == data
    with pytest.raises(FieldValueError):
        ReedSolomon(6)
    with pytest.raises(LengthError):
        codec.encode(b"short")
    with pytest.raises(LengthError):
        codec.decode(b"short")
