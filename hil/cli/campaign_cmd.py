"""``farside campaign``: a scenario once per seed, dispersion draw and fault entry, on Dask, into a dataset."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from hil.cli.output import EXIT_FAILED, EXIT_PASSED, fail

if TYPE_CHECKING:
    from hil.campaign.driver import Job

EXIT_INTERRUPTED = 130


@click.command("campaign")
@click.argument("source", metavar="CAMPAIGN.toml|SCENARIO|DIR")
@click.option("--seeds", metavar="A:B|1,2,5", help="seeds: a half-open range or a list (needed with a SCENARIO)")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="the campaign directory: manifest, one Parquet file per run, report")
@click.option("--until", metavar="T", help="stop each run at this virtual time, e.g. T+6h (a run that stops before "
              "its expectations are judged is 'open')")
@click.option("--run-timeout", "run_timeout", type=click.FloatRange(min=0, min_open=True), metavar="S",
              help="a run still going after S seconds of wall time becomes a 'timeout' row")
@click.option("--workers", type=click.IntRange(min=1), metavar="N",
              help="worker processes of the local cluster (default: one per core)")
@click.option("--scheduler", metavar="tcp://HOST:PORT",
              help="run on this existing Dask cluster (an address or a scheduler file) instead of a local one")
@click.option("--resume", is_flag=True, help="finish an interrupted campaign: skip the runs already written")
@click.option("--rerun", type=click.IntRange(min=0), metavar="N", help="rerun run N of DIR alone, in this process")
@click.option("--record", "record_path", type=click.Path(dir_okay=False, path_type=Path),
              help="with --rerun: record every packet into this pcapng file")
@click.option("--report", "report", is_flag=False, flag_value="", default=None, metavar="[DIR]",
              help="DIR alone: write the campaign report again; with --rerun: the run's summary.json and plots")
@click.option("--quiet", is_flag=True, help="no progress output")
def campaign_command(source: str, seeds: str | None, out: Path | None, until: str | None, run_timeout: float | None,
                     workers: int | None, scheduler: str | None, resume: bool, rerun: int | None,
                     record_path: Path | None, report: str | None, quiet: bool) -> int:
    """Run a campaign: a CAMPAIGN.toml file, or a SCENARIO (file or built-in name) with --seeds, into --out DIR.

    DIR (a campaign directory) with --resume finishes it, with --rerun N reruns one run, with --report rewrites
    its report. Exit code 0 when every run passed, 1 when any did not (failed, open, error, timeout, killed), 130
    when interrupted (--resume finishes it), 2 for bad usage or a bad campaign or scenario file.
    """
    directory = Path(source)
    if (directory / "manifest.json").is_file():
        run_options = {"--seeds": seeds, "--out": out, "--until": until, "--run-timeout": run_timeout,
                       "--workers": workers, "--scheduler": scheduler, "--resume": resume or None}
        given = [name for name, value in run_options.items() if value is not None]
        if rerun is not None:
            if given:
                return fail(f"{', '.join(given)} cannot go with --rerun: run {rerun} runs again in this process "
                            "exactly as the campaign ran it (seed, until and timeout from its manifest)")
            return _rerun(directory, rerun, record_path, report, quiet)
        if record_path is not None:
            return fail("--record goes with --rerun N")
        if report is not None and not resume:
            if given:
                return fail(f"{', '.join(given)} cannot go with --report: it writes the report of the runs "
                            "already in the campaign directory")
            return _report_only(directory, report)
        if not resume:
            return fail(f"{directory} is a campaign directory: give --resume, --rerun N or --report")
        if seeds or out or until or run_timeout:
            return fail("--resume on a campaign directory takes its seeds, until and timeout from its manifest")
        from hil.campaign.driver import directory_job

        return _execute(directory_job(directory), scheduler, workers, quiet)
    if rerun is not None or record_path is not None:
        return fail("--rerun and --record take a campaign directory (the --out of a campaign)")
    if report is not None:
        return fail("--report takes a campaign directory; a campaign writes its report when it ends")
    if out is None:
        return fail("give --out DIR: the directory the campaign writes its dataset and report to")
    return _new(source, seeds, out, until, run_timeout, workers, scheduler, resume, quiet)


def _new(source: str, seeds: str | None, out: Path, until: str | None, run_timeout: float | None,
         workers: int | None, scheduler: str | None, resume: bool, quiet: bool) -> int:
    """Plan a campaign from a campaign file or a scenario, then run it."""
    from firmware_sim.missions import scenario_path
    from firmware_sim.scenario.timespec import format_time, parse_time
    from hil.campaign.campaign_file import is_campaign_file, load_campaign, scenario_campaign
    from hil.campaign.driver import new_job
    from hil.campaign.seeds import parse_seeds

    try:
        chosen = parse_seeds(seeds) if seeds is not None else None
    except ValueError as exc:
        return fail(f"--seeds: {exc}")
    if is_campaign_file(scenario_path(source)):
        campaign = load_campaign(source)
        if chosen is not None:
            campaign = replace(campaign, seeds=chosen)
    elif chosen is None:
        return fail("give --seeds A:B (or a list) to run a scenario as a campaign")
    else:
        campaign = scenario_campaign(source, chosen)
    if until is not None:
        until_ns = parse_time(until, path="--until", line=None, what="--until")
        campaign = replace(campaign, until_ns=until_ns, until_text=format_time(until_ns))
    if run_timeout is not None:
        campaign = replace(campaign, run_timeout_s=run_timeout)
    return _execute(new_job(campaign, out, resume), scheduler, workers, quiet)


def _execute(job: Job, scheduler: str | None, workers: int | None, quiet: bool) -> int:
    """Run the job's missing runs, write the report, print the summary."""
    from hil.campaign.driver import execute, totals
    from hil.campaign.text import tally_lines

    tally = execute(job, scheduler, workers, quiet)
    if job.create is not None:  # interrupted before the cluster answered: the directory was never written
        click.echo(f"campaign {job.name}: interrupted before its first run; nothing was written to {job.directory}")
        return EXIT_INTERRUPTED
    report = None if tally.interrupted else _write_report(job.directory)
    counts = totals(job.directory)
    for line in tally_lines(job.name, job.directory, tally, counts, report, job.until_ns):
        click.echo(line)
    if tally.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_PASSED if counts["passed"] == tally.total else EXIT_FAILED


