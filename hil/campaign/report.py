"""The campaign report: DIR/report/report.md and its PNGs, from a campaign directory's manifest and run rows."""

from __future__ import annotations

import math
import os
import re
import shlex
from pathlib import Path

from hil.campaign import report_markdown as md
from hil.campaign import report_plots as plots
from hil.campaign.report_data import CampaignData, figure_label, load_campaign, run_state
from hil.campaign.report_markdown import Pictures
from hil.campaign.rows import DISPERSION_PREFIX
from hil.campaign.text import RERUN_COMMAND
from hil.errors import HilError

REPORT_DIR = "report"
HISTOGRAM_DIR = "histograms"
SCATTER_DIR = "scatter"


def _file_name(*parts: str) -> str:
    """A PNG name from figure and parameter names, safe on any file system."""
    return "--".join(re.sub(r"[^A-Za-z0-9._-]+", "_", part) for part in parts) + ".png"


def _clear(folder: Path) -> None:
    """Remove the PNGs a previous report left in ``folder`` (the report owns it)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()


def _histograms(data: CampaignData, out: Path, pictures: Pictures) -> None:
    _clear(out / HISTOGRAM_DIR)
    for name in data.figures:
        if len(set(data.values(name))) < 2:
            continue
        ok = [float(r[name]) for r in data.rows if r.get(name) is not None and run_state(r) == "passed"]
        bad = [float(r[name]) for r in data.rows if r.get(name) is not None and run_state(r) != "passed"]
        relative = f"{HISTOGRAM_DIR}/{_file_name(figure_label(name))}"
        if (ok or bad) and plots.histogram(out / relative, figure_label(name), ok, bad):
            pictures.histograms[name] = relative


def _scatters(data: CampaignData, out: Path, pictures: Pictures) -> None:
    _clear(out / SCATTER_DIR)
    numeric = set(data.numeric_dispersions())
    for name in data.figures:
        if len(set(data.values(name))) < 2:
            continue
        for parameter in data.dispersions:
            column = DISPERSION_PREFIX + parameter
            points = [(r[column], float(r[name]), run_state(r) == "passed") for r in data.rows
                      if r.get(name) is not None and r.get(column) is not None and math.isfinite(r[name])]
            if not points:
                continue
            label = figure_label(name)
            relative = f"{SCATTER_DIR}/{_file_name(label, parameter)}"
            if parameter in numeric:
                plots.scatter(out / relative, label, parameter, [(float(x), y, p) for x, y, p in points])
            else:
                plots.strip(out / relative, label, parameter, [(str(x), y, p) for x, y, p in points])
            pictures.scatters[(name, parameter)] = relative


def _pass_rates(data: CampaignData, out: Path, pictures: Pictures) -> None:
    path = out / "pass_rates.png"
    path.unlink(missing_ok=True)
    if data.rows:
        plots.pass_rates(path, [(r.name, r.rate, *r.interval) for r in md.rates(data)])
        pictures.pass_rates = path.name


def write_report(directory: Path, rerun_command: str = RERUN_COMMAND) -> Path:
    """Write DIR/report/report.md and its PNGs for the campaign in ``directory``; returns the report.md path.

    ``rerun_command`` is formatted with ``dir`` (shell-quoted) and ``run`` for every run the report names.
    """
    data = load_campaign(directory)
    out = directory / REPORT_DIR
    quoted = shlex.quote(str(directory))

    def rerun(run: int) -> str:
        return rerun_command.format(dir=quoted, run=run)

    try:
        out.mkdir(parents=True, exist_ok=True)
        pictures = Pictures()
        _pass_rates(data, out, pictures)
        _histograms(data, out, pictures)
        _scatters(data, out, pictures)
        text = "\n".join([*md.header(data), *md.glance(data), *md.pass_rates(data, pictures),
                          *md.figures(data, pictures), *md.scatters(data, pictures), *md.worst_runs(data, rerun),
                          *md.not_passed(data, rerun)]).rstrip() + "\n"
        report = out / "report.md"
        partial = out / "report.md.partial"
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, report)
    except OSError as exc:
        raise HilError(f"cannot write the campaign report to {out}: {exc.strerror or exc}") from None
    return report
