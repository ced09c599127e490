"""Shared cocotb stream components for the hil/rtl testbenches: byte source, ready driver, packet monitor.

Every hil/rtl block with a byte stream in (s_data/s_valid/s_ready) and a packet stream out (m_data/m_valid/
m_ready/m_first/m_last) is driven and watched by these. The bases SegmentTraffic, ModelScoreboard and
StreamTestbench hold what the blocks' testbenches share (weighted traffic kinds, the model-versus-DUT checks,
clock/reset/settle/figures and the test bodies alike for every block); a block's own testbench adds its traffic
kinds, golden model, status outputs and hand-worked cases.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable
from logging import Logger
from typing import Any, ClassVar

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.task import Task
from cocotb.triggers import ClockCycles, FallingEdge, First, RisingEdge, Timer, ValueChange
from cocotb.utils import get_sim_time

CLOCK_PERIOD_NS = 10
COUNT_MASK = 0xFFFF_FFFF
MAX_REPORTED_ERRORS = 20

Dut = Any  # a cocotb toplevel handle; its signals are attributes looked up by name


def read(handle: Any) -> int | None:
    """The integer value of a signal, or None while it holds X or Z bits."""
    try:
        return int(handle.value)
    except ValueError:
        return None


def flip_bits(data: bytes, rng: np.random.Generator, count: int) -> bytes:
    """``data`` with ``count`` random bits inverted (the same bit may be hit twice)."""
    corrupted = bytearray(data)
    for position in rng.integers(len(data) * 8, size=count).tolist():
        corrupted[position // 8] ^= 0x80 >> (position % 8)
    return bytes(corrupted)


def first_difference(a: bytes, b: bytes) -> int:
    """The index of the first octet where ``a`` and ``b`` differ (the shorter length when one is a prefix)."""
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


# ---------------------------------------------------------------------------------------------- traffic


class SegmentTraffic:
    """Random traffic in segments of weighted kinds; a block's subclass makes the octets of each kind (make())."""

    KINDS: ClassVar[dict[str, float]] = {}

    def __init__(self, rng: np.random.Generator, names: list[str] | None = None) -> None:
        self.rng = rng
        names = list(self.KINDS) if names is None else names
        weights = np.array([self.KINDS[name] for name in names], dtype=float)
        self._names = names
        self._weights = weights / weights.sum()
        self.kinds: Counter[str] = Counter()

    def segment(self, kind: str | None = None) -> bytes:
        """The octets of one traffic segment of ``kind`` (random when None)."""
        if kind is None:
            kind = self._names[int(self.rng.choice(len(self._names), p=self._weights))]
        self.kinds[kind] += 1
        return self.make(kind)

    def make(self, kind: str) -> bytes:
        """The octets of one segment of ``kind``."""
        raise NotImplementedError

    def batch(self, segments: int) -> bytes:
        """``segments`` random segments back to back."""
        return b"".join(self.segment() for _ in range(segments))


# ---------------------------------------------------------------------------------------------- driver


