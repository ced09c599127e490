"""A real ground that never listens: the final link report says nothing reached it, in the text and summary.json."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest


def _closed_port(kind: int) -> int:
    """A loopback port nothing listens on (bound once to learn a free number, then closed)."""
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("scheme", ["tcp", "udp"])
def test_serve_reports_what_reached_the_ground_outlet(serve, scheme: str) -> None:
    port = _closed_port(socket.SOCK_STREAM if scheme == "tcp" else socket.SOCK_DGRAM)
    served = serve("--ground", f"{scheme}://127.0.0.1:{port}", "--relay", "always", "--duration", "10",
                   "--speed", "5", "--wake-latency", "off", "--quiet")
    _, err = served.process.communicate(timeout=60)
    assert served.process.returncode == 0, err
    outlet = next(line for line in err.splitlines() if line.startswith("  ground outlet: "))
    if scheme == "tcp":  # never connected: every CADU that arrived was dropped at the outlet
        assert outlet.startswith("  ground outlet: 0 CADUs sent to the ground system, ")
        assert " dropped (ground down or not taking them)" in outlet
    else:  # UDP cannot tell: the datagrams the OS took count as sent
        assert " CADUs sent to the ground system" in outlet


def test_run_report_summary_json_holds_the_ground_outlet(tmp_path: Path) -> None:
    port = _closed_port(socket.SOCK_STREAM)
    scenario = tmp_path / "bench.toml"
    scenario.write_text(f'[scenario]\nname = "no ground"\nduration = "T+10s"\n\n[bench.devices.relay]\n'
                        f'visibility = "always"\n\n[bench.nodes]\nground = "tcp://127.0.0.1:{port}"\n')
    report = tmp_path / "report"
    done = subprocess.run([sys.executable, "-m", "hil.cli", "run", str(scenario), "--speed", "5", "--quiet",
                           "--wake-latency", "off", "--report", str(report)], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert done.returncode == 0, done.stderr
    link = json.loads((report / "summary.json").read_text())["space_link"]
    outlet = link["ground_outlet"]
    assert outlet["unit"] == "CADUs" and outlet["sent"] == 0 and outlet["dropped"] > 0
    arrived = link["frames_sent"] - outlet["in_flight"]
    assert outlet["dropped"] == arrived  # every frame that reached the ground side is accounted for at the outlet
    assert f"ground outlet: 0 CADUs sent to the ground system, {outlet['dropped']} dropped" in done.stdout
