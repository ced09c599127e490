"""CCSDS Reed-Solomon (255,223), E = 16 (131.0-B): interleave 1-5 or 8, dual-basis symbols, virtual fill.

Field GF(2^8) from F(x) = x^8 + x^7 + x^2 + x + 1 (0x187); generator g(x) = prod (x - a^(11 j)), j = 112..143.
The encoder and the error-free check are table-driven (numpy, one gather and one XOR-reduce per block);
only codewords that hold errors go through Berlekamp-Massey, Chien search and Forney in Python.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np

from protocols.errors import FieldValueError, LengthError, field_error

N = 255
K = 223
PARITY = 32
T = 16
"""Symbol errors a codeword can correct."""
FIELD_POLY = 0x187
FIRST_ROOT = 112
ROOT_POWER = 11
BETA_POWER = 117
"""The dual basis is the one dual to {1, b, ..., b^7} with b = a^117."""
INTERLEAVES = (1, 2, 3, 4, 5, 8)


def _field() -> tuple[list[int], list[int]]:
    """Antilog (doubled, for index sums) and log tables of the field."""
    exp = [0] * 510
    log = [0] * 256
    x = 1
    for i in range(255):
        exp[i] = exp[i + 255] = x
        log[x] = i
        x <<= 1
        if x & 0x100:
            x ^= FIELD_POLY
    return exp, log


EXP, LOG = _field()


def gf_mul(a: int, b: int) -> int:
    """Product of two field elements."""
    return EXP[LOG[a] + LOG[b]] if a and b else 0


def _trace(z: int) -> int:
    total, y = 0, z
    for _ in range(8):
        total ^= y
        y = gf_mul(y, y)
    return total


def _dual_tables() -> tuple[bytes, bytes]:
    """Conventional → dual and dual → conventional translation tables (bit 7 is z0 = Tr(z))."""
    betas = [EXP[(BETA_POWER * i) % 255] for i in range(8)]
    to_dual = bytearray(256)
    for z in range(256):
        value = 0
        for i, beta in enumerate(betas):
            value |= _trace(gf_mul(beta, z)) << (7 - i)
        to_dual[z] = value
    to_conv = bytearray(256)
    for z, d in enumerate(to_dual):
        to_conv[d] = z
    return bytes(to_dual), bytes(to_conv)


CONV_TO_DUAL, DUAL_TO_CONV = _dual_tables()
"""bytes.translate tables between the conventional and the dual-basis (Berlekamp) symbol representations."""


def generator_poly() -> list[int]:
    """g(x) coefficients, highest degree first (g[0] = 1, 33 terms)."""
    poly = [1]
    for j in range(FIRST_ROOT, FIRST_ROOT + PARITY):
        root = EXP[(ROOT_POWER * j) % 255]
        nxt = [*poly, 0]
        for i, coef in enumerate(poly):
            nxt[i + 1] ^= gf_mul(coef, root)
        poly = nxt
    return poly


GENERATOR = generator_poly()
_ROOTS_LOG = [(ROOT_POWER * j) % 255 for j in range(FIRST_ROOT, FIRST_ROOT + PARITY)]


def _encode_table() -> np.ndarray:
    """TABLE[p, v] = the 32 parity symbols of a codeword whose only nonzero message symbol is v at index p."""
    low = GENERATOR[1:]
    rows = np.zeros((K, PARITY), dtype=np.uint8)
    rem = list(low)  # x^32 mod g: the message symbol at index K - 1
    for p in range(K - 1, -1, -1):
        rows[p] = rem
        top = rem[0]
        rem = [*rem[1:], 0]
        if top:
            rem = [r ^ gf_mul(top, g) for r, g in zip(rem, low, strict=True)]
    logs = np.array(LOG)
    mul = np.array(EXP, dtype=np.uint8)[logs[:, None] + logs[None, :]]
    mul[0, :] = mul[:, 0] = 0
    return np.ascontiguousarray(mul[:, rows].transpose(1, 0, 2))  # (K, 256, PARITY)


@lru_cache(maxsize=1)
def _table() -> np.ndarray:
    return _encode_table()


class RsResult(NamedTuple):
    """A decoded block: the data (corrected where possible), symbols corrected, codewords beyond repair."""

    data: bytes
    corrected: int
    uncorrectable: int

    @property
    def ok(self) -> bool:
        """True when every codeword was (or was made) valid."""
        return not self.uncorrectable


class ReedSolomon:
    """The CCSDS RS(255,223) code with ``interleave`` codewords per block and ``virtual_fill`` per codeword.

    A block carries ``data_size = interleave * (223 - virtual_fill)`` octets followed by ``32 * interleave``
    check symbols; symbol j of codeword i is octet ``j * interleave + i``. ``dual_basis`` picks the
    CCSDS (Berlekamp) symbol representation on the wire.
    """

    def __init__(self, interleave: int = 1, virtual_fill: int = 0, dual_basis: bool = True) -> None:
        if interleave not in INTERLEAVES:
            raise field_error(FieldValueError, "interleave", interleave, f"allowed: {INTERLEAVES}")
        if not 0 <= virtual_fill < K:
            raise field_error(FieldValueError, "virtual_fill", virtual_fill, f"must be 0..{K - 1}")
        self.interleave = interleave
        self.virtual_fill = virtual_fill
        self.dual_basis = dual_basis
        self.k = K - virtual_fill
        self.data_size = interleave * self.k
        self.block_size = interleave * (self.k + PARITY)
        self._table = _table()[virtual_fill:]
        self._cols = np.arange(self.k)[None, :]

    def _parity(self, conv: bytes) -> np.ndarray:
        """Parity of each codeword, shape (interleave, 32), conventional basis."""
        msg = np.frombuffer(conv, dtype=np.uint8).reshape(self.k, self.interleave).T
        return np.bitwise_xor.reduce(self._table[self._cols, msg], axis=1)

    def encode(self, data: bytes | bytearray | memoryview) -> bytes:
        """``data`` followed by its interleaved check symbols."""
        data = bytes(data)
        if len(data) != self.data_size:
            raise field_error(LengthError, "data", len(data), f"an RS block here carries {self.data_size} octets")
        conv = data.translate(DUAL_TO_CONV) if self.dual_basis else data
        check = self._parity(conv).T.tobytes()
        return data + (check.translate(CONV_TO_DUAL) if self.dual_basis else check)

    def decode(self, block: bytes | bytearray | memoryview) -> RsResult:
        """Check and correct a block; up to 16 symbol errors per codeword are corrected, more are reported."""
        block = bytes(block)
        if len(block) != self.block_size:
            raise field_error(LengthError, "block", len(block), f"an RS block here is {self.block_size} octets")
        conv = block.translate(DUAL_TO_CONV) if self.dual_basis else block
        size = self.data_size
        received = np.frombuffer(conv, dtype=np.uint8)[size:].reshape(PARITY, self.interleave).T
        diff = self._parity(conv[:size]) ^ received
        bad = np.flatnonzero(diff.any(axis=1))
        if not bad.size:
            return RsResult(block[:size], 0, 0)
        out = bytearray(block)
        corrected = failed = 0
        n = self.k + PARITY
        for cw in bad.tolist():
            errors = _locate(diff[cw].tolist(), n)
            if errors is None:
                failed += 1
                continue
            for degree, value in errors:
                at = (n - 1 - degree) * self.interleave + cw
                out[at] ^= CONV_TO_DUAL[value] if self.dual_basis else value
            corrected += len(errors)
        return RsResult(bytes(out[:size]), corrected, failed)


def _syndromes(rem: list[int]) -> list[int]:
    """S_j = rem(a^(11 (112 + j))); rem is r(x) mod g(x), highest degree first."""
    out = []
    for root in _ROOTS_LOG:
        acc = 0
        for coef in rem:
            acc = (EXP[LOG[acc] + root] if acc else 0) ^ coef
        out.append(acc)
    return out


def _berlekamp_massey(synd: list[int]) -> list[int]:
    """Error locator Λ(x), lowest degree first (Λ0 = 1)."""
    lam, prev = [1], [1]
    length, shift, prev_disc = 0, 1, 1
    for r, _ in enumerate(synd):
        disc = synd[r]
        for i in range(1, length + 1):
            if i < len(lam) and lam[i] and synd[r - i]:
                disc ^= EXP[LOG[lam[i]] + LOG[synd[r - i]]]
        if not disc:
            shift += 1
            continue
        scale = EXP[LOG[disc] + 255 - LOG[prev_disc]]
        update = [0] * shift + [gf_mul(scale, c) for c in prev]
        new = [a ^ b for a, b in zip(lam + [0] * (len(update) - len(lam)),
                                     update + [0] * (len(lam) - len(update)), strict=True)]
        if 2 * length <= r:
            prev, length, prev_disc, shift = lam, r + 1 - length, disc, 1
        else:
            shift += 1
        lam = new
    while len(lam) > 1 and not lam[-1]:
        lam.pop()
    return lam


def _evaluate(poly: list[int], log_x: int) -> int:
    """poly (lowest degree first) at the field element a^log_x."""
    acc = 0
    for i, coef in enumerate(poly):
        if coef:
            acc ^= EXP[(LOG[coef] + i * log_x) % 255]
    return acc


def _locate(rem: list[int], n: int) -> list[tuple[int, int]] | None:
    """(degree, error value) pairs that explain the remainder ``rem``, or None when beyond the code's power."""
    synd = _syndromes(rem)
    if not any(synd):
        return None  # not a codeword, yet syndromes vanish: cannot happen for a valid remainder
    lam = _berlekamp_massey(synd)
    nu = len(lam) - 1
    if nu > T:
        return None
    omega = [0] * PARITY  # S(x) Λ(x) mod x^32
    for i, s in enumerate(synd):
        if s:
            for j, c in enumerate(lam):
                if i + j < PARITY and c:
                    omega[i + j] ^= EXP[LOG[s] + LOG[c]]
    deriv = [lam[i] if i % 2 else 0 for i in range(1, len(lam))]  # Λ'(x), char 2
    errors = []
    for degree in range(n):
        x_log = (ROOT_POWER * degree) % 255  # X = a^(11 d)
        inv = (255 - x_log) % 255
        if _evaluate(lam, inv):
            continue
        denom = _evaluate(deriv, inv)
        if not denom:
            return None
        num = _evaluate(omega, inv)
        value = EXP[(LOG[num] + (1 - FIRST_ROOT) * x_log % 255 + 255 - LOG[denom]) % 255] if num else 0
        if not value:
            return None
        errors.append((degree, value))
    return errors if len(errors) == nu else None
