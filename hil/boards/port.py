"""A QEMU board as a duplex port: its link UART carries the bench's frames, its log UART is kept, its exit noticed."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from hil.boards.errors import BoardError
from hil.boards.log import BoardLog
from hil.boards.process import QemuProcess, describe_status
from hil.ports.base import OnChange, PortBase, describe, drain

LOG_WAIT_S = 1.0
"""How long a board's exit waits for the last lines of its log before it is reported."""
QUOTED_LINES = 3
"""Log lines quoted when a board exits."""

Ended = Callable[[str], None]
Failed = Callable[[BoardError], None]


class QemuPort(PortBase):
    """QEMU started now with UART ``uart`` as this port and UART ``log`` (None: none) as the board's log.

    Up from the start (QEMU is connected before its guest runs) until QEMU exits; it never comes back. The
    session calls ``supervise`` to hear of the log's end line (the run is done) and of QEMU exiting on its own.
    """

    kind = "qemu"

    def __init__(self, url: str, name: str, on_change: OnChange | None = None, *, machine: str, kernel: Path,
                 uart: int, log: int | None, end: str = "", passing: str = "",
                 extra: tuple[str, ...] = ()) -> None:
        super().__init__(url, name, on_change)
        wired = (uart,) if log is None else (uart, log)
        self.process = QemuProcess(machine, kernel, wired, extra)
        self.endpoint = f"QEMU {machine} pid {self.process.pid}, UART{uart}"
        self._sock = self.process.sockets[uart]
        self.board_log = None if log is None else BoardLog(self.process.sockets.pop(log), name, end)
        self.passing = passing
        """The board's end line must start with this for the run to pass ("": any will do)."""
        self._failed: Failed | None = None
        self._failure: BoardError | None = None
        self._lock = threading.Lock()
        self.process.on_exit = self._exited
        self._went_up(f"QEMU {machine} started (pid {self.process.pid})")

    @property
    def log_line(self) -> str:
        """The board's latest log line, for the status line ("" without a log)."""
        return self.board_log.last_line if self.board_log is not None else ""

    def supervise(self, ended: Ended, failed: Failed) -> None:
        """Call ``ended(line)`` at the log's end line, ``failed(error)`` if QEMU exits before it (at once if done)."""
        with self._lock:
            self._failed = failed
            failure = self._failure
        if failure is not None:
            failed(failure)
        if self.board_log is not None:
            self.board_log.on_end = ended
            if self.board_log.end_line is not None:
                ended(self.board_log.end_line)

    def fileno(self) -> int | None:
        """The link UART's socket while QEMU is there."""
        return self._sock.fileno() if self.up else None

    def service(self) -> bytes:
        """Read what the board sent; QEMU closing the UART takes the port down for good."""
        if not self.up:
            return b""
        data, gone = drain(self._sock.recv)
        self.stats.octets_in += len(data)
        if gone is not None:
            self._lose("QEMU closed the UART" if isinstance(gone, EOFError) else f"UART: {describe(gone)}")
        self._service_tail()
        return data

    def _send(self, octets: bytes) -> int:
        return self._sock.send(octets)

    def _lose(self, reason: str) -> None:
        self._went_down(reason)

    def _exited(self, code: int) -> None:
        """QEMU exited on its own (called from its reaper thread)."""
        log = self.board_log
        if log is not None:
            log.wait_closed(LOG_WAIT_S)
            if log.end_line is not None:
                return  # the board had finished; the session is ending the run already
        parts = [f"QEMU exited ({describe_status(code)}) while the bench still needed it"]
        if log is not None and log.last_lines:
            parts.append("last log lines: " + " / ".join(list(log.last_lines)[-QUOTED_LINES:]))
        stderr = self.process.stderr_tail()
        if stderr:
            parts.append(f"stderr: {stderr}")
        failure = BoardError(f"{self.name} ({self.url}): {'; '.join(parts)}")
        with self._lock:
            self._failure = failure
            failed = self._failed
        if failed is not None:
            failed(failure)

    def _release(self) -> None:
        self.process.stop()
        if self.board_log is not None:
            self.board_log.close()
        self._sock.close()
