"""RTL in the loop: a bench link whose receive side runs through a Verilog block under cocotb, on one clock.

``RtlLink`` takes the place of a port's deframer: the octets the link delivers to that port go to the RTL
block's ``s_*`` input instead of the Python deframer, and the packets the block puts on its ``m_*`` output go to
the port's handler (the device model). ``RtlLoop`` runs the bench inside a cocotb test: it starts the RTL clock
with a period of ``bench period / clocks_per_cycle`` and advances the bench's scheduler one cycle per
``clocks_per_cycle`` RTL clocks, so simulation time and virtual time run together (one clock). Nothing in
``firmware_sim`` changes: the bench is built as usual and one port is spliced afterwards.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge, Timer
from cocotb.utils import get_sim_steps, get_sim_time

from firmware_sim.bench import Bench
from firmware_sim.engine.external import ExternalPort, Outlet
from firmware_sim.engine.link import Port
from firmware_sim.errors import ConfigurationError
from hil.cosim.stream import ByteDriver, PacketCollector
from protocols.framing import DeframeResult, DeframerStats

Dut = Any  # a cocotb toplevel handle; its signals are attributes looked up by name
Signal = Any


class RtlLink:
    """The receive path of one bench port through an RTL block: the block stands in for the port's deframer.

    It answers the deframer calls the port makes (``feed``, ``flush``, ``expire``, ``reset``, ``stats``, ``buffered``):
    ``feed`` hands the octets to ``outlet`` (the loop's byte driver) and returns no packets; the loop calls
    ``deliver`` with each packet the block outputs, at the bench cycle it is complete, and ``deliver`` passes
    it to the port's handler as the Python deframer would have. ``stats`` counts octets in and packets
    delivered; the block's own counters say what it skipped.
    """

    def __init__(self, port: Port) -> None:
        if isinstance(port, ExternalPort):
            raise ConfigurationError(f"port {port.name}: an external port has no model behind it to feed")
        self.port = port
        self.name = port.name
        self.stats = DeframerStats()
        self.outlet: Outlet | None = None
        """Where octets for the block go (set by ``RtlLoop.connect``); returns False when it cannot take them."""
        self.octets_injected = 0
        self.octets_dropped = 0
        """Octets that arrived while no loop was connected (or that the outlet refused)."""
        self._python_deframer = port.deframer

    @classmethod
    def splice(cls, port: Port) -> RtlLink:
        """Put an RTL block on ``port``'s receive path; ``unsplice()`` gives the port its Python deframer back."""
        link = cls(port)
        port.deframer = link  # the port calls feed() for every frame the link delivers
        return link

    def unsplice(self) -> None:
        """Restore the port's own deframer."""
        self.port.deframer = self._python_deframer

    def feed(self, data: bytes) -> DeframeResult:
        """A frame's octets arrive from the link: on to the RTL block (its packets come back through ``deliver``)."""
        self.stats.octets_in += len(data)
        self._out(bytes(data))
        return DeframeResult([], [])

    def feed_frame(self, data: bytes) -> bytes | None:
        """Always None: every frame goes to the RTL block through ``feed``."""
        return None

    def inject(self, octets: bytes) -> None:
        """Octets from outside the link (line noise, a second talker) straight into the block's input."""
        self.octets_injected += len(octets)
        self._out(bytes(octets))

    def deliver(self, packet: bytes) -> None:
        """A packet from the block: hand it to the port's handler, as the port does with deframed packets."""
        port = self.port
        port.stats.packets_in += 1
        self.stats.packets += 1
        handler = port.handler
        if handler is not None:
            handler(packet)

    def flush(self) -> DeframeResult:
        """No end of stream in hardware: nothing to give up."""
        return DeframeResult([], [])

    def expire(self) -> DeframeResult:
        """The block keeps its own timeouts (none): nothing to give up here."""
        return DeframeResult([], [])

    def reset(self) -> None:
        """Zero the counters kept here (the block has its own reset)."""
        self.stats.clear()
        self.octets_injected = self.octets_dropped = 0

    @property
    def buffered(self) -> int:
        """Octets held here: none (they wait in the loop's driver or in the block)."""
        return 0

    def _out(self, octets: bytes) -> None:
        outlet = self.outlet
        if outlet is None or not outlet(octets):
            self.octets_dropped += len(octets)


def splice_device_link(bench: Bench, device: str) -> RtlLink:
    """Send what flight software sends to ``device`` through an RTL block: splices the device end of its link."""
    link = bench.links.get(device)
    if link is None:
        raise ConfigurationError(f"no link to {device!r}; links: {', '.join(bench.links)}")
    return RtlLink.splice(link.b)


@dataclass
class _End:
    """One RTL block in the loop: the bench link it serves, its stream ends and its idle output."""

    link: RtlLink
    driver: ByteDriver
    collector: PacketCollector
    idle: Signal | None
    m_valid: Signal
    deliver: Callable[[bytes, int | None], None]
    counters: dict[str, Signal]


@dataclass
class LoopFigures:
    """What a loop run cost: virtual time, RTL clocks, bench steps and wall time."""

    virtual_s: float = 0.0
    rtl_clocks: int = 0
    bench_steps: int = 0
    wall_s: float = 0.0

    @property
    def clocks_per_s(self) -> float:
        """RTL clocks per wall second."""
        return self.rtl_clocks / self.wall_s if self.wall_s else 0.0

    @property
    def speed(self) -> float:
        """Virtual seconds per wall second."""
        return self.virtual_s / self.wall_s if self.wall_s else 0.0


class RtlLoop:
    """Runs a bench inside a cocotb test, one bench cycle per ``clocks_per_cycle`` RTL clocks.

    The RTL clock period is the bench's cycle period divided by ``clocks_per_cycle`` (1 kHz bench and 100:
    10 µs, a 100 kHz RTL clock), so simulation time minus ``offset_ns`` is the bench's virtual time. The bench
    runs its cycle *k* half an RTL clock after the rising edge that starts it: octets the bench hands to a
    block then are offered at the next rising edge, and a packet a block finishes at an edge in cycle *k*
    reaches the bench at cycle *k* + 1 (a link's delivery rounds up to a whole cycle the same way).

    ``skip_idle``: while every block is idle (its ``idle`` output high, nothing on its output, no octet
    waiting), the bench jumps straight to its next due cycle instead of stepping each one; the RTL clock keeps
    running, so the RTL sees the same clocks. ``gate_clock`` also stops the RTL clock for those spans (a
    clock-gated block: much faster, and the same behaviour for blocks that hold no timers; the clocks skipped
    are not counted). Everything is deterministic: the same bench seed gives the same run.
    """

    def __init__(self, bench: Bench, clk: Signal, clocks_per_cycle: int = 100, *, skip_idle: bool = True,
                 gate_clock: bool = False) -> None:
        period_ns = bench.clock.period_ns
        if clocks_per_cycle < 2 or period_ns % clocks_per_cycle or (period_ns // clocks_per_cycle) % 2:
            raise ConfigurationError(f"clocks_per_cycle={clocks_per_cycle}: the bench period ({period_ns} ns) must "
                                     "divide into that many RTL clocks of an even number of ns")
        self.bench = bench
        self.scheduler = bench.scheduler
        self.clk = clk
        self.clocks_per_cycle = clocks_per_cycle
        self.clock_period_ns = period_ns // clocks_per_cycle
        self.skip_idle = skip_idle or gate_clock
        self.gate_clock = gate_clock
        self.offset_ns = 0
        """Simulation time minus virtual time (fixed when the loop starts)."""
        self.figures = LoopFigures()
        self._ends: list[_End] = []
        self._clock: Clock | None = None
        self._step_ns = period_ns
        self._half_steps = get_sim_steps(self.clock_period_ns // 2, "ns")
        self._period_steps = get_sim_steps(period_ns, "ns")
        self._anchor_steps = 0  # simulation time (steps) of the bench step of cycle _anchor_cycle
        self._anchor_cycle = 0
        self._clock_since = 0  # simulation time (steps) the RTL clock last started
        self._started = False

    # wiring ----------------------------------------------------------------------------------------------
    def connect(self, link: RtlLink, dut: Dut, *, prefix: str = "", rst: str | None = "rst", idle: str | None = "idle",
                end: str | None = None, deliver: Callable[[bytes, int | None], None] | None = None,
                counters: Mapping[str, str] | None = None) -> None:
        """Feed ``link``'s octets to the block's ``s_*`` input and its ``m_*`` packets back to ``link``.

        Stream signal names follow hil/rtl: ``<prefix>s_data`` … ``<prefix>m_last``; the other names are full
        signal names: ``rst`` the reset (a byte offered at a reset edge is offered again), ``idle`` an output
        saying the block waits for input (None if it has none: no idle skipping), ``end`` a status sampled with
        ``m_last``. ``deliver(packet, end)`` replaces ``link.deliver``. ``counters``
        maps ``link.stats`` fields to block outputs copied there at every bench step (e.g. ``{"octets_skipped":
        "skipped_bytes"}``: the bench's link summary then shows what the RTL skipped).
        """
        def signal(name: str) -> Signal:
            return getattr(dut, prefix + name)

        driver = ByteDriver(self.clk, signal("s_data"), signal("s_valid"), signal("s_ready"),
                            getattr(dut, rst) if rst else None)
        collector = PacketCollector(self.clk, signal("m_data"), signal("m_valid"), signal("m_ready"), signal("m_first"),
                                    signal("m_last"), getattr(dut, end) if end else None)
        link.outlet = driver.push
        self._ends.append(_End(link, driver, collector, getattr(dut, idle) if idle else None, signal("m_valid"),
                               deliver or (lambda packet, _end: link.deliver(packet)),
                               {field: getattr(dut, name) for field, name in (counters or {}).items()}))
        if self._started:
            driver.start()
            collector.start()

    # running ---------------------------------------------------------------------------------------------
    async def start(self, rst: Signal | None = None, reset_clocks: int = 2) -> None:
        """Start the RTL clock, reset the blocks (``rst`` high for ``reset_clocks`` edges), start the stream ends.

        The bench's current cycle then runs half a clock after the next rising edge; from there on the two
        advance together.
        """
        if reset_clocks >= self.clocks_per_cycle:
            raise ConfigurationError(f"reset_clocks={reset_clocks}: must be fewer than clocks_per_cycle")
        self._start_clock()
        if rst is not None:
            rst.value = 1
            await ClockCycles(self.clk, reset_clocks)
            rst.value = 0
        await RisingEdge(self.clk)
        for end in self._ends:
            end.driver.start()
            end.collector.start()
        self._started = True
        await Timer(self._half_steps, "step")
        now = get_sim_time("step")
        self._anchor_steps, self._anchor_cycle = now, self.scheduler.cycle
        self.offset_ns = int(get_sim_time("ns")) - self.scheduler.now_ns
        self._step(self.scheduler.cycle)

    async def run(self, seconds: float | None = None, until: Callable[[], bool] | None = None) -> bool:
        """Advance by ``seconds`` of virtual time and/or until ``until()`` holds; True if the predicate came true.

        Without either, runs until nothing is left to do (no bench event due, every block idle); returns False.
        """
        if not self._started:
            raise ConfigurationError("RtlLoop.run: call start() first")
        scheduler = self.scheduler
        end = None if seconds is None else scheduler.cycle + self.bench.clock.cycles(seconds)
        wall0 = time.perf_counter()
        cycle0 = scheduler.cycle
        try:
            while True:
                if until is not None and until():
                    return True
                if end is not None and scheduler.cycle >= end:
                    return until is None
                target = scheduler.cycle + 1
                if self.skip_idle and self._quiet():
                    due = scheduler.next_due
                    if due is None and end is None:
                        return False
                    target = max(target, end if due is None else due if end is None else min(due, end))
                await self._advance_to(target)
                self._step(target)
        finally:
            self.figures.wall_s += time.perf_counter() - wall0
            self.figures.virtual_s += (scheduler.cycle - cycle0) * self._step_ns / 1e9
            self._count_clocks()

    # internals -------------------------------------------------------------------------------------------
    def _start_clock(self) -> None:
        self._clock = Clock(self.clk, self.clock_period_ns, "ns", impl="gpi")  # toggled in C: no Python per edge
        self._clock.start(start_high=True)  # a rising edge now
        self._clock_since = get_sim_time("step")

    def _count_clocks(self) -> None:
        if self._clock is not None:
            now = get_sim_time("step")
            self.figures.rtl_clocks += (now - self._clock_since) // (2 * self._half_steps)
            self._clock_since = now

    def _step_time(self, cycle: int) -> int:
        return self._anchor_steps + (cycle - self._anchor_cycle) * self._period_steps

    async def _advance_to(self, cycle: int) -> None:
        """Let simulation time reach the bench step of ``cycle`` (gated: without clocking the idle span)."""
        when = self._step_time(cycle)
        now = get_sim_time("step")
        if when <= now:
            return  # the caller awaited something else meanwhile: catch up at once
        if self.gate_clock and cycle > self.scheduler.cycle + 1 and self._clock is not None:
            self._count_clocks()
            self._clock.stop()
            self._clock = None
            self.clk.value = 0
            await Timer(when - self._half_steps - now, "step")
            self._start_clock()
            await Timer(self._half_steps, "step")
            return
        await Timer(when - now, "step")

    def _step(self, cycle: int) -> None:
        """Bench cycle ``cycle``: packets the blocks finished since the last step, then everything due."""
        scheduler = self.scheduler
        for end in self._ends:
            for packet, status in end.collector.take():
                scheduler.call_at(cycle, _Delivery(end.deliver, status), packet)
            for field, signal in end.counters.items():
                setattr(end.link.stats, field, int(signal.value))
        scheduler.run(until_cycle=cycle)
        self.figures.bench_steps += 1

    def _quiet(self) -> bool:
        """Every block waits for input: nothing queued for it, nothing on or half through its output."""
        for end in self._ends:
            if end.idle is None or end.driver.busy or end.collector.busy:
                return False
            if end.idle.value != 1 or end.m_valid.value != 0:
                return False
        return True


class _Delivery:
    """A scheduled hand-over of one packet (a small callable: the scheduler passes the packet)."""

    __slots__ = ("_deliver", "_status")

    def __init__(self, deliver: Callable[[bytes, int | None], None], status: int | None) -> None:
        self._deliver, self._status = deliver, status

    def __call__(self, packet: bytes) -> None:
        self._deliver(packet, self._status)
