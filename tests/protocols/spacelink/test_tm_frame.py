"""TM transfer frames: header vectors, the frame codec, and packets → frames → packets with spanning, idle fill,
gaps and garbage."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols.errors import CrcError, FieldValueError, LengthError, TruncatedError, VersionError
from protocols.spacelink.tm_deframer import BAD_CRC, BAD_LENGTH, BAD_PACKET, MC_GAP, PACKET_DROPPED, VC_GAP, TmDeframer
from protocols.spacelink.tm_frame import FHP_IDLE, FHP_NO_PACKET, HEADER_SIZE, TmFrame, TmFrameHeader
from protocols.spacelink.tm_framer import FrameCounter, TmFramer
from protocols.spacepacket import IDLE_APID, SpacePacket, packet_size_at

SCID = 91


def packet(apid: int, seq: int, size: int) -> bytes:
    """A TM packet of ``size`` data octets with a recognisable pattern."""
    return SpacePacket(0, apid, seq, bytes((seq + i) % 251 for i in range(size))).pack()


packet_lists = st.lists(st.tuples(st.integers(0, IDLE_APID - 1), st.integers(1, 2500)), min_size=1, max_size=40)
frame_shapes = st.tuples(st.integers(20, 1115), st.booleans(), st.booleans())


def build(specs: list[tuple[int, int]], frame_length: int, ocf: bool, fecf: bool) -> tuple[list[bytes], list[bytes]]:
    """The packets and the flushed frames that carry them."""
    packets = [packet(apid, i, size) for i, (apid, size) in enumerate(specs)]
    framer = TmFramer(SCID, 2, frame_length, fecf=fecf, ocf=(lambda: 0x01000000) if ocf else None)
    frames = framer.push_many(packets) + framer.flush()
    assert framer.pending == 0
    return packets, frames


def data_field(frame: bytes, fecf: bool) -> bytes:
    """The data field of a packed frame."""
    ocf = frame[1] & 1
    return frame[HEADER_SIZE:len(frame) - (2 if fecf else 0) - (4 if ocf else 0)]


def test_header_vector() -> None:
    header = TmFrameHeader(SCID, 1, True, 2, 3, 0)
    assert header.pack() == bytes.fromhex("05B302031800")
    assert TmFrameHeader(SCID, 1, False, 0, 0, FHP_NO_PACKET).pack() == bytes.fromhex("05B200001FFF")
    assert TmFrameHeader.unpack(header.pack()) == header


def test_frame_codec_round_trip_and_refusals() -> None:
    frame = TmFrame(TmFrameHeader(SCID, 3, True, 7, 9, FHP_IDLE), b"\x55" * 20, 0x01040005)
    octets = frame.pack()
    assert len(octets) == 6 + 20 + 4 + 2
    assert TmFrame.unpack(octets, frame_length=32) == frame
    assert TmFrame.unpack(frame.pack(fecf=False), fecf=False) == frame
    with pytest.raises(CrcError):
        TmFrame.unpack(octets[:-1] + bytes([octets[-1] ^ 1]))
    with pytest.raises(LengthError):
        TmFrame.unpack(octets, frame_length=40)
    with pytest.raises(VersionError):
        TmFrame.unpack(b"\x40" + octets[1:], fecf=False)
    with pytest.raises(TruncatedError):
        TmFrame.unpack(octets[:5])
    with pytest.raises(FieldValueError):
        TmFrameHeader(1024, 0, False, 0, 0, 0).pack()
    with pytest.raises(FieldValueError):
        TmFrame(frame.header, b"x", None).pack()  # OCF flag without an OCF


@settings(max_examples=60, deadline=None)
@given(packet_lists, frame_shapes)
def test_packets_survive_framing_with_spanning_and_idle_fill(specs: list[tuple[int, int]],
                                                             shape: tuple[int, bool, bool]) -> None:
    frame_length, ocf, fecf = shape
    packets, frames = build(specs, frame_length, ocf, fecf)
    assert all(len(frame) == frame_length for frame in frames)
    deframer = TmDeframer(frame_length, fecf=fecf, scid=SCID)
    out = []
    for frame in frames:
        result = deframer.feed(frame)
        assert result.vcid == 2 and not result.events
        assert result.ocf == (0x01000000 if ocf else None)
        out += result.packets
    assert out == packets
    assert deframer.stats.frames_good == len(frames) and deframer.stats.packets == len(packets)


@settings(max_examples=40, deadline=None)
@given(packet_lists, frame_shapes)
def test_first_header_pointer_and_counts_are_right(specs: list[tuple[int, int]], shape: tuple[int, bool, bool]) -> None:
    frame_length, ocf, fecf = shape
    _, frames = build(specs, frame_length, ocf, fecf)
    fields = [data_field(frame, fecf) for frame in frames]
    stream = b"".join(fields)
    starts, pos = set(), 0
    while pos < len(stream):  # every octet belongs to a packet: user or idle
        starts.add(pos)
        pos += packet_size_at(stream, pos)
    assert pos == len(stream)
    offset = 0
    for index, (frame, field) in enumerate(zip(frames, fields, strict=True)):
        header = TmFrameHeader.unpack(frame)
        first = [start - offset for start in starts if offset <= start < offset + len(field)]
        assert header.first_header_pointer == (min(first) if first else FHP_NO_PACKET)
        assert header.vc_count == header.mc_count == index % 256
        offset += len(field)


@settings(max_examples=60, deadline=None)
@given(packet_lists, st.integers(20, 400), st.data())
def test_lost_and_corrupted_frames_are_reported_and_the_rest_delivered(specs: list[tuple[int, int]],
                                                                       frame_length: int, data: st.DataObject) -> None:
    packets, frames = build(specs, frame_length, False, True)
    bad = data.draw(st.sets(st.integers(0, len(frames) - 1), max_size=max(1, len(frames) // 3)))
    corrupt = data.draw(st.booleans())
    ranges, offset = [], 0  # stream range of each frame's data field
    for frame in frames:
        ranges.append((offset, offset + len(data_field(frame, True))))
        offset += ranges[-1][1] - ranges[-1][0]
    deframer = TmDeframer(frame_length)
    out, gaps, crc_errors = [], [], 0
    for index, frame in enumerate(frames):
        if index in bad:
            if not corrupt:
                continue
            frame = frame[:10] + bytes([frame[10] ^ 0x40]) + frame[11:]
        result = deframer.feed(frame)
        out += result.packets
        gaps += [event.value for event in result.events if event.reason == VC_GAP]
        crc_errors += sum(event.reason == BAD_CRC for event in result.events)
    expected, pos = [], 0
    for pkt in packets:
        start, stop = pos, pos + len(pkt)
        pos = stop
        if not any(start < ranges[i][1] and ranges[i][0] < stop for i in bad):
            expected.append(pkt)
    assert out == expected
    runs = [(i, j) for i in bad if i - 1 not in bad for j in bad if j >= i and j + 1 not in bad
            and all(k in bad for k in range(i, j + 1))]
    seen = [(i, j) for i, j in runs if i > 0 and j + 1 < len(frames)]  # a gap needs good frames on both sides
    assert sorted(gaps) == sorted(j - i + 1 for i, j in seen)
    assert crc_errors == (len(bad) if corrupt else 0)
    assert deframer.stats.vc_gaps == len(gaps)


def test_gap_drops_the_spanning_packet_and_resyncs_on_the_next_pointer() -> None:
    framer = TmFramer(SCID, 0, 100)
    packets = [packet(5, i, 150) for i in range(4)]
    frames = framer.push_many(packets) + framer.flush()
    deframer = TmDeframer(100)
    results = [deframer.feed(frame) for index, frame in enumerate(frames) if index != 1]
    events = [event for result in results for event in result.events]
    assert [event.reason for event in events] == [MC_GAP, VC_GAP, PACKET_DROPPED]
    assert events[0].value == events[1].value == 1
    delivered = [pkt for result in results for pkt in result.packets]
    assert delivered == packets[2:]  # packets 0 and 1 touched frame 1
    assert deframer.stats.frames_lost == 1 and deframer.stats.packets_dropped == 1


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(min_size=0, max_size=140), max_size=30), st.booleans())
def test_garbage_never_raises(blobs: list[bytes], fecf: bool) -> None:
    deframer = TmDeframer(64, fecf=fecf)
    for blob in blobs:
        frame = (blob * 64)[:64] if blob and len(blob) < 64 and blob[0] & 1 else blob
        frame = bytes([frame[0] & 0x3F]) + frame[1:] if frame else frame
        result = deframer.feed(frame)
        if len(frame) != 64:
            assert result.events[0].reason == BAD_LENGTH
    assert deframer.stats.frames == len(blobs)


def test_random_frames_with_valid_headers_never_raise() -> None:
    rng = np.random.default_rng(7)
    deframer = TmDeframer(200, fecf=False)
    for _ in range(3000):
        frame = bytearray(rng.bytes(200))
        frame[0] &= 0x3F
        if rng.random() < 0.5:
            frame[4], frame[5] = (frame[4] & 0xF8) | 0x18, int(rng.integers(0, 30))  # pointer near the start
        deframer.feed(bytes(frame))
    assert deframer.stats.frames_good == 3000


def test_idle_frames_and_idle_packets_are_discarded() -> None:
    framer = TmFramer(SCID, 1, 64)
    idle = framer.idle_frame()
    assert TmFrameHeader.unpack(idle).first_header_pointer == FHP_IDLE
    small = packet(9, 0, 10)
    frames = [*framer.push(small), framer.next_frame(), framer.next_frame()]
    deframer = TmDeframer(64)
    assert deframer.feed(idle).packets == []
    assert [pkt for frame in frames for pkt in deframer.feed(frame).packets] == [small]
    assert deframer.stats.idle_frames == 2 and deframer.stats.idle_packets == 1
    with pytest.raises(LengthError):
        framer.push(small)
        framer.idle_frame()


def test_short_room_lets_the_idle_packet_span_into_the_next_frame() -> None:
    framer = TmFramer(SCID, 1, 64)  # data field 56 octets
    first = packet(9, 0, 46)  # 52 octets: 4 left, less than an idle packet
    frames = framer.push(first)
    assert frames == []
    frames.append(framer.next_frame())
    assert framer.pending == 3  # the idle packet's tail
    frames += framer.flush()
    assert len(frames) == 2
    deframer = TmDeframer(64)
    assert [pkt for frame in frames for pkt in deframer.feed(frame).packets] == [first]
    assert not deframer.stats.pointer_errors


def test_master_channel_count_is_shared_and_ocf_is_sampled_per_frame() -> None:
    counter = FrameCounter()
    clcw = iter(range(100))
    vc0 = TmFramer(SCID, 0, 64, mc_counter=counter, ocf=lambda: next(clcw))
    vc1 = TmFramer(SCID, 1, 64, mc_counter=counter)
    frames = [vc0.idle_frame(), vc1.idle_frame(), vc0.idle_frame()]
    assert [TmFrameHeader.unpack(f).mc_count for f in frames] == [0, 1, 2]
    assert [TmFrameHeader.unpack(f).vc_count for f in frames] == [0, 0, 1]
    deframer = TmDeframer(64)
    assert [deframer.feed(f).ocf for f in frames] == [0, None, 1]
    assert deframer.stats.mc_gaps == 0


def test_framer_refuses_bad_packets() -> None:
    framer = TmFramer(SCID, 0, 64)
    with pytest.raises(LengthError):
        framer.push(b"\x00" * 6)
    with pytest.raises(LengthError):
        framer.push(packet(1, 0, 10)[:-1])
    with pytest.raises(VersionError):
        framer.push(b"\xe0" + packet(1, 0, 10)[1:])
    with pytest.raises(FieldValueError):
        TmFramer(SCID, 8, 64)
    with pytest.raises(LengthError):
        TmFramer(SCID, 0, 12)


@pytest.mark.parametrize(("spoil", "value"), [(0x20, 1), (0, 106)])
def test_a_bad_packet_header_in_a_frame_is_reported_and_the_rest_dropped(spoil: int, value: int) -> None:
    """The packets before a bad header (version not 0, or a size over the limit) go; the rest of the field does not."""
    good, second = packet(5, 0, 30), bytearray(packet(5, 1, 100))  # 36 and 106 octets
    second[0] |= spoil
    frame = TmFrame(TmFrameHeader(SCID, 2, False, 0, 0, 0), (good + bytes(second))[:80]).pack()
    deframer = TmDeframer(len(frame), max_packet_size=100)
    result = deframer.feed(frame)
    assert result.packets == [good] and [(e.reason, e.value) for e in result.events] == [(BAD_PACKET, value)]
    assert deframer.stats.packet_header_errors == 1 and deframer.stats.octets_dropped == 80 - len(good)
