"""Condition strings: parsed by pattern, checked against the dictionary, never evaluated."""

from __future__ import annotations

import builtins

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_sim.errors import ScenarioError
from firmware_sim.scenario.conditions import parse_condition
from firmware_sim.scenario.model import Condition, EventCondition
from protocols.dictionary.registry import default_dictionary


@pytest.mark.parametrize(("text", "expected"), [
    ("sampler.sealed_sample_mass >= 1500", ("sampler", "sealed_sample_mass", ">=", 1500)),
    ("sampler.drill_state == 'idle'", ("sampler", "drill_state", "==", "idle")),
    ('sampler.drill_state == "idle"', ("sampler", "drill_state", "==", "idle")),
    ("sampler.drill_state == idle", ("sampler", "drill_state", "==", "idle")),
    ("sampler.drill_state!=fault", ("sampler", "drill_state", "!=", "fault")),
    ("  ascender.ascender_mode == orbit  ", ("ascender", "ascender_mode", "==", "orbit")),
    ("sampler.sealed_sample_mass ≥ 1_500.5 g", ("sampler", "sealed_sample_mass", ">=", 1500.5)),
    ("sampler.drill_depth<2.5e0", ("sampler", "drill_depth", "<", 2.5)),
    ("sampler.drill_depth ≤ .5", ("sampler", "drill_depth", "<=", 0.5)),
    ("relay.link_state ≠ lost", ("relay", "link_state", "!=", "lost")),
    ("sampler.drill_rotation_rate > -10", ("sampler", "drill_rotation_rate", ">", -10)),
])
def test_telemetry_conditions_parse(text: str, expected: tuple[str, str, str, float | str]) -> None:
    condition = parse_condition(text, line=12)
    assert isinstance(condition, Condition)
    assert (condition.device, condition.parameter, condition.op, condition.value) == expected
    assert condition.text == text
    assert condition.line == 12


def test_integer_values_stay_integers() -> None:
    condition = parse_condition("sampler.scoop_count >= 3")
    assert isinstance(condition, Condition)
    assert condition.value == 3
    assert isinstance(condition.value, int)


@pytest.mark.parametrize(("text", "device", "event"), [
    ("ascender.event:orbit-reached", "ascender", "orbit-reached"),
    ("sampler.event: drill-stall", "sampler", "drill-stall"),
])
def test_event_conditions_parse(text: str, device: str, event: str) -> None:
    assert parse_condition(text, line=3) == EventCondition(device=device, event=event, text=text, line=3)


@pytest.mark.parametrize(("text", "problem"), [
    ("lander.mass >= 1", "no device 'lander'; devices: sampler, ascender, relay"),
    ("sampler.mass >= 1", "sampler has no parameter 'mass'; parameters: drill_depth,"),
    ("ascender.event:orbit", "ascender has no event 'orbit'; events: armed,"),
    ("sampler.drill_state == idel", "is a state: compare it with one of stowed, idle,"),
    ("sampler.drill_state == 1", "is a state: compare it with one of"),
    ("sampler.drill_state > idle", "compare it with == or != (not >)"),
    ("sampler.sealed_sample_mass >= lots", "is a number (0..3000 g): compare it with a number"),
    ("sampler.sealed_sample_mass >= 'idle'", "compare it with a number"),
    ("sampler.sealed_sample_mass >= 1.5 kg", "is in g, not kg"),
    ("sampler.heater_mask >= 1 g", "has no unit"),
    ("sampler.sealed_sample_mass = 5", "use == to compare, not ="),
    ("sampler.sealed_sample_mass => 5", "use >= to compare"),
    ("sampler.sealed_sample_mass >= ", "nothing to compare with"),
    ("sampler.event == 3", "write events as sampler.event:event-name"),
    ("sampler.sealed_sample_mass", "not understood"),
    ("", "not understood"),
])
def test_bad_conditions_are_refused_with_the_reason(text: str, problem: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_condition(text, path="plan.toml", line=9)
    assert str(caught.value).startswith("plan.toml:9: ")
    assert problem in str(caught.value)


@pytest.mark.parametrize("text", [
    "__import__('os')",
    "__import__('os').system('true')",
    "sampler.drill_depth > __import__('os').getpid()",
    "sampler.drill_depth > 1 and 1",
    "sampler.drill_depth > (1)",
    "sampler.drill_depth > 1; import os",
    "().__class__.__bases__[0].__subclasses__()",
    "lambda: 0",
    "sampler.__class__ == x",
    "sampler.drill_state == idle or True",
])
def test_expressions_are_refused_not_evaluated(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    default_dictionary()  # built (it compiles its codecs) before eval and exec are forbidden

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("a condition was evaluated")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    monkeypatch.setattr(builtins, "__import__", forbidden)
    with pytest.raises(ScenarioError):
        parse_condition(text)


def test_non_text_is_refused() -> None:
    with pytest.raises(ScenarioError, match="must be text"):
        parse_condition(5)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("sampler.drill_stateevent:-'\"=<>!≥ 0123456789_()")), max_size=40))
def test_any_text_parses_or_raises_scenario_error(text: str) -> None:
    try:
        condition = parse_condition(text)
    except ScenarioError as error:
        assert error.problem
    else:
        assert isinstance(condition, Condition | EventCondition)
