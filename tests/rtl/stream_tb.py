"""Shared cocotb stream components for the hil/rtl testbenches: byte source, ready driver, packet monitor.

Every hil/rtl block with a byte stream in (s_data/s_valid/s_ready) and a packet stream out (m_data/m_valid/
m_ready/m_first/m_last) is driven and watched by these; the block's own testbench adds traffic, golden model
and scoreboard.
"""

from __future__ import annotations

from collections.abc import Callable
from logging import Logger
from typing import Any

import cocotb
import numpy as np
from cocotb.task import Task
from cocotb.triggers import ClockCycles, FallingEdge, First, RisingEdge, Timer, ValueChange
from cocotb.utils import get_sim_time

CLOCK_PERIOD_NS = 10
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
