"""TM synchronisation and channel coding (131.0-B): CADU = ASM + randomized frame (optionally RS-coded), and a
stream splitter that finds CADUs of fixed length in an octet stream (byte-aligned sync search, flywheel lock).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import NamedTuple

from protocols.errors import FieldValueError, LengthError, field_error
from protocols.spacelink.randomizer import apply_mask, sequence_mask
from protocols.spacelink.reed_solomon import K, ReedSolomon
from protocols.syncmarker import ASM

ASM_SIZE = len(ASM)
_ASM_INT = int.from_bytes(ASM, "big")


class CaduDecoded(NamedTuple):
    """A decoded CADU body: the frame (None when RS found it beyond repair), symbols corrected."""

    frame: bytes | None
    corrected: int = 0
    uncorrectable: int = 0


class CaduCodec:
    """Channel coding of one physical channel: frame → [RS encode] → [randomize] → ASM + body, and back.

    With ``rs_interleave`` the frame fills the RS data space of that many codewords (``frame_length`` must be a
    multiple of it, at most 223 per codeword; the rest is virtual fill).
    """

    def __init__(self, frame_length: int, *, randomize: bool = True, rs_interleave: int | None = None,
                 dual_basis: bool = True) -> None:
        self.frame_length = frame_length
        self.randomize = randomize
        self.rs: ReedSolomon | None = None
        if rs_interleave is not None:
            if frame_length % rs_interleave or not 0 < frame_length // rs_interleave <= K:
                raise field_error(FieldValueError, "frame_length", frame_length,
                                  f"must be a multiple of the interleave {rs_interleave}, at most {K} per codeword")
            self.rs = ReedSolomon(rs_interleave, K - frame_length // rs_interleave, dual_basis)
        self.body_length = size = self.rs.block_size if self.rs else frame_length
        self.cadu_length = ASM_SIZE + size
        self._mask = sequence_mask(size) if randomize else 0
        """The TM randomizer over a whole body (XOR with it); held so a CADU costs one XOR, not a look-up."""

    def encode(self, frame: bytes | bytearray | memoryview) -> bytes:
        """The CADU for one frame."""
        if len(frame) != self.frame_length:
            raise field_error(LengthError, "frame", len(frame), f"frames here are {self.frame_length} octets")
        body = self.rs.encode(frame) if self.rs else frame
        if self.randomize:
            return ASM + apply_mask(body, self._mask, self.body_length)
        return ASM + body

    def decode_body(self, body: bytes | bytearray | memoryview) -> CaduDecoded:
        """Derandomize and RS-decode a CADU body (the octets after the ASM); never raises for a right length."""
        size = self.body_length
        if len(body) != size:
            return CaduDecoded(None, 0, 1)
        data = apply_mask(body, self._mask, size) if self.randomize else bytes(body)
        if self.rs is None:
            return CaduDecoded(data)
        result = self.rs.decode(data)
        return CaduDecoded(None if result.uncorrectable else result.data, result.corrected, result.uncorrectable)


@dataclass
class CaduSplitterStats:
    """Running counters of a CADU splitter."""

    octets_in: int = 0
    cadus: int = 0
    octets_skipped: int = 0
    """Octets searched through while out of lock."""
    sync_losses: int = 0
    """Times an expected ASM was missing (too many bit errors) and the search restarted."""
    asm_bit_errors: int = 0
    """Bit errors in ASMs accepted while in lock."""

    def clear(self) -> None:
        """Set every counter back to zero."""
        for item in fields(self):
            setattr(self, item.name, 0)


class CaduSplitter:
    """Cuts an octet stream into CADU bodies of ``body_length`` octets.

    Searching, it needs an exact ASM; once locked it expects the next ASM right after each body and accepts
    it with up to ``max_asm_errors`` bit errors; a worse one drops the lock and the search restarts one octet on.
    """

    def __init__(self, body_length: int, *, max_asm_errors: int = 2) -> None:
        if body_length < 1:
            raise field_error(FieldValueError, "body_length", body_length, "must be positive")
        self.body_length = body_length
        self.max_asm_errors = max_asm_errors
        self.stats = CaduSplitterStats()
        self.locked = False
        self._buf = bytearray()

    @property
    def buffered(self) -> int:
        """Octets held, waiting for more of the stream."""
        return len(self._buf)

    def feed(self, data: bytes | bytearray | memoryview) -> list[bytes]:
        """Take the next octets; return the bodies of the CADUs they complete."""
        stats = self.stats
        size = ASM_SIZE + self.body_length
        if self.locked and not self._buf and len(data) == size:  # in lock, one whole CADU: the usual case
            errors = (int.from_bytes(data[:ASM_SIZE], "big") ^ _ASM_INT).bit_count()
            if errors <= self.max_asm_errors:
                stats.octets_in += size
                stats.asm_bit_errors += errors
                stats.cadus += 1
                return [bytes(data[ASM_SIZE:])]
        stats.octets_in += len(data)
        buf = self._buf
        buf += data
        bodies: list[bytes] = []
        pos, end = 0, len(buf)
        while True:
            if self.locked:
                if end - pos < size:
                    break
                errors = (int.from_bytes(buf[pos:pos + ASM_SIZE], "big") ^ _ASM_INT).bit_count()
                if errors <= self.max_asm_errors:
                    stats.asm_bit_errors += errors
                    bodies.append(bytes(buf[pos + ASM_SIZE:pos + size]))
                    stats.cadus += 1
                    pos += size
                    continue
                self.locked = False
                stats.sync_losses += 1
                stats.octets_skipped += 1
                pos += 1
            at = buf.find(ASM, pos)
            if at < 0:
                keep = max(pos, end - (ASM_SIZE - 1))
                stats.octets_skipped += keep - pos
                pos = keep
                break
            stats.octets_skipped += at - pos
            pos = at
            self.locked = True
        del buf[:pos]
        return bodies

    def flush(self) -> list[bytes]:
        """End of stream: whatever is held is dropped (counted as skipped)."""
        self.stats.octets_skipped += len(self._buf)
        self._buf.clear()
        self.locked = False
        return []

    def reset(self) -> None:
        """Forget everything: as if newly built."""
        self._buf.clear()
        self.locked = False
        self.stats.clear()
