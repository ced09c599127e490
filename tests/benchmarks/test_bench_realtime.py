"""Benchmark: the real-time bench over a pty — telecommand-to-acceptance latency, 1 kHz cycle jitter, drift.

Run with ``python tests/benchmarks/test_bench_realtime.py`` (about 2.5 minutes; FARSIDE_JITTER_S shortens the
60 s jitter run, 0 skips it; FARSIDE_PINGS shortens the latency runs). Prints, each against a baseline measured in
the same run:

- latency: a separate ``farside serve`` process at ×1; this process writes TC[17,1] to the sampler's pty and
  times the arrival of its TM[1,1] (p50, p99, max). Baseline: a bare pty echo, another process that holds a pty's
  master as serve does and writes back what it reads (the floor any bench on a pty pays). One client (the serial
  flight software of tests/hil/serve) drives both, pinging them in turn, so both see the same load; farside's
  added latency is the difference. No emulated wire time is in either: a link with a real end adds none (the pty
  is the wire), so the figure is farside's own; what the emulated link's baud rate would add is printed beside.
  Four times: serve with ``--wake-latency off``, then as shipped (holding CPU wake-up latency at 0 µs through
  PM QoS when it may; the hold is the whole machine's, so the echo measured beside it has it too); then as
  shipped and with ``--rt-priority 50`` (SCHED_FIFO) while one busy loop per CPU runs at normal priority;
- the bench's own work per ping, in this process and without a pty: the TC's octets handed to the sampler's
  boundary until its TM[1,1] is handed to the port (the TC reaches the device and the report leaves in that one
  call), after a wait asleep in ``select`` as long as the latency run's gap between two pings of serve. Baseline:
  the same pings back to back, caches warm. Their ratio is what a wake-up costs the code that follows it;
- jitter: the default serve bench (every device modelled, on ptys) with an action every 1 kHz cycle; how late
  each cycle begins against its wall-clock deadline (p50, p99, max) and the drift between virtual and wall time
  at the end. Baseline: a plain ``time.sleep(0.001)`` loop over the same span.
Never asserts timing.
"""

from __future__ import annotations

import contextlib
import os
import select
import subprocess
import sys
import time
import tty
from collections.abc import Iterator
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hil" / "serve"))
from serial_fsw import ASM, SerialFlightSoftware

from firmware_sim.engine.link import BITS_PER_OCTET
from firmware_sim.scenario.model import LinkSettings
from hil.serve.session import ServeSession, default_scenario
from protocols.pus import PusTc

PINGS = int(os.environ.get("FARSIDE_PINGS", "2000"))
WARM_UP = 20
PING_GAP_S = 0.002
"""Between one ping and the next, to either: each of the two is pinged about every 4 ms. The longer a process sleeps,
the slower it answers (its caches go cold), so both get the same gap."""
JITTER_S = float(os.environ.get("FARSIDE_JITTER_S", "60"))
BUSY_LIMIT_S = 600
BUSY = f"import time\nend = time.monotonic() + {BUSY_LIMIT_S}\nwhile time.monotonic() < end:\n    pass\n"
"""A busy loop at normal priority, the load the loaded latency runs put beside serve."""
ECHO = "import os\ntry:\n    while d := os.read(0, 4096):\n        os.write(1, d)\nexcept OSError:\n    pass\n"
"""Reads the pty master it is given as stdin and writes every octet back to it; ends when the last reader leaves."""
SAMPLER_APID = 0x110


def _figures(samples_ns: list[int]) -> str:
    values = np.array(samples_ns) / 1000
    p50, p99 = np.percentile(values, 50), np.percentile(values, 99)
    return f"p50 {p50:7.1f} µs  p99 {p99:7.1f} µs  max {values.max():8.1f} µs"


def _serve(folder: Path, options: tuple[str, ...]) -> tuple[subprocess.Popen[str], str]:
    endpoints = folder / "endpoints.json"
    process = subprocess.Popen([sys.executable, "-m", "hil.cli", "serve", "--quiet", "--endpoints", str(endpoints),
                                *options], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not endpoints.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    import json

    return process, json.loads(endpoints.read_text())["sampler"]


def _echo() -> tuple[subprocess.Popen[bytes], str, int]:
    """A pty whose master an echoing process holds: the process, the slave path, and a slave fd kept open."""
    master, slave = os.openpty()
    tty.setraw(slave)
    echo = subprocess.Popen([sys.executable, "-c", ECHO], stdin=master, stdout=master)
    os.close(master)
    return echo, os.ttyname(slave), slave  # the open slave keeps the master from reading EIO before the client


def _ping(fsw: SerialFlightSoftware, name: str, seq: int) -> tuple[int, int]:
    """Send TC[17,1] to ``name``: the ns until its answer is read (TM[1,1] from serve, the TC itself from the echo)
    and the octets both took on the wire, framed."""
    ping = PusTc(SAMPLER_APID, 17, 1, b"", seq & 0x3FFF, 1, 0xF).pack()
    since = len(fsw.received[name])
    sent = time.monotonic_ns()
    fsw.send(name, ping)
    if name == "echo":
        answer = fsw.wait_for(name, (17, 1), None, timeout=5, since=since)
    else:
        answer = fsw.wait_for(name, (1, 1), ping[:4], timeout=5, since=since)
        fsw.wait_for(name, (1, 7), ping[:4], timeout=5, since=since)  # the line is quiet before the next ping
    return int(answer.wall * 1e9) - sent, 2 * len(ASM) + len(ping) + len(answer.packet)


@contextlib.contextmanager
def _busy(processes: int) -> Iterator[None]:
    """Other work on the machine: ``processes`` busy loops at normal priority, each ending by itself within
    ``BUSY_LIMIT_S`` should this process die before it stops them."""
    hogs = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(processes)]
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait(timeout=10)


