"""cocotb testbench for hil/rtl/cltu_decoder.v: CLTU traffic, scoreboard and tests (driver and monitor: stream_tb).

The golden model is protocols.spacelink.cltu.CltuDecoder fed the bytes the DUT took. Every CLTU the model ends
with at least one accepted codeblock must leave the DUT as one packet on m_* with the same octets (fill
included) and the same ending on m_end (0 tail, 1 rejected, 2 truncated). The counters are compared whenever
the DUT has settled (idle, nothing on its output): cltus, codeblocks, corrected_bits, rejected_codeblocks and
tails under the same names, skipped_bytes = octets_skipped, buffered = CltuDecoder.buffered. A flush pulse on
the DUT is matched by CltuDecoder.flush().
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from logging import Logger
from typing import Any, ClassVar

import cocotb
import numpy as np
from stream_tb import COUNT_MASK, ModelScoreboard, PacketMonitor, SegmentTraffic, StreamTestbench, first_difference

from protocols.spacelink.bch import CODEBLOCK_SIZE, FILL, encode_codeblock
from protocols.spacelink.cltu import REJECTED, START_SEQUENCE, TAIL, TAIL_SEQUENCE, TRUNCATED, CltuDecoder, encode_cltu
from protocols.spacelink.randomizer import tc_randomize
from protocols.spacelink.tc_frame import MAX_FRAME_SIZE, MAX_SCID, MAX_VCID, TcFrame

FIGURES_ENV = "CLTU_DECODER_FIGURES"  # a JSON-lines file the tests append their speed figures to
SEGMENTS_ENV = "CLTU_DECODER_SEGMENTS"  # overrides the traffic size of random_traffic (benchmarks, 2nd build)
RANDOM_SEGMENTS = 2500
BACKPRESSURE_SEGMENTS = 160
RESET_ROUNDS = 50
SETTLE_LIMIT = 50_000  # clocks the DUT may need to drain after the last byte before the test gives up
ENDINGS = {0: TAIL, 1: REJECTED, 2: TRUNCATED}  # m_end -> CltuResult.ended_by
COUNTERS = ("cltus", "codeblocks", "corrected_bits", "rejected_codeblocks", "tails", "skipped_bytes", "buffered")
ACQUISITION = bytes([0x55, 0xAA]) * 16  # the CCSDS acquisition sequence (alternating bits)
FILLER_BIT = CODEBLOCK_SIZE * 8 - 1  # the last bit of a codeblock: not part of the code

Dut = Any  # the cocotb handle of the cltu_decoder toplevel; its signals are attributes looked up by name


# ---------------------------------------------------------------------------------------------- traffic


def flip(data: bytes, *bits: int) -> bytes:
    """``data`` with the given bit positions (0 = MSB of octet 0) inverted."""
    out = bytearray(data)
    for bit in bits:
        out[bit // 8] ^= 0x80 >> (bit % 8)
    return bytes(out)


def codeblock_bit(block: int, bit: int) -> int:
    """The CLTU bit position of ``bit`` (0..63) of codeblock ``block`` (after the 2-octet start sequence)."""
    return (len(START_SEQUENCE) + block * CODEBLOCK_SIZE) * 8 + bit


def codeblock_count(cltu: bytes) -> int:
    """Codeblocks in an encoded CLTU."""
    return (len(cltu) - len(START_SEQUENCE) - len(TAIL_SEQUENCE)) // CODEBLOCK_SIZE


class Traffic(SegmentTraffic):
    """Random uplink traffic: CLTUs of random TC frames and everything a noisy channel adds to them."""

    KINDS: ClassVar[dict[str, float]] = {
        "good": 40,  # a CLTU carrying a random TC frame (AD, BD or a control command)
        "corrected": 12,  # one bit error in each of 1..3 codeblocks (parity and filler bits too): corrected
        "double": 8,  # two bit errors in one codeblock: rejected, the rest of the CLTU searched again
        "tail_error": 3,  # one bit error in the tail: rejected
        "start_error": 3,  # one bit error in the start sequence: the CLTU is searched through
        "truncated": 6,  # a CLTU cut short: the next octets are read as its codeblocks
        "garbage": 10,  # random octets, sometimes ending in EB
        "false_start": 6,  # EB90 and random octets: decoded until a block is rejected
        "empty": 2,  # EB90 and the tail: a CLTU without codeblocks
        "acquisition": 5,  # 55 AA ... idle pattern between CLTUs
        "large": 1,  # a frame of 500..1024 octets
    }

    def __init__(self, rng: np.random.Generator, randomized: bool) -> None:
        self.randomized = randomized
        super().__init__(rng)

    def frame(self, size: int | None = None) -> bytes:
        """A random TC frame with its FECF: mostly short AD/BD frames, some control commands."""
        rng = self.rng
        scid, vcid = int(rng.integers(MAX_SCID + 1)), int(rng.integers(MAX_VCID + 1))
        draw = rng.random()
        if size is None and draw < 0.08:
            return TcFrame.unlock(scid, vcid).pack()
        if size is None and draw < 0.14:
            return TcFrame.set_vr(scid, vcid, int(rng.integers(256))).pack()
        if size is None:
            pick = rng.random()
            size = int(rng.integers(0, 24 if pick < 0.6 else 120 if pick < 0.95 else 300))
        data = rng.bytes(size)
        if rng.random() < 0.5:
            return TcFrame.bd(scid, vcid, data).pack()
        return TcFrame.ad(scid, vcid, int(rng.integers(256)), data).pack()

    def cltu(self, frame: bytes | None = None) -> bytes:
        """A CLTU carrying ``frame`` (a random one when None), randomized when the DUT derandomizes."""
        return encode_cltu(self.frame() if frame is None else frame, randomize=self.randomized)

    def make(self, kind: str) -> bytes:
        """The octets of one traffic segment of ``kind``."""
        rng = self.rng
        if kind == "good":
            return self.cltu()
        if kind == "corrected":
            cltu = self.cltu()
            blocks = codeblock_count(cltu)
            chosen = rng.choice(blocks, size=min(blocks, int(rng.integers(1, 4))), replace=False).tolist()
            return flip(cltu, *(codeblock_bit(block, int(rng.integers(64))) for block in chosen))
        if kind == "double":
            cltu = self.cltu()
            block = int(rng.integers(codeblock_count(cltu)))
            bits = rng.choice(FILLER_BIT, size=2, replace=False).tolist()  # the filler bit is no error
            return flip(cltu, *(codeblock_bit(block, int(bit)) for bit in bits))
        if kind == "tail_error":
            cltu = self.cltu()
            return flip(cltu, (len(cltu) - len(TAIL_SEQUENCE)) * 8 + int(rng.integers(64)))
        if kind == "start_error":
            return flip(self.cltu(), int(rng.integers(16)))
        if kind == "truncated":
            cltu = self.cltu()
            return cltu[:int(rng.integers(1, len(cltu) - 1))]
        if kind == "garbage":
            junk = rng.bytes(int(rng.integers(1, 65)))
            return junk + b"\xEB" if rng.random() < 0.3 else junk
        if kind == "false_start":
            return START_SEQUENCE + rng.bytes(int(rng.integers(1, 41)))
        if kind == "empty":
            return START_SEQUENCE + TAIL_SEQUENCE
        if kind == "acquisition":
            start = int(rng.integers(2))
            return ACQUISITION[start:start + int(rng.integers(4, 31))]
        if kind == "large":
            return self.cltu(self.frame(int(rng.integers(500, MAX_FRAME_SIZE - 7))))
        raise ValueError(f"unknown traffic kind {kind!r}")


# ---------------------------------------------------------------------------------------------- scoreboard


@dataclass(frozen=True, slots=True)
class Status:
    """The DUT's status outputs at one instant."""

    cltus: int | None
    codeblocks: int | None
    corrected_bits: int | None
    rejected_codeblocks: int | None
    tails: int | None
    skipped_bytes: int | None
    buffered: int | None
    idle: int | None
    s_ready: int | None
    m_valid: int | None


