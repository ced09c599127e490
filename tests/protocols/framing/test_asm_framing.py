"""ASM framing: every good packet survives garbage, cuts and bit flips; reports are exact and chunking-proof."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols.errors import FramingError
from protocols.framing import ASM, AsmDeframer, AsmFramer, DeframeResult, SkippedRange
from protocols.pus import PusTc, PusTm
from protocols.spacepacket import MAX_PACKET_SIZE, idle_packet

FRAMER = AsmFramer()


def tm(seq: int, size: int = 20) -> bytes:
    """A housekeeping report with ``size`` octets of application data."""
    return PusTm(apid=0x40, service=3, subtype=25, app_data=bytes(i % 251 for i in range(size)), seq_count=seq).pack()


def noise(rng: np.random.Generator, size: int) -> bytes:
    """Random octets with no sync marker in them."""
    data = rng.bytes(size)
    while ASM in data:
        data = data.replace(ASM, rng.bytes(4))
    return data


def flip(data: bytes, index: int, mask: int) -> bytes:
    """``data`` with the bits of ``mask`` inverted in octet ``index``."""
    out = bytearray(data)
    out[index] ^= mask
    return bytes(out)


def run(deframer: AsmDeframer, stream: bytes, chunks: list[int] | None = None) -> DeframeResult:
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


class Builder:
    """Concatenates stream segments, remembering the good packets and the ranges a deframer must report."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.good: list[bytes] = []
        self.bad: list[SkippedRange] = []

    def packet(self, packet: bytes) -> None:
        """Append a good framed packet."""
        self.good.append(packet)
        self.data += FRAMER.frame(packet)

    def damage(self, octets: bytes, reason: str, header: bool = False) -> None:
        """Append octets that must come back as one skipped range (carrying their primary header when ``header``)."""
        told = octets[len(ASM):len(ASM) + 6] if header else b""
        self.bad.append(SkippedRange(len(self.data), len(self.data) + len(octets), reason, told))
        self.data += octets


def hostile_stream() -> tuple[bytes, list[bytes], list[SkippedRange]]:
    """Good packets between every kind of damage, with the ranges a deframer must report."""
    rng = np.random.default_rng(20240601)
    b = Builder()
    b.packet(tm(0))
    b.damage(noise(rng, 100), "no sync")
    b.packet(tm(1))
    b.damage(FRAMER.frame(tm(2))[:30], "truncated", True)  # cut short in the data field: the next marker inside
    b.packet(tm(3))
    b.damage(flip(FRAMER.frame(tm(4)), 4, 0x20), "bad header")  # version bit
    b.packet(idle_packet(40, seq_count=5))
    b.damage(flip(FRAMER.frame(tm(6)), 30, 0x01), "bad crc", True)  # a data bit
    b.packet(PusTc(apid=0x22, service=17, subtype=1, seq_count=7).pack())
    b.damage(flip(FRAMER.frame(tm(8)), 1, 0x10), "no sync")  # a sync marker bit
    b.packet(tm(9))
    b.damage(flip(FRAMER.frame(tm(10)), 9, 0x40), "truncated", True)  # length field 64 too long: next marker inside
    b.packet(tm(11))
    b.damage(flip(FRAMER.frame(tm(12)), 9, 0x02), "bad crc", True)  # length field 2 too short
    b.packet(tm(13))
    b.damage(flip(FRAMER.frame(tm(14)), 44, 0x80), "bad crc", True)  # a CRC bit
    b.packet(tm(15))
    # garbage hiding a false marker whose header announces a 3000-octet PUS packet
    b.damage(noise(rng, 50), "no sync")
    false_header = PusTm(apid=0x40, service=3, subtype=25, app_data=bytes(2979)).pack()[:6]
    b.damage(ASM + false_header + noise(rng, 40), "truncated", True)  # its "body" holds the frames that follow
    for seq in range(16, 24):
        b.packet(tm(seq, 400))
    b.packet(tm(24))
    return bytes(b.data), b.good, b.bad


