"""`farside run`: exit codes, summary, --report files, --seed, --until, and bad scenario files."""

import json
from pathlib import Path

import pytest

from hil.cli import main

SHORT = """
[scenario]
name = "short"
seed = 9
duration = "T+10m"

[bench.devices.relay]
visibility = "always"

[[timeline]]
phase = "checks"
at = "T+1m"
device = "sampler"
command = "ping"

[[expect]]
name = "relay locked"
condition = "relay.link_state == locked"
before = "T+5m"
"""


@pytest.fixture
def short(tmp_path: Path) -> Path:
    path = tmp_path / "short.toml"
    path.write_text(SHORT)
    return path


def test_passing_run_exits_0_and_writes_the_report(short: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "report"
    assert main(["run", str(short), "--quiet", "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert "expectations: 1/1 passed" in out and "digest " in out and "× real time" in out
    assert "outcome: PASSED\n" in out
    summary = json.loads((report / "summary.json").read_text())
    assert (summary["passed"], summary["outcome"]) == (True, "passed")
    assert summary["expectations"] == [{"name": "relay locked", "passed": True, "decided_s": summary[
        "expectations"][0]["decided_s"], "due_s": 300.0, "open": False, "detail": ""}]
    assert summary["virtual_time_s"] == 600.0 and summary["speed"] > 0


def test_failing_expectation_exits_1(short: Path, capsys: pytest.CaptureFixture[str]) -> None:
    failing = short.with_name("failing.toml")
    failing.write_text(SHORT.replace('"relay.link_state == locked"', '"sampler.drill_depth > 1"'))
    assert main(["run", str(failing), "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  relay locked" in out and "outcome: FAILED (1 expectation failed)\n" in out


def test_until_before_a_deadline_reports_it_open_and_exits_1(short: Path, capsys: pytest.CaptureFixture[str]) -> None:
    later = short.with_name("later.toml")
    later.write_text(SHORT.replace('"relay.link_state == locked"', '"sampler.drill_depth > 1"'))
    assert main(["run", str(later), "--quiet", "--until", "T+30s"]) == 1
    out = capsys.readouterr().out
    assert "timeline: 0/1 steps completed, 1 not reached when the run ended\n" in out
    assert "expectations: 0/1 passed, 1 open (not judged when the run ended: 1 before its deadline)" in out
    assert "OPEN  relay locked, due by T+00:05:00  — sampler.drill_depth = 0 when the run ended" in out
    assert "outcome: OPEN (not passed, none failed: 1 expectation is not judged yet)\n" in out


AT_THE_END = SHORT + """
[[expect]]
name = "relay still locked"
condition = "relay.link_state == locked"
"""


def test_until_before_the_end_leaves_the_checks_at_the_end_open_and_exits_1(
        short: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The check holds at T+4m, but it is due at the end (T+10m): not judged, so the run is open, not failed."""
    at_end = short.with_name("at_end.toml")
    at_end.write_text(AT_THE_END)
    assert main(["run", str(at_end), "--quiet", "--until", "T+4m"]) == 1
    out = capsys.readouterr().out
    assert ("expectations: 1/2 passed, 1 open (not judged when the run ended: 1 before the scenario's end, where it "
            "is checked)") in out
    assert ("OPEN  relay still locked, checked at the end  — not judged: the run was cut at T+4m, before its end "
            "(T+10m)") in out
    assert "outcome: OPEN (not passed, none failed: 1 expectation is not judged yet)\n" in out
    assert main(["run", str(at_end), "--quiet", "--json", "--until", "T+4m"]) == 1
    summary = json.loads(capsys.readouterr().out)
    assert (summary["passed"], summary["outcome"]) == (False, "open")
    assert summary["expectations"][1] == {"name": "relay still locked", "passed": False, "decided_s": 240.0,
                                          "due_s": None, "open": True, "detail": "not judged: the run was cut at "
                                          "T+4m, before its end (T+10m)"}


@pytest.mark.parametrize("until", ["T+10m", "T+1h"])
def test_until_at_or_after_the_end_judges_the_checks_at_the_end(
        short: Path, capsys: pytest.CaptureFixture[str], until: str) -> None:
    at_end = short.with_name("at_end.toml")
    at_end.write_text(AT_THE_END)
    assert main(["run", str(at_end), "--quiet", "--until", until]) == 0
    out = capsys.readouterr().out
    assert "PASS  relay still locked at T+00:10:00\n" in out and "outcome: PASSED\n" in out


def test_json_summary_seed_and_until(short: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(short), "--quiet", "--json", "--seed", "11", "--until", "T+3m"]) in (0, 1)
    summary = json.loads(capsys.readouterr().out)
    assert summary["seed"] == 11 and summary["virtual_time_s"] == 180.0


def test_same_seed_same_digest_through_the_cli(short: Path, capsys: pytest.CaptureFixture[str]) -> None:
    digests = []
    for seed in ("1", "1", "2"):
        main(["run", str(short), "--quiet", "--json", "--seed", seed])
        digests.append(json.loads(capsys.readouterr().out)["digest"])
    assert digests[0] == digests[1] != digests[2]


@pytest.mark.parametrize("text,fragment", [
    ("[scenario]\nname = 1\n", "short.toml:2:"),
    ("[scenario]\nname = 'x'\n[[timeline]]\nat = 'T+1m'\ndevice = 'sampler'\ncommand = 'fly'\n", "short.toml:6:"),
    ("not toml at all [", "short.toml:1:"),
])
def test_bad_scenario_is_one_line_and_exit_2(text: str, fragment: str, short: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    short.write_text(text)
    assert main(["run", str(short), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1 and "Traceback" not in err


def test_missing_file_and_bad_until(short: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "/no/such/file.toml", "--quiet"]) == 2
    assert "no such scenario file" in capsys.readouterr().err
    assert main(["run", str(short), "--quiet", "--until", "yesterday"]) == 2
    assert "--until" in capsys.readouterr().err


def test_a_bench_with_real_nodes_reports_the_wall_time_it_took(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    bench = tmp_path / "bench.toml"
    bench.write_text('[scenario]\nname = "real"\nduration = "T+2s"\n[bench.nodes]\nfsw = "pty://"\n')
    assert main(["run", str(bench), "--quiet", "--json", "--speed", "4", "--wake-latency", "off"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["virtual_time_s"] == 2.0
    assert summary["wall_time_s"] >= 0.45  # two virtual seconds at 4× took half a wall second
    assert 1.0 < summary["speed"] <= 4.5