class ByteSource:
    """Drives s_data/s_valid: holds each byte until the DUT takes it, with random idle gaps (junk on s_data).

    Records the bytes the DUT took (a byte offered at a reset edge is not taken). Runs in one coroutine and
    wakes once per byte or gap, and once per stall (it sleeps until s_ready rises).
    """

    def __init__(self, dut: Dut, rng: np.random.Generator) -> None:
        self._clk = dut.clk
        self._rst = dut.rst
        self._s_data = dut.s_data
        self._s_valid = dut.s_valid
        self._s_ready = dut.s_ready
        self._rng = rng
        self.gap_probability = 0.0
        self.max_gap = 4
        self.taken = bytearray()
        self.bytes_taken = 0
        self.stalls = 0  # times a byte waited for s_ready (a full buffer or a reset)
        self._valid = -1

    def idle(self) -> None:
        """Drive an idle bus."""
        self._s_valid.value = 0
        self._valid = 0

    def take_log(self) -> bytes:
        """The bytes taken since the last call, oldest first."""
        taken = bytes(self.taken)
        self.taken.clear()  # in place: a send() in progress keeps appending to it
        return taken

    async def send(self, data: bytes) -> None:
        """Send ``data``; return just after the edge that took the last byte, with the bus idle.

        Before each byte, with ``gap_probability``, s_valid stays low for 1..max_gap clocks.
        """
        rng, edge = self._rng, RisingEdge(self._clk)
        s_data, s_valid, s_ready, rst = self._s_data, self._s_valid, self._s_ready, self._rst
        ready_again = RisingEdge(s_ready)
        if self.gap_probability:
            gaps = np.where(rng.random(len(data)) < self.gap_probability,
                            rng.integers(1, self.max_gap + 1, len(data)), 0).tolist()
        else:
            gaps = [0] * len(data)
        junk = rng.bytes(len(data)) if self.gap_probability else b""
        taken = self.taken
        for index, (byte, gap) in enumerate(zip(data, gaps, strict=True)):
            if gap:
                s_valid.value = 0
                s_data.value = junk[index]  # must be ignored while s_valid is low
                self._valid = 0
                await ClockCycles(self._clk, gap)
            s_data.value = byte
            if self._valid != 1:
                s_valid.value = 1
                self._valid = 1
            while True:
                await edge  # values read now are those the DUT saw at this edge
                if s_ready.value == 1:
                    if rst.value == 0:
                        break
                    continue  # offered at a reset edge: discarded
                if rst.value == 0:
                    self.stalls += 1
                await ready_again  # fires in the time step of the edge that raises it; offer at the next edge
            taken.append(byte)
            self.bytes_taken += 1
        self.idle()


class ReadyDriver:
    """Drives m_ready in random runs: ready for a geometric number of clocks, then stalled for another.

    Changes m_ready only at falling edges of clk, and sleeps through each run (one wake-up per run).
    """

    def __init__(self, dut: Dut, rng: np.random.Generator) -> None:
        self._clk = dut.clk
        self._m_ready = dut.m_ready
        self._rng = rng
        self._task: Task[None] | None = None
        self.mean_ready = 1.0
        self.mean_stall = 0.0

    def set(self, mean_ready: float, mean_stall: float) -> None:
        """Mean run lengths in clocks; mean_stall 0 keeps m_ready high."""
        self.mean_ready, self.mean_stall = mean_ready, mean_stall

    def start(self) -> None:
        """Start driving in the background."""
        self._m_ready.value = 1
        self._task = cocotb.start_soon(self._run())

    async def _run(self) -> None:
        rng, m_ready = self._rng, self._m_ready
        await FallingEdge(self._clk)
        while True:
            mean_ready, mean_stall = self.mean_ready, self.mean_stall
            m_ready.value = 1
            if not mean_stall:
                await Timer(64 * CLOCK_PERIOD_NS, unit="ns")
                continue
            await Timer(int(rng.geometric(1 / mean_ready)) * CLOCK_PERIOD_NS, unit="ns")
            m_ready.value = 0
            await Timer(int(rng.geometric(1 / mean_stall)) * CLOCK_PERIOD_NS, unit="ns")


# ---------------------------------------------------------------------------------------------- monitor