STREAM, GOOD, BAD = hostile_stream()


def test_every_good_packet_survives_garbage_cuts_and_flips() -> None:
    result = run(AsmDeframer(), STREAM)
    assert result.packets == GOOD
    assert result.skipped == BAD


def test_reports_arrive_without_flush_once_the_next_frame_is_seen() -> None:
    deframer = AsmDeframer()
    result = deframer.feed(STREAM)
    assert result.packets == GOOD
    assert result.skipped == BAD
    assert deframer.buffered == 0
    assert deframer.flush() == ([], [])


def test_counters_account_for_every_octet() -> None:
    deframer = AsmDeframer()
    result = run(deframer, STREAM)
    stats = deframer.stats
    assert stats.octets_in == len(STREAM)
    assert stats.packets == len(GOOD)
    assert stats.octets_good == sum(len(p) + len(ASM) for p in GOOD)
    assert stats.octets_skipped == sum(r.size for r in result.skipped)
    assert stats.octets_good + stats.octets_skipped == stats.octets_in
    assert stats.ranges_skipped == len(BAD)
    assert (stats.crc_errors, stats.truncated, stats.header_errors) == (3, 3, 1)


def test_byte_at_a_time_matches_one_feed() -> None:
    assert run(AsmDeframer(), STREAM, [1]) == run(AsmDeframer(), STREAM)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 700), min_size=1, max_size=20))
def test_any_chunking_gives_the_same_packets_and_ranges(chunks: list[int]) -> None:
    assert run(AsmDeframer(), STREAM, chunks) == (GOOD, BAD)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.binary(max_size=40), st.integers(0, 60)), min_size=1, max_size=8),
       st.lists(st.integers(1, 64), min_size=1, max_size=5))
def test_garbage_between_packets_is_reported_exactly(segments: list[tuple[bytes, int]], chunks: list[int]) -> None:
    stream, good, ranges = bytearray(), [], []
    for index, (garbage, size) in enumerate(segments):
        while ASM in garbage:
            garbage = garbage.replace(ASM, b"")
        if garbage:
            ranges.append(SkippedRange(len(stream), len(stream) + len(garbage), "no sync"))
        stream += garbage
        good.append(tm(index, size))
        stream += FRAMER.frame(good[-1])
    assert run(AsmDeframer(), bytes(stream), chunks) == (good, ranges)


@pytest.mark.parametrize("settle", ["expire", "flush"])
def test_header_cut_short_stalls_until_expire_recovers_what_follows(settle: str) -> None:
    cut = FRAMER.frame(tm(1))[:7]  # its length field is read from the next marker: 0xCFFC octets
    tail = b"".join(FRAMER.frame(tm(seq)) for seq in range(2, 5))
    deframer = AsmDeframer()
    first = deframer.feed(FRAMER.frame(tm(0)) + cut + tail)
    assert first.packets == [tm(0)]
    assert deframer.buffered == len(cut) + len(tail)
    start = len(FRAMER.frame(tm(0)))
    told = (cut + tail)[4:10]  # three octets of its own header, three of the next marker
    assert getattr(deframer, settle)() == ([tm(2), tm(3), tm(4)],
                                           [SkippedRange(start, start + len(cut), "truncated", told)])
    assert deframer.stats.truncated == 1
    assert deframer.buffered == 0


def test_megabyte_of_noise_stays_bounded_and_is_all_accounted_for() -> None:
    rng = np.random.default_rng(1)
    deframer = AsmDeframer()
    bound = MAX_PACKET_SIZE + len(ASM) - 1
    skipped: list[SkippedRange] = []
    total = 0
    for size in rng.integers(1, 20000, size=200):
        chunk = rng.bytes(int(size))
        total += len(chunk)
        skipped += deframer.feed(chunk).skipped
        assert deframer.buffered <= bound
        assert deframer.stats.octets_skipped + deframer.buffered == deframer.stats.octets_in == total
    assert total > 1 << 20
    result = deframer.feed(FRAMER.frame(tm(1)))
    after = deframer.flush()
    assert [*result.packets, *after.packets] == [tm(1)]
    skipped += result.skipped + after.skipped
    assert skipped[0].start == 0 and skipped[-1].stop == total
    assert all(a.stop == b.start for a, b in pairwise(skipped))
    assert max(r.size for r in skipped) <= 1 << 16
    assert deframer.stats.octets_skipped == total


