"""cocotb testbench for hil/rtl/asm_deframer.v: traffic, scoreboard, tests (driver and monitor: stream_tb).

The golden model is protocols.framing.asm.AsmDeframer fed the bytes the DUT took. Packets are compared in
order; the counters are compared whenever the DUT has settled (idle, nothing on its output):
good_packets = packets, bad_packets = header_errors + oversize + crc_errors + length_errors + truncated,
skipped_bytes = octets_skipped, buffered = AsmDeframer.buffered (the model's stats before flush(): the RTL has
no end of stream, and no end of a read either: the model runs with trust_read_end=False).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from logging import Logger
from typing import Any, ClassVar

import cocotb
import numpy as np
from stream_tb import (
    COUNT_MASK,
    ModelScoreboard,
    PacketMonitor,
    SegmentTraffic,
    StreamTestbench,
    first_difference,
    flip_bits,
)

from protocols.crc import crc16
from protocols.framing.asm import ASM, AsmDeframer
from protocols.spacepacket import IDLE_APID, MAX_APID, MAX_PACKET_SIZE, PRIMARY_HEADER_SIZE, SpacePacket

FIGURES_ENV = "ASM_DEFRAMER_FIGURES"  # a JSON-lines file the tests append their speed figures to
SEGMENTS_ENV = "ASM_DEFRAMER_SEGMENTS"  # overrides the traffic size of random_traffic (benchmarks)
RANDOM_SEGMENTS = 4000
BACKPRESSURE_SEGMENTS = 200
RESET_ROUNDS = 60
MIN_MAX_PACKET = 32  # the DUT itself takes 7..65542; the hand-worked cases and traffic mix need room
SETTLE_LIMIT = 200_000  # clocks the DUT may need to drain after the last byte before the test gives up
COUNTERS = ("good_packets", "bad_packets", "skipped_bytes", "buffered")  # the status counters, buffered last

Dut = Any  # the cocotb handle of the asm_deframer toplevel; its signals are attributes looked up by name


# ---------------------------------------------------------------------------------------------- traffic


def packet(rng: np.random.Generator, size: int, *, apid: int | None = None, sec_header: bool = True,
           crc: bool = True, payload: bytes | None = None) -> bytes:
    """A space packet of ``size`` octets (random header fields), ending in its CRC-16 when ``crc``."""
    data = payload if payload is not None else rng.bytes(size - PRIMARY_HEADER_SIZE)
    assert len(data) == size - PRIMARY_HEADER_SIZE
    raw = SpacePacket(
        packet_type=int(rng.integers(2)),
        apid=int(rng.integers(IDLE_APID)) if apid is None else apid,
        seq_count=int(rng.integers(1 << 14)),
        data=data,
        sec_header_flag=sec_header,
        seq_flags=int(rng.integers(4)),
    ).pack()
    return raw[:-2] + crc16(raw[:-2]).to_bytes(2, "big") if crc else raw


def ending_in_marker_start(rng: np.random.Generator, size: int) -> bytes:
    """ASM + a good packet of ``size`` octets whose CRC ends in 1A, the marker's first octet."""
    while True:
        frame = ASM + packet(rng, size)
        if frame[-1] == ASM[0]:
            return frame


def header(version: int, sec_header: bool, apid: int, size: int, rng: np.random.Generator) -> bytes:
    """Six primary-header octets announcing ``size`` octets (any version, any size up to 65542)."""
    first = (version << 5) | (int(rng.integers(2)) << 4) | (sec_header << 3) | (apid >> 8)
    data_length = size - 1 - PRIMARY_HEADER_SIZE
    return bytes((first, apid & 0xFF)) + rng.bytes(2) + data_length.to_bytes(2, "big")


