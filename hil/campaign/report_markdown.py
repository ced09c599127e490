"""The campaign report's text: report.md's sections, from the campaign's rows and the PNGs written for them."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hil.campaign.report_data import CampaignData, figure_label, run_state
from hil.campaign.report_stats import wilson_interval
from hil.campaign.rows import DISPERSION_PREFIX, EXPECT_PREFIX, OPEN_MEANING, STATES

WORST_PER_TAIL = 3
"""How many runs the report lists at each end of every figure."""


@dataclass(frozen=True)
class Rate:
    """One pass rate: passes among runs with a verdict, and its 95 % Wilson interval."""

    name: str
    passed: int
    trials: int
    without_verdict: int

    @property
    def rate(self) -> float:
        """The proportion passed (0 when there was no verdict at all)."""
        return self.passed / self.trials if self.trials else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        """The 95 % Wilson score interval."""
        return wilson_interval(self.passed, self.trials)


@dataclass
class Pictures:
    """The PNGs written, as paths relative to the report directory."""

    pass_rates: str | None = None
    histograms: dict[str, str] = field(default_factory=dict)
    scatters: dict[tuple[str, str], str] = field(default_factory=dict)


def number(value: Any) -> str:
    """A value for a table cell: ``—`` for null, 6 significant digits for floats."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.6g}"
    return cell(str(value))


def cell(text: str, limit: int = 160) -> str:
    """Text safe in a Markdown table cell: one line, pipes escaped, cut at ``limit`` characters."""
    line = " ".join(text.split())
    if len(line) > limit:
        line = line[: limit - 1] + "…"
    return line.replace("|", "\\|")


def percent(value: float) -> str:
    """A proportion as a percentage with one decimal."""
    return f"{100 * value:.1f} %"


def run_ranges(runs: Sequence[int]) -> str:
    """Run numbers as compact ranges: ``0–4, 7``."""
    parts: list[str] = []
    for run in sorted(runs):
        if parts and parts[-1][1] == run - 1:
            parts[-1][1] = run
        else:
            parts.append([run, run])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in parts)


def rates(data: CampaignData) -> list[Rate]:
    """The whole run's pass rate (every run counts) then each expectation's (runs with a verdict count)."""
    found = [Rate("whole run", sum(run_state(r) == "passed" for r in data.rows), len(data.rows), 0)]
    for name in data.expectations:
        verdicts = [r.get(EXPECT_PREFIX + name) for r in data.rows]
        decided = [v for v in verdicts if v is not None]
        found.append(Rate(name, sum(bool(v) for v in decided), len(decided), len(verdicts) - len(decided)))
    return found


def _names(figures: Sequence[str]) -> str:
    return ", ".join(f"`{cell(figure_label(f))}`" for f in figures)


def _dispersions(data: CampaignData, row: dict[str, Any]) -> str:
    values = [f"{p}={number(row.get(DISPERSION_PREFIX + p))}" for p in data.dispersions]
    return ", ".join(values) if values else "—"


def _fault(row: dict[str, Any]) -> str:
    return cell(str(row["fault"])) if row.get("fault") else "—"


def header(data: CampaignData) -> list[str]:
    """The title and the campaign's identity from the manifest: scenario, its file and hash, farside version."""
    m = data.manifest
    lines = [f"# Campaign report: {cell(str(m.get('campaign') or data.directory.name))}", ""]
    if m.get("scenario"):
        facts = [f"file `{cell(str(m['scenario_file']))}`"] if m.get("scenario_file") else []
        facts += [f"sha256 `{m['scenario_sha256']}`"] if m.get("scenario_sha256") else []
        lines.append(f"Scenario `{cell(str(m['scenario']))}`" + (f" ({', '.join(facts)})" if facts else "")
                     + (f", farside {m['farside_version']}" if m.get("farside_version") else "") + ".")
    lines.append(f"Campaign directory `{data.directory}`.")
    return [*lines, ""]


