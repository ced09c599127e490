"""Campaign files (TOML) read into ``Campaign`` objects; every problem names the file, the line and the key.

The scenario loader's own readers do the checking (key tables, times, and each fault of the fault matrix exactly
as a scenario's ``[[faults]]``), so a campaign file's errors read like a scenario file's.
"""

from __future__ import annotations

import difflib
import math
import os
from pathlib import Path
from typing import Any, NoReturn

from firmware_sim.errors import ScenarioError
from firmware_sim.missions import builtin_names, scenario_path
from firmware_sim.params import Param
from firmware_sim.scenario import load_scenario, parse_scenario
from firmware_sim.scenario.loader import TomlReader, TomlSection, read_toml
from firmware_sim.scenario.locate import SourceMap
from firmware_sim.scenario.model import Scenario
from firmware_sim.scenario.timespec import format_time
from hil.campaign.model import DISTRIBUTIONS, Campaign, Dispersion, FaultAxis, FaultEntry
from hil.campaign.seeds import parse_seeds
from protocols.dictionary.registry import default_dictionary, default_members

TABLES = ("campaign", "dispersions", "fault_matrix")
CAMPAIGN_KEYS = ("name", "scenario", "seeds", "until", "run_timeout_s")
DISPERSION_KEYS = ("parameter", "distribution", "mean", "sd", "low", "high", "values")
TAKES = {"normal": ("mean", "sd", "low", "high"), "uniform": ("low", "high"), "choice": ("values",)}
"""The keys each distribution takes besides parameter and distribution."""


def is_campaign_file(path: str | os.PathLike[str]) -> bool:
    """True when the TOML file at ``path`` has a ``[campaign]`` table (else it is taken for a scenario)."""
    try:
        text = Path(path).read_bytes().decode("utf-8").removeprefix("\ufeff")
        return "campaign" in read_toml(text, os.fspath(path))
    except (OSError, UnicodeDecodeError, ScenarioError):
        return False


def read_scenario(argument: str) -> tuple[Scenario, str]:
    """A scenario named as ``farside run`` takes it (a file or a built-in name), with its text."""
    path = scenario_path(argument)
    if not path.exists():
        raise ScenarioError(str(path), None, f"no such scenario file (built-in: {', '.join(builtin_names())})")
    scenario = load_scenario(path)
    return scenario, path.read_bytes().decode("utf-8")


def scenario_campaign(argument: str, seeds: tuple[int, ...]) -> Campaign:
    """A campaign without a file: the scenario once per seed (no dispersions, no faults)."""
    scenario, text = read_scenario(argument)
    if scenario.bench.real_time:
        raise ScenarioError(scenario.path, None, "a campaign runs headless, but this bench has real nodes")
    return Campaign(name=scenario.name, scenario=scenario, scenario_text=text, seeds=seeds)


