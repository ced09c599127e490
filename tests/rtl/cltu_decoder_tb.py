"""cocotb testbench for hil/rtl/cltu_decoder.v: CLTU traffic, scoreboard and tests (driver and monitor: stream_tb).

The golden model is protocols.spacelink.cltu.CltuDecoder fed the bytes the DUT took. Every CLTU the model ends
with at least one accepted codeblock must leave the DUT as one packet on m_* with the same octets (fill
included) and the same ending on m_end (0 tail, 1 rejected, 2 truncated). The counters are compared whenever
the DUT has settled (idle, nothing on its output): cltus, codeblocks, corrected_bits, rejected_codeblocks and
tails under the same names, skipped_bytes = octets_skipped, buffered = CltuDecoder.buffered. A flush pulse on
the DUT is matched by CltuDecoder.flush().
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from dataclasses import dataclass
from logging import Logger
from typing import Any, ClassVar

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge, Timer
from cocotb.utils import get_sim_time
from stream_tb import ByteSource, PacketMonitor, ReadyDriver, read

from protocols.spacelink.bch import CODEBLOCK_SIZE, FILL, encode_codeblock
from protocols.spacelink.cltu import REJECTED, START_SEQUENCE, TAIL, TAIL_SEQUENCE, TRUNCATED, CltuDecoder, encode_cltu
from protocols.spacelink.randomizer import tc_randomize
from protocols.spacelink.tc_frame import MAX_FRAME_SIZE, MAX_SCID, MAX_VCID, TcFrame

CLOCK_PERIOD_NS = 10
COUNT_MASK = 0xFFFF_FFFF
MAX_REPORTED_ERRORS = 20
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


class Traffic:
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
        self.rng = rng
        self.randomized = randomized
        names = list(self.KINDS)
        weights = np.array([self.KINDS[name] for name in names], dtype=float)
        self._names = names
        self._weights = weights / weights.sum()
        self.kinds: Counter[str] = Counter()

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

    def segment(self, kind: str | None = None) -> bytes:
        """The octets of one traffic segment of ``kind`` (random when None)."""
        rng = self.rng
        if kind is None:
            kind = self._names[int(rng.choice(len(self._names), p=self._weights))]
        self.kinds[kind] += 1
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

    def batch(self, segments: int) -> bytes:
        """``segments`` random segments back to back."""
        return b"".join(self.segment() for _ in range(segments))


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


class Scoreboard:
    """Golden model and checker: CltuDecoder fed the bytes the DUT took; CLTUs in order, counters when settled."""

    def __init__(self, randomized: bool, log: Logger) -> None:
        self.model = CltuDecoder(randomized=randomized)
        self._log = log
        self.received: list[Output] = []
        self.last_expected: list[Output] = []  # what the model output at the latest checkpoint
        self.errors: list[str] = []
        self.error_count = 0
        self.cltus_checked = 0
        self.checkpoints = 0
        self.offset = dict.fromkeys(COUNTERS[:-1], 0)  # counter presets
        self.totals: Counter[str] = Counter()  # model figures summed over resets
        self.endings: Counter[str] = Counter()  # model CLTUs with data, by ending

    def cltu(self, data: bytes, end: int | None) -> None:
        """Monitor callback: the data of one CLTU left the DUT."""
        self.received.append((data, ENDINGS.get(end if end is not None else -1, f"m_end={end}")))

    def _error(self, text: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(text)
            self._log.error("scoreboard: %s", text)

    def _feed(self, data: bytes, flush: bool = False) -> list[Output]:
        results = self.model.feed(data) if data else []
        if flush:
            results += self.model.flush()
        outputs = [(result.data, result.ended_by) for result in results if result.codeblocks]
        self.endings.update(ending for _, ending in outputs)
        return outputs

    def _compare(self, expected: list[Output], received: list[Output], what: str) -> None:
        for index, (want, got) in enumerate(zip(expected, received, strict=False)):
            if want != got:
                at = next((i for i, (a, b) in enumerate(zip(want[0], got[0], strict=False)) if a != b),
                          min(len(want[0]), len(got[0])))
                self._error(f"{what}: CLTU {index} differs: {len(got[0])} B ({got[1]}) received, model "
                            f"{len(want[0])} B ({want[1]}), first difference at octet {at}")
                break
        self.cltus_checked += min(len(expected), len(received))

    def checkpoint(self, taken: bytes, status: Status, what: str, flushed: bool = False) -> None:
        """The DUT settled after taking ``taken`` more bytes (and a flush): compare CLTUs and counters."""
        expected = self.last_expected = self._feed(taken, flushed)
        received, self.received = self.received, []
        self._compare(expected, received, what)
        if len(expected) != len(received):
            self._error(f"{what}: {len(received)} CLTUs out of the DUT, model says {len(expected)}")
        for name, value in model_counters(self.model).items():
            value = (value + self.offset.get(name, 0)) & COUNT_MASK
            got = getattr(status, name)
            if got != value:
                self._error(f"{what}: {name} = {got}, model says {value}")
        self.checkpoints += 1

    def on_reset(self, taken: bytes, what: str) -> None:
        """The DUT was reset after taking ``taken`` bytes: what it delivered is a prefix of the model's CLTUs."""
        expected = self._feed(taken)
        received, self.received = self.received, []
        self._compare(expected, received, what)
        if len(received) > len(expected):
            self._error(f"{what}: {len(received)} CLTUs out before the reset, model has only {len(expected)}")
        self._total()
        self.model.reset()
        self.offset = dict.fromkeys(self.offset, 0)

    def _total(self) -> None:
        stats = self.model.stats
        self.totals.update({"octets": stats.octets_in, "cltus": stats.cltus, "codeblocks": stats.codeblocks,
                            "corrected_bits": stats.corrected_bits, "rejected_codeblocks": stats.rejected_codeblocks,
                            "tails": stats.tails, "octets_skipped": stats.octets_skipped})

    def figures(self) -> Counter[str]:
        """Model figures summed over resets, the current run included."""
        self._total()
        totals, self.totals = self.totals, Counter()
        return totals


