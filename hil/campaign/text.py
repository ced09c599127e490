"""The one-screen summary printed when a campaign session ends."""

from __future__ import annotations

import shlex
from collections import Counter
from pathlib import Path

from firmware_sim.scenario.timespec import format_time
from hil.campaign import dataset
from hil.campaign.driver import Tally
from hil.campaign.rows import OPEN_MEANING, STATES

SHOWN_FAILURES = 5


RERUN_COMMAND = "farside campaign {dir} --rerun {run}"
"""How a person reruns one run alone (``dir`` shell-quoted); the summary and the report both name it."""


def rerun_command(directory: Path, run: int) -> str:
    """The command that reruns one run alone."""
    return RERUN_COMMAND.format(dir=shlex.quote(str(directory)), run=run)


def open_explanation(count: int, until_ns: int | None) -> str:
    """``  open: 2 runs (stopped at T+6h by until) ended with …``: what the open runs are."""
    cut = "" if until_ns is None else f" (stopped at {format_time(until_ns)} by until)"
    return f"  open: {'1 run' if count == 1 else f'{count} runs'}{cut} {OPEN_MEANING}"


def tally_lines(name: str, directory: Path, tally: Tally, totals: Counter[str], report: Path | None,
                until_ns: int | None = None) -> list[str]:
    """Runs by state (this session and in all), what ``open`` means when runs are, the worst few with their rerun
    commands, where things are.

    ``report`` is None when the session was interrupted (no report is written then); ``until_ns`` is where the
    campaign stops each run (None: at the scenario's end).
    """
    done = sum(totals.values())
    counts = ", ".join(f"{totals[s]} {s}" for s in STATES if totals[s] or s in ("passed", "failed"))
    lines = [f"campaign {name}: {done}/{tally.total} runs written: {counts}"]
    if totals["open"]:
        lines.append(open_explanation(totals["open"], until_ns))
    if tally.skipped:
        lines.append(f"  this session: {tally.written} runs ({tally.skipped} were already written)")
    for row in sorted(tally.not_passed, key=lambda r: r["run"])[:SHOWN_FAILURES]:
        why = f" — {row['error']}" if row.get("error") and row["state"] != "failed" else ""
        lines.append(f"  run {row['run']} (seed {row['seed']}, faults {row['fault']}): {row['state']}{why}")
        lines.append(f"    {rerun_command(directory, row['run'])}")
    if len(tally.not_passed) > SHOWN_FAILURES:
        lines.append(f"  … and {len(tally.not_passed) - SHOWN_FAILURES} more not passed (see the dataset)")
    quoted = shlex.quote(str(directory))
    if tally.interrupted:
        lines.append(f"interrupted: {tally.total - done} runs missing; finish with: farside campaign {quoted} --resume")
    lines.append(f"dataset: {directory / dataset.RUNS} (Parquet, one file per run); manifest: "
                 f"{directory / dataset.MANIFEST}")
    if report is not None:
        lines.append(f"report: {report}")
    else:
        lines.append(f"report: not written (interrupted); --resume writes it when the runs are done, or "
                     f"farside campaign {quoted} --report writes it for the runs so far")
    return lines
