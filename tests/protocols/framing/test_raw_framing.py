"""Raw framing: one datagram is one packet; a datagram that is anything else is dropped whole and counted."""

from __future__ import annotations

import pytest

from protocols.framing import RawDeframer, RawFramer, SkippedRange, make_framing
from protocols.pus import PusTc, PusTm
from protocols.spacepacket import idle_packet


def tm(seq: int) -> bytes:
    """A small housekeeping report."""
    return PusTm(apid=0x40, service=3, subtype=25, app_data=bytes(range(20)), seq_count=seq).pack()


def ping(seq: int) -> bytes:
    """TC[17,1] to the sampler."""
    return PusTc(apid=0x22, service=17, subtype=1, seq_count=seq).pack()


def test_the_framer_sends_the_packet_as_it_is() -> None:
    assert RawFramer().frame(tm(1)) == tm(1)
    assert RawFramer().wire_size(len(tm(1))) == len(tm(1))


def test_each_whole_packet_datagram_is_delivered() -> None:
    deframer = RawDeframer(require_crc=True)
    assert deframer.feed(tm(1)) == ([tm(1)], [])
    assert deframer.feed(ping(2)) == ([ping(2)], [])
    assert (deframer.stats.packets, deframer.buffered, deframer.stats.octets_skipped) == (2, 0, 0)


@pytest.mark.parametrize(("datagram", "reason", "told"), [
    (tm(1) + ping(2), "bad length", True),  # two packets in one datagram
    (tm(1)[:-3], "bad length", True),  # cut short
    (tm(1)[:4], "bad length", False),  # not even a header
    (bytes([tm(1)[0] | 0x20]) + tm(1)[1:], "bad header", False),  # version 1
    (tm(1)[:-1] + bytes([tm(1)[-1] ^ 1]), "bad crc", True),
    (b"\x1a\xcf\xfc\x1d" + tm(1), "bad length", True),  # ASM-framed: the marker reads as a header
], ids=["two", "cut", "short", "version", "crc", "asm"])
def test_a_datagram_that_is_not_one_good_packet_is_dropped_whole(datagram: bytes, reason: str, told: bool) -> None:
    deframer = RawDeframer(require_crc=True)
    deframer.feed(tm(0))
    result = deframer.feed(datagram)
    assert result.packets == []
    size = len(tm(0))
    assert result.skipped == [SkippedRange(size, size + len(datagram), reason, datagram[:6] if told else b"")]
    assert deframer.feed(ping(3)).packets == [ping(3)]  # the next datagram is judged on its own
    stats = deframer.stats
    assert (stats.ranges_skipped, stats.octets_skipped) == (1, len(datagram))
    assert stats.octets_good + stats.octets_skipped == stats.octets_in


def test_require_crc_refuses_packets_without_one_and_eats_idle_ones() -> None:
    plain = bytes.fromhex("1022C011000041")
    _, deframer = make_framing("raw", require_crc=True)
    assert deframer.feed(plain).skipped[0].reason == "bad header"
    assert deframer.feed(idle_packet(9)) == ([], [])
    assert deframer.feed(b"") == ([], [])
    assert deframer.stats.octets_good == 9
    _, lenient = make_framing("raw")
    assert lenient.feed(plain).packets == [plain]


def test_expire_and_reset_hold_nothing() -> None:
    deframer = RawDeframer()
    deframer.feed(b"junk")
    assert deframer.expire() == ([], [])
    deframer.reset()
    assert deframer.stats.octets_in == 0
    assert deframer.feed(b"junk").skipped == [SkippedRange(0, 4, "bad length")]
