"""ASM framing on the probe's hostile stream: every untouched packet once and in order, no damage let through."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols.crc import crc16
from protocols.framing import ASM, AsmDeframer, SkippedRange
from protocols.spacepacket import IDLE_APID, SpacePacket, idle_packet

PACKETS = 20_000
GARBAGE, FLIPPED, TRUNCATED = 0.09, 0.05, 0.05


def pus(rng: np.random.Generator, seq: int, size: int) -> bytes:
    """A TM or TC with a secondary header and a good CRC-16 (APIDs far from the idle one)."""
    raw = SpacePacket(int(rng.integers(2)), int(rng.integers(0x20, 0x400)), seq % 0x4000,
                      rng.bytes(size - 6), sec_header_flag=True).pack()
    return raw[:-2] + crc16(raw[:-2]).to_bytes(2, "big")


@dataclass
class Probe:
    """A stream with what a deframer must make of it: the untouched packets, and where the damage is."""

    data: bytearray = field(default_factory=bytearray)
    good: list[bytes] = field(default_factory=list)
    good_spans: list[tuple[int, int]] = field(default_factory=list)
    damaged: list[tuple[int, int]] = field(default_factory=list)
    cut_idle: set[int] = field(default_factory=set)
    """Starts of the truncated idle frames among ``damaged``."""

    def add(self, octets: bytes, packet: bytes | None) -> None:
        """Append an untouched frame, delivered as ``packet`` (None: idle filler, not delivered)."""
        span = (len(self.data), len(self.data) + len(octets))
        self.data += octets
        if packet is not None:
            self.good.append(packet)
            self.good_spans.append(span)

    def damage(self, octets: bytes, idle: bool = False) -> None:
        """Append octets that must be reported as skipped (``idle``: a truncated idle frame)."""
        if idle:
            self.cut_idle.add(len(self.data))
        self.damaged.append((len(self.data), len(self.data) + len(octets)))
        self.data += octets

    def in_whole_looking_idle(self, start: int, stop: int) -> bool:
        """True when ``[start, stop)`` lies in a cut idle frame that, with the octets after it, looks whole.

        Garbage of just the missing length, then a marker: no deframer can tell it from a good idle packet.
        """
        data = self.data
        for first in sorted(self.cut_idle):
            if first > start:
                break
            if len(data) - first < 10:
                continue
            end = first + 4 + ((data[first + 8] << 8) | data[first + 9]) + 7
            if stop <= end and data[end:end + 4] == ASM and data.find(ASM, first + 4, end) < 0:
                return True
        return False


def probe_stream(rng: np.random.Generator, count: int, max_size: int = 200) -> Probe:
    """``count`` frames (PUS TM/TC with CRCs, 1 in 10 idle), garbage between 9 %, 5 % bit-flipped, 5 % truncated.

    Idle packets are only ever truncated: a flipped bit in their fill is invisible to any deframer.
    """
    probe = Probe()
    for seq in range(count):
        if rng.random() < GARBAGE:
            probe.damage(rng.bytes(int(rng.integers(1, 65))))
        size = int(rng.integers(7, max_size + 1))
        idle = rng.random() < 0.1
        packet = idle_packet(size, seq % 0x4000) if idle else pus(rng, seq, max(size, 12))
        frame = ASM + packet
        fate = rng.random()
        if fate < TRUNCATED:
            probe.damage(frame[:int(rng.integers(1, len(frame)))], idle)
        elif fate < TRUNCATED + FLIPPED and not idle:
            damaged = bytearray(frame)
            damaged[int(rng.integers(len(frame)))] ^= 1 << int(rng.integers(8))
            probe.damage(bytes(damaged))
        else:
            probe.add(frame, None if idle else packet)
    return probe


def deframe(deframer: AsmDeframer, data: bytes, rng: np.random.Generator, top: int) -> tuple[list[bytes],
                                                                                              list[SkippedRange]]:
    """Feed ``data`` in random chunks of 1..``top`` octets, checking the octet accounting after each; then flush."""
    packets: list[bytes] = []
    skipped: list[SkippedRange] = []
    pos = 0
    stats = deframer.stats
    while pos < len(data):
        step = int(rng.integers(1, top + 1))
        result = deframer.feed(data[pos:pos + step])
        pos += step
        packets += result.packets
        skipped += result.skipped
        assert stats.octets_in == stats.octets_good + stats.octets_skipped + deframer.buffered
        assert deframer.buffered <= deframer.max_packet_size + 7
    result = deframer.flush()
    assert deframer.buffered == 0
    return packets + result.packets, skipped + result.skipped


def check(probe: Probe, packets: list[bytes], skipped: list[SkippedRange]) -> None:
    """Every untouched packet once and in order; the reports cover every damaged span and no untouched frame."""
    assert packets == probe.good
    starts = [r.start for r in skipped]
    assert all(a.stop <= b.start for a, b in pairwise(skipped))  # in order, disjoint
    for start, stop in probe.damaged:  # covered by reported ranges that follow on from each other
        index = bisect_right(starts, start) - 1
        if probe.in_whole_looking_idle(start, stop) and (index < 0 or skipped[index].stop <= start):
            continue  # consumed as filler
        assert index >= 0 and skipped[index].start <= start < skipped[index].stop, f"damage at {start} unreported"
        while skipped[index].stop < stop:
            assert index + 1 < len(skipped) and skipped[index + 1].start == skipped[index].stop, \
                f"damage {start}..{stop} only partly reported"
            index += 1
    for start, stop in probe.good_spans:
        index = bisect_right(starts, stop - 1) - 1
        assert index < 0 or skipped[index].stop <= start, f"untouched frame at {start} reported as skipped"


def test_probe_stream_every_untouched_packet_once_in_order_and_every_damage_reported() -> None:
    rng = np.random.default_rng(20_250_111)
    probe = probe_stream(rng, PACKETS)
    deframer = AsmDeframer(require_crc=True)
    packets, skipped = deframe(deframer, bytes(probe.data), rng, 512)
    check(probe, packets, skipped)
    assert len(probe.good) > 0.75 * PACKETS
    stats = deframer.stats
    assert stats.octets_good + stats.octets_skipped == stats.octets_in == len(probe.data)
    assert stats.packets == len(probe.good)
    assert min(stats.crc_errors, stats.truncated, stats.length_errors, stats.header_errors) > 0
    assert all(len(r.header) == 6 for r in skipped if r.reason == "bad crc")
    told = [r.header for r in skipped if r.header]
    assert {len(h) for h in told} == {6}
    assert not any(((h[0] & 7) << 8 | h[1]) == IDLE_APID for h in told)  # nobody to tell about an idle packet
    assert {"bad crc", "truncated"} <= {r.reason for r in skipped if r.header} <= {"bad crc", "truncated", "bad length"}


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 80), st.integers(1, 300))
def test_any_seed_and_chunking_keeps_every_untouched_packet(seed: int, count: int, top: int) -> None:
    rng = np.random.default_rng(seed)
    probe = probe_stream(rng, count, max_size=120)
    packets, skipped = deframe(AsmDeframer(require_crc=True), bytes(probe.data), rng, top)
    check(probe, packets, skipped)
