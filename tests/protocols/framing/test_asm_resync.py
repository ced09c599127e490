"""ASM framing: no unchecked length holds the link, expire() frees it, rejected candidates name their header."""

from __future__ import annotations

import pytest

from protocols.errors import FramingError
from protocols.framing import ASM, AsmDeframer, AsmFramer, CobsDeframer, CobsFramer, SkippedRange, make_framing
from protocols.pus import PusTc, PusTm
from protocols.spacepacket import SpacePacket, idle_packet

FRAMER = AsmFramer()


def ping(seq: int) -> bytes:
    """TC[17,1] to the sampler's APID."""
    return PusTc(apid=0x22, service=17, subtype=1, seq_count=seq).pack()


def tm(seq: int, size: int = 20) -> bytes:
    """A housekeeping report with ``size`` octets of application data."""
    return PusTm(apid=0x40, service=3, subtype=25, app_data=bytes(i % 251 for i in range(size)), seq_count=seq).pack()


def plain(seq: int, size: int = 12) -> bytes:
    """A TC with no secondary header, hence no CRC: only its length field says where it ends."""
    return SpacePacket(1, 0x22, seq, bytes(range(1, size - 5))).pack()


def flip(data: bytes, index: int, mask: int) -> bytes:
    """``data`` with the bits of ``mask`` inverted in octet ``index``."""
    out = bytearray(data)
    out[index] ^= mask
    return bytes(out)


def frames(*packets: bytes) -> bytes:
    """Each packet behind its marker."""
    return b"".join(FRAMER.frame(p) for p in packets)


PINGS = [ping(seq) for seq in range(1, 6)]


def test_a_flipped_length_bit_of_a_crc_less_packet_no_longer_swallows_the_next_ping() -> None:
    longer = flip(FRAMER.frame(plain(0)), 9, 0x04)  # 4 octets too long: its "end" is inside the first ping
    deframer = AsmDeframer()
    result = deframer.feed(longer + frames(*PINGS))
    assert result.packets == PINGS
    assert result.skipped == [SkippedRange(0, len(longer), "bad length", longer[4:10])]
    assert deframer.stats.length_errors == 1


def test_a_crc_less_packet_shortened_by_a_flipped_bit_is_not_delivered() -> None:
    shorter = flip(FRAMER.frame(plain(0)), 9, 0x02)
    result = AsmDeframer().feed(shorter + frames(*PINGS))
    assert result.packets == PINGS
    assert [(r.start, r.stop, r.reason) for r in result.skipped] == [(0, len(shorter), "bad length")]


def test_a_far_too_long_crc_less_packet_holds_the_pings_only_until_expire() -> None:
    far = flip(FRAMER.frame(plain(0)), 8, 0x80)  # 32 KB too long
    deframer = AsmDeframer()
    assert deframer.feed(far + frames(*PINGS)).packets == []
    result = deframer.expire()
    assert result.packets == PINGS
    assert result.skipped == [SkippedRange(0, len(far), "truncated", far[4:10])]
    assert deframer.buffered == 0


def test_with_require_crc_a_crc_less_packet_is_refused_at_its_header_and_the_pings_pass_at_once() -> None:
    far = flip(FRAMER.frame(plain(0)), 8, 0x80)
    result = AsmDeframer(require_crc=True).feed(far + frames(*PINGS))
    assert result.packets == PINGS
    assert [(r.start, r.stop, r.reason) for r in result.skipped] == [(0, len(far), "bad header")]


@pytest.mark.parametrize("require_crc", [False, True])
def test_a_truncated_idle_packet_no_longer_swallows_the_next_frames(require_crc: bool) -> None:
    cut = FRAMER.frame(idle_packet(300))[:20]
    good = [tm(seq) for seq in range(12)]  # more octets than the idle packet claims
    deframer = AsmDeframer(require_crc=True) if require_crc else AsmDeframer()
    result = deframer.feed(cut + frames(*good))
    assert result.packets == good
    # as filler it is dropped as soon as a marker shows in its body; else when its end is not a marker
    assert result.skipped == [SkippedRange(0, len(cut), "truncated" if require_crc else "bad length")]
    assert deframer.buffered == 0


def test_with_require_crc_a_cut_idle_packet_frees_the_link_at_the_next_marker() -> None:
    cut = FRAMER.frame(idle_packet(30_000))[:20]  # claims 30 KB
    deframer = AsmDeframer(require_crc=True)
    assert deframer.feed(cut + frames(*PINGS)).packets == PINGS
    assert AsmDeframer().feed(cut + frames(*PINGS)).packets == []  # delivered idle packets wait for their end


