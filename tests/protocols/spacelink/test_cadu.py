"""CADUs: ASM + randomized (RS-coded) frame, and the splitter that finds them in a stream."""

from __future__ import annotations

import numpy as np
import pytest

from protocols.errors import FieldValueError, LengthError
from protocols.spacelink.cadu import ASM, CaduCodec, CaduSplitter
from protocols.spacelink.randomizer import TM_SEQUENCE


def frames(count: int, size: int, seed: int = 0) -> list[bytes]:
    """Random frames."""
    rng = np.random.default_rng(seed)
    return [rng.bytes(size) for _ in range(count)]


def split(splitter: CaduSplitter, stream: bytes, chunk: int) -> list[bytes]:
    """Feed ``stream`` in chunks; all bodies found."""
    bodies: list[bytes] = []
    for pos in range(0, len(stream), chunk):
        bodies += splitter.feed(stream[pos:pos + chunk])
    return bodies + splitter.flush()


def test_cadu_layout() -> None:
    codec = CaduCodec(100)
    cadu = codec.encode(bytes(100))
    assert cadu[:4] == ASM == bytes.fromhex("1ACFFC1D")
    assert cadu[4:] == TM_SEQUENCE[:100]  # the randomizer covers the frame, not the ASM
    assert codec.decode_body(cadu[4:]).frame == bytes(100)
    assert CaduCodec(100, randomize=False).encode(bytes(100))[4:] == bytes(100)


@pytest.mark.parametrize(("frame_length", "interleave"), [(1115, 5), (223, 1), (892, 4), (200, 2)])
def test_rs_coded_cadus_through_a_noisy_stream(frame_length: int, interleave: int) -> None:
    codec = CaduCodec(frame_length, rs_interleave=interleave)
    assert codec.body_length == frame_length + 32 * interleave
    sent = frames(12, frame_length, frame_length)
    rng = np.random.default_rng(3)
    stream = bytearray(b"\x00\x17garbage" + b"".join(codec.encode(f) for f in sent))
    for index in rng.choice(len(stream) - 20, 40, replace=False):  # scattered octet errors, ASMs included
        stream[int(index) + 20] ^= 0x01
    splitter = CaduSplitter(codec.body_length)
    bodies = split(splitter, bytes(stream), 997)
    decoded = [codec.decode_body(body) for body in bodies]
    assert [d.frame for d in decoded] == sent
    assert sum(d.corrected for d in decoded) + splitter.stats.asm_bit_errors == 40


def test_uncorrectable_block_is_reported() -> None:
    codec = CaduCodec(223, rs_interleave=1)
    body = bytearray(codec.encode(bytes(223))[4:])
    for index in range(0, 40 * 6, 6):
        body[index] ^= 0xA5
    result = codec.decode_body(bytes(body))
    assert result.frame is None and result.uncorrectable == 1
    assert codec.decode_body(b"short").frame is None


def test_splitter_loses_and_regains_lock() -> None:
    codec = CaduCodec(64)
    sent = frames(6, 64)
    cadus = [codec.encode(f) for f in sent]
    broken = bytes([cadus[2][0] ^ 0xFF]) + cadus[2][1:]  # 8 bit errors in the third ASM
    stream = cadus[0] + cadus[1] + broken + b"\x99" * 13 + cadus[3] + cadus[4] + cadus[5]
    splitter = CaduSplitter(codec.body_length, max_asm_errors=2)
    bodies = split(splitter, stream, 50)
    assert [codec.decode_body(b).frame for b in bodies] == sent[:2] + sent[3:]
    assert splitter.stats.sync_losses == 1 and splitter.stats.cadus == 5


def test_garbage_never_raises() -> None:
    rng = np.random.default_rng(9)
    splitter = CaduSplitter(100)
    for _ in range(200):
        splitter.feed(rng.bytes(int(rng.integers(0, 300))) + (ASM if rng.random() < 0.3 else b""))
    assert splitter.stats.octets_in >= splitter.stats.octets_skipped


def test_refusals() -> None:
    with pytest.raises(FieldValueError):
        CaduCodec(1000, rs_interleave=3)  # not a multiple
    with pytest.raises(FieldValueError):
        CaduCodec(1200, rs_interleave=5)  # more than 223 per codeword
    with pytest.raises(LengthError):
        CaduCodec(100).encode(bytes(99))


def test_whole_cadus_one_at_a_time_split_as_the_stream_does() -> None:
    """In lock, a CADU fed on its own takes the short way; bodies and counters are those of the stream."""
    codec = CaduCodec(64)
    cadus = [codec.encode(f) for f in frames(5, 64)]
    cadus[3] = bytes([cadus[3][0] ^ 0x03]) + cadus[3][1:]  # two bit errors in an ASM: still in lock
    cadus[4] = bytes([cadus[4][0] ^ 0x07]) + cadus[4][1:]  # three: the lock is lost
    one_by_one, stream = CaduSplitter(codec.body_length), CaduSplitter(codec.body_length)
    bodies = [body for cadu in cadus for body in one_by_one.feed(cadu)]
    assert bodies == stream.feed(b"".join(cadus)) and len(bodies) == 4
    assert one_by_one.stats == stream.stats and one_by_one.stats.asm_bit_errors == 2
    assert one_by_one.buffered == stream.buffered