class PacketMonitor:
    """Passive monitor of the m_* packet stream: assembles packets and checks the stream protocol.

    Protocol rules: while m_valid is high and m_ready low, m_valid/m_data/m_first/m_last (and ``end``) hold; a
    packet starts with m_first, ends with m_last, and nothing but its bytes lie between; no X on a valid byte. A
    reset edge cuts the packet in progress. Whole packets go to ``callback``, with the value of the DUT signal
    named ``end`` at their last byte when one is named (else None). Wakes once per clock while bytes flow;
    sleeps while m_valid is low (until it rises, or rst rises within a packet) and through a stall (until m_ready
    rises, an output changes or rst rises).
    """

    def __init__(self, dut: Dut, callback: Callable[[bytes, int | None], None], log: Logger,
                 end: str | None = None) -> None:
        self._dut = dut
        self._callback = callback
        self._log = log
        self._end = getattr(dut, end) if end else None
        self._task: Task[None] | None = None
        self.errors: list[str] = []
        self.error_count = 0
        self.packets = 0
        self.bytes = 0
        self.cut_packets = 0
        self.stalls = 0

    def start(self) -> None:
        """Start watching in the background."""
        self._task = cocotb.start_soon(self._run())

    def _error(self, text: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            cycle = int(get_sim_time(unit="ns")) // CLOCK_PERIOD_NS
            self.errors.append(f"cycle {cycle}: {text}")
            self._log.error("monitor: cycle %d: %s", cycle, text)

    async def _run(self) -> None:
        dut = self._dut
        clk, rst = dut.clk, dut.rst
        m_valid, m_ready, m_data, m_first, m_last = dut.m_valid, dut.m_ready, dut.m_data, dut.m_first, dut.m_last
        edge, rise = RisingEdge(clk), RisingEdge(m_valid)
        current: bytearray | None = None  # the packet in progress
        m_end = self._end
        held: tuple[int | None, ...] | None = None  # a byte offered but not taken
        while True:
            await edge  # values read now are those the DUT saw at this edge
            valid = read(m_valid)
            in_reset = rst.value == 1
            if valid != 1:
                if valid is None and not in_reset:
                    self._error("m_valid is X")
                if held is not None and not in_reset:
                    self._error("m_valid dropped before its byte was taken")
                held = None
                if in_reset and current is not None:
                    self.cut_packets += 1
                    current = None
                if valid == 0:
                    # Fires in the time step of the edge that raises it; take the next edge. A packet may pause
                    # between its bytes (m_valid low): a reset then cuts it, so watch rst too.
                    await (rise if current is None else First(rise, RisingEdge(rst)))
                continue
            sample = (read(m_data), read(m_first), read(m_last), None if m_end is None else read(m_end))
            if held is not None and sample != held:
                self._error(f"m_data/m_first/m_last/end changed from {held} to {sample} while stalled")
            ready = read(m_ready)
            if ready != 1:
                held = sample
                if in_reset:
                    if current is not None:
                        self.cut_packets += 1
                    current, held = None, None
                    continue
                self.stalls += 1
                # sleep; the next edge then takes the byte or finds what changed
                changes = [ValueChange(m_data), ValueChange(m_first), ValueChange(m_last)]
                if m_end is not None:
                    changes.append(ValueChange(m_end))
                await First(RisingEdge(m_ready), RisingEdge(rst), FallingEdge(m_valid), *changes)
                continue
            held = None
            data, first, last, end = sample
            if None in sample[:3] or (m_end is not None and end is None):
                self._error(f"X on a taken byte: m_data/m_first/m_last/end = {sample}")
            if first:
                if current is not None:
                    self._error(f"m_first in the middle of a packet after {len(current)} B")
                current = bytearray()
            elif current is None:
                self._error("a byte outside a packet (no m_first before it)")
                current = bytearray()
            current.append(data or 0)
            self.bytes += 1
            if last:
                self.packets += 1
                self._callback(bytes(current), end)
                current = None
            if in_reset and current is not None:
                self.cut_packets += 1
                current = None


# ---------------------------------------------------------------------------------------------- scoreboard


class ModelScoreboard:
    """Golden model and checker: the model is fed the bytes the DUT took; outputs in order, counters when settled.

    A block's subclass says how to feed its model (_feed), how two outputs differ (describe), the model's counters
    under the RTL's names (counters) and its figures to sum over resets (model_figures). ``received`` collects
    the DUT's outputs (the monitor callback of the subclass appends to it).
    """

    UNIT = "packets"  # what the block puts out, for messages

    def __init__(self, model: Any, presets: Iterable[str], log: Logger) -> None:
        self.model = model
        self._log = log
        self.received: list[Any] = []
        self.last_expected: list[Any] = []  # what the model output at the latest checkpoint
        self.errors: list[str] = []
        self.error_count = 0
        self.checked = 0  # outputs compared
        self.checkpoints = 0
        self.offset = dict.fromkeys(presets, 0)  # counter presets
        self.totals: Counter[str] = Counter()  # model figures summed over resets

    def _feed(self, data: bytes, flush: bool = False) -> list[Any]:
        """Feed the model (and flush it when ``flush``); the outputs it made."""
        raise NotImplementedError

    def describe(self, index: int, want: Any, got: Any) -> str:
        """How output ``index`` of the DUT (``got``) differs from the model's (``want``)."""
        raise NotImplementedError

    def counters(self) -> dict[str, int]:
        """The model's figures under the names of the RTL's counter outputs."""
        raise NotImplementedError

    def model_figures(self) -> dict[str, int]:
        """The model's figures since its last reset, to sum over resets."""
        raise NotImplementedError

    def _error(self, text: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(text)
            self._log.error("scoreboard: %s", text)

    def _compare(self, expected: list[Any], received: list[Any], what: str) -> None:
        for index, (want, got) in enumerate(zip(expected, received, strict=False)):
            if want != got:
                self._error(f"{what}: {self.describe(index, want, got)}")
                break
        self.checked += min(len(expected), len(received))

    def checkpoint(self, taken: bytes, status: Any, what: str, flushed: bool = False) -> None:
        """The DUT settled after taking ``taken`` more bytes (and a flush): compare outputs and counters."""
        expected = self.last_expected = self._feed(taken, flushed)
        received, self.received = self.received, []
        self._compare(expected, received, what)
        if len(expected) != len(received):
            self._error(f"{what}: {len(received)} {self.UNIT} out of the DUT, model says {len(expected)}")
        for name, value in self.counters().items():
            value = (value + self.offset.get(name, 0)) & COUNT_MASK
            got = getattr(status, name)
            if got != value:
                self._error(f"{what}: {name} = {got}, model says {value}")
        self.checkpoints += 1

    def on_reset(self, taken: bytes, what: str) -> None:
        """The DUT was reset after taking ``taken`` bytes: what it delivered is a prefix of the model's outputs."""
        expected = self._feed(taken)
        received, self.received = self.received, []
        self._compare(expected, received, what)
        if len(received) > len(expected):
            self._error(f"{what}: {len(received)} {self.UNIT} out before the reset, model has only {len(expected)}")
        self.totals.update(self.model_figures())
        self.model.reset()
        self.offset = dict.fromkeys(self.offset, 0)

    def figures(self) -> Counter[str]:
        """Model figures summed over resets, the current run included."""
        self.totals.update(self.model_figures())
        totals, self.totals = self.totals, Counter()
        return totals


# ---------------------------------------------------------------------------------------------- testbench


class StreamTestbench:
    """Wires clock, byte source, ready driver, packet monitor and scoreboard around one block.

    The subclass sets ``traffic``, ``scoreboard`` and ``monitor`` in its __init__, and the class constants: the
    status counter outputs (COUNTERS, the buffered level last; all but it are 32-bit counters that wrap), the
    Status dataclass (COUNTERS, then idle, s_ready, m_valid), the settle limit and the environment variables.
    The test bodies alike for every block (random traffic, resets, counter wrap, clock only) live here.
    """

    COUNTERS: ClassVar[tuple[str, ...]] = ()
    STATUS: ClassVar[type] = tuple
    SETTLE_LIMIT: ClassVar[int] = 0  # clocks the DUT may need to drain after the last byte before the test gives up
    FIGURES_ENV: ClassVar[str] = ""  # a JSON-lines file the tests append their speed figures to
    SEGMENTS_ENV: ClassVar[str] = ""  # overrides the traffic size of random_traffic (benchmarks)
    RANDOM_SEGMENTS: ClassVar[int] = 0
    UNIT: ClassVar[str] = "packet"  # one output of the block, for messages

    traffic: SegmentTraffic
    scoreboard: ModelScoreboard
    monitor: PacketMonitor

    def __init__(self, dut: Dut, name: str) -> None:
        self.dut = dut
        self.name = name
        self.log: Logger = dut._log
        self.seed = cocotb.RANDOM_SEED
        self.rng = np.random.default_rng(self.seed)
        self.source = ByteSource(dut, self.rng)
        self.ready = ReadyDriver(dut, self.rng)
        self.flushes = 0
        self._wall0 = 0.0
        self._time0 = 0

    def setup(self) -> str:
        """The build parameters, for the log."""
        return ""

    def drive_idle(self) -> None:
        """Drive the block's own inputs (beyond the streams, clk and rst) to their idle values."""

    def log_summary(self, figures: Counter[str]) -> None:
        """Log what the test did (at finish())."""

    def figure_row(self, figures: Counter[str]) -> dict[str, int]:
        """The block's own figures in the row finish() appends to the FIGURES_ENV file."""
        return {"octets": figures["octets"]}

    def segments(self) -> int:
        """How many segments random_traffic sends (SEGMENTS_ENV overrides RANDOM_SEGMENTS)."""
        return int(os.environ.get(self.SEGMENTS_ENV, self.RANDOM_SEGMENTS))

    async def start(self) -> Any:
        """Start the clock, drivers and monitor, then reset the DUT; return the status right after reset."""
        self.log.info("traffic seed %d (derived from COCOTB_RANDOM_SEED and the test name); %s",
                      self.seed, self.setup())
        self._wall0 = time.perf_counter()
        self._time0 = get_sim_time(unit="ns")
        self.source.idle()
        self.dut.s_data.value = 0
        self.drive_idle()
        self.dut.m_ready.value = 1
        self.dut.rst.value = 1
        Clock(self.dut.clk, CLOCK_PERIOD_NS, unit="ns", impl="gpi").start()
        status = await self.reset()
        self.ready.start()
        self.monitor.start()  # from here on m_valid is never X
        return status

    async def start_clean(self) -> None:
        """start(), and check that reset cleared every counter and that s_ready rises one clock after reset."""
        status = await self.start()
        assert (*(getattr(status, name) for name in self.COUNTERS), status.s_ready, status.m_valid, status.idle) \
            == (0,) * (len(self.COUNTERS) + 2) + (1,), f"right after reset: {status}"
        await RisingEdge(self.dut.clk)
        assert self.status().s_ready == 1, "s_ready still low one clock after reset"

    async def reset(self, cycles: int = 2) -> Any:
        """Hold rst high for ``cycles`` edges, then let one more edge pass; return the status right after reset.

        The extra edge lets the monitor and the source see the last reset edge before anyone reads their logs.
        """
        clk = self.dut.clk
        self.dut.rst.value = 1
        await ClockCycles(clk, cycles)
        self.dut.rst.value = 0
        await RisingEdge(clk)
        return self.status()

    def status(self) -> Any:
        """The status outputs as the DUT saw them at the latest edge (call right after an edge)."""
        dut = self.dut
        return self.STATUS(*(read(getattr(dut, name)) for name in (*self.COUNTERS, "idle", "s_ready", "m_valid")))

    async def settle(self, what: str) -> Any:
        """Wait until the DUT has dealt with every byte it took and delivered everything it can; return its status."""
        clk, idle, m_valid = self.dut.clk, self.dut.idle, self.dut.m_valid
        edge = RisingEdge(clk)
        for _ in range(self.SETTLE_LIMIT):
            await edge
            if idle.value == 1 and m_valid.value == 0:
                return self.status()
        raise AssertionError(f"{what}: the DUT did not settle within {self.SETTLE_LIMIT} clocks")

    async def checkpoint(self, what: str, flush: bool = False) -> Any:
        """Settle (after a one-clock pulse on the DUT's flush input when ``flush``), then compare with the model."""
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

    async def known_case(self, name: str, octets: bytes, delta: tuple[int, ...], flush: bool = False) -> None:
        """Send a hand-written case and check it; the model's counters must move by ``delta`` (worked out by hand)."""
        before = self.scoreboard.counters()
        await self.send(octets)
        await self.checkpoint(name, flush=flush)
        after = self.scoreboard.counters()
        got = tuple(after[key] - before[key] for key in self.COUNTERS)
        assert got == delta, f"{name}: the model added {got}, worked out by hand {delta}"

    def finish(self) -> Counter[str]:
        """Fail on any mismatch; log and record the figures (clocks, wall time, clocks per second)."""
        cycles = int(get_sim_time(unit="ns") - self._time0) // CLOCK_PERIOD_NS
        wall = time.perf_counter() - self._wall0
        sb, mon = self.scoreboard, self.monitor
        figures = sb.figures()
        self.log_summary(figures)
        self.log.info("%s: RTL simulation speed: %d clocks in %.2f s wall = %.0f clocks/s",
                      self.name, cycles, wall, cycles / wall if wall else 0.0)
        path = os.environ.get(self.FIGURES_ENV)
        if path:
            with open(path, "a", encoding="utf-8") as out:
                out.write(json.dumps({"test": self.name, "cycles": cycles, "wall_s": wall,
                                      **self.figure_row(figures)}) + "\n")
        errors = mon.errors + sb.errors
        count = mon.error_count + sb.error_count
        assert count == 0, f"{count} mismatches, first: {'; '.join(errors[:5])}"
        assert sb.checkpoints > 0, "the scoreboard compared nothing"
        return figures

    # ------------------------------------------------------------------------------------------ test bodies

    async def random_traffic(self, batch_high: int, stall_means: tuple[float, ...],
                             flush_probability: float = 0.0) -> int:
        """Random segments in batches of 5..batch_high-1, random gaps on s_valid and backpressure on m_ready.

        Checks after each batch (flushing with ``flush_probability``); returns the number of segments sent.
        """
        await self.start()
        rng = self.rng
        segments = self.segments()
        done = 0
        while done < segments:
            count = min(segments - done, int(rng.integers(5, batch_high)))
            self.source.gap_probability = float(rng.choice((0.0, 0.0, 0.1, 0.5)))
            self.ready.set(float(rng.choice((4.0, 16.0, 64.0))), float(rng.choice(stall_means)))
            await self.send(self.traffic.batch(count))
            done += count
            flush = bool(flush_probability) and rng.random() < flush_probability
            await self.checkpoint(f"after segment {done}", flush=flush)
        return segments

    async def stalled_batches(self, segments: int, mean_ready: float, mean_stall: float) -> None:
        """start(), then ``segments`` random segments in batches of 40 under long output stalls, each checked."""
        await self.start()
        self.ready.set(mean_ready, mean_stall)
        for index in range(segments // 40):
            await self.send(self.traffic.batch(40))
            await self.checkpoint(f"batch {index}")

    async def reset_mid_stream(self, rounds: int, max_wait: int) -> None:
        """Resets at random moments (up to ``max_wait`` clocks into a batch) must empty the DUT cleanly."""
        await self.start()
        rng, clk = self.rng, self.dut.clk
        for index in range(rounds):
            self.source.gap_probability = float(rng.choice((0.0, 0.3)))
            self.ready.set(4.0, float(rng.choice((0.0, 2.0))))
            sending = cocotb.start_soon(self.send(self.traffic.batch(int(rng.integers(2, 12)))))
            await ClockCycles(clk, int(rng.integers(1, max_wait)))
            status = await self.reset(int(rng.integers(1, 4)))
            assert (*(getattr(status, name) for name in self.COUNTERS), status.s_ready, status.m_valid) \
                == (0,) * (len(self.COUNTERS) + 2), f"round {index}: status after reset {status}"
            self.scoreboard.on_reset(self.source.take_log(), f"round {index}: before the reset")
            await sending
            await self.send(self.traffic.batch(int(rng.integers(1, 6))))
            await self.checkpoint(f"round {index}: after the reset")
        self.finish()
        assert self.monitor.cut_packets > 0, f"no reset hit a {self.UNIT} on its way out"

    async def preset_counters(self) -> None:
        """Preset every 32-bit counter register (all COUNTERS but buffered) to two below its wrap."""
        near = COUNT_MASK - 1
        await RisingEdge(self.dut.clk)
        for name in self.COUNTERS[:-1]:
            getattr(self.dut, name).value = near  # preset the registers rather than simulate 4 Gi events
            self.scoreboard.offset[name] = near
        await RisingEdge(self.dut.clk)

    async def clock_only(self) -> None:
        """Benchmark baseline: the clock runs for 100 clocks a segment, the DUT idles, no Python woken per clock."""
        await self.start()
        cycles = self.segments() * 100
        await Timer(cycles * CLOCK_PERIOD_NS, unit="ns")
        await self.checkpoint("idle")
        self.finish()
