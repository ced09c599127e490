"""Dask: a local cluster (one single-threaded worker process per core) or an existing one, and the run loop."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from firmware_sim.scenario.model import Scenario
from hil.campaign.model import RunInputs
from hil.campaign.rows import failure_row
from hil.campaign.worker import execute_run
from hil.errors import HilError

if TYPE_CHECKING:
    from distributed import Client

_HOST_PORT = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):\d+")
"""A scheduler address without its ``tcp://``: a host name, IPv4 or bracketed IPv6 address, and a port."""
CONNECT_TIMEOUT_S = 30.0
"""How long to wait for an existing scheduler to answer."""
LOCAL_WORKER_CONFIG = {"distributed.worker.profile.enabled": False,
                       "distributed.worker.preload": ["hil.campaign.worker_setup"]}
"""A worker's statistical profiler samples every thread's stack 100 times a second and slowed each run by ~15 %:
the local cluster turns it off. Its workers also ignore Ctrl-C, which is the driver's (``worker_setup``). Workers
of an existing cluster keep their own configuration."""


def local_workers() -> int:
    """The cores this process may use: one worker each."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def is_address(scheduler: str) -> bool:
    """True for a scheduler address (``tcp://HOST:PORT``, ``HOST:PORT``), False for a scheduler file's path."""
    if "://" in scheduler:
        return True
    return not Path(scheduler).exists() and _HOST_PORT.fullmatch(scheduler) is not None


def file_address(scheduler_file: str) -> str:
    """The address a Dask scheduler file (the JSON ``dask scheduler --scheduler-file`` writes) gives."""
    try:
        text = Path(scheduler_file).read_text(encoding="utf-8")
    except OSError as exc:
        raise HilError(f"cannot read scheduler file {scheduler_file}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        text = ""
    try:
        address = json.loads(text).get("address")
    except (ValueError, AttributeError):
        address = None
    if not isinstance(address, str) or not address:
        raise HilError(f"{scheduler_file} is not a Dask scheduler file (JSON with the scheduler's \"address\")")
    return address


@contextlib.contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None) -> Iterator[Client]:
    """A client of an existing cluster (``tcp://HOST:PORT`` or a scheduler file), else of a new local cluster.

    A scheduler file is read here (a missing or malformed one is a HilError). The local cluster listens on
    127.0.0.1 only, has no dashboard, and runs ``workers`` (default: one per core) single-threaded worker
    processes; it is closed on the way out.
    """
    from distributed import Client, LocalCluster

    if scheduler is not None:
        address = scheduler if is_address(scheduler) else file_address(scheduler)
        try:
            client = Client(address, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError) as exc:
            where = scheduler if address == scheduler else f"{address} (from {scheduler})"
            raise HilError(f"cannot reach the Dask scheduler at {where}: {exc}") from None
        with client:
            yield client
        return
    import dask

    with dask.config.set(LOCAL_WORKER_CONFIG):  # the nannies hand this configuration to their workers
        cluster = LocalCluster(n_workers=workers or local_workers(), threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None, silence_logs=logging.ERROR)
    try:
        with Client(cluster) as client:
            yield client
    finally:
        cluster.close()


def run_on(client: Client, scenario: Scenario, runs: list[RunInputs], until_ns: int | None,
           timeout_s: float | None, on_row: Callable[[dict[str, Any]], None]) -> None:
    """Run every one of ``runs`` on the cluster; ``on_row`` gets each run's row as it arrives, one per run.

    A task that raises outside the run, or whose worker died (Dask's KilledWorker, after its retries), still
    gives a row: state ``error`` or ``killed``. Ctrl-C cancels what has not finished and is raised again.
    """
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    if not runs:
        return
    shared = client.scatter(scenario, broadcast=True, hash=False)
    futures = client.map(execute_run, runs, scenario=shared, until_ns=until_ns, timeout_s=timeout_s, pure=False)
    inputs = {future.key: run for future, run in zip(futures, runs, strict=True)}
    try:
        for future in as_completed(futures):
            run = inputs[future.key]
            try:
                row = future.result()
            except KilledWorker as exc:
                row = failure_row(run, "killed", f"the worker running it died: {exc}", "", "", None)
            except Exception as exc:  # the task itself failed (e.g. its arguments could not be sent)
                row = failure_row(run, "error", f"{type(exc).__name__}: {exc}", traceback.format_exc(), "", None)
            future.release()
            on_row(row)
    except BaseException:
        client.cancel(futures)
        raise
