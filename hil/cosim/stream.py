"""cocotb stream ends for RTL in the loop: a byte driver fed from a queue, a packet collector for m_* streams.

They speak the valid/ready convention of hil/rtl (see hil/rtl/README.md): a byte moves at a rising edge where
valid and ready are both high. Each runs in one cocotb coroutine that sleeps while there is nothing to do.
"""

from __future__ import annotations

from typing import Any

import cocotb
from cocotb.task import Task
from cocotb.triggers import Event, RisingEdge

Signal = Any  # a cocotb signal handle


class ByteDriver:
    """Drives ``s_data``/``s_valid`` with the octets pushed to it, each held until ``s_ready`` takes it.

    Wakes once per octet while it has octets and sleeps (``s_valid`` low) while its queue is empty; a byte
    offered at an edge where ``rst`` is high is offered again.
    """

    def __init__(self, clk: Signal, s_data: Signal, s_valid: Signal, s_ready: Signal,
                 rst: Signal | None = None) -> None:
        self._clk, self._s_data, self._s_valid, self._s_ready, self._rst = clk, s_data, s_valid, s_ready, rst
        self._queue = bytearray()
        self._at = 0  # next octet of _queue to offer
        self._wake = Event()
        self._offering = False
        self._task: Task[None] | None = None
        self.octets_taken = 0
        self.stalls = 0
        """Edges at which an offered octet was not taken (s_ready low)."""

    def start(self) -> None:
        """Drive an idle bus and start the coroutine."""
        self._s_valid.value = 0
        self._task = cocotb.start_soon(self._run())

    def push(self, octets: bytes) -> bool:
        """Queue octets for the block (the bench side calls this); True: queued (the queue is unbounded)."""
        if octets:
            self._queue += octets
            self._wake.set()
        return True

    @property
    def queued(self) -> int:
        """Octets pushed and not taken yet (one being offered included)."""
        return len(self._queue) - self._at

    @property
    def busy(self) -> bool:
        """True while octets wait or one is being offered."""
        return self._offering or self._at < len(self._queue)

    async def _run(self) -> None:
        edge = RisingEdge(self._clk)
        s_data, s_valid, s_ready, rst = self._s_data, self._s_valid, self._s_ready, self._rst
        while True:
            queue = self._queue
            if self._at >= len(queue):
                del queue[:]
                self._at = 0
                s_valid.value = 0
                self._offering = False
                self._wake.clear()
                await self._wake.wait()
                continue
            self._offering = True
            s_data.value = queue[self._at]
            s_valid.value = 1
            while True:
                await edge  # the values read now are those the block saw at this edge
                if s_ready.value == 1 and (rst is None or rst.value == 0):
                    break
                self.stalls += 1
            self._at += 1
            self.octets_taken += 1


class PacketCollector:
    """Takes every octet a block offers on its ``m_*`` stream (``m_ready`` held high) and assembles packets.

    A packet runs from an octet with ``m_first`` to one with ``m_last``; ``end``, when given, is sampled with
    ``m_last`` (e.g. the CLTU decoder's ``m_end``). Wakes once per octet and sleeps while ``m_valid`` is low.
    Finished packets wait in ``take()``; an octet outside a packet is counted in ``stray_octets``.
    """

    def __init__(self, clk: Signal, m_data: Signal, m_valid: Signal, m_ready: Signal, m_first: Signal,
                 m_last: Signal, end: Signal | None = None) -> None:
        self._clk, self._m_data, self._m_valid, self._m_ready = clk, m_data, m_valid, m_ready
        self._m_first, self._m_last, self._end = m_first, m_last, end
        self._done: list[tuple[bytes, int | None]] = []
        self._current: bytearray | None = None
        self._task: Task[None] | None = None
        self.packets = 0
        self.octets = 0
        self.stray_octets = 0

    def start(self) -> None:
        """Hold m_ready high and start the coroutine."""
        self._m_ready.value = 1
        self._task = cocotb.start_soon(self._run())

    def take(self) -> list[tuple[bytes, int | None]]:
        """The packets finished since the last call, oldest first, each with its ``end`` value (or None)."""
        done, self._done = self._done, []
        return done

    @property
    def busy(self) -> bool:
        """True while a packet is partly out (or finished and not taken)."""
        return self._current is not None or bool(self._done)

    async def _run(self) -> None:
        edge, rise = RisingEdge(self._clk), RisingEdge(self._m_valid)
        m_data, m_valid, m_first, m_last, end = self._m_data, self._m_valid, self._m_first, self._m_last, self._end
        while True:
            await edge  # the values read now are those the block saw at this edge (m_ready is high)
            if m_valid.value != 1:
                await rise  # fires in the time step of the edge that raises it; take the octet at the next edge
                continue
            self.octets += 1
            if m_first.value == 1:
                if self._current is not None:
                    self.stray_octets += len(self._current)
                self._current = bytearray()
            elif self._current is None:
                self.stray_octets += 1
                continue
            self._current.append(int(m_data.value))
            if m_last.value == 1:
                self._done.append((bytes(self._current), None if end is None else int(end.value)))
                self._current = None
                self.packets += 1
