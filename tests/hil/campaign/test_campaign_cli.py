"""`farside campaign` around its runs: an interruption, an unreachable scheduler, options a mode would ignore.

The cluster is replaced by one that runs each run here, so these tests take a second, not a cluster's start-up.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from campaign_support import SHORT, farside

from hil.campaign import driver, engine
from hil.campaign.model import RunInputs
from hil.campaign.worker import execute_run

CAMPAIGN = (SHORT, "--seeds", "0:3", "--until", "T+1m", "--quiet")
"""Three runs of one virtual minute."""


@contextlib.contextmanager
def _no_cluster(_scheduler: str | None = None, _workers: int | None = None) -> Iterator[None]:
    yield None


def _runs_here(stop_after: int | None = None) -> Callable[..., None]:
    """A ``run_on`` that runs each run in this process; Ctrl-C (KeyboardInterrupt) after ``stop_after`` rows."""

    def run_on(_client: None, scenario: Any, runs: list[RunInputs], until_ns: int | None, _timeout: float | None,
               on_row: Callable[[dict[str, Any]], None]) -> None:
        for count, run in enumerate(runs):
            if count == stop_after:
                raise KeyboardInterrupt
            on_row(execute_run(run, scenario, until_ns))

    return run_on


@pytest.fixture
def here(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Campaigns run their runs in this process."""
    monkeypatch.setattr(driver, "dask_client", _no_cluster)
    monkeypatch.setattr(driver, "run_on", _runs_here())
    return monkeypatch


def test_an_interrupted_campaign_says_how_to_finish_it_and_write_its_report(
        here: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    here.setattr(driver, "run_on", _runs_here(stop_after=1))
    out_dir = tmp_path / "out"
    code, out, _ = farside(capsys, "campaign", *CAMPAIGN, "--out", out_dir)
    assert code == 130
    assert "1/3 runs written" in out and f"finish with: farside campaign {out_dir} --resume" in out
    assert (f"report: not written (interrupted); --resume writes it when the runs are done, or farside campaign "
            f"{out_dir} --report writes it for the runs so far") in out
    assert "no report module" not in out and not (out_dir / "report").exists()
    code, out, _ = farside(capsys, "campaign", out_dir, "--report")
    assert code == 0 and (out_dir / "report" / "report.md").is_file()


def test_a_campaign_interrupted_before_the_cluster_answers_writes_nothing(
        here: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    @contextlib.contextmanager
    def ctrl_c(_scheduler: str | None = None, _workers: int | None = None) -> Iterator[None]:
        raise KeyboardInterrupt
        yield None

    here.setattr(driver, "dask_client", ctrl_c)
    code, out, _ = farside(capsys, "campaign", *CAMPAIGN, "--out", tmp_path / "out")
    assert code == 130 and "interrupted before its first run; nothing was written" in out
    assert not (tmp_path / "out").exists()


def test_an_unreachable_scheduler_leaves_no_directory_behind(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(engine, "CONNECT_TIMEOUT_S", 1.0)
    out_dir = tmp_path / "out"
    code, out, err = farside(capsys, "campaign", *CAMPAIGN, "--out", out_dir, "--scheduler", "tcp://127.0.0.1:1")
    assert code == 2 and out == ""
    assert err.startswith("farside: error: cannot reach the Dask scheduler at tcp://127.0.0.1:1: ") and \
        err.count("\n") == 1, err
    assert not out_dir.exists()
    monkeypatch.setattr(driver, "dask_client", _no_cluster)
    monkeypatch.setattr(driver, "run_on", _runs_here())
    code, out, _ = farside(capsys, "campaign", *CAMPAIGN, "--out", out_dir)  # the corrected command
    assert code == 0 and "3/3 runs written: 3 passed" in out


@pytest.mark.parametrize(("content", "problem"), [
    (None, "cannot read scheduler file {file}: No such file or directory"),
    ("{", "{file} is not a Dask scheduler file"),
    ('{"id": "Scheduler-1"}', "{file} is not a Dask scheduler file"),
])
def test_a_bad_scheduler_file_is_one_line_and_leaves_no_directory(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, problem: str) -> None:
    scheduler_file = tmp_path / "scheduler.json"
    if content is not None:
        scheduler_file.write_text(content)
    code, _, err = farside(capsys, "campaign", *CAMPAIGN, "--out", tmp_path / "out", "--scheduler", scheduler_file)
    assert code == 2 and err.startswith(f"farside: error: {problem.format(file=scheduler_file)}"), err
    assert err.count("\n") == 1 and not (tmp_path / "out").exists()


@pytest.mark.parametrize(("mode", "given"), [
    (("--rerun", "1"), ("--until", "T+1h")),
    (("--rerun", "0"), ("--seeds", "0:9")),
    (("--rerun", "0"), ("--run-timeout", "5")),
    (("--rerun", "0"), ("--scheduler", "tcp://127.0.0.1:1")),
    (("--rerun", "0"), ("--resume",)),
    (("--report",), ("--until", "T+1h")),
    (("--report",), ("--workers", "2")),
])
def test_rerun_and_report_refuse_the_options_they_would_ignore(
        here: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        mode: tuple[str, ...], given: tuple[str, ...]) -> None:
    out_dir = tmp_path / "out"
    assert farside(capsys, "campaign", *CAMPAIGN, "--out", out_dir)[0] == 0
    code, out, err = farside(capsys, "campaign", out_dir, *mode, *given)
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert err.startswith(f"farside: error: {given[0]} cannot go with {mode[0]}"), err
