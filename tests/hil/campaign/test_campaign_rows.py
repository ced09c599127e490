"""A run in one task: every run becomes one row, whether it passes, fails, raises or runs out of time."""

from __future__ import annotations

import io
import re
from pathlib import Path

from campaign_support import SMALL

from hil.campaign import dataset
from hil.campaign.campaign_file import load_campaign
from hil.campaign.model import RunInputs
from hil.campaign.plan import plan_runs
from hil.campaign.progress import LineCampaignProgress
from hil.campaign.worker import execute_run


def test_a_run_row_holds_inputs_figures_verdicts_and_digest() -> None:
    campaign = load_campaign(SMALL)
    run = plan_runs(campaign)[1]
    row = execute_run(run, campaign.scenario, campaign.until_ns)
    assert row["run"] == 1 and row["seed"] == 0 and row["state"] == "failed" and row["passed"] is False
    assert row["fault"] == "relay=relay/link-outage" and row["fault.relay"] == "relay/link-outage"
    assert row["disp.ascender.propellant_kg"] == run.dispersions["ascender.propellant_kg"]
    assert row["expect.relay link acquired"] is True and row["expect.relay locked at the end"] is False
    assert row["virtual_s"] == 1200.0 and row["wall_s"] > 0 and re.fullmatch("[0-9a-f]{64}", row["digest"])
    assert isinstance(row["fig.relay.link_up_hours"], float) and row["worker"] == "local"
    assert execute_run(run, campaign.scenario, campaign.until_ns)["digest"] == row["digest"]


def test_expectations_still_open_when_until_stops_the_run_have_no_verdict_and_the_run_is_open() -> None:
    campaign = load_campaign(SMALL)
    row = execute_run(plan_runs(campaign)[0], campaign.scenario, 2 * 10**9)  # the link is acquired later
    assert row["expect.relay link acquired"] is None  # its deadline (T+10m) is still to come
    assert row["expect.relay locked at the end"] is None  # checked at the scenario's end (T+20m), not at the cut
    assert row["state"] == "open" and row["passed"] is False


def test_a_check_at_the_end_is_open_when_until_cuts_the_run_even_where_it_would_fail() -> None:
    campaign = load_campaign(SMALL)
    outage = plan_runs(campaign)[1]  # at the scenario's end its check fails (above); at T+10m it is not judged
    row = execute_run(outage, campaign.scenario, 600 * 10**9)
    assert row["expect.relay link acquired"] is True and row["expect.relay locked at the end"] is None
    assert row["state"] == "open" and row["passed"] is False


def test_a_run_past_its_timeout_is_a_timeout_row() -> None:
    campaign = load_campaign(SMALL)
    row = execute_run(plan_runs(campaign)[0], campaign.scenario, None, timeout_s=1e-6)
    assert row["state"] == "timeout" and row["digest"] is None and row["passed"] is False
    assert "no end within" in row["error"] and row["virtual_s"] < 1200


def test_a_run_that_raises_is_an_error_row_with_its_traceback_digest() -> None:
    campaign = load_campaign(SMALL)
    broken = RunInputs(run=7, seed=3, dispersions={"relay.orbit.perilune_altitude_km": 1e7})
    row = execute_run(broken, campaign.scenario, campaign.until_ns)
    assert row["state"] == "error" and row["run"] == 7 and row["digest"] is None
    assert "perilune" in row["error"] and re.fullmatch("[0-9a-f]{12}", row["traceback"])


def test_rows_are_written_once_each_and_read_back_as_one_table(tmp_path: Path) -> None:
    (tmp_path / dataset.RUNS).mkdir()
    dataset.write_row(tmp_path, {"run": 1, "seed": 2**64 - 1, "state": "error", "digest": None, "fig.x": None})
    dataset.write_row(tmp_path, {"run": 0, "seed": 5, "state": "passed", "digest": "ab", "fig.x": 1.5})
    assert dataset.done_runs(tmp_path) == {0, 1}
    assert sorted(p.name for p in (tmp_path / dataset.RUNS).iterdir()) == ["run-000000.parquet", "run-000001.parquet"]
    rows = dataset.read_rows(tmp_path)
    assert [(r["run"], r["seed"], r["fig.x"]) for r in rows] == [(0, 5, 1.5), (1, 2**64 - 1, None)]


def test_progress_lines_tell_runs_done_failures_and_eta() -> None:
    stream = io.StringIO()
    progress = LineCampaignProgress(stream, total=3)
    for done in (1, 2, 3):
        progress.update(done, failures=1)
    assert stream.getvalue().splitlines()[-1] == "farside: 3/3 runs, 1 failed, ETA --"


def test_progress_lines_count_open_runs_apart_from_failures() -> None:
    stream = io.StringIO()
    progress = LineCampaignProgress(stream, total=3)
    progress.update(3, failures=0, still_open=2)
    assert stream.getvalue().splitlines()[-1] == "farside: 3/3 runs, 0 failed, 2 open, ETA --"
