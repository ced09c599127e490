"""A campaign's runs: seeds × the product of the fault-matrix axes, seed-major, numbered 0..N−1."""

from __future__ import annotations

import itertools

from firmware_sim.devices import model_class
from firmware_sim.errors import ScenarioError
from firmware_sim.params import ParameterError, check_options
from hil.campaign.dispersions import apply, draw
from hil.campaign.model import Campaign, FaultEntry, RunInputs


def plan_runs(campaign: Campaign) -> list[RunInputs]:
    """Every run's inputs, in order; each run's device options are checked as the model will see them."""
    combos: list[tuple[FaultEntry, ...]] = list(itertools.product(*(axis.entries for axis in campaign.axes)))
    names = [axis.name for axis in campaign.axes]
    runs: list[RunInputs] = []
    for seed in campaign.seeds:
        values = draw(campaign.dispersions, seed)
        if values:
            _check(campaign, len(runs), seed, values)
        for combo in combos:
            faults = tuple(f for entry in combo for f in entry.faults)
            entries = {name: entry.label for name, entry in zip(names, combo, strict=True)}
            runs.append(RunInputs(run=len(runs), seed=seed, dispersions=values, entries=entries, faults=faults))
    return runs


def _check(campaign: Campaign, run: int, seed: int, values: dict[str, object]) -> None:
    """The drawn options must be a set the model takes (e.g. a relay orbit's perilune below its apolune)."""
    devices = apply(campaign.scenario.bench.devices, values)
    for device in sorted({p.split(".", 1)[0] for p in values}):
        try:
            check_options(device, model_class(device), devices[device])
        except ParameterError as error:
            key = ".".join((device, *error.key))
            line = next((d.line for d in campaign.dispersions if d.parameter.startswith(key)),
                        next(d.line for d in campaign.dispersions if d.device == device))
            raise ScenarioError(campaign.file or campaign.scenario.path, line,
                                f"run {run} (seed {seed}) draws options {device} does not take: "
                                f"{error.problem}") from None