def glance(data: CampaignData) -> list[str]:
    """Runs by exit state, runs not yet written, and wall time."""
    rows = data.rows
    states = [run_state(r) for r in rows]
    lines = ["## The campaign at a glance", "", "| | |", "|---|---|"]
    if data.manifest.get("runs") is not None:
        lines.append(f"| runs planned | {len(data.manifest['runs'])} |")
    lines.append(f"| runs written | {len(rows)} |")
    others = sorted({s for s in states if s not in STATES})
    for state in (*STATES, *others):
        count = states.count(state)
        share = f" ({percent(count / len(rows))})" if rows else ""
        lines.append(f"| {cell(state)} | {count}{share} |")
    if data.missing:
        lines.append(f"| not yet run | {len(data.missing)} (runs {run_ranges(data.missing)}) |")
    walls = [float(r["wall_s"]) for r in rows if r.get("wall_s") is not None]
    if walls:
        lines.append(f"| wall time, all runs | {sum(walls):.1f} s |")
        lines.append(f"| wall time per run | {statistics.fmean(walls):.2f} s mean, {statistics.median(walls):.2f} s "
                     f"median, {max(walls):.2f} s max |")
    virtual = [float(r["virtual_s"]) for r in rows if r.get("virtual_s") is not None]
    if virtual:
        lines.append(f"| virtual time per run | {statistics.fmean(virtual):.1f} s mean |")
    if "open" in states:
        lines += ["", f"`open`: a run that {OPEN_MEANING}{_until(data)}."]
    return [*lines, ""]


def _until(data: CampaignData) -> str:
    """``; every run stopped at T+6h (until)``, or "" when the runs went to the scenario's end."""
    until = data.manifest.get("until")
    return f"; every run stopped at {cell(str(until))} (until)" if until else ""


def pass_rates(data: CampaignData, pictures: Pictures) -> list[str]:
    """Every expectation's pass rate and the whole run's, each with its 95 % Wilson interval."""
    lines = ["## Pass rates", ""]
    if not data.rows:
        return [*lines, "No run has been written yet.", ""]
    lines += ["| | passed | runs | rate | 95 % interval | no verdict |", "|---|---:|---:|---:|---|---:|"]
    for i, r in enumerate(rates(data)):
        low, high = r.interval
        name = "**whole run**" if i == 0 else f"`{cell(r.name)}`"
        rate = percent(r.rate) if r.trials else "—"
        lines.append(f"| {name} | {r.passed} | {r.trials} | {rate} | {percent(low)} – {percent(high)} | "
                     f"{r.without_verdict} |")
    lines += ["", "The whole run passes when its state is `passed`: every run counts, open runs, errors, timeouts and "
              "killed workers as not passed. An expectation's rate counts the runs that reached a verdict on it; "
              "the others (open, or the run did not end) are under *no verdict*. Intervals are Wilson score "
              "intervals."]
    if pictures.pass_rates:
        lines += ["", f"![pass rates]({pictures.pass_rates})"]
    return [*lines, ""]


def figures(data: CampaignData, pictures: Pictures) -> list[str]:
    """The spread of each figure that varies (a table, then histograms); those that do not, with their value."""
    lines = ["## Figures", ""]
    present = [f for f in data.figures if data.values(f)]
    varying = [f for f in present if len(set(data.values(f))) > 1]
    if not present:
        lines.append("No figure has a value in any run.")
    elif varying:
        lines += ["| figure | runs | min | median | mean | max |", "|---|---:|---:|---:|---:|---:|"]
        for name in varying:
            values = [float(v) for v in data.values(name)]
            lines.append(f"| `{cell(figure_label(name))}` | {len(values)} | {number(min(values))} | "
                         f"{number(statistics.median(values))} | {number(statistics.fmean(values))} | "
                         f"{number(max(values))} |")
    constant = [f for f in present if f not in varying]
    if constant:
        same = ", ".join(f"`{cell(figure_label(f))}` = {number(data.values(f)[0])}" for f in constant)
        lines += ["", f"The same in every run (no plot): {same}."]
    empty = [f for f in data.figures if f not in present]
    if empty:
        lines += ["", f"Null in every run (no plot): {_names(empty)}."]
    for name in varying:
        if name in pictures.histograms:
            lines += ["", f"![{cell(figure_label(name))}]({pictures.histograms[name]})"]
    return [*lines, ""]