def model_counters(model: CltuDecoder) -> dict[str, int]:
    """The Python model's figures under the names of the RTL outputs."""
    stats = model.stats
    return {
        "cltus": stats.cltus & COUNT_MASK,
        "codeblocks": stats.codeblocks & COUNT_MASK,
        "corrected_bits": stats.corrected_bits & COUNT_MASK,
        "rejected_codeblocks": stats.rejected_codeblocks & COUNT_MASK,
        "tails": stats.tails & COUNT_MASK,
        "skipped_bytes": stats.octets_skipped & COUNT_MASK,
        "buffered": model.buffered,
    }


Output = tuple[bytes, str]
"""One CLTU's data as it left the DUT (or the model), and how it ended."""


class Scoreboard(ModelScoreboard):
    """Golden model and checker: CltuDecoder fed the bytes the DUT took; CLTUs in order, counters when settled."""

    UNIT = "CLTUs"

    def __init__(self, randomized: bool, log: Logger) -> None:
        super().__init__(CltuDecoder(randomized=randomized), COUNTERS[:-1], log)
        self.endings: Counter[str] = Counter()  # model CLTUs with data, by ending

    def cltu(self, data: bytes, end: int | None) -> None:
        """Monitor callback: the data of one CLTU left the DUT."""
        self.received.append((data, ENDINGS.get(end if end is not None else -1, f"m_end={end}")))

    def _feed(self, data: bytes, flush: bool = False) -> list[Output]:
        results = self.model.feed(data) if data else []
        if flush:
            results += self.model.flush()
        outputs = [(result.data, result.ended_by) for result in results if result.codeblocks]
        self.endings.update(ending for _, ending in outputs)
        return outputs

    def describe(self, index: int, want: Output, got: Output) -> str:
        return (f"CLTU {index} differs: {len(got[0])} B ({got[1]}) received, model {len(want[0])} B ({want[1]}), "
                f"first difference at octet {first_difference(want[0], got[0])}")

    def counters(self) -> dict[str, int]:
        return model_counters(self.model)

    def model_figures(self) -> dict[str, int]:
        stats = self.model.stats
        return {"octets": stats.octets_in, "cltus": stats.cltus, "codeblocks": stats.codeblocks,
                "corrected_bits": stats.corrected_bits, "rejected_codeblocks": stats.rejected_codeblocks,
                "tails": stats.tails, "octets_skipped": stats.octets_skipped}