def test_with_require_crc_a_packet_whose_secondary_header_flag_flipped_is_not_delivered() -> None:
    damaged = flip(FRAMER.frame(ping(9)), 4, 0x08)  # now claims no secondary header: no CRC would be checked
    stream = frames(PINGS[0]) + damaged + frames(*PINGS[1:])
    assert AsmDeframer().feed(stream).packets == [PINGS[0], flip(ping(9), 0, 0x08), *PINGS[1:]]  # why the flag
    deframer = AsmDeframer(require_crc=True)
    result = deframer.feed(stream)
    assert result.packets == PINGS
    start = len(FRAMER.frame(PINGS[0]))
    assert [(r.start, r.stop, r.reason) for r in result.skipped] == [(start, start + len(damaged), "bad header")]
    assert deframer.stats.header_errors == 1


def test_with_require_crc_idle_packets_are_filler_confirmed_by_the_next_marker() -> None:
    deframer = AsmDeframer(require_crc=True)
    idle = FRAMER.frame(idle_packet(30))
    first = deframer.feed(frames(tm(1)) + idle)
    assert first == ([tm(1)], [])
    assert deframer.buffered == len(idle)  # the end of a read does not confirm filler
    assert deframer.feed(frames(tm(2))) == ([tm(2)], [])
    assert deframer.buffered == 0
    assert deframer.stats.octets_good == deframer.stats.octets_in
    assert deframer.stats.packets == 2
    deframer.feed(idle)
    assert deframer.expire() == ([], [])  # the line went quiet exactly at its end: that confirms it
    assert deframer.stats.octets_good == deframer.stats.octets_in


def test_expire_drops_a_partial_frame_so_the_next_readers_command_is_deframed() -> None:
    deframer = AsmDeframer()
    half = FRAMER.frame(tm(1, 60))[:30]  # the first reader went away mid-frame
    assert deframer.feed(half) == ([], [])
    assert deframer.feed(FRAMER.frame(ping(1))).packets == []  # without expire the ping only fills the old body
    deframer.reset()
    deframer.feed(half)
    assert deframer.expire() == ([], [SkippedRange(0, len(half), "truncated", tm(1, 60)[:6])])
    assert deframer.feed(FRAMER.frame(ping(1))) == ([ping(1)], [])
    stats = deframer.stats
    assert stats.truncated == 1
    assert stats.octets_in == stats.octets_good + stats.octets_skipped + deframer.buffered


def test_expire_rescans_after_the_dropped_marker_and_delivers_what_it_finds() -> None:
    cut = FRAMER.frame(tm(1, 200))[:40]
    deframer = AsmDeframer()
    assert deframer.feed(cut + frames(ping(1), ping(2))).packets == []
    assert deframer.expire() == ([ping(1), ping(2)], [SkippedRange(0, len(cut), "truncated", tm(1, 200)[:6])])


def test_expire_with_nothing_waiting_changes_nothing() -> None:
    deframer = AsmDeframer()
    assert deframer.feed(frames(tm(1))) == ([tm(1)], [])
    assert deframer.expire() == ([], [])
    assert deframer.feed(frames(tm(2))) == ([tm(2)], [])


def test_expire_skips_octets_held_as_a_possible_marker() -> None:
    deframer = AsmDeframer()
    assert deframer.feed(b"xyz" + ASM[:3]) == ([], [])
    assert deframer.buffered == 3
    assert deframer.expire() == ([], [SkippedRange(0, 6, "no sync")])
    assert deframer.feed(frames(tm(1))) == ([tm(1)], [])


def test_cobs_expire_drops_the_unfinished_frame() -> None:
    framer, deframer = CobsFramer(), CobsDeframer()
    half = framer.frame(tm(1, 60))[:30]
    assert deframer.feed(half) == ([], [])
    assert deframer.expire() == ([], [SkippedRange(1, 30, "truncated", tm(1, 60)[:6])])  # octet 0: a delimiter
    assert deframer.feed(framer.frame(ping(1))) == ([ping(1)], [])


def test_a_crc_less_packet_waits_for_at_most_the_four_octets_after_it() -> None:
    packet = FRAMER.frame(plain(0))
    deframer = AsmDeframer()
    assert deframer.feed(packet + ASM[:2]) == ([], [])  # could be the next marker: wait
    assert deframer.buffered == len(packet) + 2
    assert deframer.feed(ASM[2:] + ping(1)) == ([plain(0), ping(1)], [])
    deframer = AsmDeframer()
    result = deframer.feed(packet + b"\x1a\x00")  # cannot be the next marker: rejected at once
    assert result.packets == []
    assert [(r.reason, r.header) for r in result.skipped] == []  # reported once the run of bad octets ends
    assert deframer.buffered < 4
    assert deframer.expire().skipped == [SkippedRange(0, len(packet) + 2, "bad length", packet[4:10])]


def test_a_crc_less_packet_that_ends_the_read_is_delivered_at_once_unless_told_otherwise() -> None:
    packet = FRAMER.frame(plain(0))
    assert AsmDeframer().feed(packet) == ([plain(0)], [])
    deframer = AsmDeframer(trust_read_end=False)
    assert deframer.feed(packet) == ([], [])
    assert deframer.feed(ASM) == ([plain(0)], [])
    deframer = AsmDeframer(trust_read_end=False)
    deframer.feed(packet)
    assert deframer.expire() == ([plain(0)], [])


