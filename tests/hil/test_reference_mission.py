"""The README's main job: `farside run` with no arguments completes the reference mission and passes."""

import json
from pathlib import Path

import pytest

from hil.cli import main


def test_reference_mission_completes_and_every_expectation_passes(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--quiet", "--report", str(tmp_path)]) == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["passed"] and all(e["passed"] for e in summary["expectations"])
    assert summary["steps"]["completed"] == summary["steps"]["total"]
    figures = summary["figures"]
    assert 1.5 <= figures["drill_depth_m"] <= 2.5
    assert 1500 <= figures["sample_mass_g"] <= 2500
    assert 300 <= figures["burn_time_s"] <= 420
    assert figures["orbit_periapsis_km"] >= 10 and 100 <= figures["orbit_apoapsis_km"] <= 300
    assert summary["virtual_time_s"] >= 49 * 3600
    assert [p["name"] for p in summary["phases"]][:3] == ["post-landing checks", "drilling", "surface sampling"]
    assert {p.name for p in tmp_path.iterdir()} == {"summary.json", "drill.png", "sample_mass.png", "ascent.png"}
    assert "expectations: 8/8 passed" in capsys.readouterr().out


def _digest(capsys: pytest.CaptureFixture[str], *seed: str) -> str:
    assert main(["run", "--quiet", "--json", "--until", "T+3h", *seed]) in (0, 1)
    return json.loads(capsys.readouterr().out)["digest"]


def test_same_seed_same_digest_different_seed_different_digest(capsys: pytest.CaptureFixture[str]) -> None:
    first, again = _digest(capsys), _digest(capsys)
    other = _digest(capsys, "--seed", "7")
    assert first == again != other
