"""A board's log UART: read on a thread, split into lines, kept (last lines, a file) and watched for an end line."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

LINES_KEPT = 20
"""Lines kept for the status line and error messages."""
EARLY_LINES = 10_000
"""Lines kept in memory before the log has a file (beyond that the oldest go)."""
MAX_LINE = 4096
"""A line longer than this is cut there (a board printing without newlines still shows up)."""


class BoardLog:
    """Text lines from one UART of a board; ``end`` (a prefix) names the line that ends the run."""

    def __init__(self, sock: socket.socket, name: str, end: str = "") -> None:
        self.name = name
        self.end = end
        self.last_lines: deque[str] = deque(maxlen=LINES_KEPT)
        self.lines = 0
        self.end_line: str | None = None
        """The first line that starts with ``end`` (None until it came)."""
        self.on_end: Callable[[str], None] | None = None
        self._sock = sock
        sock.setblocking(True)
        self._early: deque[str] = deque(maxlen=EARLY_LINES)
        self._file: TextIO | None = None
        self._partial = b""
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, name=f"{name}-log", daemon=True)
        self._thread.start()

    @property
    def last_line(self) -> str:
        """The latest complete line ("" before the first)."""
        return self.last_lines[-1] if self.last_lines else ""

    def save_to(self, path: Path) -> None:
        """Write every line so far to ``path`` and every later one as it comes."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self._file = path.open("w", encoding="utf-8", buffering=1)
            for line in self._early:
                self._file.write(line + "\n")
            self._early.clear()

    def wait_closed(self, timeout_s: float) -> None:
        """Wait (bounded) until the board closed the UART and every line is in."""
        self._thread.join(timeout_s)

    def close(self) -> None:
        """Stop reading and close the file (idempotent)."""
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(2.0)
        with self._lock:
            if self._partial:
                self._line(self._partial)
                self._partial = b""
            if self._file is not None:
                self._file.close()
                self._file = None
        self._sock.close()

    def _read(self) -> None:
        while True:
            try:
                chunk = self._sock.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            with self._lock:
                self._take(chunk)

    def _take(self, chunk: bytes) -> None:
        data = self._partial + chunk
        *lines, self._partial = data.split(b"\n")
        while len(self._partial) > MAX_LINE:
            lines.append(self._partial[:MAX_LINE])
            self._partial = self._partial[MAX_LINE:]
        for line in lines:
            self._line(line)

    def _line(self, raw: bytes) -> None:
        line = raw.rstrip(b"\r").decode("utf-8", errors="replace")
        self.lines += 1
        self.last_lines.append(line)
        if self._file is not None:
            self._file.write(line + "\n")
        else:
            self._early.append(line)
        if self.end and self.end_line is None and line.startswith(self.end):
            self.end_line = line
            if self.on_end is not None:
                self.on_end(line)