class Traffic(SegmentTraffic):
    """Random device-link traffic: good frames and everything a noisy link and a confused sender produce."""

    KINDS: ClassVar[dict[str, float]] = {
        "good": 48,  # ASM + packet with a secondary header and its CRC
        "plain": 4,  # no secondary header: believed when the next marker confirms its length
        "idle": 3,  # idle packet (APID 0x7FF), secondary header flag set, CRC not checked: the same
        "asm_inside": 5,  # good packet whose payload holds the marker: the next marker must confirm it
        "cut_by_marker": 1,  # a frame whose CRC ends in 1A, cut by one octet: the next marker completes its CRC
        "bit_error": 10,  # good frame with 1..3 bits flipped (marker, header or body)
        "truncated": 5,  # good frame cut short: the next frames are read as its body
        "false_marker": 9,  # marker + a made-up header (bad version, oversize, bad CRC or a phantom packet)
        "oversize": 2,  # marker + a header announcing more than MAX_PACKET octets
        "garbage": 12,  # random octets, sometimes ending in the start of a marker
        "max_size": 0.4,  # a good packet of exactly MAX_PACKET octets
        "near_marker": 2,  # the marker with one octet wrong, then a good packet
    }

    def __init__(self, rng: np.random.Generator, max_packet: int) -> None:
        self.max_packet = max_packet
        super().__init__(rng, [name for name in self.KINDS if name != "oversize" or max_packet < MAX_PACKET_SIZE])

    def size(self, low: int = 8) -> int:
        """A packet size: mostly short, sometimes up to the maximum."""
        rng, top = self.rng, self.max_packet
        draw = rng.random()
        high = min(top, 48) if draw < 0.6 else min(top, 300) if draw < 0.96 else top
        return int(rng.integers(low, max(high, low) + 1))

    def good_frame(self) -> bytes:
        """ASM + a packet with a secondary header and a correct CRC."""
        return ASM + packet(self.rng, self.size())

    def make(self, kind: str) -> bytes:
        """The octets of one traffic segment of ``kind``."""
        rng = self.rng
        if kind == "good":
            return self.good_frame()
        if kind == "plain":
            return ASM + packet(rng, self.size(7), sec_header=False, crc=False)
        if kind == "idle":
            return ASM + packet(rng, self.size(8), apid=IDLE_APID, sec_header=True, crc=bool(rng.integers(2)))
        if kind == "asm_inside":
            size = self.size(PRIMARY_HEADER_SIZE + len(ASM) + 2)
            data = bytearray(rng.bytes(size - PRIMARY_HEADER_SIZE))
            at = int(rng.integers(len(data) - len(ASM) - 2 + 1))
            data[at:at + len(ASM)] = ASM
            return ASM + packet(rng, size, payload=bytes(data))
        if kind == "bit_error":
            return flip_bits(self.good_frame(), rng, int(rng.integers(1, 4)))
        if kind == "truncated":
            frame = self.good_frame()
            return frame[:int(rng.integers(1, len(frame)))]
        if kind == "false_marker":
            return ASM + self._made_up_header() + rng.bytes(int(rng.integers(0, 17)))
        if kind == "oversize":
            size = int(rng.integers(self.max_packet + 1, min(self.max_packet + 200, MAX_PACKET_SIZE) + 1))
            return ASM + header(0, True, int(rng.integers(MAX_APID)), size, rng) + rng.bytes(int(rng.integers(0, 9)))
        if kind == "garbage":
            junk = rng.bytes(int(rng.integers(1, 65)))
            if rng.random() < 0.3:
                junk += ASM[:int(rng.integers(1, len(ASM)))]
            return junk
        if kind == "max_size":
            return ASM + packet(rng, self.max_packet)
        if kind == "cut_by_marker":
            return ending_in_marker_start(rng, self.size(8))[:-1]
        if kind == "near_marker":
            wrong = bytearray(ASM)
            wrong[int(rng.integers(len(ASM)))] ^= int(rng.integers(1, 256))
            return bytes(wrong) + packet(rng, self.size())
        raise ValueError(f"unknown traffic kind {kind!r}")

    def _made_up_header(self) -> bytes:
        rng = self.rng
        choice = int(rng.integers(5))
        apid = int(rng.integers(IDLE_APID))
        if choice == 0:
            return rng.bytes(PRIMARY_HEADER_SIZE)  # mostly a bad version, else mostly oversize
        if choice == 1:
            return header(int(rng.integers(1, 8)), True, apid, self.size(7), rng)  # bad version
        if choice in (2, 3):
            return header(0, True, apid, self.size(8), rng)  # believable until its CRC fails
        return header(0, False, apid, int(rng.integers(7, 41)), rng)  # a phantom packet: no CRC to catch it


