"""`farside campaign --scheduler` on a real `dask scheduler` and two `dask worker` processes on loopback.

Same digests as in this process; a scenario with --seeds; a worker killed mid-campaign leaves a complete dataset.
The scheduler gives a task no second chance (allowed-failures 0), so the killed worker's run is a "killed" row.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from campaign_support import SHORT, SMALL, digests, farside, in_process_digests
from distributed import Client

from hil.campaign import dataset
from hil.cli import main

DASK = str(Path(sys.executable).parent / "dask")
START_S = 60.0


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Client]]:
    """A scheduler on 127.0.0.1, port 0, and two single-threaded workers: its address, scheduler file and a client."""
    folder = tmp_path_factory.mktemp("dask")
    scheduler_file = folder / "scheduler.json"
    env = {**os.environ, "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0"}
    log = (folder / "dask.log").open("w")
    processes = [subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                   "--scheduler-file", str(scheduler_file)], stdout=log, stderr=log, env=env)]
    try:
        deadline = time.monotonic() + START_S
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        address = json.loads(scheduler_file.read_text())["address"]
        for _ in range(2):
            processes.append(subprocess.Popen([DASK, "worker", "--scheduler-file", str(scheduler_file), "--nworkers",
                                               "1", "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard"],
                                              stdout=log, stderr=log, env=env))
        client = Client(address, timeout=START_S)
        client.wait_for_workers(2, timeout=START_S)
        yield address, scheduler_file, client
        client.close()
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


def test_a_real_scheduler_gives_the_same_digests(cluster: tuple[str, Path, Client], tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    address, _, _ = cluster
    code, out, _ = farside(capsys, "campaign", SMALL, "--out", tmp_path, "--scheduler", address, "--quiet")
    assert code == 1 and "4/4 runs written: 2 passed, 2 failed" in out
    assert digests(tmp_path) == in_process_digests(tmp_path)
    assert {row["worker"] for row in dataset.read_rows(tmp_path)} <= set(cluster[2].scheduler_info()["workers"])


def test_a_scenario_runs_once_per_seed(cluster: tuple[str, Path, Client], tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    _, scheduler_file, _ = cluster
    code, _, _ = farside(capsys, "campaign", SHORT, "--seeds", "3,5", "--until", "T+5m", "--out", tmp_path,
                           "--scheduler", scheduler_file, "--quiet")
    rows = dataset.read_rows(tmp_path)
    assert code == 1 and [(r["run"], r["seed"], r["fault"], r["virtual_s"], r["state"]) for r in rows] == [
        (0, 3, "none", 300.0, "open"), (1, 5, "none", 300.0, "open")]  # cut before the end check (T+20m): open
    assert digests(tmp_path) == in_process_digests(tmp_path)


def test_a_worker_killed_mid_campaign_leaves_a_row_for_every_run(cluster: tuple[str, Path, Client], tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    address, _, client = cluster
    pids = client.run(os.getpid)
    exit_code: list[int] = []
    args = ["campaign", "reference", "--seeds", "0:4", "--until", "T+3h", "--out", str(tmp_path),
            "--scheduler", address, "--quiet"]
    campaign = threading.Thread(target=lambda: exit_code.append(main(args)))
    campaign.start()
    victim = None
    deadline = time.monotonic() + START_S
    while victim is None and time.monotonic() < deadline:
        busy = [worker for worker, keys in client.processing().items() if keys and worker in pids]
        victim = busy[0] if busy else None
        time.sleep(0.01)
    assert victim is not None, "no run started"
    os.kill(pids[victim], signal.SIGKILL)
    campaign.join(timeout=2 * START_S)
    assert exit_code == [1]
    rows = dataset.read_rows(tmp_path)
    assert [r["run"] for r in rows] == [0, 1, 2, 3]
    killed = [r for r in rows if r["state"] == "killed"]
    assert killed and all("worker" in r["error"] and r["digest"] is None for r in killed)
    assert all(r["digest"] for r in rows if r["state"] != "killed")
    assert "killed" in capsys.readouterr().out
