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
    assert verdicts == {"relay locked": (True, False, 300.0), "never drilled": (True, False, None),
                        "impossible": (False, True, 600.0)}
    assert summary["expectations"][2]["detail"] == "sampler.drill_depth = 0 when the run ended"
    assert not result.passed  # not decided is not passed
    steps = summary["steps"]
    assert (steps["completed"], steps["not_reached"], steps["problems"]) == (3, 2, [])  # the last two from T+5m


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
