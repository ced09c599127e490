"""Benchmark: the reference flight software on a QEMU board, its TC→TM round trips and farside's share of them.

Run with ``python tests/benchmarks/test_bench_board.py`` (about a minute; needs qemu-system-arm and
arm-none-eabi-gcc, which ``make test`` installs). For each bench — the sampler on UART0 with the other devices
unexposed, and every device on one bus — ``farside run`` flies the firmware ``FARSIDE_BOARD_RUNS`` times (default 2)
with a recording, and prints:

- the round trip the firmware times itself (its ``RTT`` lines: TC written to UART0 → its TM[1,1] read back,
  microseconds by its SysTick), p50 / p99 / max;
- farside's share of each round trip, from the recording's wall times: the TC entering the bench (deframed) →
  the device's TM[1,1] leaving it, paired by the request it answers;
- the baseline, measured in the same run: the firmware's round trip itself, so farside's share is printed as a
  ratio of it (the rest is QEMU, its UART model, the socket and the firmware's own drivers).
Never asserts timing.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hil" / "boards"))
from firmware.bench import ONE_BUS, SAMPLER_ONLY, write_bench
from firmware.build import build_firmware

from hil.recording.reader import read_recording

RUNS = int(os.environ.get("FARSIDE_BOARD_RUNS", "2"))
PINGS = 8
SPEED = 4
MACHINE = "lm3s6965evb"
BENCHES = {
    "sampler on UART0": (("sampler",), SAMPLER_ONLY),
    "one bus, 3 devices": (("sampler", "ascender", "relay"), ONE_BUS),
}


def _figures(samples_us: list[float]) -> str:
    p50, p99, top = np.percentile(samples_us, 50), np.percentile(samples_us, 99), max(samples_us)
    return f"p50 {p50:8.0f} µs  p99 {p99:8.0f} µs  max {top:8.0f} µs  (n={len(samples_us)})"


def farside_share_us(recording: Path) -> list[float]:
    """TC in → its TM[1,1] out, on the wall clock, for every TC in the recording."""
    tc_in: dict[tuple[str, bytes], int] = {}
    shares = []
    for record in read_recording(recording).records:
        packet = record.packet
        if record.wall_ns is None or len(packet) < 4:
            continue
        if record.direction == "a>b" and packet[0] & 0x10:
            tc_in[record.link, packet[:4]] = record.wall_ns
        elif record.direction == "b>a" and len(packet) >= 23 and packet[7:9] == bytes([1, 1]):
            sent = tc_in.pop((record.link, packet[19:23]), None)
            if sent is not None:
                shares.append((record.wall_ns - sent) / 1000)
    return shares


def fly(folder: Path, devices: tuple[str, ...], expose: str) -> tuple[list[float], list[float]]:
    """One run of the firmware: its own RTT samples and farside's shares, in µs."""
    elf = build_firmware(MACHINE, devices, folder / "firmware", pings=PINGS)
    bench = write_bench(folder, MACHINE, elf, expose)
    recording = folder / "run.pcapng"
    done = subprocess.run([sys.executable, "-m", "hil.cli", "run", str(bench), "--speed", str(SPEED), "--quiet",
                           "--record", str(recording), "--report", str(folder / "report")],
                          capture_output=True, text=True, timeout=300)
    log = next((folder / "report").glob("board-*.log")).read_text()
    if done.returncode != 0:
        raise RuntimeError(f"farside run failed ({done.returncode}): {done.stderr}\n{log}")
    rtts = [float(m) for m in re.findall(r"^RTT (\d+)$", log, re.MULTILINE)]
    return rtts[1:], farside_share_us(recording)  # the first round trip includes the board's start-up


def test_bench_board() -> None:
    """Measure and print every figure."""
    for label, (devices, expose) in BENCHES.items():
        rtts: list[float] = []
        shares: list[float] = []
        for _ in range(RUNS):
            with TemporaryDirectory() as folder:
                got_rtt, got_share = fly(Path(folder), devices, expose)
                rtts += got_rtt
                shares += got_share
        print(f"\n{MACHINE}, {label}: TC→TM[1,1], {RUNS} runs at ×{SPEED}")
        print(f"  firmware's own timer (baseline)  {_figures(rtts)}")
        print(f"  farside's share (recording)      {_figures(shares)}")
        print(f"  ratio p50 share/round trip: {np.median(shares) / np.median(rtts):.2f}  "
              f"p99: {np.percentile(shares, 99) / np.percentile(rtts, 99):.2f}")


if __name__ == "__main__":
    test_bench_board()
