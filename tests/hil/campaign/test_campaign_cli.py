"""`farside campaign` around its runs, on real Dask clusters: an interruption, an unreachable scheduler, options a
mode would ignore."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from campaign_support import SHORT, farside

from hil.campaign import dataset, engine

CAMPAIGN = (SHORT, "--until", "T+1m", "--quiet")
"""Runs of one virtual minute, cut before the scenario's end (T+20m): its check at the end is open, so every run is
``open`` (not passed, none failed) and the campaign exits 1."""
RUNS_DIR = dataset.RUNS


def _campaign_process(*args: str | Path, group: bool = False) -> subprocess.Popen[str]:
    """``farside campaign ARGS`` as its own process (a signal goes to it alone), or with ``group`` leading a process
    group of its own, as a terminal's foreground job (a signal to the group reaches its workers too)."""
    return subprocess.Popen([sys.executable, "-m", "hil.cli", "campaign", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=group)


def _under_way(process: subprocess.Popen[str], out_dir: Path) -> None:
    """Wait (wall time, at most 90 s) for the first run's row on disk: the campaign is under way."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and process.poll() is None and not any((out_dir / RUNS_DIR).glob("*.parquet")):
        time.sleep(0.05)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A campaign of two runs, done on a local cluster of one worker: its directory."""
    directory = tmp_path_factory.mktemp("cli") / "out"
    code, _, _ = _run_cli(*CAMPAIGN, "--seeds", "0:2", "--workers", "1", "--out", directory)
    assert code == 1  # open runs have not passed
    return directory


def _run_cli(*args: str | Path) -> tuple[int, str, str]:
    process = _campaign_process(*args)
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def test_an_interrupted_campaign_says_how_to_finish_it_and_write_its_report(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = tmp_path / "out"
    process = _campaign_process(*CAMPAIGN, "--seeds", "0:400", "--workers", "1", "--out", out_dir)
    _under_way(process, out_dir)
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=90)
    assert process.returncode == 130
    assert "/400 runs written" in out and f"finish with: farside campaign {out_dir} --resume" in out
    assert (f"report: not written (interrupted); --resume writes it when the runs are done, or farside campaign "
            f"{out_dir} --report writes it for the runs so far") in out
    assert not (out_dir / "report").exists()
    code, out, _ = farside(capsys, "campaign", out_dir, "--report")
    assert code == 0 and (out_dir / "report" / "report.md").is_file()


def test_ctrl_c_at_a_terminal_stops_the_workers_quietly(tmp_path: Path) -> None:
    """Ctrl-C reaches the whole foreground process group: the driver takes it; the workers print nothing."""
    out_dir = tmp_path / "out"
    process = _campaign_process(*CAMPAIGN, "--seeds", "0:400", "--workers", "2", "--out", out_dir, group=True)
    _under_way(process, out_dir)
    os.killpg(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=90)
    assert process.returncode == 130 and f"finish with: farside campaign {out_dir} --resume" in out
    assert err == ""  # no KeyboardInterrupt or CancelledError traceback from a worker or its nanny


def test_a_campaign_interrupted_before_the_scheduler_answers_writes_nothing(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts the connection, never speaks Dask
        silent.settimeout(60)
        port = silent.getsockname()[1]
        process = _campaign_process(*CAMPAIGN, "--seeds", "0:2", "--out", tmp_path / "out",
                                    "--scheduler", f"tcp://127.0.0.1:{port}")
        connection, _ = silent.accept()  # the client is waiting for the scheduler's answer
        with connection:
            process.send_signal(signal.SIGINT)
            out, _ = process.communicate(timeout=60)
    assert process.returncode == 130 and "interrupted before its first run; nothing was written" in out
    assert not (tmp_path / "out").exists()


def test_an_unreachable_scheduler_leaves_no_directory_behind(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(engine, "CONNECT_TIMEOUT_S", 1.0)
    out_dir = tmp_path / "out"
    code, out, err = farside(capsys, "campaign", *CAMPAIGN, "--seeds", "0:2", "--out", out_dir,
                             "--scheduler", "tcp://127.0.0.1:1")
    assert code == 2 and out == ""
    assert err.startswith("farside: error: cannot reach the Dask scheduler at tcp://127.0.0.1:1: ") and \
        err.count("\n") == 1, err
    assert not out_dir.exists()
    code, out, _ = _run_cli(*CAMPAIGN, "--seeds", "0:2", "--workers", "1", "--out", out_dir)  # the corrected command
    assert code == 1 and "2/2 runs written: 0 passed, 0 failed, 2 open" in out
    assert "  run 0 (seed 0, faults none): open\n" in out


def test_runs_cut_before_their_end_are_open_not_failed_in_the_summary_and_the_report(
        written: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = dataset.read_rows(written)
    assert [(r["state"], r["passed"]) for r in rows] == [("open", False), ("open", False)]
    assert all(r["expect.relay link acquired"] is True and r["expect.relay locked at the end"] is None for r in rows)
    code, out, _ = farside(capsys, "campaign", written, "--resume", "--quiet")
    assert code == 1 and "2/2 runs written: 0 passed, 0 failed, 2 open\n" in out
    assert ("  open: 2 runs (stopped at T+1m by until) ended with expectations not judged yet (their deadline or the "
            "scenario's end still to come) and none failed: not passed, and not failed either\n") in out
    report = (written / "report" / "report.md").read_text()
    assert "| open | 2 (100.0 %) |" in report and "| failed | 0 (0.0 %) |" in report
    assert "every run stopped at T+1m (until)." in report
    assert "expectations not judged (open): relay locked at the end" in report


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
    code, _, err = farside(capsys, "campaign", *CAMPAIGN, "--seeds", "0:2", "--out", tmp_path / "out",
                           "--scheduler", scheduler_file)
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
        written: Path, capsys: pytest.CaptureFixture[str], mode: tuple[str, ...], given: tuple[str, ...]) -> None:
    code, out, err = farside(capsys, "campaign", written, *mode, *given)
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert err.startswith(f"farside: error: {given[0]} cannot go with {mode[0]}"), err
