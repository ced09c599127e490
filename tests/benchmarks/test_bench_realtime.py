"""Benchmark: the real-time bench over a pty — telecommand-to-acceptance latency, 1 kHz cycle jitter, drift.

Run with ``python tests/benchmarks/test_bench_realtime.py`` (about 2.5 minutes; FARSIDE_JITTER_S shortens the
60 s jitter run). Prints, each against a baseline measured in the same run:

- latency: a separate ``farside serve`` process at ×1; this process writes TC[17,1] to the sampler's pty and
  times the arrival of its TM[1,1] (p50, p99, max). Baseline: a bare pty echo round trip with the same octets
  through another process (the floor any bench on a pty pays);
- jitter: the default serve bench (every device modelled, on ptys) with an action every 1 kHz cycle; how late
  each cycle begins against its wall-clock deadline (p50, p99, max) and the drift between virtual and wall time
  at the end. Baseline: a plain ``time.sleep(0.001)`` loop over the same span.
Never asserts timing.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
import tty
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hil" / "serve"))
from serial_fsw import SerialFlightSoftware

from hil.serve.session import ServeSession, default_scenario
from protocols.pus import PusTc

PINGS = 2000
PING_GAP_S = 0.004
JITTER_S = float(os.environ.get("FARSIDE_JITTER_S", "60"))
ECHO = "import os\ntry:\n    while d := os.read(0, 4096):\n        os.write(1, d)\nexcept OSError:\n    pass\n"


def _figures(samples_ns: list[int]) -> str:
    values = np.array(samples_ns) / 1000
    p50, p99 = np.percentile(values, 50), np.percentile(values, 99)
    return f"p50 {p50:7.1f} µs  p99 {p99:7.1f} µs  max {values.max():8.1f} µs"


def _serve(folder: Path) -> tuple[subprocess.Popen[str], str]:
    endpoints = folder / "endpoints.json"
    process = subprocess.Popen([sys.executable, "-m", "hil.cli", "serve", "--quiet", "--endpoints", str(endpoints)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not endpoints.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    import json

    return process, json.loads(endpoints.read_text())["sampler"]


def measure_latency() -> list[int]:
    """TC written → TM[1,1] read, over a pty to a separate `farside serve` at ×1."""
    with TemporaryDirectory() as folder:
        process, path = _serve(Path(folder))
        fsw = SerialFlightSoftware({"sampler": path})
        samples = []
        try:
            fsw.command("sampler", PusTc(0x110, 17, 1, b"", 0x3FFF, 1, 0xF).pack())  # warm-up: the port comes up
            for seq in range(PINGS):
                ping = PusTc(0x110, 17, 1, b"", seq & 0x3FFF, 1, 0xF).pack()
                since = len(fsw.received["sampler"])
                sent = time.monotonic_ns()
                fsw.send("sampler", ping)
                accepted = fsw.wait_for("sampler", (1, 1), ping[:4], timeout=5, since=since)
                samples.append(int(accepted.wall * 1e9) - sent)
                time.sleep(PING_GAP_S)
        finally:
            fsw.close()
            process.terminate()
            process.communicate(timeout=30)
        return samples


def measure_echo_baseline() -> list[int]:
    """The same octets through a pty to an echoing process and back."""
    master, slave = os.openpty()
    tty.setraw(slave)
    echo = subprocess.Popen([sys.executable, "-c", ECHO], stdin=slave, stdout=slave)
    os.close(slave)
    message = bytes.fromhex("1ACFFC1D") + PusTc(0x110, 17, 1, b"", 0, 1, 0xF).pack()
    samples = []
    try:
        for _ in range(PINGS):
            sent = time.monotonic_ns()
            os.write(master, message)
            got = b""
            while len(got) < len(message):
                select.select([master], [], [], 5)
                got += os.read(master, 4096)
            samples.append(time.monotonic_ns() - sent)
            time.sleep(PING_GAP_S)
    finally:
        os.close(master)
        echo.wait(timeout=10)
    return samples


def measure_jitter(seconds: float) -> tuple[list[int], int]:
    """Lateness of every 1 kHz cycle of the default serve bench; and wall minus virtual elapsed at the end (ns)."""
    session = ServeSession(default_scenario())
    session.open()
    pacing, scheduler = session.pacing, session.bench.scheduler
    late: list[int] = []

    def probe() -> None:
        late.append(time.monotonic_ns() - pacing.deadline(scheduler.now_ns))

    scheduler.every(1, probe)
    try:
        session.serve(seconds)
    finally:
        session.close()
    second = 1000
    drift = int(np.median(late[-second:]) - np.median(late[:second]))  # growth of typical lateness: the drift
    return late, drift


def measure_sleep_baseline(seconds: float) -> tuple[list[int], int]:
    """A naive loop: sleep one period after each cycle; lateness against the ideal schedule."""
    start = time.monotonic_ns()
    late = []
    for cycle in range(1, int(seconds * 1000) + 1):
        time.sleep(0.001)
        late.append(time.monotonic_ns() - (start + cycle * 1_000_000))
    return late, int(np.median(late[-1000:]) - np.median(late[:1000]))


def test_bench_realtime() -> None:
    """Measure and print every figure."""
    latency, echo = measure_latency(), measure_echo_baseline()
    print(f"\nTC→TM[1,1] over a pty, {PINGS} pings at ×1")
    print(f"  farside serve   {_figures(latency)}")
    print(f"  pty echo floor  {_figures(echo)}")
    print(f"  ratio p99 farside/echo: {np.percentile(latency, 99) / np.percentile(echo, 99):.1f}×  (target p99 ≤ 1 ms)")
    late, drift = measure_jitter(JITTER_S)
    naive, naive_drift = measure_sleep_baseline(JITTER_S)
    positive = [max(0, x) for x in late]
    print(f"\n1 kHz cycle lateness over {JITTER_S:g} s ({len(late)} cycles)")
    print(f"  farside (absolute deadlines)  {_figures(positive)}  drift (last s − first s) {drift / 1000:+.1f} µs")
    print(f"  sleep(1 ms) loop              {_figures(naive)}  drift (last s − first s) {naive_drift / 1e6:+.1f} ms")
    print(f"  ratio p99 sleep-loop/farside: {np.percentile(naive, 99) / max(np.percentile(positive, 99), 1):.1f}×  "
          f"(target p99 ≤ 200 µs, no cumulative drift)")


if __name__ == "__main__":
    test_bench_realtime()
