"""One run's scenario: the campaign's scenario with the run's dispersion values and fault entry applied."""

from __future__ import annotations

from dataclasses import replace

from firmware_sim.scenario.model import Scenario
from hil.campaign.dispersions import apply
from hil.campaign.model import RunInputs


def scenario_for_run(base: Scenario, inputs: RunInputs) -> Scenario:
    """``base`` with the run's options set on its bench and its faults appended (the seed is given to the run)."""
    scenario = base
    if inputs.dispersions:
        scenario = replace(scenario, bench=replace(scenario.bench, devices=apply(scenario.bench.devices,
                                                                                 inputs.dispersions)))
    if inputs.faults:
        scenario = replace(scenario, faults=(*scenario.faults, *inputs.faults))
    return scenario
