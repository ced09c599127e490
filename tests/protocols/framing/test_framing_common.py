"""Every framing: the registry, the shared protocols, round trips, refusals and never raising on any input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import protocols.framing as framing
from protocols.errors import FramingError
from protocols.framing import DATAGRAM_FRAMINGS, FRAMINGS, STREAM_FRAMINGS, Deframer, Framer, make_framing
from protocols.pus import PusTc, PusTm
from protocols.spacepacket import MAX_PACKET_SIZE, SpacePacket, idle_packet

NAMES = sorted(FRAMINGS)
STREAMS = list(STREAM_FRAMINGS)
"""Framings whose frames are found in a byte stream however it is chunked."""


def test_registry_names_the_three_framings() -> None:
    expected = {"asm": (framing.AsmFramer, framing.AsmDeframer), "cobs": (framing.CobsFramer, framing.CobsDeframer),
                "raw": (framing.RawFramer, framing.RawDeframer)}
    assert expected == FRAMINGS
    assert {"raw"} == DATAGRAM_FRAMINGS


@pytest.mark.parametrize("name", NAMES)
def test_make_framing_builds_a_matching_pair(name: str) -> None:
    framer, deframer = make_framing(name, max_packet_size=512)
    assert isinstance(framer, Framer)
    assert isinstance(deframer, Deframer)
    assert deframer.max_packet_size == framer.max_packet_size == 512  # type: ignore[attr-defined]


def test_unknown_framing_names_the_allowed_ones() -> None:
    with pytest.raises(FramingError, match="allowed framings: asm, cobs, raw") as caught:
        make_framing("hdlc")
    assert (caught.value.field, caught.value.value) == ("framing", "hdlc")


@pytest.mark.parametrize("name", NAMES)
def test_unknown_option_is_a_framing_error(name: str) -> None:
    with pytest.raises(FramingError, match="max_packet_size"):
        make_framing(name, baud=9600)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("value", [6, MAX_PACKET_SIZE + 1, "512", True])
def test_unusable_maximum_is_refused(name: str, value: object) -> None:
    with pytest.raises(FramingError, match="max_packet_size"):
        make_framing(name, max_packet_size=value)


packets = st.one_of(
    st.builds(lambda apid, seq, data: PusTm(apid, 3, 25, data, seq).pack(),
              st.integers(0, 0x7FE), st.integers(0, 0x3FFF), st.binary(max_size=300)),
    st.builds(lambda apid, seq, data: PusTc(apid, 8, 1, data, seq).pack(),
              st.integers(0, 0x7FE), st.integers(0, 0x3FFF), st.binary(max_size=300)),
    st.builds(lambda apid, data: SpacePacket(0, apid, 0, data).pack(),
              st.integers(0, 0x7FF), st.binary(min_size=1, max_size=300)),
    st.builds(idle_packet, st.integers(7, 400)),
)


@pytest.mark.parametrize("name", STREAMS)
@settings(max_examples=80, deadline=None)
@given(st.lists(packets, max_size=8), st.integers(1, 50))
def test_framed_packets_come_back_unchanged(name: str, sent: list[bytes], chunk: int) -> None:
    framer, deframer = make_framing(name)
    stream = b"".join(framer.frame(p) for p in sent)
    got: list[bytes] = []
    for pos in range(0, len(stream), chunk):
        result = deframer.feed(stream[pos:pos + chunk])
        assert result.skipped == []
        got += result.packets
    assert got == sent
    assert deframer.buffered == 0
    assert deframer.stats.octets_good == deframer.stats.octets_in == len(stream)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=40, deadline=None)
@given(st.lists(packets, max_size=8))
def test_packets_framed_one_per_datagram_come_back_unchanged(name: str, sent: list[bytes]) -> None:
    framer, deframer = make_framing(name)
    datagrams = [framer.frame(p) for p in sent]
    got = [packet for datagram in datagrams for packet in deframer.feed(datagram).packets]
    assert got == sent
    assert deframer.stats.octets_good == deframer.stats.octets_in == sum(map(len, datagrams))
    assert all(framer.wire_size(len(p)) >= len(d) for p, d in zip(sent, datagrams, strict=True))


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000), st.integers(1, 400))
def test_arbitrary_octets_never_raise_and_stay_bounded(name: str, data: bytes, chunk: int) -> None:
    _, deframer = make_framing(name, max_packet_size=256)
    for pos in range(0, len(data), chunk):
        deframer.feed(data[pos:pos + chunk])
        assert deframer.buffered <= 256 + 300  # well under a packet and its framing
    deframer.flush()
    stats = deframer.stats
    assert deframer.buffered == 0
    assert stats.octets_good + stats.octets_skipped == stats.octets_in == len(data)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=100, deadline=None)
@given(st.one_of(packets, st.binary(max_size=300)), st.binary(max_size=8), st.booleans())
def test_feed_frame_is_feed_of_one_whole_frame_or_takes_nothing(name: str, sent: bytes, before: bytes,
                                                                framed: bool) -> None:
    framer, shortcut = make_framing(name, require_crc=True)
    _, reference = make_framing(name, require_crc=True)
    data = framer.frame(sent) if framed and len(sent) >= 7 and sent[0] & 0xE0 == 0 \
        and len(sent) == ((sent[4] << 8) | sent[5]) + 7 else sent
    shortcut.feed(before)
    reference.feed(before)
    packet = shortcut.feed_frame(data)
    if packet is None:
        assert shortcut.stats == reference.stats
        assert shortcut.buffered == reference.buffered
    else:
        assert reference.feed(data) == ([packet], [])
        assert shortcut.stats == reference.stats
        assert shortcut.buffered == 0


def tm() -> bytes:
    """A small PUS telemetry packet."""
    return PusTm(apid=0x40, service=3, subtype=25, app_data=bytes(20), seq_count=5).pack()


def flip(data: bytes, index: int, mask: int) -> bytes:
    """``data`` with the bits of ``mask`` inverted in octet ``index``."""
    out = bytearray(data)
    out[index] ^= mask
    return bytes(out)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(("packet", "field"), [
    (b"", "packet_size"),
    (bytes(6), "packet_size"),
    (bytes(MAX_PACKET_SIZE + 1), "packet_size"),
    (flip(tm(), 0, 0x20), "version"),
    (tm()[:-1], "data_length"),
    (tm() + b"\x00", "data_length"),
    ("not bytes", "packet"),
], ids=["empty", "short", "long", "version", "cut", "extra", "str"])
def test_framers_refuse_what_is_not_one_space_packet(name: str, packet: bytes, field: str) -> None:
    framer, _ = make_framing(name)
    with pytest.raises(FramingError) as caught:
        framer.frame(packet)
    assert caught.value.field == field
    assert field in str(caught.value)


@pytest.mark.parametrize("name", NAMES)
def test_framers_pass_a_bad_crc_through_for_fault_injection(name: str) -> None:
    framer, deframer = make_framing(name)
    frame = framer.frame(flip(tm(), 20, 0x01))
    first, last = deframer.feed(frame), deframer.flush()
    assert first.packets == last.packets == []
    lead = 1 if name == "cobs" else 0  # COBS's leading delimiter is filler, not part of the bad frame
    assert [*first.skipped, *last.skipped] == [(lead, len(frame), "bad crc", flip(tm(), 20, 0x01)[:6])]
    assert deframer.stats.crc_errors == 1
