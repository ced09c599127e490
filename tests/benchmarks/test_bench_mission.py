"""Benchmark: the emulator's speed in virtual seconds per wall second, and how wall time grows.

Run with `make bench` (or `python tests/benchmarks/test_bench_mission.py`). Three figures:

1. the reference mission as flown (`farside run`): speed against real time (target ≥ 10,000×);
2. wall time against virtual time for a bench at the dictionary's default housekeeping rates (all sets on,
   every packet through the device-link framing, the flight-software stand-in, the radio and the ground):
   the cost per virtual hour should stay flat;
3. wall time against telemetry rate: the same bench with every housekeeping interval scaled, giving the
   wall-clock cost per packet. The baseline measured in the same run is the bare fused encode+decode of one
   housekeeping packet, so the per-packet figure is also printed as a multiple of it.

And the speed-up against the code of commit 6a1e2c1 (issue 17, target ≥ 3×): that commit is checked out in a
temporary git worktree, and `farside run` of the reference mission and of the built-in ``default-rates`` scenario
(the reference bench with no timeline: every housekeeping set at the dictionary's default rate) runs as a
whole process in both trees, alternating, ``FARSIDE_BENCH_REPEAT`` times each (default 2), with this venv's Python
(``PYTHONPATH`` picks the tree). Wall and CPU seconds (user + system of the process) and the run's own wall time
(from the summary, without start-up) are printed with the ratio of the best of each; the digests are asserted (every
packet on every link, in order): the default-rates scenario's equal in both trees, the reference mission's each equal
to its known value (``REFERENCE_DIGEST`` says why they differ).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Iterator
from pathlib import Path

from firmware_sim.bench import Bench
from firmware_sim.missions import REFERENCE, builtin_path
from firmware_sim.runner import ScenarioRun
from firmware_sim.scenario import load_scenario
from firmware_sim.scenario.model import BenchSettings
from protocols.dictionary import default_dictionary

HOUR = 3600.0
BASELINE_COMMIT = "6a1e2c1"
"""The code issue 17 measures the mission's speed against."""
BASELINE_DIGEST = "2630aaf796e4e013375c97f69e2c837b46780888d644cffb1a8ebe7d2ab221a1"
"""The reference mission's packet digest at its seed (2024) at the baseline commit."""
REFERENCE_DIGEST = "2928481172073c3a7879c0afdb736bb7a0957e0edc021a3301ac03615c6accab"
"""The same now, as at commit c99320a just before the speed work: 7bc0b04 (issue 13), before it, numbers the
packets a device makes while a command starts when they are sent, so each APID's counts go out in order; every
other packet is as at the baseline."""
REPO = Path(__file__).resolve().parents[2]
DEFAULT_RATES = builtin_path("default-rates").read_text()
"""The built-in default-rates scenario (its text is written to a file for the baseline tree, which lacks it)."""


def reference_mission() -> dict[str, float]:
    """Run the reference mission once; its virtual and wall time and the packets it made."""
    run = ScenarioRun(load_scenario(builtin_path(REFERENCE)))
    result = run.run()
    virtual = result.bench.now_s
    return {"virtual_s": virtual, "wall_s": result.wall_time_s, "speed": virtual / result.wall_time_s,
            "packets": result.bench.digest.total}


def quiet_bench(scale: float = 1.0) -> Bench:
    """A bench at the dictionary's default housekeeping intervals × ``scale``, set by TC[3,31] at T0."""
    bench = Bench(BenchSettings(devices={"relay": {"visibility": "always"}}), seed=1)
    for device in default_dictionary().devices:
        for hk in device.housekeeping:
            if hk.enabled:
                interval = max(1, round(hk.interval_ms * scale))
                bench.fsw.send(device.name, "hk-interval", {"sid": hk.name, "interval": interval}, ack=0)
    bench.run(10)
    return bench


def timed(bench: Bench, virtual_s: float) -> tuple[float, int]:
    """Wall seconds to advance ``virtual_s`` and the TM packets flight software received meanwhile."""
    before = bench.fsw.counters.tm_received
    start = time.perf_counter()
    bench.run(virtual_s)
    return time.perf_counter() - start, bench.fsw.counters.tm_received - before


def codec_baseline_us() -> float:
    """Microseconds for the fused encode + decode of one sampler housekeeping packet (same-run baseline)."""
    sampler = default_dictionary().device("sampler")
    hk = sampler.hk_set("drill")
    codec = sampler.hk_codec(hk.sid)
    values = sampler.decode_hk_packet(codec.encode([sampler.parameter(p).to_engineering(0) if sampler.parameter(
        p).enum else 0.0 for p in hk.parameters], 0, 0, 0)).values
    raw = codec.encode(values, 1, 1, 10**18)

    def round_trip() -> None:
        sampler.decode_hk_packet(codec.encode(values, 1, 1, 10**18))

    assert sampler.decode_hk_packet(raw)
    return min(timeit.repeat(round_trip, number=20_000, repeat=5)) / 20_000 * 1e6


