"""`farside campaign` on a local Dask cluster of 2 workers: a row per run, in-process digests, rerun, resume."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from campaign_support import SMALL, digests, farside, in_process_digests

from hil.campaign import dataset
from hil.cli import main


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """SMALL run once for the module on a local cluster of 2 workers: its directory and exit code."""
    directory = tmp_path_factory.mktemp("local") / "out"
    return directory, main(["campaign", str(SMALL), "--out", str(directory), "--workers", "2", "--quiet"])


def test_every_run_has_one_row_with_the_digest_of_the_same_run_done_alone(campaign: tuple[Path, int]) -> None:
    directory, code = campaign
    assert code == 1  # the relay-outage runs fail their expectation
    rows = dataset.read_rows(directory)
    assert [r["run"] for r in rows] == [0, 1, 2, 3]
    assert [r["state"] for r in rows] == ["passed", "failed", "passed", "failed"]
    assert len({r["worker"] for r in rows}) <= 2 and all(r["worker"].startswith("tcp://127.0.0.1:") for r in rows)
    assert digests(directory) == in_process_digests(directory)
    manifest = dataset.read_manifest(directory)
    assert manifest["campaign"] == "small" and manifest["until"] == "T+20m" and len(manifest["runs"]) == 4
    assert (directory / dataset.SCENARIO_COPY).read_text() == (SMALL.parent / "short.toml").read_text()


def test_rerun_alone_gives_the_same_digest_and_a_recording(campaign: tuple[Path, int], tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    directory, _ = campaign
    code, out, _ = farside(capsys, "campaign", directory, "--rerun", "3", "--record", tmp_path / "run3.pcapng",
                           "--report", tmp_path / "report", "--quiet")
    assert code == 1  # run 3 has the relay outage: its expectation fails again
    assert f"digest {digests(directory)[3]}" in out and "run 3: same digest as in the campaign" in out
    assert (tmp_path / "run3.pcapng").stat().st_size > 0 and (tmp_path / "report" / "summary.json").exists()
    code, out, _ = farside(capsys, "run", "--from", tmp_path / "run3.pcapng", "--quiet")
    assert code == 1 and f"digest {digests(directory)[3]}" in out  # its dispersions and faults come with it
    assert "digest matches the recording" in out


def test_resume_runs_only_the_missing_runs(campaign: tuple[Path, int], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(campaign[0], copy)
    kept = {p.name: p.stat().st_mtime_ns for p in (copy / dataset.RUNS).iterdir()}
    for run in (1, 2):
        dataset.run_file(copy, run).unlink()
        del kept[dataset.run_file(copy, run).name]
    code, out, _ = farside(capsys, "campaign", copy, "--resume", "--workers", "2", "--quiet")
    assert code == 1
    assert "4/4 runs written: 2 passed, 2 failed" in out and "this session: 2 runs (2 were already written)" in out
    assert {p.name: p.stat().st_mtime_ns for p in (copy / dataset.RUNS).iterdir() if p.name in kept} == kept
    assert digests(copy) == digests(campaign[0])


def test_a_campaign_directory_is_not_overwritten(campaign: tuple[Path, int],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = farside(capsys, "campaign", SMALL, "--out", campaign[0])
    assert code == 2 and "already holds campaign 'small': add --resume" in err
    code, _, err = farside(capsys, "campaign", SMALL, "--out", campaign[0], "--seeds", "5:9", "--resume")
    assert code == 2 and "holds a different campaign" in err
