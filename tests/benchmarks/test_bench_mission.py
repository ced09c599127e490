"""Benchmark: the emulator's speed in virtual seconds per wall second, and how wall time grows.

Run with `make bench` (or `python tests/benchmarks/test_bench_mission.py`). Three figures:

1. the reference mission as flown (`farside run`): speed against real time (target ≥ 10,000×);
2. wall time against virtual time for a bench at the dictionary's default housekeeping rates (all sets on,
   every packet through the device-link framing, the flight-software stand-in, the radio and the ground):
   the cost per virtual hour should stay flat;
3. wall time against telemetry rate: the same bench with every housekeeping interval scaled, giving the
   wall-clock cost per packet. The baseline measured in the same run is the bare fused encode+decode of one
   housekeeping packet, so the per-packet figure is also printed as a multiple of it.
"""

from __future__ import annotations

import time
import timeit

from firmware_sim.bench import Bench
from firmware_sim.missions import REFERENCE, builtin_path
from firmware_sim.runner import ScenarioRun
from firmware_sim.scenario import load_scenario
from firmware_sim.scenario.model import BenchSettings
from protocols.dictionary import default_dictionary

HOUR = 3600.0


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


def test_emulator_speed_and_scaling() -> None:
    """Print the figures; targets are read from the table, never asserted on timing."""
    print("\n" + report())


if __name__ == "__main__":
    print(report())
