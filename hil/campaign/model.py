"""A campaign as data: its scenario, seeds, dispersions, fault matrix, and the inputs of each run."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from firmware_sim.params import Param
from firmware_sim.scenario.model import FaultSpec, Scenario

DISTRIBUTIONS = ("normal", "uniform", "choice")


@dataclass(frozen=True)
class Dispersion:
    """One model option drawn per run: ``parameter`` is ``device.option`` (nested keys with dots)."""

    parameter: str
    distribution: str
    spec: Param
    mean: float | None = None
    sd: float | None = None
    low: float | None = None
    high: float | None = None
    values: tuple[Any, ...] = ()
    line: int | None = None

    @property
    def device(self) -> str:
        """The device whose option this is."""
        return self.parameter.split(".", 1)[0]

    @property
    def keys(self) -> tuple[str, ...]:
        """The option's path inside the device's options (``("orbit", "perilune_altitude_km")``)."""
        return tuple(self.parameter.split(".")[1:])

    def describe(self) -> dict[str, Any]:
        """The dispersion as JSON-ready data (for the manifest)."""
        found = {"parameter": self.parameter, "distribution": self.distribution}
        for key in ("mean", "sd", "low", "high"):
            if getattr(self, key) is not None:
                found[key] = getattr(self, key)
        if self.values:
            found["values"] = list(self.values)
        return found


@dataclass(frozen=True)
class FaultEntry:
    """One entry of a fault-matrix axis: the scenario faults it adds (none for ``[]``)."""

    faults: tuple[FaultSpec, ...] = ()

    @property
    def label(self) -> str:
        """A short name: ``none`` or ``target/fault`` joined by ``+``."""
        return "+".join(f"{f.target}/{f.fault}" for f in self.faults) or "none"


@dataclass(frozen=True)
class FaultAxis:
    """One axis of the fault matrix: its name and its entries, in file order."""

    name: str
    entries: tuple[FaultEntry, ...]


@dataclass(frozen=True)
class Campaign:
    """Everything that decides a campaign's runs (the scenario already loaded and checked)."""

    name: str
    scenario: Scenario
    scenario_text: str
    seeds: tuple[int, ...]
    until_ns: int | None = None
    until_text: str | None = None
    run_timeout_s: float | None = None
    dispersions: tuple[Dispersion, ...] = ()
    axes: tuple[FaultAxis, ...] = ()
    file: str | None = None
    file_text: str | None = None


def fault_json(fault: FaultSpec) -> dict[str, Any]:
    """A scenario fault as JSON-ready data."""
    return {"at_ns": fault.at_ns, "target": fault.target, "fault": fault.fault, "params": fault.params}


def fault_from_json(data: dict[str, Any]) -> FaultSpec:
    """A scenario fault back from ``fault_json``."""
    return FaultSpec(line=None, at_ns=int(data["at_ns"]), target=str(data["target"]), fault=str(data["fault"]),
                     params=dict(data.get("params") or {}))


@dataclass(frozen=True)
class RunInputs:
    """What decides one run's bytes besides the scenario: seed, dispersion values, fault entry (one per axis)."""

    run: int
    seed: int
    dispersions: dict[str, Any] = field(default_factory=dict)
    entries: dict[str, str] = field(default_factory=dict)
    """The label of the entry taken from each fault-matrix axis, by axis name."""
    faults: tuple[FaultSpec, ...] = ()

    @property
    def fault_label(self) -> str:
        """The run's fault entry in one short text (``none`` without faults)."""
        if not self.faults:
            return "none"
        return "; ".join(f"{axis}={label}" for axis, label in self.entries.items() if label != "none")

    @property
    def faults_json(self) -> str:
        """The faults the run adds, as JSON text."""
        return json.dumps([fault_json(f) for f in self.faults], sort_keys=True)

    def to_json(self) -> dict[str, Any]:
        """The inputs as JSON-ready data (one item of the manifest's ``runs``)."""
        return {"run": self.run, "seed": self.seed, "dispersions": self.dispersions, "entries": self.entries,
                "faults": [fault_json(f) for f in self.faults]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunInputs:
        """The inputs back from ``to_json`` (a manifest item)."""
        return cls(run=int(data["run"]), seed=int(data["seed"]), dispersions=dict(data.get("dispersions") or {}),
                   entries=dict(data.get("entries") or {}),
                   faults=tuple(fault_from_json(f) for f in data.get("faults") or ()))
