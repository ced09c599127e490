"""Benchmark: campaign throughput on a local Dask cluster of 1 and 2 workers against the same runs done one by one.

Run with `make bench` (or `python tests/benchmarks/test_bench_campaign.py`). The baseline, measured in the same
run, is the same runs done one after another in this process as `farside run` does them (load nothing again, run,
summarise). Two figures, printed, not asserted (these machines are shared and noisy):

1. throughput of 2 workers against 1 worker (target ≥ 1.8×);
2. the campaign machinery's cost per run on 1 worker (task, transfer, row written as Parquet): the 1-worker wall
   time less the time the runs themselves took on the worker (each row's ``wall_s``), per run (target ≤ 5 % of a
   run). The 1-worker wall time against the in-process baseline is printed too; it also carries the machine's
   noise between two executions of the same runs (±10 % here). Starting the cluster (and a one-minute warm-up run
   on each worker and in this process: the imports a process pays once) is measured apart.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from hil.campaign import dataset
from hil.campaign.campaign_file import scenario_campaign
from hil.campaign.engine import dask_client, run_on
from hil.campaign.plan import plan_runs
from hil.campaign.worker import execute_run

RUNS = 6
UNTIL_NS = 10 * 3600 * 1_000_000_000
"""Each run: the reference mission to T+10h (a few seconds of wall time)."""
WARM_UP_NS = 60 * 1_000_000_000
"""A one-minute run on every worker before the clock starts: imports and caches, paid once per worker process."""


def _campaign_wall(workers: int, scenario: object, runs: list, folder: Path
                   ) -> tuple[float, float, dict[int, str], float]:
    """Cluster start-up time, campaign wall time, digests and the runs' own time on a local cluster of ``workers``."""
    (folder / dataset.RUNS).mkdir(parents=True)
    found: dict[int, str] = {}
    ran = [0.0]

    def on_row(row: dict) -> None:
        dataset.write_row(folder, row)
        found[row["run"]] = row["digest"]
        ran[0] += row["wall_s"]

    start = time.perf_counter()
    with dask_client(workers=workers) as client:
        client.wait_for_workers(workers)
        client.run(execute_run, runs[0], scenario, WARM_UP_NS)  # each worker imports the emulator once
        ready = time.perf_counter()
        run_on(client, scenario, runs, UNTIL_NS, None, on_row)  # type: ignore[arg-type]
        done = time.perf_counter()
    return ready - start, done - ready, found, ran[0]


def measure() -> dict[str, float]:
    """Baseline, 1 worker and 2 workers on the same runs; the figures."""
    campaign = scenario_campaign("reference", tuple(range(RUNS)))
    runs = plan_runs(campaign)
    execute_run(runs[0], campaign.scenario, WARM_UP_NS)  # this process imports the emulator once, as each worker does
    start = time.perf_counter()
    baseline = {r.run: execute_run(r, campaign.scenario, UNTIL_NS)["digest"] for r in runs}
    baseline_s = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as folder:
        start1, wall1, digests1, ran1 = _campaign_wall(1, campaign.scenario, runs, Path(folder) / "one")
        start2, wall2, digests2, _ = _campaign_wall(2, campaign.scenario, runs, Path(folder) / "two")
    assert digests1 == digests2 == baseline
    return {"runs": RUNS, "baseline_s": baseline_s, "run_s": baseline_s / RUNS, "one_worker_s": wall1,
            "two_workers_s": wall2, "start_one_s": start1, "start_two_s": start2, "speedup": wall1 / wall2,
            "versus_baseline": wall1 / baseline_s - 1, "machinery_per_run_s": (wall1 - ran1) / RUNS,
            "machinery": (wall1 - ran1) / ran1}


def report(figures: dict[str, float]) -> None:
    """Print the figures."""
    print(f"\ncampaign: {figures['runs']:.0f} runs of the reference mission to T+10h, "
          f"{figures['run_s']:.2f} s each one after another in-process (baseline {figures['baseline_s']:.2f} s)")
    for label, wall, start in (("1 worker ", "one_worker_s", "start_one_s"),
                               ("2 workers", "two_workers_s", "start_two_s")):
        print(f"  {label}: {figures[wall]:.2f} s (cluster start and warm-up {figures[start]:.1f} s, apart)")
    print(f"  throughput 2 workers / 1 worker: {figures['speedup']:.2f}× (target ≥ 1.8×)")
    print(f"  campaign machinery per run on 1 worker: {figures['machinery_per_run_s'] * 1000:+.0f} ms, "
          f"{100 * figures['machinery']:+.1f} % of a run (target ≤ 5 %)")
    print(f"  1 worker against the in-process baseline: {100 * figures['versus_baseline']:+.1f} % "
          f"(machinery plus the noise between two executions)")


def test_campaign_throughput() -> None:
    report(measure())


if __name__ == "__main__":
    report(measure())