# ---------------------------------------------------------------------------------------------- monitor


@dataclass(frozen=True, slots=True)
class Status:
    """The DUT's status outputs at one instant."""

    good_packets: int | None
    bad_packets: int | None
    skipped_bytes: int | None
    buffered: int | None
    idle: int | None
    s_ready: int | None
    m_valid: int | None


# ---------------------------------------------------------------------------------------------- scoreboard


def model_counters(model: AsmDeframer) -> dict[str, int]:
    """The Python model's figures under the names of the RTL outputs."""
    stats = model.stats
    return {
        "good_packets": stats.packets & COUNT_MASK,
        "bad_packets": (stats.header_errors + stats.oversize + stats.crc_errors + stats.length_errors
                        + stats.truncated) & COUNT_MASK,
        "skipped_bytes": stats.octets_skipped & COUNT_MASK,
        "buffered": model.buffered,
    }


class Scoreboard(ModelScoreboard):
    """Golden model and checker: AsmDeframer fed the bytes the DUT took; packets in order, counters when settled."""

    def __init__(self, max_packet: int, log: Logger) -> None:
        super().__init__(AsmDeframer(max_packet, trust_read_end=False), COUNTERS[:-1], log)

    def packet(self, data: bytes, _end: int | None = None) -> None:
        """Monitor callback: one whole packet left the DUT."""
        self.received.append(data)

    def _feed(self, data: bytes, flush: bool = False) -> list[bytes]:
        assert not flush, "asm_deframer has no flush"
        return self.model.feed(data).packets if data else []

    def describe(self, index: int, want: bytes, got: bytes) -> str:
        return (f"packet {index} differs at octet {first_difference(want, got)}: {len(got)} B received, "
                f"model {len(want)} B (apid {((want[0] & 7) << 8) | want[1]:#x})")

    def counters(self) -> dict[str, int]:
        return model_counters(self.model)

    def model_figures(self) -> dict[str, int]:
        stats = self.model.stats
        return {
            "octets": stats.octets_in, "packets": stats.packets, "header_errors": stats.header_errors,
            "oversize": stats.oversize, "crc_errors": stats.crc_errors, "length_errors": stats.length_errors,
            "truncated": stats.truncated, "octets_skipped": stats.octets_skipped,
        }


# ---------------------------------------------------------------------------------------------- testbench