def measure_latency(options: tuple[str, ...] = (), busy: int = 0) -> tuple[list[int], list[int], int]:
    """TC written → answer read, alternating between `farside serve` at ×1 (TM[1,1]) and a bare pty echo.

    ``options`` go to serve (``--wake-latency``'s PM QoS request holds for the whole machine, the echo included);
    ``busy`` busy loops run meanwhile. Returns the serve samples, the echo samples (ns) and the octets on the wire
    for one TC and its TM[1,1].
    """
    with TemporaryDirectory() as folder, _busy(busy):
        process, path = _serve(Path(folder), options)
        echo, echo_path, echo_slave = _echo()
        fsw = SerialFlightSoftware({"sampler": path, "echo": echo_path})
        samples: dict[str, list[int]] = {"sampler": [], "echo": []}
        octets = 0
        try:
            for seq in range(WARM_UP + PINGS):
                for name in samples:
                    took, wire = _ping(fsw, name, seq)
                    if seq >= WARM_UP:
                        samples[name].append(took)
                    if name == "sampler":
                        octets = wire
                    time.sleep(PING_GAP_S)
        finally:
            fsw.close()
            os.close(echo_slave)
            echo.wait(timeout=10)
            process.terminate()
            process.communicate(timeout=30)
        return samples["sampler"], samples["echo"], octets


def measure_own_work(pings: int) -> tuple[list[int], list[int]]:
    """ns from the TC's octets handed to the sampler's boundary to its TM[1,1] handed to the port: after an idle
    wait in ``select`` (2 × PING_GAP_S, as between two pings of serve in the latency run), and back to back."""
    session = ServeSession(default_scenario())
    session.open()
    boundary = session.boundaries["sampler"]
    answered: list[int] = []
    boundary.outlet = lambda octets: answered.append(time.perf_counter_ns()) is None
    idle_r, idle_w = os.pipe()
    samples: dict[bool, list[int]] = {True: [], False: []}
    try:
        for idle in (True, False):
            for seq in range(WARM_UP + pings):
                frame = ASM + PusTc(SAMPLER_APID, 17, 1, b"", seq & 0x3FFF, 1, 0xF).pack()
                if idle:
                    select.select([idle_r], [], [], 2 * PING_GAP_S)
                answered.clear()
                start = time.perf_counter_ns()
                boundary.inject(frame)
                if seq >= WARM_UP:
                    samples[idle].append(answered[0] - start)
    finally:
        os.close(idle_r)
        os.close(idle_w)
        session.close()
    return samples[True], samples[False]


def print_own_work(idle: list[int], warm: list[int]) -> None:
    """The bench's own work per ping after an idle wait, against the same work back to back."""
    print(f"\nTC octets in → TM[1,1] handed to the port, in process (no pty), {len(idle)} pings")
    print(f"  after {2 * PING_GAP_S * 1e3:g} ms asleep  {_figures(idle)}")
    print(f"  back to back        {_figures(warm)}")
    print(f"  ratio p50 idle/warm {np.percentile(idle, 50) / np.percentile(warm, 50):.1f}×  "
          f"p99 {np.percentile(idle, 99) / np.percentile(warm, 99):.1f}×")


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


def print_latency(latency: list[int], echo: list[int], octets: int, how: str) -> None:
    """The latency figures, farside's added latency, and the wire time a link with a real end does not add."""
    p50, p99 = (np.percentile(latency, q) / 1000 for q in (50, 99))
    e50, e99 = (np.percentile(echo, q) / 1000 for q in (50, 99))
    baud = LinkSettings().baud
    print(f"\nTC→TM[1,1] over a pty, {len(latency)} pings at ×1, alternating with the echo; {how}")
    print(f"  farside serve   {_figures(latency)}")
    print(f"  pty echo floor  {_figures(echo)}")
    print(f"  farside added   p50 {p50 - e50:+7.1f} µs  p99 {p99 - e99:+7.1f} µs  "
          f"(ratio p99 farside/echo {p99 / e99:.1f}×; target TC→TM[1,1] p99 ≤ 500 µs)")
    print(f"  wire time: none emulated (a link with a real end adds none; the pty is the wire); the TC and its "
          f"TM[1,1] ({octets} octets framed) would take {octets * BITS_PER_OCTET / baud * 1e3:.2f} ms at the "
          f"emulated link's {baud} baud")


def test_bench_realtime() -> None:
    """Measure and print every figure."""
    print_latency(*measure_latency(("--wake-latency", "off")),
                  "serve --wake-latency off (the machine's power management as it is)")
    print_latency(*measure_latency(), "serve as shipped (--wake-latency 0: CPU wake-up latency held at 0 µs when "
                                      "serve may, as root; else as above)")
    cores = os.cpu_count() or 1
    print_latency(*measure_latency(busy=cores), f"serve as shipped, {cores} busy loops running beside it")
    print_latency(*measure_latency(("--rt-priority", "50"), busy=cores),
                  f"serve --rt-priority 50 (SCHED_FIFO when serve may, as root), {cores} busy loops running beside it")
    print_own_work(*measure_own_work(PINGS))
    if JITTER_S <= 0:
        return
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