# ---------------------------------------------------------------------------------------------- testbench


class CltuTestbench(StreamTestbench):
    """Wires clock, byte source, ready driver, CLTU monitor and scoreboard around one cltu_decoder."""

    COUNTERS = COUNTERS
    STATUS = Status
    SETTLE_LIMIT = SETTLE_LIMIT
    FIGURES_ENV = FIGURES_ENV
    SEGMENTS_ENV = SEGMENTS_ENV
    RANDOM_SEGMENTS = RANDOM_SEGMENTS
    UNIT = "CLTU"

    def __init__(self, dut: Dut, name: str) -> None:
        super().__init__(dut, name)
        self.randomized = bool(int(dut.RANDOMIZED.value))
        self.traffic = Traffic(self.rng, self.randomized)
        self.scoreboard = Scoreboard(self.randomized, self.log)
        self.monitor = PacketMonitor(dut, self.scoreboard.cltu, self.log, end="m_end")

    def setup(self) -> str:
        return f"RANDOMIZED {int(self.randomized)}"

    def drive_idle(self) -> None:
        self.dut.flush.value = 0

    def log_summary(self, figures: Counter[str]) -> None:
        sb, mon = self.scoreboard, self.monitor
        self.log.info(
            "%s: %d octets in, %d CLTUs (%d with data out, %d checked; endings %s), %d codeblocks, %d corrected, "
            "%d rejected, %d skipped, %d checkpoints (%d flushed), %d cut by reset, %d input stalls, "
            "%d output stalls; traffic %s",
            self.name, figures["octets"], figures["cltus"], mon.packets, sb.checked, dict(sb.endings),
            figures["codeblocks"], figures["corrected_bits"], figures["rejected_codeblocks"],
            figures["octets_skipped"], sb.checkpoints, self.flushes, mon.cut_packets, self.source.stalls, mon.stalls,
            dict(self.traffic.kinds),
        )

    def figure_row(self, figures: Counter[str]) -> dict[str, int]:
        return {"octets": figures["octets"], "codeblocks": figures["codeblocks"], "cltus": figures["cltus"]}


