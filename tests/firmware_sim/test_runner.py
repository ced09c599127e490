"""Scenario runs: timeline steps at/after/when, faults, expectations, phases, digest determinism, summary."""

import pytest

from firmware_sim.engine.pacing import RealTime
from firmware_sim.runner import ScenarioRun
from firmware_sim.scenario import parse_scenario
from firmware_sim.summary import build_summary

SCENARIO = """
[scenario]
name = "short"
seed = 5
duration = "T+20m"

[bench.devices.relay]
visibility = "always"

[[timeline]]
phase = "checks"
at = "T+1m"
device = "relay"
command = "ping"

[[timeline]]
after = "5s"
device = "sampler"
command = "hk-interval"
args = { sid = "drill", interval = 200 }

[[timeline]]
when = "relay.link_state == locked"
after = "10s"
device = "ascender"
command = "ping"

[[timeline]]
phase = "lossy link"
at = "T+5m"
device = "sampler"
command = "ping"
timeout = "30s"

[[timeline]]
after = "1m"
device = "ascender"
command = "engine-ignite"
args = { burn_duration = 10, cutoff = "timer" }

[[faults]]
at = "T+4m59s"
target = "link.sampler"
fault = "drop"
params = { count = 1, direction = "to-device" }

[[expect]]
name = "relay locked"
condition = "relay.link_state == locked"
before = "T+5m"

[[expect]]
name = "never drilled"
condition = "sampler.drill_depth < 0.01"

[[expect]]
name = "impossible"
condition = "sampler.drill_depth > 1"
before = "T+10m"
"""


def _run(seed: int | None = None):
    result = ScenarioRun(parse_scenario(SCENARIO, "short.toml"), seed=seed).run()
    return result, build_summary(result)


def test_steps_faults_expectations_and_phases() -> None:
    result, summary = _run()
    outcomes = [s.outcome for s in result.steps]
    assert outcomes == ["completed", "completed", "completed", "timed-out", "failed"]
    assert result.steps[4].detail == "INVALID_STATE"  # not armed: refused, nothing fires
    when_step = result.steps[2]
    assert when_step.fired_ns is not None and when_step.fired_ns >= result.steps[1].fired_ns + 10 * 10**9
    assert [(e["name"], e["passed"]) for e in summary["expectations"]] == [
        ("relay locked", True), ("never drilled", True), ("impossible", False)]
    assert "at the deadline" in summary["expectations"][2]["detail"]
    assert [p["name"] for p in summary["phases"]] == ["checks", "lossy link"]
    assert summary["phases"][0]["start_s"] == 60.0
    assert summary["faults"] == [{"at_s": 299.0, "target": "link.sampler", "fault": "drop",
                                  "params": {"count": 1, "direction": "to-device"}}]
    assert summary["links"]["sampler"]["frames_dropped"] == 1
    assert not result.passed and summary["passed"] is False
    assert summary["virtual_time_s"] == 1200.0


def test_summary_contract_keys() -> None:
    _, summary = _run()
    assert {"digest", "virtual_time_s", "wall_time_s", "speed", "packets", "expectations", "figures"} <= set(summary)
    assert {"drill_depth_m", "sample_mass_g", "burn_time_s", "orbit_periapsis_km", "orbit_apoapsis_km"} <= set(
        summary["figures"])
    assert set(summary["packets"]) == {"sampler:0x110", "ascender:0x120", "relay:0x130"}
    assert len(summary["digest"]) == 64


def test_same_seed_same_digest_other_seed_other_digest() -> None:
    first, second, other = _run()[1], _run()[1], _run(seed=6)[1]
    assert first["digest"] == second["digest"]
    assert first["packets"] == second["packets"]
    assert other["digest"] != first["digest"]


@pytest.mark.parametrize("until_s", [90, 400])
def test_until_stops_early(until_s: int) -> None:
    result = ScenarioRun(parse_scenario(SCENARIO, "short.toml")).run(until_ns=until_s * 10**9)
    assert result.bench.now_s == until_s


def test_a_run_cut_before_a_deadline_leaves_that_expectation_open_and_later_steps_not_reached() -> None:
    result = ScenarioRun(parse_scenario(SCENARIO, "short.toml")).run(until_ns=200 * 10**9)
    summary = build_summary(result)
    verdicts = {e["name"]: (e["passed"], e["open"], e["due_s"]) for e in summary["expectations"]}
    assert verdicts == {"relay locked": (True, False, 300.0), "never drilled": (False, True, None),
                        "impossible": (False, True, 600.0)}
    assert summary["expectations"][2]["detail"] == "sampler.drill_depth = 0 when the run ended"
    assert not result.passed and result.outcome == "open"  # not decided is not passed, nor failed
    assert (summary["passed"], summary["outcome"]) == (False, "open")
    steps = summary["steps"]
    assert (steps["completed"], steps["not_reached"], steps["problems"]) == (3, 2, [])  # the last two from T+5m