class DeframerTestbench(StreamTestbench):
    """Wires clock, byte source, ready driver, packet monitor and scoreboard around one asm_deframer."""

    COUNTERS = COUNTERS
    STATUS = Status
    SETTLE_LIMIT = SETTLE_LIMIT
    FIGURES_ENV = FIGURES_ENV
    SEGMENTS_ENV = SEGMENTS_ENV
    RANDOM_SEGMENTS = RANDOM_SEGMENTS

    def __init__(self, dut: Dut, name: str) -> None:
        super().__init__(dut, name)
        self.max_packet = int(dut.MAX_PACKET.value)
        assert self.max_packet >= MIN_MAX_PACKET, f"the traffic here needs MAX_PACKET >= {MIN_MAX_PACKET}"
        self.traffic = Traffic(self.rng, self.max_packet)
        self.scoreboard = Scoreboard(self.max_packet, self.log)
        self.monitor = PacketMonitor(dut, self.scoreboard.packet, self.log)

    def setup(self) -> str:
        return f"MAX_PACKET {self.max_packet}"

    def log_summary(self, figures: Counter[str]) -> None:
        sb, mon = self.scoreboard, self.monitor
        self.log.info(
            "%s: %d octets in, %d packets out (%d checked), %d bad, %d skipped, %d checkpoints, %d cut by reset, "
            "%d input stalls, %d output stalls; traffic %s",
            self.name, figures["octets"], mon.packets, sb.checked,
            sum(figures[key] for key in ("header_errors", "oversize", "crc_errors", "length_errors", "truncated")),
            figures["octets_skipped"],
            sb.checkpoints, mon.cut_packets, self.source.stalls, mon.stalls, dict(self.traffic.kinds),
        )

    def figure_row(self, figures: Counter[str]) -> dict[str, int]:
        return {"octets": figures["octets"], "packets": self.monitor.packets}


# ---------------------------------------------------------------------------------------------- tests


@cocotb.test(timeout_time=20, timeout_unit="ms")
async def known_frames(dut: Dut) -> None:
    """Hand-written cases, each checked against figures worked out by hand and against the model."""
    tb = DeframerTestbench(dut, "known_frames")
    await tb.start_clean()
    rng, top = tb.rng, tb.max_packet

    good = ASM + packet(rng, 20)
    junk = bytes(range(0x20, 0x2A))  # no marker can start in these
    idle_bad_crc = packet(rng, 9, apid=IDLE_APID, crc=False)
    idle_bad_crc = idle_bad_crc[:-2] + (crc16(idle_bad_crc[:-2]) ^ 0x0101).to_bytes(2, "big")
    plain = packet(rng, 7, sec_header=False, crc=False)
    with_marker = packet(rng, 24, payload=bytes(6) + ASM + bytes(8))
    cut_whole = ending_in_marker_start(rng, 16)
    cut = cut_whole[:-1]
    cases: list[tuple[str, bytes, tuple[int, int, int, int]]] = [
        # name, octets, (good_packets, bad_packets, skipped_bytes, buffered) the case adds
        ("one good frame", good, (1, 0, 0, 0)),
        ("marker alone: waits", ASM, (0, 0, 0, 4)),
        ("...then its packet", good[4:], (1, 0, 0, -4)),
        ("junk: all but the last 3 octets skipped", junk, (0, 0, 7, 3)),
        ("...then a frame", good, (1, 0, 3, -3)),
        ("no secondary header: waits for the next marker", ASM + plain, (0, 0, 0, 11)),
        ("...which confirms it", good, (2, 0, 0, -11)),
        ("idle packet with a wrong CRC: waits for the next marker", ASM + idle_bad_crc, (0, 0, 0, 13)),
        ("...which confirms it", good, (2, 0, 0, -13)),
        ("no secondary header, then no marker: rejected", ASM + plain + junk, (0, 1, 1 + 3 + 7 + len(junk) - 3, 3)),
        ("...then a frame", good, (1, 0, 3, -3)),
        ("marker inside the packet, confirmed by the next", ASM + with_marker + good, (2, 0, 0, 0)),
        ("marker inside the packet, then junk: rejected, and so is the false packet at that marker",
         ASM + with_marker + junk, (0, 2, 1 + 3 + len(with_marker) + len(junk) - 3, 3)),
        ("...then a frame", good, (1, 0, 3, -3)),
        ("cut by one octet, the next marker completes its CRC: rejected", cut + good, (1, 1, len(cut) - 1 + 1, 0)),
        ("a CRC ending like a marker, then a frame", cut_whole + good, (2, 0, 0, 0)),
        ("bad version", ASM + header(2, True, 5, 9, rng) + junk, (0, 1, 1 + 3 + 6 + len(junk) - 3, 3)),
        ("...then a frame", good, (1, 0, 3, -3)),
        ("largest packet", ASM + packet(rng, top), (1, 0, 0, 0)),
        ("truncated frame: the next frame is its body, then found on the rescan", good[:-1] + good + good,
         (2, 1, 1 + 3 + 20 - 1, 0)),
        ("bad CRC hiding a good frame: found on the rescan", ASM + packet(rng, 8 + len(good))[:8] + good + b"\xEE\xEE",
         (1, 1, 1 + 3 + 8, 2)),
        ("...then a frame", good, (1, 0, 2, -2)),
    ]
    if top < MAX_PACKET_SIZE:
        cases += [("oversize", ASM + header(0, True, 5, top + 1, rng) + junk, (0, 1, 1 + 3 + 6 + len(junk) - 3, 3)),
                  ("...then a frame", good, (1, 0, 3, -3))]
    for name, data, delta in cases:
        await tb.known_case(name, data, delta)
    tb.finish()


