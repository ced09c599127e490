"""Give a pyserial port without a usable fd (``loop://``, ``rfc2217://``, ``spy://``, Windows COM) a real one.

A reader thread moves what the port receives into a pipe whose read end the driver selects on; a writer
thread feeds the port from a bounded queue, so ``write()`` never blocks. When either thread hits an error the
pipe reaches end of file, which is how the port learns the device is gone.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
from collections import deque

import serial

from hil.ports.base import READ_CHUNK, drain

POLL_S = 0.05
"""How long the reader waits on the port before checking whether it should stop."""
JOIN_S = 1.0
QUEUE_LIMIT = 65536
"""Octets written but not yet taken by the port; a ``write()`` that would exceed this is refused."""


class Pump:
    """Two daemon threads between a pyserial port and the driver: received octets in a pipe, writes queued."""

    def __init__(self, port: serial.SerialBase, label: str, limit: int = QUEUE_LIMIT) -> None:
        self.port = port
        self.error = ""
        """Why the pump stopped by itself ("" while it runs)."""
        self._limit = limit
        self._read_end, self._write_end = os.pipe()
        os.set_blocking(self._read_end, False)
        os.set_blocking(self._write_end, False)
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self._queue: deque[bytes] = deque()
        self._queued = 0
        self._writer = threading.Thread(target=self._write_loop, name=f"{label} writer", daemon=True)
        self._reader = threading.Thread(target=self._read_loop, name=f"{label} reader", daemon=True)
        self._writer.start()
        self._reader.start()

    def fileno(self) -> int:
        """The pipe's read end: readable when octets arrived or the pump stopped."""
        return self._read_end

    def read(self) -> tuple[bytes, bool]:
        """The octets waiting in the pipe and whether the pump is still running."""
        data, gone = drain(lambda size: os.read(self._read_end, size))
        return data, gone is None

    def write(self, octets: bytes) -> bool:
        """Queue ``octets`` for the port; False if the queue is full or the pump stopped."""
        with self._wake:
            if self._stop.is_set() or self._queued + len(octets) > self._limit:
                return False
            self._queue.append(octets)
            self._queued += len(octets)
            self._wake.notify()
        return True

    def stop(self) -> int:
        """Ask both threads to stop (without waiting); the count of queued octets that will never be written."""
        self._stop.set()
        with self._wake:
            self._wake.notify_all()
            unsent = self._queued
        with contextlib.suppress(Exception):
            self.port.cancel_write()
        return unsent

    def close(self) -> None:
        """Stop both threads, wait for them (at most JOIN_S each), then close the port and the pipe."""
        self.stop()
        self._writer.join(JOIN_S)
        self._reader.join(JOIN_S)
        with contextlib.suppress(Exception):
            self.port.close()
        with contextlib.suppress(OSError):
            os.close(self._read_end)

    def _fail(self, exc: BaseException) -> None:
        if not self.error:
            self.error = str(exc) or type(exc).__name__
        self._stop.set()
        with self._wake:
            self._wake.notify_all()

    def _write_loop(self) -> None:
        try:
            while True:
                with self._wake:
                    while not self._queue and not self._stop.is_set():
                        self._wake.wait()
                    if self._stop.is_set():
                        return
                    chunk = self._queue[0]
                self.port.write(chunk)
                with self._wake:
                    self._queue.popleft()
                    self._queued -= len(chunk)
        except Exception as exc:  # the thread's edge: any failure means the device is gone
            self._fail(exc)

    def _read_loop(self) -> None:
        try:
            self.port.timeout = POLL_S
            # once stopping, keep draining the port until the writer is done, so a full loopback cannot wedge it
            while not (self._stop.is_set() and not self._writer.is_alive()):
                data = self.port.read(1)
                waiting = self.port.in_waiting if data else 0
                if waiting:
                    data += self.port.read(min(waiting, READ_CHUNK))
                if data and not self._stop.is_set():
                    self._deliver(data)
        except Exception as exc:  # the thread's edge: any failure means the device is gone
            self._fail(exc)
        finally:
            os.close(self._write_end)

    def _deliver(self, data: bytes) -> None:
        """Into the pipe, waiting while it is full (the driver is busy), discarding once stopping."""
        view = memoryview(data)
        while view and not self._stop.is_set():
            try:
                view = view[os.write(self._write_end, view):]
            except BlockingIOError:
                select.select([], [self._write_end], [], POLL_S)