# ---------------------------------------------------------------------------------------------- tests


@cocotb.test(timeout_time=20, timeout_unit="ms")
async def known_cltus(dut: Dut) -> None:
    """Hand-written cases, each checked against figures worked out by hand and against the model."""
    tb = CltuTestbench(dut, "known_cltus")
    await tb.start_clean()

    frame = bytes(range(0x10, 0x1A))  # 10 octets: two codeblocks, the second with 4 fill octets
    data = frame + bytes([FILL]) * 4
    if tb.randomized:  # the frame is restored; the fill octets, never randomized, come out derandomized
        data = tc_randomize(tc_randomize(frame) + bytes([FILL]) * 4)
    cltu = tb.traffic.cltu(frame)
    three = tb.traffic.cltu(bytes(range(0x20, 0x35)))  # 21 octets: three full codeblocks
    assert START_SEQUENCE not in cltu[2:] and START_SEQUENCE not in three[2:], "pick other test octets"
    junk = bytes(range(0x20, 0x2A))  # no start sequence in these
    one_block = tb.traffic.cltu(frame[:7])
    data1 = frame[:7]  # (RANDOMIZED: the DUT and the model derandomize, so the output is still the frame)
    data3 = bytes(range(0x20, 0x35))
    cases: list[tuple[str, bytes, tuple[int, ...], list[Output]]] = [
        # name, octets, (cltus, codeblocks, corrected, rejected, tails, skipped, buffered) they add, output
        ("one CLTU", cltu, (1, 2, 0, 0, 1, 0, 0), [(data, TAIL)]),
        ("junk: all but the last octet skipped", junk, (0, 0, 0, 0, 0, 9, 1), []),
        ("...then a CLTU", cltu, (1, 2, 0, 0, 1, 1, -1), [(data, TAIL)]),
        ("EB alone: held", b"\xEB", (0, 0, 0, 0, 0, 0, 1), []),
        ("...then 90 and the rest of a CLTU", cltu[1:], (1, 2, 0, 0, 1, 0, -1), [(data, TAIL)]),
        ("EB EB 90: the first EB skipped", b"\xEB" + cltu, (1, 2, 0, 0, 1, 1, 0), [(data, TAIL)]),
        ("bit error in an information octet: corrected", flip(cltu, codeblock_bit(1, 13)),
         (1, 2, 1, 0, 1, 0, 0), [(data, TAIL)]),
        ("bit error in a parity bit: counted as corrected", flip(cltu, codeblock_bit(0, 58)),
         (1, 2, 1, 0, 1, 0, 0), [(data, TAIL)]),
        ("the filler bit flipped: no error", flip(cltu, codeblock_bit(1, FILLER_BIT)),
         (1, 2, 0, 0, 1, 0, 0), [(data, TAIL)]),
        ("a bit error in each codeblock", flip(three, codeblock_bit(0, 0), codeblock_bit(1, 30), codeblock_bit(2, 62)),
         (1, 3, 3, 0, 1, 0, 0), [(data3, TAIL)]),
        ("two bit errors in the 2nd of 3 codeblocks: rejected, the rest searched again",
         flip(three, codeblock_bit(1, 3), codeblock_bit(1, 40)), (1, 1, 0, 1, 0, 8 + 8 + 8 - 1, 1),
         [(data3[:7], REJECTED)]),
        ("...then a CLTU", cltu, (1, 2, 0, 0, 1, 1, -1), [(data, TAIL)]),
        ("a bit error in the tail: rejected", flip(one_block, (len(one_block) - 8) * 8 + 21),
         (1, 1, 0, 1, 0, 7, 1), [(data1, REJECTED)]),
        ("start sequence and tail: a CLTU without codeblocks", START_SEQUENCE + TAIL_SEQUENCE,
         (1, 0, 0, 0, 1, 1, -1), []),
        ("a rejected first codeblock: no output", START_SEQUENCE + flip(encode_codeblock(frame[:7]), 1, 2) + junk,
         (1, 0, 0, 1, 0, 8 + 10 - 1, 1), []),
        ("two CLTUs back to back", cltu + cltu, (2, 4, 0, 0, 2, 1, -1), [(data, TAIL)] * 2),
        ("a CLTU cut after its first codeblock and 3 octets", cltu[:2 + 8 + 3], (0, 1, 0, 0, 0, 0, 3), []),
        ("...flushed: truncated", b"", (1, 0, 0, 0, 0, 3, -3), [(data1, TRUNCATED)]),
        ("junk, flushed: the held octet skipped", junk, (0, 0, 0, 0, 0, 10, 0), []),
        ("flush with nothing held: nothing happens", b"", (0, 0, 0, 0, 0, 0, 0), []),
        ("the acquisition sequence", ACQUISITION, (0, 0, 0, 0, 0, len(ACQUISITION) - 1, 1), []),
    ]
    for name, octets, delta, output in cases:
        await tb.known_case(name, octets, delta, flush="flush" in name)
        assert tb.scoreboard.last_expected == output, f"{name}: the model output {tb.scoreboard.last_expected}"
    tb.finish()


