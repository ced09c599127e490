"""One run of a campaign, as a Dask task (or in this process): inputs in, one flat row out, whatever happens."""

from __future__ import annotations

import time
import traceback
from typing import Any

from firmware_sim.runner import ScenarioRun
from firmware_sim.scenario.model import Scenario
from firmware_sim.summary import build_summary
from hil.campaign.apply import scenario_for_run
from hil.campaign.model import RunInputs
from hil.campaign.rows import failure_row, summary_row
from hil.errors import HilError
from hil.replay.node import recorded_models

CHUNK_S = 600.0
"""Virtual seconds between wall-time checks (a fraction of a second of wall time at the bench's usual speed)."""


class RunTimeoutError(HilError, TimeoutError):
    """A run went past its wall-time limit (raised between chunks of virtual time)."""


def prepare(base: Scenario, inputs: RunInputs, watch: list[str] | None = None) -> ScenarioRun:
    """The run of ``inputs`` ready to go: its scenario, its seed, its bench."""
    scenario = scenario_for_run(base, inputs)
    return ScenarioRun(scenario, seed=inputs.seed, watch=watch, models=recorded_models(scenario.bench))


def execute_run(inputs: RunInputs, scenario: Scenario, until_ns: int | None = None,
                timeout_s: float | None = None) -> dict[str, Any]:
    """Run one campaign run headless and return its row; an exception or a timeout becomes the row's state."""
    worker = _worker_name()
    wall0 = time.perf_counter()
    reached = [0]

    def watchdog(now_ns: int, _end_ns: int | None) -> None:
        reached[0] = now_ns
        if timeout_s is not None and time.perf_counter() - wall0 > timeout_s:
            raise RunTimeoutError(f"no end within {timeout_s:g} s of wall time (at T+{now_ns / 1e9:.0f} s)")

    try:
        run = prepare(scenario, inputs)
        result = run.run(until_ns=until_ns, progress=watchdog, chunk_s=CHUNK_S)
        return summary_row(inputs, build_summary(result), worker)
    except RunTimeoutError as exc:
        return failure_row(inputs, "timeout", str(exc), "", worker, time.perf_counter() - wall0, reached[0] / 1e9)
    except Exception as exc:  # a run that raises is a row, never a lost run
        text = traceback.format_exc()
        return failure_row(inputs, "error", f"{type(exc).__name__}: {exc}", text, worker,
                           time.perf_counter() - wall0, reached[0] / 1e9)


def _worker_name() -> str:
    """The Dask worker running this task (its address), or ``local`` outside Dask."""
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return "local"
