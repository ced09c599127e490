"""The campaign report: counts, Wilson intervals, worst runs and rerun commands in report.md, and readable PNGs."""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path
from typing import Any

import pytest

from hil.campaign import dataset
from hil.campaign.report import write_report
from hil.campaign.report_stats import wilson_interval
from hil.errors import InputFileError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _row(run: int, state: str = "passed", **extra: Any) -> dict[str, Any]:
    """One run row as hil/campaign/rows.py makes it; figures (``fig.*``) and dispersions come in ``extra``."""
    ended = state in ("passed", "failed", "open")
    row: dict[str, Any] = {"run": run, "seed": 100 + run, "fault": "", "fault_json": "null",
                           "passed": state == "passed", "digest": f"{run:064x}", "wall_s": 2.0, "virtual_s": 600.0,
                           "state": state,
                           "error": "" if ended else f"{state}: run {run} went wrong", "worker": "tcp://127.0.0.1:1",
                           "traceback": "" if ended else f"{run:012x}",
                           "expect.depth_reached": (state == "passed") if state in ("passed", "failed") else None}
    row.update(extra)
    return row


def _campaign(directory: Path, rows: list[dict[str, Any]], planned: int | None = None,
              until: str | None = None) -> Path:
    """A campaign directory: the manifest (``planned`` runs, ``until``) and one Parquet file per row, by the dataset's
    writer."""
    (directory / dataset.RUNS).mkdir(parents=True)
    for row in rows:
        dataset.write_row(directory, row)
    count = len(rows) if planned is None else planned
    manifest = {"format": dataset.FORMAT, "campaign": "drill-sweep", "scenario": "drill",
                "scenario_file": "missions/drill.toml", "scenario_sha256": "ab" * 32, "farside_version": "0.1.0",
                "until": until, "runs": [{"run": i, "seed": 100 + i, "dispersions": {}} for i in range(count)]}
    (directory / dataset.MANIFEST).write_text(json.dumps(manifest))
    return directory


def _section(text: str, title: str) -> str:
    """The body of one ``##`` or ``###`` section of report.md."""
    start = text.index(title + "\n")
    end = re.compile(r"^#{2,3} ", re.MULTILINE).search(text, start + len(title) + 1)
    return text[start: end.start() if end else len(text)]


def _png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (after checking the signature)."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, path
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize(("successes", "trials", "low", "high"), [
    (81, 263, 0.2553, 0.3662),  # Newcombe (1998), Stat. Med. 17:857, table II
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
    (5, 10, 0.2366, 0.7634),
    (10, 10, 0.7225, 1.0),
])
def test_wilson_interval_matches_published_values(successes: int, trials: int, low: float, high: float) -> None:
    assert wilson_interval(successes, trials) == pytest.approx((low, high), abs=5e-5)