def test_a_crc_less_packet_followed_by_part_of_a_marker_at_expire_is_a_bad_length() -> None:
    packet = FRAMER.frame(plain(0))
    deframer = AsmDeframer()
    deframer.feed(packet + ASM[:3])
    assert deframer.expire() == ([], [SkippedRange(0, len(packet) + 3, "bad length", packet[4:10])])


@pytest.mark.parametrize(("damaged", "reason"), [
    (flip(FRAMER.frame(ping(7)), 12, 0x01), "bad crc"),  # a data bit
    (FRAMER.frame(ping(7))[:12], "truncated"),  # cut short: the next marker is read as its data field
    (flip(FRAMER.frame(ping(7)), 9, 0x08), "truncated"),  # length 8 too long: the next marker inside
    (flip(FRAMER.frame(ping(7)), 9, 0x02), "bad crc"),  # length two too short
], ids=["data-bit", "cut", "length-long", "length-short"])
def test_a_rejected_telecommand_names_its_header(damaged: bytes, reason: str) -> None:
    deframer = AsmDeframer(require_crc=True)
    lead = frames(tm(1))
    result = deframer.feed(lead + damaged + frames(ping(8)))
    assert result.packets == [tm(1), ping(8)]
    assert result.skipped == [SkippedRange(len(lead), len(lead) + len(damaged), reason, damaged[4:10])]
    apid = ((result.skipped[0].header[0] & 7) << 8) | result.skipped[0].header[1]
    assert apid == 0x22


def test_ranges_without_a_readable_header_carry_none() -> None:
    bad_version = flip(FRAMER.frame(ping(7)), 4, 0x40)
    result = AsmDeframer().feed(b"noise" + bad_version + frames(ping(8)))
    assert result.skipped == [SkippedRange(0, 5, "no sync"), SkippedRange(5, 5 + len(bad_version), "bad header")]
    assert all(r.header == b"" for r in result.skipped)


def test_a_skipped_range_still_reads_as_start_stop_reason() -> None:
    item = SkippedRange(3, 9, "bad crc", bytes(6))
    assert (item.start, item.stop, item.reason, item.size) == (3, 9, "bad crc", 6)
    assert SkippedRange(3, 9, "no sync").header == b""


@pytest.mark.parametrize("name", ["asm", "cobs"])
def test_make_framing_passes_require_crc_to_the_deframer(name: str) -> None:
    framer, deframer = make_framing(name, require_crc=True, max_packet_size=512)
    assert deframer.require_crc is True  # type: ignore[attr-defined]
    stream = framer.frame(plain(1)) + framer.frame(idle_packet(9)) + framer.frame(ping(2))
    result = deframer.feed(stream)
    assert result.packets == [ping(2)]
    assert [r.reason for r in result.skipped] == ["bad header"]


def test_make_framing_names_the_options_it_takes() -> None:
    with pytest.raises(FramingError, match="max_packet_size, require_crc, trust_read_end"):
        make_framing("asm", baud=9600)
    with pytest.raises(FramingError, match=r"max_packet_size, require_crc$"):
        make_framing("cobs", trust_read_end=False)


def ending_in(last: int) -> bytes:
    """A ping whose CRC ends in the octet ``last``."""
    return next(p for p in map(ping, range(0x4000)) if p[-1] == last)


def test_a_frame_cut_by_one_octet_is_not_taken_for_good_when_the_next_marker_completes_its_crc() -> None:
    victim = ending_in(0x1A)  # cut by one, the next marker's first octet stands in for its last: the CRC checks
    stream = FRAMER.frame(victim)[:-1] + frames(*PINGS)
    result = AsmDeframer().feed(stream)
    assert result.packets == PINGS
    assert result.skipped == [SkippedRange(0, len(victim) + 3, "truncated", victim[:6])]


def test_a_good_packet_ending_like_a_marker_is_still_delivered() -> None:
    packet = ending_in(0x1A)
    assert AsmDeframer().feed(frames(packet, *PINGS)).packets == [packet, *PINGS]
    assert AsmDeframer().feed(frames(packet) + b"junk").packets == [packet]
    assert AsmDeframer().feed(frames(packet)).packets == [packet]


def test_a_good_packet_holding_a_marker_needs_the_next_marker_to_confirm_its_length() -> None:
    packet = PusTm(apid=0x40, service=3, subtype=25, app_data=bytes(8) + ASM + bytes(8), seq_count=1).pack()
    assert AsmDeframer().feed(frames(packet, *PINGS)).packets == [packet, *PINGS]
    assert AsmDeframer().feed(frames(packet)).packets == [packet]  # the end of the read agrees
    result = AsmDeframer().feed(frames(packet) + b"junk" + frames(PINGS[0]))
    assert result.packets == [PINGS[0]]
    assert result.skipped[0].reason == "bad length"
