"""CLTUs and the BCH(63,56) codeblock: parity vectors, single-bit correction everywhere, double errors rejected,
start-sequence search, tail detection."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols.errors import LengthError
from protocols.spacelink.bch import CODEBLOCK_SIZE, decode_codeblock, encode_codeblock, parity_octet
from protocols.spacelink.cltu import (
    MAX_CODEBLOCKS,
    REJECTED,
    START_SEQUENCE,
    TAIL,
    TAIL_SEQUENCE,
    TOO_LONG,
    TRUNCATED,
    CltuDecoder,
    encode_cltu,
)
from protocols.spacelink.randomizer import TC_SEQUENCE
from protocols.spacelink.tc_frame import TcFrame


@pytest.mark.parametrize(("info", "parity"), [("00000000000000", 0xFE), ("55555555555555", 0xD6),
                                              ("0123456789ABCD", 0x90)])
def test_parity_vectors(info: str, parity: int) -> None:
    assert parity_octet(bytes.fromhex(info)) == parity


def flip(block: bytes, *bits: int) -> bytes:
    """``block`` with the given bit positions (0 = MSB of octet 0) inverted."""
    out = bytearray(block)
    for bit in bits:
        out[bit // 8] ^= 0x80 >> (bit % 8)
    return bytes(out)


@pytest.mark.parametrize("info", [bytes(7), b"\x55" * 7, bytes.fromhex("0123456789ABCD"), b"\xff" * 7])
def test_every_single_bit_error_is_corrected(info: str) -> None:
    block = encode_codeblock(info)
    assert decode_codeblock(block) == (info, 0)
    for bit in range(64):
        decoded = decode_codeblock(flip(block, bit))
        assert decoded.info == info
        assert decoded.corrected == (0 if bit == 63 else 1)  # bit 63 is the filler, not part of the code


def test_every_double_error_is_rejected() -> None:
    block = encode_codeblock(bytes.fromhex("0123456789ABCD"))
    for first, second in combinations(range(63), 2):
        assert decode_codeblock(flip(block, first, second)).info is None


def test_tail_sequence_is_not_a_codeblock() -> None:
    assert decode_codeblock(TAIL_SEQUENCE).info is None


def test_cltu_layout() -> None:
    frame = bytes(range(10))
    cltu = encode_cltu(frame)
    assert cltu[:2] == START_SEQUENCE and cltu[-8:] == TAIL_SEQUENCE
    assert len(cltu) == 2 + 2 * 8 + 8
    assert cltu[2:10] == encode_codeblock(frame[:7])
    assert cltu[10:18] == encode_codeblock(frame[7:] + b"\x55" * 4)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.binary(min_size=1, max_size=300), min_size=1, max_size=5), st.integers(1, 50), st.booleans())
def test_stream_of_cltus_with_noise_in_any_chunking(frames: list[bytes], chunk: int, randomized: bool) -> None:
    rng = np.random.default_rng(len(frames) * chunk)
    stream = b""
    for frame in frames:
        noise = rng.bytes(int(rng.integers(0, 20))).replace(b"\xeb", b"\x00")
        stream += noise + encode_cltu(frame, randomize=randomized)
    decoder = CltuDecoder(randomized=randomized)
    results = []
    for pos in range(0, len(stream), chunk):
        results += decoder.feed(stream[pos:pos + chunk])
    results += decoder.flush()
    assert [r.ended_by for r in results] == [TAIL] * len(frames)
    for result, frame in zip(results, frames, strict=True):
        assert result.data[:len(frame)] == frame
        assert stream[result.start:result.start + 2] == START_SEQUENCE
    assert decoder.stats.cltus == decoder.stats.tails == len(frames)


def test_errors_in_a_cltu_are_counted_and_the_frame_survives() -> None:
    frame = TcFrame.ad(91, 1, 3, bytes(range(40))).pack()
    cltu = bytearray(encode_cltu(frame))
    for block in range(len(frame) // 7):
        cltu[2 + block * 8 + block % 7] ^= 0x10
    decoder = CltuDecoder()
    (result,) = decoder.feed(bytes(cltu))
    assert result.ended_by == TAIL and result.corrected == len(frame) // 7
    assert TcFrame.unpack(result.data, trailing_ok=True) == TcFrame.unpack(frame)
    assert decoder.stats.corrected_bits == len(frame) // 7


def test_double_error_ends_the_cltu_at_that_codeblock_and_search_resumes() -> None:
    first = encode_cltu(bytes(range(21)))
    broken = first[:10] + flip(first[10:18], 3, 40) + first[18:]
    decoder = CltuDecoder()
    results = decoder.feed(broken + encode_cltu(b"next"))
    assert [r.ended_by for r in results] == [REJECTED, TAIL]
    assert results[0].codeblocks == 1 and results[0].data == bytes(range(7))
    assert results[1].data[:4] == b"next"
    assert decoder.stats.rejected_codeblocks == 1


def test_truncated_cltu_is_delivered_on_flush_and_randomizer_is_applied() -> None:
    decoder = CltuDecoder(randomized=True)
    cltu = encode_cltu(bytes(14), randomize=True)
    assert cltu[2:9] == TC_SEQUENCE[:7]
    assert decoder.feed(cltu[:-8]) == []
    (result,) = decoder.flush()
    assert result.ended_by == TRUNCATED and result.data == bytes(14)
    decoder.reset()
    assert decoder.stats.cltus == 0 and decoder.buffered == 0


def test_a_codeblock_of_the_wrong_size_is_a_typed_error() -> None:
    with pytest.raises(LengthError, match="codeblock"):
        decode_codeblock(b"\x00")


def test_endless_codeblocks_without_a_tail_are_cut_off_and_memory_stays_bounded() -> None:
    decoder = CltuDecoder()
    block = encode_codeblock(bytes(7))
    results = decoder.feed(START_SEQUENCE)
    for _ in range(200):
        results += decoder.feed(block * 100)
        assert decoder.buffered < CODEBLOCK_SIZE
    assert [r.ended_by for r in results] == [TOO_LONG]
    assert results[0].codeblocks == MAX_CODEBLOCKS == 147
    assert decoder.stats.too_long == 1


def test_the_longest_tc_frame_still_fits_in_one_cltu() -> None:
    frame = bytes(range(256)) * 4
    results = CltuDecoder().feed(encode_cltu(frame))
    assert [r.ended_by for r in results] == [TAIL]
    assert results[0].data[:1024] == frame