def test_wilson_interval_without_trials_is_everything_and_rejects_nonsense() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(5, 3)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Ten written runs of twelve planned: 6 passed, 2 failed, 1 error, 1 timeout; two figures, two dispersions."""
    states = ["passed"] * 6 + ["failed", "failed", "error", "timeout"]
    rows = []
    for run, state in enumerate(states):
        ended = state in ("passed", "failed")
        rows.append(_row(run, state, **{
            "disp.hardness": 1.0 + run / 10, "disp.soil": ["loose", "packed"][run % 2],
            "fig.drill_depth_m": (2.0 - run / 10) if ended else None, "fig.orbit_periapsis_km": None,
            "fig.relay.passes": 3.0, "fig.sampler.mode": "idle", "fault": "sampler/drill_jam" if run == 7 else "none"}))
    directory = _campaign(tmp_path_factory.mktemp("campaign"), rows, planned=12)
    report = write_report(directory)
    return directory, report.read_text()


def test_report_counts_every_state_and_the_runs_not_yet_written(mixed: tuple[Path, str]) -> None:
    directory, text = mixed
    assert (directory / "report" / "report.md").is_file()
    glance = _section(text, "## The campaign at a glance")
    for line in ("| runs planned | 12 |", "| runs written | 10 |", "| passed | 6 (60.0 %) |", "| failed | 2 (20.0 %) |",
                 "| error | 1 (10.0 %) |", "| timeout | 1 (10.0 %) |", "| killed | 0 (0.0 %) |",
                 "| not yet run | 2 (runs 10–11) |", "| wall time, all runs | 20.0 s |"):
        assert line in glance
    assert f"Scenario `drill` (file `missions/drill.toml`, sha256 `{'ab' * 32}`), farside 0.1.0." in text


def test_report_gives_each_pass_rate_with_its_wilson_interval(mixed: tuple[Path, str]) -> None:
    rates = _section(mixed[1], "## Pass rates")
    assert "| **whole run** | 6 | 10 | 60.0 % | 31.3 % – 83.2 % | 0 |" in rates
    assert "| `depth_reached` | 6 | 8 | 75.0 % | 40.9 % – 92.9 % | 2 |" in rates
    assert "![pass rates](pass_rates.png)" in rates


def test_report_lists_the_worst_runs_at_both_ends_with_rerun_commands(mixed: tuple[Path, str]) -> None:
    directory, text = mixed
    worst = _section(text, "### `drill_depth_m`")
    ends = re.findall(r"^\| (lowest|highest) \| (\d+) \| ([\d.]+) \|", worst, re.MULTILINE)
    assert ends == [("lowest", "7", "1.3"), ("lowest", "6", "1.4"), ("lowest", "5", "1.5"),
                    ("highest", "2", "1.8"), ("highest", "1", "1.9"), ("highest", "0", "2")]
    run7 = next(line for line in worst.splitlines() if line.startswith("| lowest | 7 |"))
    assert f"`farside campaign {directory} --rerun 7`" in run7
    assert "| 107 | sampler/drill_jam | hardness=1.7, soil=packed |" in run7
    assert "### `relay.passes`" not in text, "a figure that is the same in every run has no worst runs"


def test_report_lists_every_run_that_did_not_pass_with_its_error(mixed: tuple[Path, str]) -> None:
    directory, text = mixed
    failed = _section(text, "## Runs that did not pass")
    listed = re.findall(r"^\| (\d+) \| (\w+) \|", failed, re.MULTILINE)
    assert listed == [("6", "failed"), ("7", "failed"), ("8", "error"), ("9", "timeout")]
    assert "expectations failed: depth_reached" in failed
    assert "timeout: run 9 went wrong" in failed
    assert "| `000000000008` |" in failed, "the traceback digest"
    assert f"`farside campaign {directory} --rerun 8`" in failed


def test_report_draws_valid_pngs_and_skips_figures_that_are_null_or_constant(mixed: tuple[Path, str]) -> None:
    directory, text = mixed
    out = directory / "report"
    histograms = sorted(p.name for p in (out / "histograms").iterdir())
    assert histograms == ["drill_depth_m.png"]
    scatters = sorted(p.name for p in (out / "scatter").iterdir())
    assert scatters == ["drill_depth_m--hardness.png", "drill_depth_m--soil.png"]
    for png in [out / "pass_rates.png", *(out / "histograms").iterdir(), *(out / "scatter").iterdir()]:
        width, height = _png_size(png)
        assert width >= 400 and height >= 200
        assert f"({png.relative_to(out).as_posix()})" in text, f"report.md links {png.name}"
    assert "Null in every run (no plot): `orbit_periapsis_km`." in text
    assert "The same in every run (no plot): `relay.passes` = 3." in text
    assert "sampler.mode" not in text and "127.0.0.1" not in text, "text columns are no figures"


def test_report_counts_open_runs_apart_and_says_what_open_means(tmp_path: Path) -> None:
    """Runs cut by until before their expectations could be judged: open, not failed; not passed either."""
    rows = [_row(0), _row(1, "open"), _row(2, "open"), _row(3, "failed")]
    text = write_report(_campaign(tmp_path, rows, until="T+6h")).read_text()
    glance = _section(text, "## The campaign at a glance")
    assert "| passed | 1 (25.0 %) |" in glance and "| failed | 1 (25.0 %) |" in glance
    assert "| open | 2 (50.0 %) |" in glance
    assert ("`open`: a run that ended with expectations not judged yet (their deadline or the scenario's end still "
            "to come) and none failed: not passed, and not failed either; every run stopped at T+6h (until).") in glance
    rates = _section(text, "## Pass rates")
    assert "| **whole run** | 1 | 4 | 25.0 % |" in rates
    assert re.search(r"^\| `depth_reached` \| 1 \| 2 \| 50.0 % \| [^|]+ \| 2 \|$", rates, re.MULTILINE), \
        "the open runs are under no verdict"
    not_passed = _section(text, "## Runs that did not pass")
    listed = re.findall(r"^\| (\d+) \| (\w+) \| .*\| (expectations [^|]*) \|", not_passed, re.MULTILINE)
    assert listed == [("1", "open", "expectations not judged (open): depth_reached"),
                      ("2", "open", "expectations not judged (open): depth_reached"),
                      ("3", "failed", "expectations failed: depth_reached")]


def test_report_of_a_campaign_without_open_runs_does_not_explain_them(tmp_path: Path) -> None:
    text = write_report(_campaign(tmp_path, [_row(0), _row(1, "failed")])).read_text()
    assert "| open | 0 (0.0 %) |" in text and "`open`:" not in text


def test_report_of_a_campaign_with_no_run_written_yet(tmp_path: Path) -> None:
    text = write_report(_campaign(tmp_path, [], planned=3)).read_text()
    assert "| runs written | 0 |" in text and "| not yet run | 3 (runs 0–2) |" in text
    assert "No run has been written yet." in text
    assert not list((tmp_path / "report").rglob("*.png"))


def test_report_when_every_run_failed_before_any_figure(tmp_path: Path) -> None:
    rows = [_row(run, "error" if run % 2 else "killed", **{"fig.drill_depth_m": None}) for run in range(4)]
    text = write_report(_campaign(tmp_path, rows)).read_text()
    assert "| **whole run** | 0 | 4 | 0.0 % | 0.0 % – 49.0 % | 0 |" in text
    assert "| `depth_reached` | 0 | 0 | — | 0.0 % – 100.0 % | 4 |" in text
    assert "| killed | 2 (50.0 %) |" in text
    assert "No figure has a value in any run." in text
    assert len(re.findall(r"--rerun \d", _section(text, "## Runs that did not pass"))) == 4
    assert [p.name for p in (tmp_path / "report").rglob("*.png")] == ["pass_rates.png"]


def test_report_of_a_single_run(tmp_path: Path) -> None:
    text = write_report(_campaign(tmp_path, [_row(0, **{"fig.drill_depth_m": 1.75, "disp.hardness": 1.1})])).read_text()
    assert "| **whole run** | 1 | 1 | 100.0 % | 20.7 % – 100.0 % | 0 |" in text
    assert "| only run | 0 | 1.75 | passed |" in text
    assert "The same in every run (no plot): `drill_depth_m` = 1.75." in text
    assert "## Runs that did not pass\n\nNone." in text
    assert [p.name for p in (tmp_path / "report").rglob("*.png")] == ["pass_rates.png"], "one value: nothing to plot"


def test_report_reads_rows_with_the_columns_the_brief_names(tmp_path: Path) -> None:
    rows = [_row(0, drill_depth_m=1.0), _row(1, "error", drill_depth_m=None, traceback_digest="feedface0001"),
            _row(2, drill_depth_m=2.0)]
    text = write_report(_campaign(tmp_path, rows)).read_text()
    assert "| `drill_depth_m` | 2 | 1 | 1.5 | 1.5 | 2 |" in text
    assert "`feedface0001`" in text


def test_a_second_report_replaces_the_plots_of_the_first(tmp_path: Path) -> None:
    directory = _campaign(tmp_path, [_row(0, **{"fig.drill_depth_m": 1.0}), _row(1, **{"fig.drill_depth_m": 2.0})])
    (directory / "report" / "histograms").mkdir(parents=True)
    (directory / "report" / "histograms" / "gone.png").write_bytes(PNG_SIGNATURE)
    write_report(directory)
    assert sorted(p.name for p in (directory / "report" / "histograms").iterdir()) == ["drill_depth_m.png"]


def test_an_unreadable_run_file_is_a_clear_error(tmp_path: Path) -> None:
    directory = _campaign(tmp_path, [_row(0)])
    (directory / "runs" / "run-000001.parquet").write_bytes(b"not parquet")
    with pytest.raises(InputFileError, match="cannot read the run rows"):
        write_report(directory)


def test_report_uses_the_given_rerun_command_with_a_quoted_directory(tmp_path: Path) -> None:
    directory = _campaign(tmp_path / "my campaign", [_row(0, "failed", **{"fig.drill_depth_m": 0.5})])
    text = write_report(directory, rerun_command="farside campaign {dir} --rerun {run} --report-to out").read_text()
    assert f"`farside campaign '{directory}' --rerun 0 --report-to out`" in text


def test_a_directory_that_is_no_campaign_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="not a campaign directory"):
        write_report(tmp_path)
