"""cocotb testbench for hil/rtl/crc16_ccitt.v: driver, monitor, golden model, checker and the cocotb tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from logging import Logger
from typing import Any

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.task import Task
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge

from protocols.crc import CRC16_INIT, crc16

CLOCK_PERIOD_NS = 10
REFERENCE = b"123456789"
REFERENCE_CRC = 0x29B1
COUNT_MASK = 0xFFFF_FFFF
RANDOM_MESSAGES = 2000
SHORT_MESSAGE_LEN = 40
MAX_MESSAGE_LEN = 300
MAX_REPORTED_ERRORS = 20

Dut = Any  # the cocotb handle of the crc16_ccitt toplevel; its signals are attributes looked up by name


def _read(handle: Any) -> int | None:
    """The integer value of a signal, or None while it holds X or Z bits."""
    try:
        return int(handle.value)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Sample:
    """One clock as the monitor saw it: outputs after the edge and the handshake the DUT sees at the next edge."""

    cycle: int
    crc: int | None
    crc_ok: int | None
    byte_count: int | None
    s_ready: int | None
    rst: int | None
    clear: int | None
    s_valid: int | None
    s_data: int | None


@dataclass(frozen=True, slots=True)
class Outputs:
    """The DUT outputs at one instant, read by a test for a message-level check."""

    crc: int
    crc_ok: bool
    byte_count: int
    s_ready: bool


class Crc16Model:
    """Golden model of the crc16_ccitt registers; the CRC arithmetic is protocols.crc.crc16."""

    def __init__(self) -> None:
        self.known = False
        self.crc = CRC16_INIT
        self.byte_count = 0
        self.s_ready = False
        self.message = bytearray()

    @property
    def crc_ok(self) -> bool:
        """True when the bytes since the last clear/reset end with their own CRC."""
        return self.crc == 0

    def step(self, rst: bool, clear: bool, s_valid: bool, s_data: int) -> None:
        """Advance one rising edge with the given inputs."""
        if rst:
            self.known = True
            self.crc, self.byte_count, self.s_ready = CRC16_INIT, 0, False
            self.message = bytearray()
            return
        if clear:
            self.crc, self.byte_count = CRC16_INIT, 0
            self.message = bytearray()
        if s_valid and self.s_ready:
            self.crc = crc16(bytes((s_data,)), self.crc)
            self.byte_count = (self.byte_count + 1) & COUNT_MASK
            self.message.append(s_data)
        self.s_ready = True


class StreamDriver:
    """Drives s_data/s_valid and the clear pulse; holds each byte until the DUT takes it, with random idle gaps."""

    def __init__(self, dut: Dut, rng: np.random.Generator) -> None:
        self._clk = dut.clk
        self._clear = dut.clear
        self._s_data = dut.s_data
        self._s_valid = dut.s_valid
        self._s_ready = dut.s_ready
        self._rng = rng
        self._driven: tuple[int, int, int] | None = None
        self.bytes_sent = 0

    def _drive(self, valid: int, data: int, clear: int) -> None:
        """Put values on the inputs, writing only the signals that change (writes are the costly part)."""
        last = self._driven
        if last is None or last[0] != valid:
            self._s_valid.value = valid
        if last is None or last[1] != data:
            self._s_data.value = data
        if last is None or last[2] != clear:
            self._clear.value = clear
        self._driven = (valid, data, clear)

    def idle(self) -> None:
        """Drive an idle bus (no byte, no clear)."""
        self._drive(0, self._driven[1] if self._driven else 0, 0)

    async def _cycle(self, valid: int, data: int, clear: int) -> bool:
        """Drive one clock; return True when the DUT took the byte at the closing edge."""
        self._drive(valid, data, clear)
        await ReadOnly()
        ready = _read(self._s_ready) == 1  # registered, so this is what the coming edge sees
        await RisingEdge(self._clk)
        return bool(valid) and ready

    async def send(self, data: bytes, *, clear: bool = False, gap_probability: float = 0.0, max_gap: int = 3) -> None:
        """Send ``data`` (pulsing clear on the message's first clock if asked) and return once the last byte is taken.

        Before each byte, with ``gap_probability``, s_valid stays low for 1..max_gap clocks with junk on s_data.
        Call from a writable phase (after a RisingEdge); returns just after the taking edge, with the bus idle.
        """
        rng = self._rng
        if gap_probability:
            gaps = np.where(rng.random(len(data)) < gap_probability, rng.integers(1, max_gap + 1, len(data)), 0)
            junk = rng.bytes(int(gaps.sum()))
        else:
            gaps, junk = np.zeros(len(data), dtype=np.int64), b""
        pulse = int(clear)
        if not data and pulse:
            await self._cycle(0, 0, 1)
        junk_index = 0
        for byte, gap in zip(data, gaps.tolist(), strict=True):
            for _ in range(gap):
                await self._cycle(0, junk[junk_index], pulse)
                junk_index += 1
                pulse = 0
            while not await self._cycle(1, byte, pulse):
                pulse = 0
            pulse = 0
            self.bytes_sent += 1
        self.idle()


class StreamMonitor:
    """Samples the DUT once per clock, in ReadOnly after each rising edge, and hands a Sample to a callback."""

    def __init__(self, dut: Dut, callback: Callable[[Sample], None]) -> None:
        self._dut = dut
        self._callback = callback
        self._task: Task[None] | None = None

    def start(self) -> None:
        """Start sampling in the background."""
        self._task = cocotb.start_soon(self._run())

    async def _run(self) -> None:
        dut = self._dut
        clk = dut.clk
        signals = (dut.crc, dut.crc_ok, dut.byte_count, dut.s_ready, dut.rst, dut.clear)
        s_valid, s_data = dut.s_valid, dut.s_data
        callback = self._callback
        cycle = 0
        while True:
            await RisingEdge(clk)
            await ReadOnly()
            cycle += 1
            valid = _read(s_valid)
            data = _read(s_data) if valid != 0 else 0  # s_data is don't-care while s_valid is low
            callback(Sample(cycle, *(_read(signal) for signal in signals), valid, data))


class Crc16Checker:
    """Scoreboard: steps the golden model with each sample's handshake and compares the next sample's outputs."""

    def __init__(self, log: Logger) -> None:
        self.model = Crc16Model()
        self._log = log
        self._pending: Sample | None = None
        self.errors: list[str] = []
        self.error_count = 0
        self.cycles_checked = 0
        self.bytes_checked = 0
        self.crc_ok_cycles = 0

    def observe(self, sample: Sample) -> None:
        """Check one sample against the model, then remember its inputs for the next edge."""
        pending = self._pending
        if pending is not None:
            if None in (pending.rst, pending.clear, pending.s_valid):
                if self.model.known:
                    self._error(sample.cycle, "rst, clear or s_valid is X")
                self.model.known = False  # no model until the next reset
            else:
                taken = bool(pending.s_valid) and self.model.s_ready and not pending.rst
                if taken and pending.s_data is None:
                    self._error(sample.cycle, "s_data is X on a taken byte")
                self.model.step(bool(pending.rst), bool(pending.clear), bool(pending.s_valid), pending.s_data or 0)
                self.bytes_checked += taken
        if self.model.known:
            self._compare(sample)
        self._pending = sample

    def _compare(self, sample: Sample) -> None:
        model = self.model
        expected = {
            "crc": model.crc,
            "crc_ok": int(model.crc_ok),
            "byte_count": model.byte_count,
            "s_ready": int(model.s_ready),
        }
        for name, want in expected.items():
            got = getattr(sample, name)
            if got != want:
                shown = "X" if got is None else hex(got)
                self._error(sample.cycle, f"{name} = {shown}, model says {want:#x} after {len(model.message)} B")
        self.cycles_checked += 1
        self.crc_ok_cycles += model.crc_ok

    def _error(self, cycle: int, text: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(f"cycle {cycle}: {text}")
            self._log.error("checker: cycle %d: %s", cycle, text)


class Crc16Testbench:
    """Wires clock, driver, monitor, model and checker around one crc16_ccitt instance."""

    def __init__(self, dut: Dut) -> None:
        self.dut = dut
        self.log: Logger = dut._log
        self.seed = cocotb.RANDOM_SEED
        self.rng = np.random.default_rng(self.seed)
        self.driver = StreamDriver(dut, self.rng)
        self.checker = Crc16Checker(self.log)
        self.monitor = StreamMonitor(dut, self.checker.observe)

    async def start(self) -> None:
        """Start the clock and the monitor, then reset the DUT."""
        self.log.info("traffic seed %d (derived from COCOTB_RANDOM_SEED and the test name)", self.seed)
        self.driver.idle()
        self.dut.rst.value = 1
        Clock(self.dut.clk, CLOCK_PERIOD_NS, unit="ns", impl="gpi").start()
        self.monitor.start()
        await self.reset()

    async def reset(self, cycles: int = 2) -> None:
        """Hold rst high for ``cycles`` rising edges; returns in a writable phase with rst low."""
        self.dut.rst.value = 1
        await ClockCycles(self.dut.clk, cycles)
        self.dut.rst.value = 0

    async def outputs(self) -> Outputs:
        """Read the outputs as they stand after the latest edge; costs one clock (returns after the next edge)."""
        await ReadOnly()
        dut = self.dut
        values = Outputs(int(dut.crc.value), bool(dut.crc_ok.value), int(dut.byte_count.value), bool(dut.s_ready.value))
        await RisingEdge(dut.clk)
        return values

    async def expect(self, message: bytes | bytearray, what: str) -> Outputs:
        """Check the outputs against the golden CRC of ``message`` (the bytes since the last clear/reset)."""
        out = await self.outputs()
        want_crc = crc16(bytes(message))
        assert out.crc == want_crc, f"{what}: crc {out.crc:#06x}, golden {want_crc:#06x} over {len(message)} B"
        assert out.crc_ok == (want_crc == 0), f"{what}: crc_ok {out.crc_ok} with crc {out.crc:#06x}"
        assert out.byte_count == len(message) & COUNT_MASK, f"{what}: byte_count {out.byte_count}, sent {len(message)}"
        return out

    def finish(self) -> None:
        """Fail the test if the cycle checker saw a mismatch or checked nothing; log its figures."""
        checker = self.checker
        self.log.info(
            "checker: %d cycles, %d bytes, %d cycles with crc_ok, %d mismatches",
            checker.cycles_checked,
            checker.bytes_checked,
            checker.crc_ok_cycles,
            checker.error_count,
        )
        first = "; ".join(checker.errors[:5])
        assert checker.error_count == 0, f"{checker.error_count} cycle mismatches, first: {first}"
        assert checker.cycles_checked > 0, "the checker compared no cycles"


def random_message(rng: np.random.Generator) -> bytes:
    """Random bytes; the length is uniform in 0..MAX_MESSAGE_LEN or, half of the time, in 0..SHORT_MESSAGE_LEN."""
    max_len = MAX_MESSAGE_LEN if rng.random() < 0.5 else SHORT_MESSAGE_LEN
    return rng.bytes(int(rng.integers(0, max_len + 1)))


def with_crc(message: bytes) -> bytes:
    """The message followed by its CRC-16, most significant byte first, as on the wire."""
    return message + crc16(message).to_bytes(2, "big")


def flip_bit(data: bytes, rng: np.random.Generator) -> bytes:
    """``data`` with one random bit inverted."""
    position = int(rng.integers(len(data) * 8))
    corrupted = bytearray(data)
    corrupted[position // 8] ^= 0x80 >> (position % 8)
    return bytes(corrupted)


@cocotb.test(timeout_time=1, timeout_unit="ms")
async def reference_vector(dut: Dut) -> None:
    """The check value: b"123456789" gives 0x29B1; appending it makes crc_ok go high."""
    tb = Crc16Testbench(dut)
    await tb.start()
    assert crc16(REFERENCE) == REFERENCE_CRC, "golden model disagrees with the CRC-16/CCITT-FALSE check value"
    out = await tb.expect(b"", "right after reset")
    assert out.crc == CRC16_INIT and not out.s_ready, f"right after reset: {out}"
    out = await tb.expect(b"", "one clock after reset")
    assert out.s_ready, "s_ready still low one clock after reset"
    await tb.driver.send(REFERENCE, clear=True)
    out = await tb.expect(REFERENCE, "reference vector")
    assert out.crc == REFERENCE_CRC and not out.crc_ok and out.byte_count == len(REFERENCE)
    await tb.driver.send(REFERENCE_CRC.to_bytes(2, "big"))
    out = await tb.expect(with_crc(REFERENCE), "reference vector + its CRC")
    assert out.crc_ok and out.crc == 0 and out.byte_count == len(REFERENCE) + 2
    tb.finish()


@cocotb.test(timeout_time=100, timeout_unit="ms")
async def random_messages(dut: Dut) -> None:
    """Thousands of random messages with random valid gaps: plain, followed by their CRC, or with a flipped bit."""
    tb = Crc16Testbench(dut)
    await tb.start()
    rng = tb.rng
    kinds = {"plain": 0, "with_crc": 0, "flipped": 0}
    for index in range(RANDOM_MESSAGES):
        message = random_message(rng)
        kind = ("plain", "with_crc", "flipped")[int(rng.integers(3))]
        if kind == "with_crc":
            message = with_crc(message)
        elif kind == "flipped":
            message = flip_bit(with_crc(message), rng)
        kinds[kind] += 1
        await tb.driver.send(message, clear=True, gap_probability=float(rng.choice((0.0, 0.2, 0.6))))
        out = await tb.expect(message, f"message {index} ({kind}, {len(message)} B)")
        if kind == "with_crc":
            assert out.crc_ok, f"message {index}: crc_ok stayed low after the message's own CRC"
        elif kind == "flipped":
            assert not out.crc_ok, f"message {index}: crc_ok went high with a flipped bit"
    tb.log.info("messages: %s, %d bytes driven", kinds, tb.driver.bytes_sent)
    tb.finish()


@cocotb.test(timeout_time=10, timeout_unit="ms")
async def clear_mid_stream(dut: Dut) -> None:
    """A clear pulse in the middle of a running stream restarts the CRC and the count at that byte."""
    tb = Crc16Testbench(dut)
    await tb.start()
    rng = tb.rng
    for index in range(100):
        message = rng.bytes(int(rng.integers(2, MAX_MESSAGE_LEN + 1)))
        cut = int(rng.integers(1, len(message)))
        gap_probability = float(rng.choice((0.0, 0.3)))
        await tb.driver.send(message[:cut], clear=True, gap_probability=gap_probability)
        await tb.driver.send(message[cut:], clear=True, gap_probability=gap_probability)  # back to back
        await tb.expect(message[cut:], f"round {index}: clear after {cut} of {len(message)} B")
    tb.finish()


@cocotb.test(timeout_time=10, timeout_unit="ms")
async def reset_mid_stream(dut: Dut) -> None:
    """A reset while bytes flow discards them, drops s_ready, and the stream resumes cleanly afterwards."""
    tb = Crc16Testbench(dut)
    await tb.start()
    rng = tb.rng
    clk = dut.clk
    discarded = 0
    for index in range(30):
        message = rng.bytes(int(rng.integers(8, 120)))
        sending = cocotb.start_soon(tb.driver.send(message, clear=True, gap_probability=0.2))
        await ClockCycles(clk, int(rng.integers(2, len(message))))
        await tb.reset(int(rng.integers(1, 4)))
        out = await tb.outputs()
        assert (out.crc, out.byte_count, out.crc_ok, out.s_ready) == (CRC16_INIT, 0, False, False), (
            f"round {index}: state after reset is {out}"
        )
        await sending
        await tb.outputs()  # lets the monitor see the last taken byte
        resumed = bytes(tb.checker.model.message)
        assert message.endswith(resumed), (
            f"round {index}: after reset the DUT took {len(resumed)} B that are not a tail of the message"
        )
        await tb.expect(resumed, f"round {index}: bytes after reset")
        discarded += len(message) - len(resumed)
        tail = with_crc(rng.bytes(int(rng.integers(0, 40))))
        await tb.driver.send(tail, clear=True, gap_probability=0.2)
        out = await tb.expect(tail, f"round {index}: message after reset")
        assert out.crc_ok, f"round {index}: crc_ok low for a message with its CRC after reset"
    assert discarded > 0, "no reset hit a byte in flight"
    tb.log.info("reset discarded %d bytes in 30 rounds", discarded)
    tb.finish()


@cocotb.test(timeout_time=1, timeout_unit="ms")
async def byte_count_wraps(dut: Dut) -> None:
    """byte_count is 32 bits wide and wraps to zero; clear still resets it."""
    tb = Crc16Testbench(dut)
    await tb.start()
    await tb.outputs()  # one clock with rst low, so the preset is not undone by the reset edge
    start = COUNT_MASK - 1
    dut.byte_count.value = start  # preset the register rather than simulate 4 Gi bytes
    tb.checker.model.byte_count = start
    await RisingEdge(dut.clk)
    await tb.driver.send(b"\x01\x02\x03")
    out = await tb.outputs()
    assert out.byte_count == 1, f"byte_count {out.byte_count:#x} after 3 bytes from {start:#x}"
    await tb.driver.send(b"\x04", clear=True)
    out = await tb.expect(b"\x04", "clear after wrap")
    tb.finish()