def scatters(data: CampaignData, pictures: Pictures) -> list[str]:
    """A table of links: one row per figure, one column per dispersed parameter."""
    lines = ["## Figures against dispersed parameters", ""]
    if not data.dispersions:
        return [*lines, "No parameter is dispersed in this campaign.", ""]
    names = sorted({f for f, _ in pictures.scatters}, key=data.figures.index)
    if not names:
        return [*lines, "No figure differs between runs.", ""]
    lines += ["Blue dots passed, red crosses did not. Choice parameters get a column of points per choice.", "",
              "| figure | " + " | ".join(f"`{cell(p)}`" for p in data.dispersions) + " |",
              "|---|" + "---|" * len(data.dispersions)]
    for name in names:
        links = [f"[png]({pictures.scatters[(name, p)]})" if (name, p) in pictures.scatters else "—"
                 for p in data.dispersions]
        lines.append(f"| `{cell(figure_label(name))}` | " + " | ".join(links) + " |")
    return [*lines, ""]


def worst_runs(data: CampaignData, rerun: Callable[[int], str]) -> list[str]:
    """For each figure, the lowest and the highest few runs with their inputs and rerun commands."""
    lines = ["## Worst runs by figure", "",
             f"A figure can be bad at either end (a shallow hole, an orbit too high), so each lists its "
             f"{WORST_PER_TAIL} lowest and {WORST_PER_TAIL} highest runs (figures that are the same in every "
             f"run are left out).", ""]
    drawn = [f for f in data.figures if len(set(data.values(f))) > 1 or (len(data.rows) == 1 and data.values(f))]
    if not drawn:
        return [*lines, "No figure differs between runs." if data.rows else "No run has been written yet.", ""]
    for name in drawn:
        ranked = sorted((r for r in data.rows if r.get(name) is not None), key=lambda r: (r[name], r["run"]))
        if len(ranked) == 1:
            chosen = [("only run", ranked[0])]
        elif len(ranked) <= 2 * WORST_PER_TAIL:
            chosen = [("lowest" if i < (len(ranked) + 1) // 2 else "highest", r) for i, r in enumerate(ranked)]
        else:
            chosen = [("lowest", r) for r in ranked[:WORST_PER_TAIL]]
            chosen += [("highest", r) for r in ranked[-WORST_PER_TAIL:]]
        lines += [f"### `{cell(figure_label(name))}`", "",
                  "| end | run | value | state | seed | fault | dispersions | rerun |",
                  "|---|---:|---:|---|---:|---|---|---|"]
        for end, r in chosen:
            lines.append(f"| {end} | {r['run']} | {number(r[name])} | {cell(run_state(r))} | {number(r.get('seed'))} "
                         f"| {_fault(r)} | {_dispersions(data, r)} | `{rerun(r['run'])}` |")
        lines.append("")
    return lines


def _why(data: CampaignData, row: dict[str, Any]) -> str:
    if row.get("error"):
        return cell(str(row["error"]))
    if run_state(row) == "open":
        unjudged = [name for name in data.expectations if row.get(EXPECT_PREFIX + name) is None]
        return cell("expectations not judged (open): " + ", ".join(unjudged), limit=400)
    failed = [name for name in data.expectations if row.get(EXPECT_PREFIX + name) is False]
    return cell("expectations failed: " + ", ".join(failed), limit=400) if failed else "—"


def not_passed(data: CampaignData, rerun: Callable[[int], str]) -> list[str]:
    """Every run that did not pass, with its error (or failed expectations) and its rerun command."""
    bad = [r for r in data.rows if run_state(r) != "passed"]
    lines = ["## Runs that did not pass", ""]
    if not bad:
        return [*lines, "None." if data.rows else "No run has been written yet.", ""]
    lines += ["| run | state | seed | fault | dispersions | error | traceback digest | rerun |",
              "|---:|---|---:|---|---|---|---|---|"]
    for r in bad:
        digest = r.get("traceback_digest") or r.get("traceback")
        trace = f"`{cell(str(digest))}`" if digest else "—"
        lines.append(f"| {r['run']} | {cell(run_state(r))} | {number(r.get('seed'))} | {_fault(r)} | "
                     f"{_dispersions(data, r)} | {_why(data, r)} | {trace} | `{rerun(r['run'])}` |")
    return [*lines, ""]