# ---------------------------------------------------------------------------------------------- testbench


class CltuTestbench:
    """Wires clock, byte source, ready driver, CLTU monitor and scoreboard around one cltu_decoder."""

    def __init__(self, dut: Dut, name: str) -> None:
        self.dut = dut
        self.name = name
        self.log: Logger = dut._log
        self.seed = cocotb.RANDOM_SEED
        self.rng = np.random.default_rng(self.seed)
        self.randomized = bool(int(dut.RANDOMIZED.value))
        self.traffic = Traffic(self.rng, self.randomized)
        self.source = ByteSource(dut, self.rng)
        self.ready = ReadyDriver(dut, self.rng)
        self.scoreboard = Scoreboard(self.randomized, self.log)
        self.monitor = PacketMonitor(dut, self.scoreboard.cltu, self.log, end="m_end")
        self.flushes = 0
        self._wall0 = 0.0
        self._time0 = 0

    async def start(self) -> Status:
        """Start the clock, drivers and monitor, then reset the DUT; return the status right after reset."""
        self.log.info("traffic seed %d (derived from COCOTB_RANDOM_SEED and the test name); RANDOMIZED %d",
                      self.seed, self.randomized)
        self._wall0 = time.perf_counter()
        self._time0 = get_sim_time(unit="ns")
        self.source.idle()
        self.dut.s_data.value = 0
        self.dut.flush.value = 0
        self.dut.m_ready.value = 1
        self.dut.rst.value = 1
        Clock(self.dut.clk, CLOCK_PERIOD_NS, unit="ns", impl="gpi").start()
        status = await self.reset()
        self.ready.start()
        self.monitor.start()
        return status

    async def reset(self, cycles: int = 2) -> Status:
        """Hold rst high for ``cycles`` edges, then let one more edge pass; return the status right after reset."""
        clk = self.dut.clk
        self.dut.rst.value = 1
        await ClockCycles(clk, cycles)
        self.dut.rst.value = 0
        await RisingEdge(clk)
        return self.status()

    def status(self) -> Status:
        """The status outputs as the DUT saw them at the latest edge (call right after an edge)."""
        dut = self.dut
        return Status(*(read(getattr(dut, name)) for name in (*COUNTERS, "idle", "s_ready", "m_valid")))

    async def settle(self, what: str) -> Status:
        """Wait until the DUT has judged every byte it took and delivered everything it can; return its status."""
        clk, idle, m_valid = self.dut.clk, self.dut.idle, self.dut.m_valid
        edge = RisingEdge(clk)
        for _ in range(SETTLE_LIMIT):
            await edge
            if idle.value == 1 and m_valid.value == 0:
                return self.status()
        raise AssertionError(f"{what}: the DUT did not settle within {SETTLE_LIMIT} clocks")

    async def checkpoint(self, what: str, flush: bool = False) -> Status:
        """Settle (after a one-clock flush pulse when ``flush``), then compare with the model fed the same bytes."""
        if flush:
            self.flushes += 1
            self.dut.flush.value = 1
            await RisingEdge(self.dut.clk)
            self.dut.flush.value = 0
        status = await self.settle(what)
        self.scoreboard.checkpoint(self.source.take_log(), status, what, flushed=flush)
        return status

    async def send(self, data: bytes) -> None:
        """Send ``data`` with the source's current gap setting."""
        await self.source.send(data)

    def finish(self) -> Counter[str]:
        """Fail on any mismatch; log and record the figures (clocks, wall time, clocks per second)."""
        cycles = int(get_sim_time(unit="ns") - self._time0) // CLOCK_PERIOD_NS
        wall = time.perf_counter() - self._wall0
        sb, mon = self.scoreboard, self.monitor
        figures = sb.figures()
        self.log.info(
            "%s: %d octets in, %d CLTUs (%d with data out, %d checked; endings %s), %d codeblocks, %d corrected, "
            "%d rejected, %d skipped, %d checkpoints (%d flushed), %d cut by reset, %d input stalls, "
            "%d output stalls; traffic %s",
            self.name, figures["octets"], figures["cltus"], mon.packets, sb.cltus_checked, dict(sb.endings),
            figures["codeblocks"], figures["corrected_bits"], figures["rejected_codeblocks"],
            figures["octets_skipped"], sb.checkpoints, self.flushes, mon.cut_packets, self.source.stalls, mon.stalls,
            dict(self.traffic.kinds),
        )
        self.log.info("%s: RTL simulation speed: %d clocks in %.2f s wall = %.0f clocks/s",
                      self.name, cycles, wall, cycles / wall if wall else 0.0)
        path = os.environ.get(FIGURES_ENV)
        if path:
            with open(path, "a", encoding="utf-8") as out:
                out.write(json.dumps({"test": self.name, "cycles": cycles, "wall_s": wall, "octets": figures["octets"],
                                      "codeblocks": figures["codeblocks"], "cltus": figures["cltus"]}) + "\n")
        errors = mon.errors + sb.errors
        count = mon.error_count + sb.error_count
        assert count == 0, f"{count} mismatches, first: {'; '.join(errors[:5])}"
        assert sb.checkpoints > 0, "the scoreboard compared nothing"
        return figures