def _write_report(directory: Path) -> Path:
    """Write the campaign report (report.md and its PNGs under DIR/report); returns report.md's path."""
    from hil.campaign.report import write_report

    return write_report(directory)


def _report_only(directory: Path, report: str) -> int:
    if report:
        return fail("--report DIR goes with --rerun N; on its own, --report rewrites DIR's campaign report")
    click.echo(f"report: {_write_report(directory)}")
    return EXIT_PASSED


def _rerun(directory: Path, number: int, record_path: Path | None, report: str | None, quiet: bool) -> int:
    """Run ``number`` again alone and compare its digest with the campaign's row."""
    from hil.campaign.rerun import rerun
    from hil.report.text import summary_lines
    from hil.report.writer import watched_parameters, write_report

    if report == "":
        return fail("--report with --rerun needs a directory: --report DIR")
    done = rerun(directory, number, record_path, watch=watched_parameters() if report else None, quiet=quiet)
    for line in summary_lines(done.summary):
        click.echo(line)
    if report:
        for written in write_report(Path(report), done.summary, done.result):
            click.echo(f"wrote {written}", err=True)
    if record_path is not None:
        click.echo(f"wrote {record_path}", err=True)
    if done.same_digest is None:
        state = done.row["state"] if done.row else "not run yet"
        click.echo(f"run {number}: no digest in the campaign to compare with ({state})")
    elif done.same_digest:
        click.echo(f"run {number}: same digest as in the campaign")
    else:
        click.echo(f"run {number}: digest DIFFERS from the campaign's {done.row['digest'] if done.row else ''}")
        return EXIT_FAILED
    return EXIT_PASSED if done.result.passed else EXIT_FAILED