def test_small_maximum_bounds_the_buffer_and_rejects_longer_packets() -> None:
    deframer = AsmDeframer(max_packet_size=512)
    big = FRAMER.frame(tm(1, 600))
    result = deframer.feed(big + FRAMER.frame(tm(2)))
    assert result.packets == [tm(2)]
    assert result.skipped == [SkippedRange(0, len(big), "oversize", tm(1, 600)[:6])]
    assert deframer.stats.oversize == 1
    deframer.feed(ASM + tm(3, 480)[:6])
    for _ in range(100):
        deframer.feed(bytes(50))
        assert deframer.buffered <= 512 + len(ASM) - 1


def test_idle_and_plain_packets_are_taken_on_their_header() -> None:
    plain = bytes.fromhex("1022C011000041")  # TC, no secondary header, APID 0x22, count 17, one data octet
    idle = idle_packet(9)
    assert AsmDeframer().feed(FRAMER.frame(plain) + FRAMER.frame(idle)).packets == [plain, idle]


def test_reset_forgets_held_octets_and_counters() -> None:
    deframer = AsmDeframer()
    deframer.feed(b"junk" + FRAMER.frame(tm(1))[:20])
    deframer.reset()
    assert deframer.buffered == 0
    assert deframer.stats.octets_in == 0
    assert deframer.feed(b"xy" + FRAMER.frame(tm(2))) == ([tm(2)], [SkippedRange(0, 2, "no sync")])


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300), st.integers(0, 3))
def test_arbitrary_octets_with_markers_never_raise(data: bytes, markers: int) -> None:
    stream = data
    for i in range(markers):
        cut = len(stream) * (i + 1) // (markers + 1)
        stream = stream[:cut] + ASM + stream[cut:]
    deframer = AsmDeframer()
    run(deframer, stream, [7])
    assert deframer.stats.octets_good + deframer.stats.octets_skipped == len(stream)


def test_framer_honours_a_smaller_maximum() -> None:
    with pytest.raises(FramingError, match="packet_size"):
        AsmFramer(max_packet_size=100).frame(tm(1, 200))
    assert AsmFramer(max_packet_size=100).frame(tm(1)) == ASM + tm(1)


def test_feed_frame_takes_one_whole_good_frame_on_a_clear_line_only() -> None:
    deframer = AsmDeframer(require_crc=True)
    assert deframer.feed_frame(FRAMER.frame(tm(1))) == tm(1)
    assert (deframer.stats.packets, deframer.stats.octets_good) == (1, len(FRAMER.frame(tm(1))))
    declined = [FRAMER.frame(tm(2)) + b"x", FRAMER.frame(tm(2))[:-1], flip(FRAMER.frame(tm(2)), 20, 0x01),
                FRAMER.frame(idle_packet(20)), b"junk" + FRAMER.frame(tm(2))]
    for data in declined:
        assert deframer.feed_frame(data) is None
    assert deframer.stats.octets_in == len(FRAMER.frame(tm(1)))
    deframer.feed(b"junk")  # an open run of bad octets: the next frame's marker must report it, as feed does
    assert deframer.feed_frame(FRAMER.frame(tm(2))) is None
    assert deframer.feed(FRAMER.frame(tm(2))) == ([tm(2)], [SkippedRange(len(FRAMER.frame(tm(1))),
                                                                         len(FRAMER.frame(tm(1))) + 4, "no sync")])
