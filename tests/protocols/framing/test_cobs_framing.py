"""COBS framing: the codec agrees with the reference package; the deframer keeps every good packet."""

from __future__ import annotations

import numpy as np
import pytest
from cobs import cobs as reference
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols.errors import FramingError, ProtocolError
from protocols.framing import (
    CobsDeframer,
    CobsFramer,
    DeframeResult,
    SkippedRange,
    cobs_decode,
    cobs_encode,
    cobs_max_encoded_size,
)
from protocols.pus import PusTc, PusTm
from protocols.spacepacket import MAX_PACKET_SIZE, idle_packet

FRAMER = CobsFramer()
GLUED = {"bad cobs", "bad header", "bad length", "bad crc"}  # what a cut frame glued to the next decodes as


def tm(seq: int, size: int = 20) -> bytes:
    """A housekeeping report with ``size`` octets of application data (zeros included)."""
    return PusTm(apid=0x40, service=3, subtype=25, app_data=bytes(i % 251 for i in range(size)), seq_count=seq).pack()


def flip(data: bytes, index: int, mask: int) -> bytes:
    """``data`` with the bits of ``mask`` inverted in octet ``index``."""
    out = bytearray(data)
    out[index] ^= mask
    return bytes(out)


def raw_frame(packet: bytes) -> bytes:
    """COBS frame of any octets, bypassing the framer's packet checks."""
    return cobs_encode(packet) + b"\x00"


def run(deframer: CobsDeframer, stream: bytes, chunks: list[int] | None = None) -> DeframeResult:
    """Feed ``stream`` in chunks of the given sizes (cycled; whole when None), then flush."""
    packets: list[bytes] = []
    skipped: list[SkippedRange] = []
    sizes = chunks or [len(stream) or 1]
    pos = turn = 0
    while pos < len(stream):
        size = sizes[turn % len(sizes)]
        result = deframer.feed(stream[pos:pos + size])
        packets += result.packets
        skipped += result.skipped
        pos += size
        turn += 1
    result = deframer.flush()
    return DeframeResult(packets + result.packets, skipped + result.skipped)


BLOCK_EDGES = [b"", b"\x00", b"\x00\x00", bytes(range(1, 255)), bytes(range(1, 256)),
               b"\x01" * 253, b"\x01" * 254, b"\x01" * 255, b"\x01" * 508, b"\x01" * 254 + b"\x00",
               b"\x00" + b"\x01" * 254, b"\x01" * 254 + b"\x00" + b"\x01" * 254]


@pytest.mark.parametrize("data", BLOCK_EDGES, ids=range(len(BLOCK_EDGES)))
def test_block_edges_match_the_reference(data: bytes) -> None:
    encoded = cobs_encode(data)
    assert encoded == reference.encode(data)
    assert b"\x00" not in encoded
    assert len(encoded) <= cobs_max_encoded_size(len(data))
    assert cobs_decode(encoded) == data


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=1200) | st.lists(st.sampled_from([b"\x00", b"\x01" * 254, b"ab"])).map(b"".join))
def test_encoding_round_trips_and_agrees_with_the_reference(data: bytes) -> None:
    encoded = cobs_encode(data)
    assert encoded == reference.encode(data)
    assert len(encoded) <= cobs_max_encoded_size(len(data))
    assert cobs_decode(encoded) == data


ZERO_FREE = st.binary(min_size=1, max_size=8).map(lambda b: b.replace(b"\x00", b"")).filter(bool)


@settings(max_examples=500, deadline=None)
@given(st.binary(min_size=1, max_size=600) | ZERO_FREE)
def test_decoding_arbitrary_octets_agrees_with_the_reference(data: bytes) -> None:
    try:
        expected: bytes | None = reference.decode(data)
    except reference.DecodeError:
        expected = None
    try:
        got: bytes | None = cobs_decode(data)
    except ProtocolError:
        got = None
    assert got == expected


CRAFTED = [b"\x01", b"\x01\x01", b"\x02\x41\x01", b"\x03\x01", b"\xff" * 3, b"\xff" + b"\x01" * 254,
           b"\xff" + b"\x01" * 254 + b"\x01", b"\xff" + b"\x01" * 254 + b"\x02\x05", b"\x02\xff" + b"\x01" * 255]


@pytest.mark.parametrize("data", CRAFTED, ids=range(len(CRAFTED)))
def test_decoding_crafted_sequences_agrees_with_the_reference(data: bytes) -> None:
    try:
        expected: bytes | None = reference.decode(data)
    except reference.DecodeError:
        expected = None
    try:
        got: bytes | None = cobs_decode(data)
    except FramingError:
        got = None
    assert got == expected


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_decoding_arbitrary_octets_raises_only_framing_errors(data: bytes) -> None:
    try:
        cobs_decode(data)
    except FramingError as exc:
        assert exc.field is not None


def test_empty_input_is_not_an_encoding() -> None:
    with pytest.raises(FramingError, match="cobs_size"):
        cobs_decode(b"")


