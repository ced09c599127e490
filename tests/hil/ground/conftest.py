"""A real Yamcs 5.12 server, started once per test session from a directory `farside ground yamcs` wrote."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from yamcs_server import Yamcs, free_port, require_outside_tools, stop, wait_for_api

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "serve"))  # serve_driver: the one `farside serve` driver


@pytest.fixture(scope="session")
def yamcs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Yamcs]:
    """Yamcs from `farside ground yamcs DIR`, free loopback ports, its REST API up; stopped by its PID at the end."""
    require_outside_tools()
    directory = tmp_path_factory.mktemp("yamcs")
    http_port = free_port(socket.SOCK_STREAM)
    tm_port, tc_port = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_DGRAM)
    ground_url = f"udp://127.0.0.1:{tm_port}?bind=127.0.0.1:{tc_port}"
    written = subprocess.run([sys.executable, "-m", "hil.cli", "ground", "yamcs", str(directory), "--ground",
                              ground_url, "--http-port", str(http_port)], capture_output=True, text=True,
                             timeout=120, check=False)
    assert written.returncode == 0, written.stderr
    with open(directory / "yamcs.log", "wb") as log:
        process = subprocess.Popen([str(directory / "start-yamcs.sh")], cwd=directory, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True,
                                   env={**os.environ, "FARSIDE_PYTHON": sys.executable})
    server = Yamcs(process, directory, http_port, ground_url)
    try:
        wait_for_api(server)
        yield server
    finally:
        stop(process)
