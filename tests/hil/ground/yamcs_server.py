"""A real Yamcs 5.12 server for tests: its handle, free loopback ports, waiting for its REST API, stopping it."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

STARTUP_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 20.0
INSTANCE = "farside"


def free_port(kind: int) -> int:
    """A port the OS has free on 127.0.0.1 right now (SOCK_STREAM or SOCK_DGRAM)."""
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Yamcs:
    """A running Yamcs server: its directory, REST API and the ground URL farside serve must use."""

    process: subprocess.Popen[bytes]
    directory: Path
    http_port: int
    ground_url: str

    def get(self, path: str) -> Any:
        """GET a REST API path (``/api/...``), as JSON (AssertionError with Yamcs's answer on an HTTP error)."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}{path}", timeout=10) as reply:
                return json.load(reply)
        except urllib.error.HTTPError as error:
            raise AssertionError(f"GET {path}: {error.code} {error.read().decode(errors='replace')}") from None

    def post(self, path: str, body: dict[str, Any]) -> Any:
        """POST JSON to a REST API path; the reply as JSON ({} when empty)."""
        request = urllib.request.Request(f"http://127.0.0.1:{self.http_port}{path}", json.dumps(body).encode(),
                                         {"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                text = reply.read()
        except urllib.error.HTTPError as error:
            raise AssertionError(f"POST {path}: {error.code} {error.read().decode(errors='replace')}") from None
        return json.loads(text) if text else {}

    def log(self) -> str:
        """The end of Yamcs's console log."""
        return (self.directory / "yamcs.log").read_text(errors="replace")[-4000:]


def require_outside_tools() -> None:
    """Java and the fprime-yamcs-bundle jars; a loud failure naming `make test` when either is missing."""
    problems = []
    if shutil.which("java") is None:
        problems.append("`java` is not on PATH (Debian: openjdk-17-jre-headless)")
    if importlib.util.find_spec("fprime_yamcs_bundle") is None:
        problems.append("the Python package fprime-yamcs-bundle (the Yamcs 5.12 jars) is not installed")
    if problems:
        pytest.fail("Yamcs cannot start: " + "; ".join(problems) + ". `make test` installs both.")


def wait_for_api(yamcs: Yamcs) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while True:
        if yamcs.process.poll() is not None:
            pytest.fail(f"Yamcs exited with {yamcs.process.returncode} while starting:\n{yamcs.log()}")
        try:
            if yamcs.get(f"/api/instances/{INSTANCE}").get("state") == "RUNNING":
                return
        except (OSError, ValueError, AssertionError):
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"Yamcs's REST API did not answer within {STARTUP_TIMEOUT_S:.0f} s:\n{yamcs.log()}")
        time.sleep(0.2)  # another process starting up: no virtual time to wait on


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to Yamcs's process group, SIGKILL if it lingers; then it must be gone."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT_S)
    except ProcessLookupError:
        process.wait(timeout=STOP_TIMEOUT_S)
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)