def test_a_run_cut_before_its_end_leaves_the_checks_at_the_end_open_even_when_they_hold_at_the_cut() -> None:
    result = ScenarioRun(parse_scenario(SCENARIO, "short.toml")).run(until_ns=400 * 10**9)
    never_drilled = result.expectations[1]  # sampler.drill_depth < 0.01: it holds at T+400s, and is not judged
    assert (never_drilled.passed, never_drilled.open) == (False, True)
    assert never_drilled.detail == "not judged: the run was cut at T+6m40s, before its end (T+20m)"
    assert [e.failed for e in result.expectations] == [False, False, False]
    assert result.outcome == "open"


def test_an_interrupted_run_leaves_the_checks_at_the_end_open() -> None:
    run = ScenarioRun(parse_scenario(SCENARIO, "short.toml"))
    result = run.run(progress=lambda _now, _end: run.interrupt(), chunk_s=300.0)
    assert result.interrupted and result.bench.now_s == 300.0
    assert result.expectations[1].detail == "not judged: the run was interrupted at T+5m, before its end (T+20m)"
    assert result.outcome == "open"


def test_a_run_ended_by_other_means_judges_the_checks_at_the_end_where_it_stopped() -> None:
    """A board's end line ends a served run before its duration: that is its end, not a cut."""
    result = ScenarioRun(parse_scenario(SCENARIO, "short.toml")).run(until_ns=400 * 10**9, ended=True)
    never_drilled = result.expectations[1]
    assert (never_drilled.passed, never_drilled.open, never_drilled.detail) == (True, False, "")


def test_a_cut_scenario_without_a_duration_names_no_end() -> None:
    result = ScenarioRun(parse_scenario(SCENARIO.replace('duration = "T+20m"\n', ""), "short.toml")).run(
        until_ns=400 * 10**9)
    assert result.expectations[1].open
    assert result.expectations[1].detail == "not judged: the run was cut at T+6m40s, before its end"


def test_a_scenario_with_no_end_of_its_own_judges_the_checks_at_the_end_where_it_stops() -> None:
    """No duration and no timeline (a bench soak, or ``farside serve`` until Ctrl-C): wherever it stops is its end."""
    scenario = parse_scenario('[scenario]\nname = "soak"\n[[expect]]\nname = "never drilled"\n'
                              'condition = "sampler.drill_depth < 0.01"\n', "soak.toml")
    assert not scenario.has_end
    result = ScenarioRun(scenario).run(until_ns=30 * 10**9)
    assert (result.expectations[0].passed, result.expectations[0].open, result.outcome) == (True, False, "passed")


@pytest.mark.parametrize("until_s", [None, 1200, 3000])
def test_a_run_that_reaches_its_end_judges_the_checks_at_the_end(until_s: int | None) -> None:
    """Run to the scenario's end, or with --until at or after it: the checks at the end pass or fail there."""
    text = SCENARIO + '\n[[expect]]\nname = "drilled"\ncondition = "sampler.drill_depth > 0.01"\n'
    result = ScenarioRun(parse_scenario(text, "short.toml")).run(until_ns=None if until_s is None else until_s * 10**9)
    assert result.bench.now_s == 1200.0
    verdicts = {e.expectation.name: (e.passed, e.open, e.detail) for e in result.expectations}
    assert verdicts["never drilled"] == (True, False, "")
    assert verdicts["drilled"] == (False, False, "sampler.drill_depth = 0 at the end")
    assert result.outcome == "failed" and build_summary(result)["outcome"] == "failed"


@pytest.mark.parametrize("wait", ["none", "acceptance"])
def test_a_step_not_waited_for_takes_its_commands_last_report(wait: str) -> None:
    text = SCENARIO.replace('command = "engine-ignite"', f'command = "engine-ignite"\nwait = "{wait}"')
    text = text.replace('device = "relay"\ncommand = "ping"', f'device = "relay"\ncommand = "ping"\nwait = "{wait}"')
    assert text.count(f'wait = "{wait}"') == 2
    result = ScenarioRun(parse_scenario(text, "short.toml")).run()
    assert [s.outcome for s in result.steps] == ["completed", "completed", "completed", "timed-out", "failed"]
    assert result.steps[4].detail == "INVALID_STATE"  # refused after the timeline moved on: still reported


def test_checks_only_in_seconds_that_need_them_decide_as_a_check_every_second() -> None:
    """A run as fast as possible checks conditions only in seconds in which a value they read arrived; the same run
    on a (very fast) wall clock, checked every second, fires the same steps and decides the same."""
    scenario = parse_scenario(SCENARIO, "short.toml")
    first = ScenarioRun(scenario).run()
    second = ScenarioRun(scenario, pacing=RealTime(speed=1e9)).run()
    assert first.bench.now_s == second.bench.now_s == 1200.0
    assert first.bench.digest.hexdigest() == second.bench.digest.hexdigest()
    assert [(s.fired_ns, s.outcome) for s in first.steps] == [(s.fired_ns, s.outcome) for s in second.steps]
    assert [(e.passed, e.decided_ns) for e in first.expectations] == [
        (e.passed, e.decided_ns) for e in second.expectations]