@cocotb.test(timeout_time=500, timeout_unit="ms")
async def random_traffic(dut: Dut) -> None:
    """Thousands of random segments, random gaps on s_valid and random backpressure on m_ready."""
    tb = DeframerTestbench(dut, "random_traffic")
    segments = await tb.random_traffic(120, (0.0, 1.0, 3.0, 8.0))
    figures = tb.finish()
    assert figures["packets"] >= segments // 2, f"only {figures['packets']} good packets in {segments} segments"
    for reason in ("header_errors", "oversize", "crc_errors", "length_errors", "truncated", "octets_skipped"):
        assert figures[reason] > 0 or (reason == "oversize" and tb.max_packet == MAX_PACKET_SIZE), \
            f"the traffic never exercised {reason}"


@cocotb.test(timeout_time=500, timeout_unit="ms")
async def full_buffer(dut: Dut) -> None:
    """Long output stalls while bytes keep coming: the buffer fills, s_ready drops, nothing is lost."""
    tb = DeframerTestbench(dut, "full_buffer")
    await tb.stalled_batches(BACKPRESSURE_SEGMENTS, 16.0, 200.0)
    rng = tb.rng
    tb.ready.set(2.0, 2.0)
    tb.source.gap_probability = 0.3
    await tb.send(b"".join(tb.traffic.segment("max_size") for _ in range(int(rng.integers(3, 6)))))
    await tb.checkpoint("largest packets")
    tb.finish()
    assert tb.source.stalls > 0, "s_ready never dropped: the buffer never filled"


@cocotb.test(timeout_time=500, timeout_unit="ms")
async def reset_mid_stream(dut: Dut) -> None:
    """Resets at random moments (mid-byte, mid-candidate, mid-packet on the output) empty the DUT cleanly."""
    await DeframerTestbench(dut, "reset_mid_stream").reset_mid_stream(RESET_ROUNDS, 600)


@cocotb.test(timeout_time=10, timeout_unit="ms")
async def counters_wrap(dut: Dut) -> None:
    """The status counters are 32 bits wide and wrap to zero."""
    tb = DeframerTestbench(dut, "counters_wrap")
    await tb.start()
    await tb.preset_counters()
    junk = bytes(range(0x30, 0x36))
    bad = ASM + header(1, True, 3, 9, tb.rng) + junk
    for round_ in range(3):
        await tb.send(tb.traffic.good_frame() + bad)
        await tb.checkpoint(f"round {round_}")
    status = tb.status()
    assert status.good_packets == 1 and status.bad_packets == 1, f"counters did not wrap: {status}"
    tb.finish()


@cocotb.test(timeout_time=5, timeout_unit="sec")
async def clock_only(dut: Dut) -> None:
    """Benchmark baseline (not part of the suite): the bare simulator, clock running, no testbench activity."""
    await DeframerTestbench(dut, "clock_only").clock_only()
