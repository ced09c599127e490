"""Bit errors on the coded bits of the space link: a Gilbert-Elliott burst channel drawn per block, not per bit.

The channel is a two-state Markov chain over the bits on the air: in the good state no bit is wrong, in the bad
state (a burst) each bit is wrong with probability ``bad_ber``. Bursts last ``burst_bits`` bits on average and
their frequency is set so that the long-run bit error rate is ``ber``. With ``burst_bits`` below 2 the errors are
independent (a binary symmetric channel). Sojourn times are drawn as geometric variables, the errors inside a
burst as a binomial count and their positions, so a block costs a few draws at most, and nothing at all when
``ber`` is 0 or while a long good spell lasts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BAD_BER = 0.5
"""Bit error probability inside a burst."""


@dataclass
class ChannelStats:
    """What one direction of the channel did."""

    blocks: int = 0
    bits: int = 0
    bit_errors: int = 0
    blocks_hit: int = 0
    """Blocks with at least one bit error."""
    bursts: int = 0


class BurstChannel:
    """Flips bits of whole blocks (CADUs, CLTUs) as a Gilbert-Elliott channel would, from a seeded generator."""

    def __init__(self, rng: np.random.Generator, ber: float = 0.0, burst_bits: float = 0.0,
                 bad_ber: float = BAD_BER) -> None:
        self.rng = rng
        self.stats = ChannelStats()
        self.bad = False
        self._left = 0  # bits left in the current state (0: draw afresh)
        self.configure(ber, burst_bits, bad_ber)

    def configure(self, ber: float, burst_bits: float = 0.0, bad_ber: float = BAD_BER) -> None:
        """Set the mean bit error rate and burst length (takes effect at the next block)."""
        if not 0.0 <= ber < bad_ber <= 1.0:
            raise ValueError(f"ber={ber}: need 0 <= ber < bad_ber={bad_ber} <= 1")
        self.ber = float(ber)
        self.burst_bits = float(burst_bits)
        self.bad_ber = float(bad_ber)
        self.bursty = self.ber > 0 and self.burst_bits >= 2.0
        if self.bursty:
            self.p_end = 1.0 / self.burst_bits  # bad -> good, per bit
            share = self.ber / self.bad_ber  # long-run fraction of bits in bursts
            self.p_start = self.p_end * share / (1.0 - share)  # good -> bad, per bit
        else:
            self.p_end = self.p_start = 0.0
        self.bad = False
        self._left = 0

    @property
    def active(self) -> bool:
        """False when the channel never changes a bit (BER 0): callers may skip it entirely."""
        return self.ber > 0.0

    def apply(self, block: bytes, gap_bits: int = 0) -> tuple[bytes, int]:
        """``block`` as received, and how many bits were flipped; ``gap_bits`` is the air time since the last block."""
        if self.ber <= 0.0:
            return block, 0
        bits = len(block) * 8
        stats = self.stats
        stats.blocks += 1
        stats.bits += bits
        positions = self._bursty(bits, gap_bits) if self.bursty else self._independent(bits)
        if positions is None or not len(positions):
            return block, 0
        data = bytearray(block)
        for pos in positions.tolist():
            data[pos >> 3] ^= 0x80 >> (pos & 7)
        stats.bit_errors += len(positions)
        stats.blocks_hit += 1
        return bytes(data), len(positions)

    def _independent(self, bits: int) -> np.ndarray | None:
        rng = self.rng
        count = int(rng.binomial(bits, self.ber))
        if not count:
            return None
        return np.unique(rng.integers(0, bits, count))

    def _bursty(self, bits: int, gap_bits: int) -> np.ndarray | None:
        rng = self.rng
        self._skip(gap_bits)
        found: list[np.ndarray] = []
        pos = 0
        while pos < bits:
            if self._left <= 0:
                self._left = int(rng.geometric(self.p_end if self.bad else self.p_start))
                if self.bad:
                    self.stats.bursts += 1
            span = min(self._left, bits - pos)
            if self.bad:
                count = int(rng.binomial(span, self.bad_ber))
                if count:
                    found.append(pos + rng.choice(span, count, replace=False))
            pos += span
            self._left -= span
            if self._left <= 0:
                self.bad = not self.bad
        if not found:
            return None
        return np.concatenate(found)

    def _skip(self, gap_bits: int) -> None:
        """Let ``gap_bits`` bits of air time pass between blocks (no data on them, so no errors to apply)."""
        if gap_bits <= 0:
            return
        if gap_bits < self._left:
            self._left -= gap_bits
            return
        # the chain forgets its state at rate (1 - p_start - p_end) per bit: start afresh from the right law
        decay = (1.0 - self.p_start - self.p_end) ** float(gap_bits)
        share = self.p_start / (self.p_start + self.p_end)
        p_bad = share + ((1.0 if self.bad else 0.0) - share) * decay
        self.bad = bool(self.rng.random() < p_bad)
        self._left = 0
