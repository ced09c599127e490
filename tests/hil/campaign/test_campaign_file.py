"""Campaign files: runs enumerated seed-major from pure inputs, dispersions in range, errors at file:line (exit 2)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from campaign_support import SHORT, SMALL, farside

from hil.campaign.campaign_file import load_campaign
from hil.campaign.plan import plan_runs


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    """SMALL with one text replaced, next to a copy of its scenario."""
    (tmp_path / "short.toml").write_text(SHORT.read_text())
    text = SMALL.read_text()
    assert old in text
    path = tmp_path / "campaign.toml"
    path.write_text(text.replace(old, new))
    return path


def test_runs_are_seeds_times_fault_entries_seed_major_with_inputs_from_the_seed() -> None:
    runs = plan_runs(load_campaign(SMALL))
    assert [(r.run, r.seed, r.fault_label) for r in runs] == [
        (0, 0, "none"), (1, 0, "relay=relay/link-outage"), (2, 1, "none"), (3, 1, "relay=relay/link-outage")]
    assert runs[0].dispersions == runs[1].dispersions != runs[2].dispersions
    assert plan_runs(load_campaign(SMALL)) == runs  # a pure function of the file
    assert runs[1].faults[0].fault == "link-outage" and runs[1].faults[0].params == {"duration_s": 3000}
    for run in runs:
        assert 5 <= run.dispersions["relay.min_elevation_deg"] <= 15
        assert 360 <= run.dispersions["ascender.propellant_kg"] <= 400
        assert run.dispersions["sampler.ambient_c"] in (-20.0, 25.0)


def test_normal_draws_are_clipped_to_low_and_high(tmp_path: Path) -> None:
    path = _variant(tmp_path, "sd = 5", "sd = 500")
    text = path.read_text().replace('seeds = "0:2"', 'seeds = "0:40"')
    path.write_text(text)
    values = {r.dispersions["ascender.propellant_kg"] for r in plan_runs(load_campaign(path))}
    assert min(values) == 360 and max(values) == 400 and len(values) > 2


def test_drawn_options_the_model_refuses_are_an_error_before_anything_runs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _variant(tmp_path, 'parameter = "relay.min_elevation_deg"\ndistribution = "uniform"\nlow = 5\nhigh = 15',
                    'parameter = "relay.orbit.perilune_altitude_km"\ndistribution = "uniform"\n'
                    "low = 15000\nhigh = 20000")
    code, _, err = farside(capsys, "campaign", path, "--out", tmp_path / "out")
    assert code == 2
    assert re.search(rf"{re.escape(str(path))}:10: run \d+ \(seed \d+\) draws options relay does not take", err)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("old", "new", "line", "words"), [
    ("ascender.propellant_kg", "ascender.propelant_kg", 16, "unknown parameter 'ascender.propelant_kg'"),
    ("sampler.ambient_c", "sampler.warmth", 24, "unknown parameter 'sampler.warmth'"),
    ('distribution = "normal"', 'distribution = "gauss"', 17, "'gauss' is not one of normal, uniform, choice"),
    ("sd = 5", "sd = -5", 19, "sd = -5 must not be negative"),
    ("high = 15", "high = 95", 13, "relay.min_elevation_deg = 95.0 is outside the range"),
    ("high = 15", "high = 2", 13, "high = 2 must be above low = 5"),
    ("values = [-20.0, 25.0]", "values = [-20.0, 250.0]", 26, "sampler.ambient_c = 250.0 is outside the range"),
    ("low = 5\n", "low = 5\nmean = 3\n", 13, "mean does not apply to a uniform distribution"),
    ('fault = "link-outage"', 'fault = "link-outag"', 29, "relay has no fault 'link-outag'"),
    ("duration_s = 3000", "duration_s = -3", 29, "duration_s = -3 is outside the range"),
    ('target = "relay"', 'target = "radio"', 29, "target 'radio' is neither a device nor a device's link"),
    ('at = "T+2m"', 'at = "T+2h"', 29, "is after the end of the run"),
    ('seeds = "0:2"', 'seeds = "2:0"', 5, "the range is empty"),
    ("until =", "untill =", 6, "unknown key 'untill'; did you mean 'until'?"),
    ('scenario = "short.toml"', 'scenario = "missing.toml"', 4, "no such file next to the campaign file"),
])
def test_a_bad_campaign_file_is_one_line_with_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                            old: str, new: str, line: int, words: str) -> None:
    path = _variant(tmp_path, old, new)
    code, out, err = farside(capsys, "campaign", path, "--out", tmp_path / "out")
    assert code == 2 and out == ""
    assert err.startswith(f"farside: error: {path}:{line}: ") and words in err, err
    assert err.count("\n") == 1


def test_a_normal_draw_of_an_integer_option_without_a_range_is_a_whole_number(tmp_path: Path) -> None:
    path = _variant(tmp_path, 'parameter = "relay.min_elevation_deg"\ndistribution = "uniform"\nlow = 5\nhigh = 15',
                    'parameter = "relay.frames.fop_window"\ndistribution = "normal"\nmean = 3\nsd = 0.6')
    path.write_text(path.read_text().replace('seeds = "0:2"', 'seeds = "0:12"'))
    values = [r.dispersions["relay.frames.fop_window"] for r in plan_runs(load_campaign(path))]
    assert all(type(v) is int and 1 <= v <= 5 for v in values) and len(set(values)) > 1, values


def test_an_unbounded_integer_draw_the_option_refuses_is_an_error_before_anything_runs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _variant(tmp_path, 'parameter = "relay.min_elevation_deg"\ndistribution = "uniform"\nlow = 5\nhigh = 15',
                    'parameter = "relay.frames.farm_window"\ndistribution = "normal"\nmean = 10\nsd = 1e6')
    code, _, err = farside(capsys, "campaign", path, "--out", tmp_path / "out")
    assert code == 2 and err.count("\n") == 1
    assert re.search(rf"{re.escape(str(path))}:10: run 0 \(seed 0\) draws options relay does not take: "
                     r"relay option frames: farm_window=-?\d+: even, 2\.\.254", err), err
    assert not (tmp_path / "out").exists()


def test_a_parameter_dispersed_twice_is_refused_at_the_line_of_the_second(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _variant(tmp_path, "[fault_matrix]", '[[dispersions]]\nparameter = "relay.min_elevation_deg"\n'
                                                'distribution = "uniform"\nlow = 6\nhigh = 7\n\n[fault_matrix]')
    line = path.read_text().splitlines().index('parameter = "relay.min_elevation_deg"', 10) + 1
    code, out, err = farside(capsys, "campaign", path, "--out", tmp_path / "out")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith(f"farside: error: {path}:{line}: dispersion 4: parameter = 'relay.min_elevation_deg' "
                          "is already dispersed (line 10)"), err
    assert not (tmp_path / "out").exists()