def report() -> str:
    """All three figures as a table."""
    lines = []
    mission = reference_mission()
    lines.append(f"reference mission: {mission['virtual_s'] / HOUR:.2f} h virtual in {mission['wall_s']:.1f} s wall "
                 f"= {mission['speed']:,.0f}× real time ({mission['packets']:,} packets on the links; "
                 "target ≥ 10,000×)")
    bench = quiet_bench()
    lines.append("wall time against virtual time (dictionary-default housekeeping rates, all sets on):")
    for hours in (0.5, 1.0, 2.0):
        wall, packets = timed(bench, hours * HOUR)
        lines.append(f"  {hours:4.1f} h virtual: {wall:6.2f} s wall, {wall / hours:5.2f} s per virtual hour, "
                     f"{hours * HOUR / wall:7,.0f}× real time, {packets:,} TM packets")
    baseline = codec_baseline_us()
    lines.append(f"wall time against telemetry rate (30 min virtual; baseline: fused HK encode+decode "
                 f"{baseline:.2f} µs/packet):")
    for scale in (4.0, 1.0, 0.25):
        wall, packets = timed(quiet_bench(scale), 1800)
        per_packet = wall / packets * 1e6
        lines.append(f"  intervals ×{scale:<4}: {packets / 1800:6.1f} TM/s, {1800 / wall:8,.0f}× real time, "
                     f"{per_packet:5.1f} µs wall per TM packet = {per_packet / baseline:4.1f}× the codec baseline")
    return "\n".join(lines)


@contextlib.contextmanager
def baseline_tree(folder: Path) -> Iterator[Path]:
    """A detached git worktree of ``BASELINE_COMMIT`` in ``folder``, removed afterwards."""
    tree = folder / "baseline"
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree), BASELINE_COMMIT],
                   check=True, capture_output=True, text=True)
    try:
        yield tree
    finally:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)],
                       check=True, capture_output=True, text=True)


def farside_run(tree: Path, scenario: str | None) -> tuple[float, float, dict]:
    """``farside run [scenario] --json`` as a whole process on the code of ``tree``: wall s, CPU s, the summary."""
    command = [sys.executable, "-m", "hil.cli", "run", "--json", "--quiet", *([scenario] if scenario else [])]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=tree, capture_output=True, text=True, timeout=1800)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert done.returncode == 0, f"{tree}: farside run {scenario or ''} failed: {done.stderr[-2000:]}"
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, json.loads(done.stdout)


def speedup_report(repeat: int) -> str:
    """Both scenarios on the baseline and on this tree, alternating; digests asserted equal, times printed."""
    lines = [f"speed-up against {BASELINE_COMMIT} (whole `farside run` processes, best of {repeat}; target ≥ 3×):"]
    with tempfile.TemporaryDirectory(prefix="farside-bench-") as tmp:
        scenario_file = Path(tmp) / "default-rates.toml"
        scenario_file.write_text(DEFAULT_RATES)
        with baseline_tree(Path(tmp)) as old:
            for label, scenario in (("reference mission", None), ("default HK rates, 4 h", str(scenario_file))):
                times: dict[str, list[tuple[float, float, float]]] = {"baseline": [], "now": []}
                digests: dict[str, set[str]] = {"baseline": set(), "now": set()}
                packets = 0
                for _ in range(repeat):
                    for name, tree in (("baseline", old), ("now", REPO)):
                        wall, cpu, summary = farside_run(tree, scenario)
                        times[name].append((wall, cpu, summary["wall_time_s"]))
                        digests[name].add(summary["digest"])
                        packets = summary["packets_total"]
                        lines.append(f"  {label:22} {name:8}: {wall:6.1f} s wall, {cpu:6.1f} s CPU, "
                                     f"{summary['wall_time_s']:6.1f} s running the scenario")
                assert len(digests["baseline"]) == len(digests["now"]) == 1, (label, digests)
                if scenario is None:
                    assert digests == {"baseline": {BASELINE_DIGEST}, "now": {REFERENCE_DIGEST}}, digests
                else:  # no commands: nothing 7bc0b04 renumbers
                    assert digests["baseline"] == digests["now"], (label, digests)
                old_wall, old_cpu, old_run = (min(t[i] for t in times["baseline"]) for i in (0, 1, 2))
                new_wall, new_cpu, new_run = (min(t[i] for t in times["now"]) for i in (0, 1, 2))
                lines.append(f"  {label:22} {packets:,} packets, digest {next(iter(digests['now']))[:16]}…: "
                             f"{old_wall / new_wall:.2f}× on wall time, {old_cpu / new_cpu:.2f}× on CPU time, "
                             f"{old_run / new_run:.2f}× on the run alone (no start-up)")
    return "\n".join(lines)


def test_speedup_against_baseline() -> None:
    """Print the speed-up against the baseline commit; the digests (not the times) are asserted equal."""
    print("\n" + speedup_report(int(os.environ.get("FARSIDE_BENCH_REPEAT", "2"))))


def test_emulator_speed_and_scaling() -> None:
    """Print the figures; targets are read from the table, never asserted on timing."""
    print("\n" + report())


if __name__ == "__main__":
    print(report())
    print(speedup_report(int(os.environ.get("FARSIDE_BENCH_REPEAT", "2"))))