class Builder:
    """Concatenates stream segments, remembering the good packets and the ranges a deframer must report."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.good: list[bytes] = []
        self.bad: list[tuple[int, int, set[str]]] = []

    def packet(self, packet: bytes) -> None:
        """Append a good framed packet."""
        self.good.append(packet)
        self.data += FRAMER.frame(packet)

    def damage(self, octets: bytes, *reasons: str) -> None:
        """Append octets that must come back as one skipped range with one of ``reasons``."""
        self.bad.append((len(self.data), len(self.data) + len(octets), set(reasons)))
        self.data += octets

    def filler(self, octets: bytes) -> None:
        """Append octets a deframer passes over without complaint."""
        self.data += octets

    def bare(self, packet: bytes) -> None:
        """Append a good packet as a sender without the leading delimiter frames it: COBS(packet) 00."""
        self.good.append(packet)
        self.data += raw_frame(packet)


def hostile_stream() -> tuple[bytes, list[bytes], list[tuple[int, int, set[str]]]]:
    """Good packets between every kind of damage a UART brings to a COBS link."""
    b = Builder()
    b.packet(tm(0))
    b.damage(b"\x05abc\x00", "bad cobs")  # delimited garbage
    b.damage(b"\x03\x01\x02\x00", "bad length")  # decodes, but to 2 octets
    b.packet(tm(1))
    b.damage(b"\xfe\xfe\xfe\x00", "bad cobs")  # garbage with no delimiter: the next frame's leading one ends it
    b.bare(tm(2))
    b.damage(b"\xfe\xfe\xfe", "bad cobs")  # garbage glued to a frame sent without a leading delimiter
    b.bare(tm(20))
    b.damage(raw_frame(tm(3))[:24], *GLUED)  # cut short, delimiter lost, glued to a frame with no leading one
    b.bare(tm(4))
    b.filler(b"\x00")
    b.damage(FRAMER.frame(tm(21))[1:25] + b"\x00", *GLUED)  # cut short: the next frame's leading delimiter ends it
    b.bare(tm(22))
    b.damage(FRAMER.frame(tm(5))[1:16] + b"\x00", *GLUED)  # cut short, delimiter kept
    b.packet(idle_packet(30))
    b.filler(b"\x00\x00\x00")  # idle delimiters
    b.damage(raw_frame(flip(tm(6), 0, 0x20)), "bad header")
    b.packet(tm(7))
    b.damage(raw_frame(flip(tm(8), 30, 0x01)), "bad crc")
    b.packet(PusTc(apid=0x22, service=17, subtype=1, seq_count=9).pack())
    b.damage(raw_frame(flip(tm(10), 5, 0x04)), "bad length")
    b.packet(tm(11))
    b.filler(b"\x00")
    b.damage(b"\xfe" + FRAMER.frame(tm(12))[2:], "bad cobs")  # a code octet hit
    b.packet(tm(13))
    b.damage(b"\xff" * 70000 + b"\x00", "oversize")  # a stuck line: no delimiter for longer than any frame
    b.bare(tm(14, 600))
    return bytes(b.data), b.good, b.bad


STREAM, GOOD, BAD = hostile_stream()


def check_reports(skipped: list[SkippedRange]) -> None:
    """``skipped`` covers exactly the damaged segments, each with an expected reason."""
    merged: list[SkippedRange] = []
    for item in skipped:  # a long run comes in pieces: join them back
        if merged and merged[-1].stop == item.start and merged[-1].reason == item.reason == "oversize":
            merged[-1] = SkippedRange(merged[-1].start, item.stop, item.reason)
        else:
            merged.append(item)
    assert [(r.start, r.stop) for r in merged] == [(start, stop) for start, stop, _ in BAD]
    for got, (_, _, reasons) in zip(merged, BAD, strict=True):
        assert got.reason in reasons


def test_every_good_packet_survives_garbage_cuts_and_flips() -> None:
    deframer = CobsDeframer()
    result = deframer.feed(STREAM)
    assert result.packets == GOOD
    check_reports(result.skipped)
    assert deframer.buffered == 0
    stats = deframer.stats
    assert stats.octets_good + stats.octets_skipped == stats.octets_in == len(STREAM)
    assert stats.packets == len(GOOD)
    assert stats.oversize == 1


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 5000), min_size=1, max_size=10))
def test_any_chunking_gives_the_same_packets_and_ranges(chunks: list[int]) -> None:
    assert run(CobsDeframer(), STREAM, chunks) == run(CobsDeframer(), STREAM)


def test_byte_at_a_time_matches_one_feed() -> None:
    short = STREAM[:STREAM.index(b"\xff" * 100)]
    assert run(CobsDeframer(), short, [1]) == run(CobsDeframer(), short)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.binary(max_size=40), st.integers(0, 300)), min_size=1, max_size=6),
       st.lists(st.integers(1, 64), min_size=1, max_size=5))
def test_good_packets_survive_arbitrary_garbage(segments: list[tuple[bytes, int]], chunks: list[int]) -> None:
    stream, good = bytearray(), []
    for index, (garbage, size) in enumerate(segments):
        good.append(tm(index, size))
        stream += garbage + FRAMER.frame(good[-1])
    deframer = CobsDeframer()
    result = run(deframer, bytes(stream), chunks)
    assert result.packets == good
    assert deframer.stats.octets_good + deframer.stats.octets_skipped == len(stream)


def test_unterminated_frame_is_reported_as_truncated_on_flush() -> None:
    deframer = CobsDeframer()
    frame = FRAMER.frame(tm(1))
    assert deframer.feed(frame + frame[:-1]) == ([tm(1)], [])
    assert deframer.buffered == len(frame) - 2  # the second frame's leading delimiter is filler, not held
    assert deframer.flush() == ([], [SkippedRange(len(frame) + 1, 2 * len(frame) - 1, "truncated", tm(1)[:6])])
    assert deframer.stats.truncated == 1


def test_megabyte_of_noise_stays_bounded_and_is_all_accounted_for() -> None:
    rng = np.random.default_rng(2)
    deframer = CobsDeframer(max_packet_size=1024)
    total = 0
    for size in rng.integers(1, 20000, size=110):
        chunk = rng.bytes(int(size))
        total += len(chunk)
        deframer.feed(chunk)
        assert deframer.buffered <= deframer.max_frame_size
        stats = deframer.stats
        assert stats.octets_good + stats.octets_skipped + deframer.buffered == stats.octets_in == total
    assert total > 1 << 20
    # the noise does not end in a delimiter, so its tail is glued to this frame: the packet still comes out
    assert deframer.feed(FRAMER.frame(tm(1)) + FRAMER.frame(tm(2))).packets == [tm(1), tm(2)]


def test_long_stuck_line_stays_bounded() -> None:
    deframer = CobsDeframer(max_packet_size=256)
    skipped: list[SkippedRange] = []
    for _ in range(100):
        skipped += deframer.feed(b"\x55" * 1000).skipped
        assert deframer.buffered <= deframer.max_frame_size == 256 + 2
    result = deframer.feed(FRAMER.frame(tm(1)))
    assert result.packets == [tm(1)]
    skipped += result.skipped
    assert skipped[0].start == 0
    assert skipped[-1].stop == 100_001  # the frame's leading delimiter ends the stuck run
    assert {r.reason for r in skipped} == {"oversize"}
    assert deframer.stats.oversize == 1


def test_packet_longer_than_the_maximum_is_oversize() -> None:
    deframer = CobsDeframer(max_packet_size=300)
    big, small = raw_frame(tm(1, 290)), FRAMER.frame(tm(2))
    result = deframer.feed(big + small)
    assert result.packets == [tm(2)]
    assert result.skipped == [SkippedRange(0, len(big), "oversize")]


def test_idle_and_plain_packets_are_taken_on_their_header() -> None:
    plain = bytes.fromhex("1022C011000041")
    idle = idle_packet(9)
    assert CobsDeframer().feed(FRAMER.frame(plain) + FRAMER.frame(idle)).packets == [plain, idle]


def test_reset_forgets_held_octets_and_counters() -> None:
    deframer = CobsDeframer()
    deframer.feed(b"junk" + FRAMER.frame(tm(1))[:20])
    deframer.reset()
    assert deframer.buffered == 0
    assert deframer.stats.octets_in == 0
    assert deframer.feed(b"x\x00" + FRAMER.frame(tm(2))) == ([tm(2)], [SkippedRange(0, 2, "bad cobs")])


def test_framer_output_is_reference_cobs_between_two_delimiters() -> None:
    packet = tm(1, 700)
    assert FRAMER.frame(packet) == b"\x00" + reference.encode(packet) + b"\x00"
    assert FRAMER.wire_size(len(packet)) >= len(FRAMER.frame(packet))


def test_a_reader_that_waits_for_a_delimiter_gets_the_first_packet() -> None:
    stream = b"".join(FRAMER.frame(tm(seq)) for seq in range(3))
    # tmtccmd's serial COBS reader, and most users of the cobs package: skip to the first 00, then split on 00
    frames = stream[stream.index(0) + 1:].split(b"\x00")
    assert [reference.decode(frame) for frame in frames if frame] == [tm(0), tm(1), tm(2)]


@pytest.mark.parametrize("lead", [b"", b"\x00", b"\x00\x00\x00"], ids=["none", "one", "three"])
def test_streams_with_or_without_leading_delimiters_read_alike(lead: bytes) -> None:
    stream = b"".join(lead + raw_frame(tm(seq)) for seq in range(3))
    deframer = CobsDeframer(require_crc=True)
    assert deframer.feed(stream) == ([tm(0), tm(1), tm(2)], [])
    stats = deframer.stats
    assert (stats.octets_good, stats.octets_skipped, stats.ranges_skipped) == (len(stream), 0, 0)


@pytest.mark.parametrize("size", [MAX_PACKET_SIZE, 7])
def test_largest_and_smallest_packets_pass(size: int) -> None:
    packet = idle_packet(size)
    assert CobsDeframer().feed(FRAMER.frame(packet)).packets == [packet]