@cocotb.test(timeout_time=1000, timeout_unit="ms")
async def random_traffic(dut: Dut) -> None:
    """Thousands of random segments (CLTUs, bit errors, garbage), random gaps on s_valid and backpressure on m_ready.

    About every tenth checkpoint flushes the DUT (and the model): an open CLTU ends truncated.
    """
    tb = CltuTestbench(dut, "random_traffic")
    segments = await tb.random_traffic(80, (0.0, 0.0, 1.0, 3.0, 8.0), flush_probability=0.1)
    await tb.send(tb.traffic.cltu()[:2 + 8 + 3])  # one CLTU surely open at a flush
    await tb.checkpoint("a CLTU cut short, flushed", flush=True)
    figures = tb.finish()
    assert figures["codeblocks"] >= 3 * segments, f"only {figures['codeblocks']} codeblocks in {segments} segments"
    for what in ("corrected_bits", "rejected_codeblocks", "tails", "octets_skipped"):
        assert figures[what] > 0, f"the traffic never exercised {what}"
    assert set(tb.scoreboard.endings) == {TAIL, REJECTED, TRUNCATED}, f"endings seen: {tb.scoreboard.endings}"


@cocotb.test(timeout_time=500, timeout_unit="ms")
async def backpressure(dut: Dut) -> None:
    """Long output stalls while bytes keep coming: s_ready drops, nothing is lost or reordered."""
    tb = CltuTestbench(dut, "backpressure")
    await tb.stalled_batches(BACKPRESSURE_SEGMENTS, 8.0, 100.0)
    tb.ready.set(1.0, 2.0)
    tb.source.gap_probability = 0.3
    await tb.send(b"".join(tb.traffic.segment(kind) for kind in ("large", "double", "large", "truncated")))
    await tb.checkpoint("large CLTUs", flush=True)
    tb.finish()
    assert tb.source.stalls > 0, "s_ready never dropped for the output"


@cocotb.test(timeout_time=500, timeout_unit="ms")
async def reset_mid_stream(dut: Dut) -> None:
    """Resets at random moments (mid-octet, mid-CLTU, mid-output, during a re-search) empty the DUT cleanly."""
    await CltuTestbench(dut, "reset_mid_stream").reset_mid_stream(RESET_ROUNDS, 400)


@cocotb.test(timeout_time=10, timeout_unit="ms")
async def counters_wrap(dut: Dut) -> None:
    """The status counters are 32 bits wide and wrap to zero."""
    tb = CltuTestbench(dut, "counters_wrap")
    await tb.start()
    await tb.preset_counters()
    three = tb.traffic.cltu(bytes(range(0x20, 0x35)))
    bad = flip(three, codeblock_bit(0, 3), codeblock_bit(0, 4), codeblock_bit(1, 5), codeblock_bit(2, 6))
    for round_ in range(3):
        await tb.send(bad + b"\x01\x02")
        await tb.checkpoint(f"round {round_}")
    status = tb.status()
    assert status.cltus == 1 and status.rejected_codeblocks == 1, f"counters did not wrap: {status}"
    tb.finish()


@cocotb.test(timeout_time=5, timeout_unit="sec")
async def clock_only(dut: Dut) -> None:
    """Benchmark baseline (not part of the suite): the bare simulator, clock running, no testbench activity."""
    await CltuTestbench(dut, "clock_only").clock_only()