# ---------------------------------------------------------------------------------------------- tests


@cocotb.test(timeout_time=20, timeout_unit="ms")
async def known_cltus(dut: Dut) -> None:
    """Hand-written cases, each checked against figures worked out by hand and against the model."""
    tb = CltuTestbench(dut, "known_cltus")
    status = await tb.start()
    assert (*(getattr(status, name) for name in COUNTERS), status.s_ready, status.m_valid, status.idle) \
        == (0, 0, 0, 0, 0, 0, 0, 0, 0, 1), f"right after reset: {status}"
    await RisingEdge(dut.clk)
    assert tb.status().s_ready == 1, "s_ready still low one clock after reset"

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
        before = model_counters(tb.scoreboard.model)
        await tb.send(octets)
        await tb.checkpoint(name, flush="flush" in name)
        after = model_counters(tb.scoreboard.model)
        got = tuple(after[key] - before[key] for key in COUNTERS)
        assert got == delta, f"{name}: the model added {got}, worked out by hand {delta}"
        assert tb.scoreboard.last_expected == output, f"{name}: the model output {tb.scoreboard.last_expected}"
    tb.finish()


@cocotb.test(timeout_time=1000, timeout_unit="ms")
async def random_traffic(dut: Dut) -> None:
    """Thousands of random segments (CLTUs, bit errors, garbage), random gaps on s_valid and backpressure on m_ready.

    About every tenth checkpoint flushes the DUT (and the model): an open CLTU ends truncated.
    """
    tb = CltuTestbench(dut, "random_traffic")
    await tb.start()
    rng = tb.rng
    segments = int(os.environ.get(SEGMENTS_ENV, RANDOM_SEGMENTS))
    done = 0
    while done < segments:
        count = min(segments - done, int(rng.integers(5, 80)))
        tb.source.gap_probability = float(rng.choice((0.0, 0.0, 0.1, 0.5)))
        tb.ready.set(float(rng.choice((4.0, 16.0, 64.0))), float(rng.choice((0.0, 0.0, 1.0, 3.0, 8.0))))
        await tb.send(tb.traffic.batch(count))
        done += count
        await tb.checkpoint(f"after segment {done}", flush=rng.random() < 0.1)
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
    await tb.start()
    tb.ready.set(8.0, 100.0)
    for index in range(BACKPRESSURE_SEGMENTS // 40):
        await tb.send(tb.traffic.batch(40))
        await tb.checkpoint(f"batch {index}")
    tb.ready.set(1.0, 2.0)
    tb.source.gap_probability = 0.3
    await tb.send(b"".join(tb.traffic.segment(kind) for kind in ("large", "double", "large", "truncated")))
    await tb.checkpoint("large CLTUs", flush=True)
    tb.finish()
    assert tb.source.stalls > 0, "s_ready never dropped for the output"


@cocotb.test(timeout_time=500, timeout_unit="ms")
async def reset_mid_stream(dut: Dut) -> None:
    """Resets at random moments (mid-octet, mid-CLTU, mid-output, during a re-search) empty the DUT cleanly."""
    tb = CltuTestbench(dut, "reset_mid_stream")
    await tb.start()
    rng, clk = tb.rng, dut.clk
    for index in range(RESET_ROUNDS):
        tb.source.gap_probability = float(rng.choice((0.0, 0.3)))
        tb.ready.set(4.0, float(rng.choice((0.0, 2.0))))
        sending = cocotb.start_soon(tb.send(tb.traffic.batch(int(rng.integers(2, 12)))))
        await ClockCycles(clk, int(rng.integers(1, 400)))
        status = await tb.reset(int(rng.integers(1, 4)))
        assert (*(getattr(status, name) for name in COUNTERS), status.s_ready, status.m_valid) == (0,) * 9, \
            f"round {index}: status after reset {status}"
        tb.scoreboard.on_reset(tb.source.take_log(), f"round {index}: before the reset")
        await sending
        await tb.send(tb.traffic.batch(int(rng.integers(1, 6))))
        await tb.checkpoint(f"round {index}: after the reset")
    tb.finish()
    assert tb.monitor.cut_packets > 0, "no reset hit a CLTU on its way out"


@cocotb.test(timeout_time=10, timeout_unit="ms")
async def counters_wrap(dut: Dut) -> None:
    """The status counters are 32 bits wide and wrap to zero."""
    tb = CltuTestbench(dut, "counters_wrap")
    await tb.start()
    near = COUNT_MASK - 1
    await RisingEdge(dut.clk)
    for name in COUNTERS[:-1]:
        getattr(dut, name).value = near  # preset the registers rather than simulate 4 Gi events
        tb.scoreboard.offset[name] = near
    await RisingEdge(dut.clk)
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
    tb = CltuTestbench(dut, "clock_only")
    await tb.start()
    cycles = int(os.environ.get(SEGMENTS_ENV, RANDOM_SEGMENTS)) * 100
    await Timer(cycles * CLOCK_PERIOD_NS, unit="ns")
    await tb.checkpoint("idle")
    tb.finish()
