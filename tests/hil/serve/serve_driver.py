"""Drives `farside serve` as a separate process for tests: start it, read its endpoints, stop it; TC builders."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from protocols.dictionary import default_dictionary

STARTUP_TIMEOUT_S = 60.0
DICTIONARY = default_dictionary()


class Commands:
    """Builds TCs by command name with increasing sequence counts, as flight software would."""

    def __init__(self) -> None:
        self._seq: dict[int, int] = {}

    def __call__(self, device: str, command: str, **args: Any) -> bytes:
        """One TC packet."""
        target = DICTIONARY.device(device)
        seq = self._seq.get(target.apid, 0)
        self._seq[target.apid] = seq + 1
        return target.telecommand(command, args, seq, 1, 0xF)


@dataclass
class Served:
    """A running `farside serve` process and the endpoints it wrote."""

    process: subprocess.Popen[str]
    endpoints: dict[str, Any]
    directory: Path
    stderr_seen: str = ""

    def wait_for_stderr(self, text: str, timeout: float = 20.0) -> None:
        """Read the process's stderr until ``text`` appears (AssertionError after ``timeout`` s)."""
        assert self.process.stderr is not None
        fd = self.process.stderr.fileno()  # raw reads: a buffered readline could hide lines from select
        deadline = time.monotonic() + timeout
        while text not in self.stderr_seen:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([fd], [], [], max(left, 0))
            if not ready:
                raise AssertionError(f"{text!r} never appeared on stderr: {self.stderr_seen!r}")
            chunk = os.read(fd, 65536)
            if not chunk:
                raise AssertionError(f"stderr closed before {text!r} appeared: {self.stderr_seen!r}")
            self.stderr_seen += chunk.decode(errors="replace")

    def stop(self, signal_number: int = signal.SIGTERM, timeout: float = 30.0) -> tuple[int, str, str]:
        """Send a signal (SIGTERM by default); returns (exit code, stdout, all of stderr)."""
        self.process.send_signal(signal_number)
        out, err = self.process.communicate(timeout=timeout)
        return self.process.returncode, out, self.stderr_seen + err

    def terminate(self, timeout: float = 30.0) -> tuple[int, str, str]:
        """SIGTERM; returns (exit code, stdout, stderr)."""
        return self.stop(signal.SIGTERM, timeout)


def start_serve(directory: Path, *args: str) -> Served:
    """Start `farside serve --endpoints …` with ``args`` and wait for its endpoints file."""
    endpoints = directory / "endpoints.json"
    command = [sys.executable, "-m", "hil.cli", "serve", "--endpoints", str(endpoints), *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not endpoints.exists():
        if process.poll() is not None:
            out, err = process.communicate()
            raise AssertionError(f"farside serve exited {process.returncode}: {err or out}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("farside serve wrote no endpoints file")
        time.sleep(0.05)  # waiting for another process to start: there is no virtual time to use here
    return Served(process, json.loads(endpoints.read_text()), directory)
