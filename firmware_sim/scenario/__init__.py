"""Scenarios: TOML files describing a bench, a timeline of commands, faults and expectations."""

from firmware_sim.scenario.conditions import parse_condition
from firmware_sim.scenario.loader import load_scenario, parse_scenario
from firmware_sim.scenario.model import (
    COMPARISONS,
    BenchSettings,
    Condition,
    EventCondition,
    Expectation,
    FaultSpec,
    LinkSettings,
    Scenario,
    Step,
)
from firmware_sim.scenario.timespec import format_duration, format_time, parse_duration, parse_time

__all__ = [
    "COMPARISONS",
    "BenchSettings",
    "Condition",
    "EventCondition",
    "Expectation",
    "FaultSpec",
    "LinkSettings",
    "Scenario",
    "Step",
    "format_duration",
    "format_time",
    "load_scenario",
    "parse_condition",
    "parse_duration",
    "parse_scenario",
    "parse_time",
]