def load_campaign(path: str | os.PathLike[str]) -> Campaign:
    """Read and check the campaign file at ``path`` (its scenario too)."""
    name = os.fspath(path)
    try:
        text = Path(name).read_bytes().decode("utf-8").removeprefix("\ufeff")
    except OSError as error:
        raise ScenarioError(name, None, f"cannot read the campaign file: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise ScenarioError(name, None, f"not UTF-8 text: {error.reason}") from None
    return _CampaignReader(name, text).campaign(read_toml(text, name))


class _CampaignReader:
    """Reads one campaign file, section by section, with the scenario loader's located readers."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self.reader = TomlReader(path, SourceMap.of(text), default_dictionary())

    def campaign(self, data: dict[str, Any]) -> Campaign:
        top = TomlSection(self.reader, data, (), "")
        for key in data:
            if key not in TABLES:
                close = difflib.get_close_matches(key, TABLES, n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                top.fail(key, f"unknown table or key {key!r} at the top level; {hint}a campaign file holds "
                              "[campaign], [[dispersions]] and [fault_matrix]")
        if "campaign" not in data:
            top.fail(None, 'missing the [campaign] table (it needs name = "…" and scenario = "…")')
        header = top.section("campaign", "[campaign]")
        header.only(CAMPAIGN_KEYS)
        name = header.text("name", required=True)
        scenario, scenario_text = self.scenario(header)
        seeds = self.seeds(header)
        until_ns = header.time("until")
        if until_ns is not None:
            self.reader.within_time_code(header, "until", until_ns)
        timeout = self.number(header, "run_timeout_s", above=0.0)
        self.bench(scenario)
        dispersions = self.dispersions(top, scenario)
        axes = self.fault_matrix(top) if "fault_matrix" in data else ()
        return Campaign(name=name, scenario=scenario, scenario_text=scenario_text, seeds=seeds, until_ns=until_ns,
                        until_text=None if until_ns is None else format_time(until_ns), run_timeout_s=timeout,
                        dispersions=dispersions, axes=axes, file=self.path, file_text=self.text)

    # [campaign] ------------------------------------------------------------------------------------------------
    def scenario(self, header: TomlSection) -> tuple[Scenario, str]:
        written = header.text("scenario", required=True)
        path = Path(self.path).parent / written
        if not path.exists():
            if written not in builtin_names():
                header.fail("scenario", f"scenario = {written!r}: no such file next to the campaign file, nor a "
                                        f"built-in scenario ({', '.join(builtin_names())})")
            path = scenario_path(written)
        scenario = load_scenario(path)
        if scenario.bench.real_time:
            header.fail("scenario", f"scenario = {written!r} has real nodes; a campaign runs headless")
        return scenario, path.read_bytes().decode("utf-8")

    def seeds(self, header: TomlSection) -> tuple[int, ...]:
        if "seeds" not in header.data:
            header.fail(None, 'missing seeds (a range "0:100", half-open, or a list [1, 2, 3])')
        try:
            return parse_seeds(header.data["seeds"])
        except ValueError as error:
            header.fail("seeds", str(error))

    def number(self, section: TomlSection, key: str, *, above: float | None = None, required: bool = False,
               at: tuple[str, ...] | None = None) -> float | None:
        """A finite number (integer or float) at ``key``, above ``above`` if given, or None when absent."""
        if key not in section.data:
            if required:
                section.fail(None, f"missing {key} (a number)")
            return None
        value = section.data[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            section.fail(at or key, f"{key} must be a finite number, not {value!r}")
        if above is not None and value <= above:
            section.fail(at or key, f"{key} = {value!r} must be above {above:g}")
        return float(value)

    def bench(self, scenario: Scenario) -> None:
        """Tell the scenario reader the scenario's bench and times, so fault entries are checked against them."""
        reader = self.reader
        reader.settings = scenario.bench
        reader.members = scenario.bench.member_names(reader.dictionary.names, default_members(reader.dictionary))
        reader.start_limits(scenario.start_utc)
        reader.duration_ns = scenario.duration_ns
        if scenario.duration_ns is not None:
            reader.duration_text = f"the scenario's duration = {format_time(scenario.duration_ns)!r}"

    # [[dispersions]] -------------------------------------------------------------------------------------------
    def dispersions(self, top: TomlSection, scenario: Scenario) -> tuple[Dispersion, ...]:
        """Every ``[[dispersions]]`` table, in file order; a parameter may be dispersed once only."""
        found: dict[str, Dispersion] = {}
        for section in top.array("dispersions", "dispersion"):
            dispersion = self.dispersion(section, scenario)
            first = found.get(dispersion.parameter)
            if first is not None:
                section.fail("parameter", f"parameter = {dispersion.parameter!r} is already dispersed (line "
                                          f"{first.line}); give each parameter one [[dispersions]] table")
            found[dispersion.parameter] = dispersion
        return tuple(found.values())

    def dispersion(self, section: TomlSection, scenario: Scenario) -> Dispersion:
        section.only(DISPERSION_KEYS)
        parameter = section.text("parameter", required=True).strip()
        spec = self.option(section, parameter)
        kind = section.choice("distribution", DISTRIBUTIONS)
        if kind is None:
            section.fail(None, f"missing distribution ({', '.join(DISTRIBUTIONS)})")
        for key in section.data:
            if key not in ("parameter", "distribution", *TAKES[kind]):
                section.fail(key, f"{key} does not apply to a {kind} distribution (it takes {', '.join(TAKES[kind])})")
        line = section.line("parameter")
        if kind == "choice":
            return Dispersion(parameter, kind, spec, values=self.choices(section, parameter, spec), line=line)
        if spec.kind not in ("number", "integer"):
            section.fail("distribution", f"{parameter} takes {spec.describe()}: only a choice distribution "
                                         "(values = [...]) can draw it")
        low = self.number(section, "low", required=kind == "uniform")
        high = self.number(section, "high", required=kind == "uniform")
        for key, value in (("low", low), ("high", high)):
            if value is not None:
                self.in_range(section, key, parameter, spec, value)
        if low is not None and high is not None and high <= low:
            section.fail("high", f"high = {high:g} must be above low = {low:g}")
        if kind == "uniform":
            return Dispersion(parameter, kind, spec, low=low, high=high, line=line)
        mean = self.number(section, "mean", required=True)
        sd = self.number(section, "sd", required=True)
        assert mean is not None and sd is not None
        if sd < 0:
            section.fail("sd", f"sd = {sd:g} must not be negative")
        self.in_range(section, "mean", parameter, spec, mean)
        if (low is not None and mean < low) or (high is not None and mean > high):
            section.fail("mean", f"mean = {mean:g} lies outside low..high")
        return Dispersion(parameter, kind, spec, mean=mean, sd=sd, low=low, high=high, line=line)

    def option(self, section: TomlSection, parameter: str) -> Param:
        """The declared option ``device.option[.key…]`` names, or an error at ``parameter``."""
        device_name, _, rest = parameter.partition(".")
        if not rest:
            section.fail("parameter", f"parameter = {parameter!r}: write device.option, e.g. 'ascender.propellant_kg'")
        device = self.reader.member(section, "parameter", device_name)
        model = self.reader.model_class(device.name)
        specs: dict[str, Param] | None = dict(getattr(model, "OPTIONS", None) or {}) or None
        if specs is None:
            section.fail("parameter", f"{device.name} declares no model options to disperse")
        spec: Param | None = None
        walked = device.name
        for key in rest.split("."):
            if specs is None:
                section.fail("parameter", f"parameter = {parameter!r}: {walked} is {spec.describe() if spec else ''}, "
                                          "not a table")
            spec = specs.get(key)
            if spec is None:
                close = difflib.get_close_matches(key, list(specs), n=1)
                hint = f"did you mean {walked}.{close[0]}? " if close else ""
                self.unknown(section, parameter, f"{hint}{walked} options: {', '.join(specs)}")
            walked = f"{walked}.{key}"
            specs = dict(spec.fields) if spec.kind == "table" and spec.fields is not None else None
        assert spec is not None
        if spec.kind == "table":
            section.fail("parameter", f"parameter = {parameter!r} is a table; name one of its keys: "
                                      f"{', '.join(specs or {})}")
        return spec

    def unknown(self, section: TomlSection, parameter: str, known: str) -> NoReturn:
        section.fail("parameter", f"unknown parameter {parameter!r} (not a declared model option); {known}")

    def choices(self, section: TomlSection, parameter: str, spec: Param) -> tuple[Any, ...]:
        values = section.data.get("values")
        if not isinstance(values, list) or not values:
            section.fail("values" if "values" in section.data else None,
                         "a choice distribution needs values = [...] (at least one)")
        for index, value in enumerate(values):
            problem = spec.problem(value)
            if problem is not None:
                section.fail(("values", index), f"{parameter} {problem}")
        return tuple(values)

    def in_range(self, section: TomlSection, key: str, parameter: str, spec: Param, value: float) -> None:
        problem = spec.problem(int(value) if spec.kind == "integer" and value.is_integer() else value)
        if problem is not None:
            section.fail(key, f"{key}: {parameter} {problem}")

    # [fault_matrix] --------------------------------------------------------------------------------------------
    def fault_matrix(self, top: TomlSection) -> tuple[FaultAxis, ...]:
        matrix = top.section("fault_matrix", "[fault_matrix]")
        if not matrix.data:
            matrix.fail(None, "[fault_matrix] needs at least one axis, e.g. drill = [[], [{ at = …, target = …, "
                              "fault = … }]]")
        axes = []
        for axis, entries in matrix.data.items():
            if not isinstance(entries, list) or not entries:
                matrix.fail(axis, f"{axis} must be a list of entries, each a list of faults ([] for none)")
            found = []
            for index, entry in enumerate(entries):
                if not isinstance(entry, list):
                    matrix.fail((axis, index), f"{axis} entry {index + 1} must be a list of fault tables ([] for none)")
                faults = []
                for number, table in enumerate(entry):
                    label = f"[fault_matrix] {axis} entry {index + 1} fault {number + 1}"
                    if not isinstance(table, dict):
                        matrix.fail((axis, index, number), f"{label} must be a table like "
                                                           '{ at = "T+1h", target = "sampler", fault = "rock" }')
                    section = TomlSection(self.reader, table, ("fault_matrix", axis, index, number), label)
                    faults.append(self.reader.fault(section))
                found.append(FaultEntry(tuple(faults)))
            axes.append(FaultAxis(axis, tuple(found)))
        return tuple(axes)


def reparse_scenario(text: str, path: str) -> Scenario:
    """The scenario a campaign directory keeps a copy of, read again (as it was read when the campaign started)."""
    return parse_scenario(text, path)
