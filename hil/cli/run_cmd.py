"""``farside run``: run a scenario headless (the built-in reference mission by default) and summarise it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from firmware_sim.engine.pacing import SPEED_RANGE
from firmware_sim.missions import builtin_names, scenario_path
from firmware_sim.seeds import SEED_RANGE
from hil.cli.output import EXIT_FAILED, EXIT_PASSED, fail
from hil.cli.realtime_options import realtime_options

if TYPE_CHECKING:
    from firmware_sim.scenario.model import Scenario
    from hil.recording.rerun import RerunSource


@click.command("run")
@click.argument("scenario", required=False, metavar="[SCENARIO]")
@click.option("--seed", type=click.IntRange(*SEED_RANGE), help="override the scenario's seed")
@click.option("--report", "report_dir", type=click.Path(file_okay=False, path_type=Path),
              help="write summary.json and plots (PNG) into this directory")
@click.option("--until", "until", metavar="T",
              help="stop at this virtual time, e.g. T+6h; expectations not judged by then are open (not passed)")
@click.option("--json", "as_json", is_flag=True, help="print the summary as JSON instead of text")
@click.option("--quiet", is_flag=True, help="no progress output")
@click.option("--record", "record_path", type=click.Path(dir_okay=False, path_type=Path),
              help="record every packet on every link into this pcapng file")
@click.option("--from", "from_path", type=click.Path(dir_okay=False, path_type=Path), metavar="REC.pcapng",
              help="run again what made this recording (its scenario, seed and --until) and check the digest")
@click.option("--speed", type=click.FloatRange(*SPEED_RANGE), default=None,
              help="a bench with real nodes: virtual seconds per wall-clock second (default 1)")
@realtime_options
def run_command(scenario: str | None, seed: int | None, report_dir: Path | None, until: str | None, as_json: bool,
                quiet: bool, record_path: Path | None = None, from_path: Path | None = None,
                speed: float | None = None, wake_latency_us: int | None = 0, rt_priority: int | None = None) -> int:
    """Run SCENARIO (a TOML file or a built-in name; default: the reference mission) headless.

    Exit code 0 when every expectation passed (and, with --from, the digest matches the recording), 1 when any
    failed or is open (not judged: the run ended, by --until or Ctrl-C, before its deadline or, for one checked at
    the end, before the scenario's end), the run was interrupted or the digest differs, 2 for bad usage or a bad
    scenario file or recording.
    """
    # the emulator, numpy and matplotlib load only for this command, so `farside tc` stays quick for scripts
    from firmware_sim.runner import ScenarioRun
    from firmware_sim.scenario import load_scenario
    from firmware_sim.scenario.timespec import parse_time
    from firmware_sim.summary import build_summary
    from hil.cli.ctrl_c import ctrl_c_stops
    from hil.replay.node import recorded_models
    from hil.report.progress import progress_reporter
    from hil.report.text import summary_lines
    from hil.report.writer import prepare_report_dir, watched_parameters, write_report

    source, text = None, None
    if from_path is not None:
        if scenario is not None or seed is not None or until is not None:
            return fail("--from runs the recording's own scenario, seed and --until: give no SCENARIO, --seed or "
                        "--until with it")
        source, loaded, problem = _from_recording(from_path)
        if problem:
            return fail(problem)
        path, seed, until_ns, text = Path(source.scenario_file), source.seed, source.until_ns, source.text
    else:
        path = scenario_path(scenario)
        if not path.exists():
            return fail(f"{path}: no such scenario file (built-in: {', '.join(builtin_names())})")
        loaded = load_scenario(path)
        until_ns = parse_time(until, path="--until", line=None, what="--until") if until else None
    if report_dir is not None:
        prepare_report_dir(report_dir)  # before the run: an unwritable directory is known before QEMU starts
    if loaded.bench.real_time:
        return _run_real_time(loaded, path, seed, until_ns, as_json, quiet, record_path, report_dir, speed or 1.0,
                              wake_latency_us, rt_priority)
    if speed is not None:
        return fail("--speed paces a bench with real nodes; this scenario has none and runs as fast as it can")
    run = ScenarioRun(loaded, seed=seed, watch=watched_parameters(), models=recorded_models(loaded.bench))
    end_ns = until_ns if until_ns is not None else loaded.duration_ns
    recorder = None
    if record_path is not None:
        from hil.recording.header import run_header
        from hil.recording.writer import Recorder

        recorder = Recorder().open(record_path, run_header(loaded, path, run.bench.seed, until_ns, text))
        recorder.attach(run.bench)
        run.phase_listeners.append(recorder.mark_phase)
    reporter = None if quiet else progress_reporter(sys.stderr, end_ns)
    try:
        with ctrl_c_stops(run.interrupt):
            result = run.run(until_ns=until_ns, progress=reporter.update if reporter else None)
    finally:
        if reporter is not None:
            reporter.close()
        if recorder is not None:
            recorder.close()
    summary = build_summary(result)
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    else:
        for line in summary_lines(summary):
            click.echo(line)
    if report_dir is not None:
        for written in write_report(report_dir, summary, result):
            click.echo(f"wrote {written}", err=True)
    if source is not None:
        verdict, reproduced = _compare(source, summary)
        click.echo(verdict, err=as_json)
        if not reproduced:
            return EXIT_FAILED
    return EXIT_PASSED if result.passed else EXIT_FAILED


def _from_recording(path: Path) -> tuple[RerunSource, Scenario, str]:
    """What made a recording, its scenario parsed (errors name the recording and the line), and a problem or ""."""
    from firmware_sim.scenario import parse_scenario
    from hil.recording.rerun import replay_files, rerun_source

    source = rerun_source(path)
    loaded = parse_scenario(source.text, source.label)
    if source.campaign_run is not None:  # a campaign run's recording: its dispersions and faults on top
        from hil.campaign.apply import scenario_for_run
        from hil.campaign.model import RunInputs

        loaded = scenario_for_run(loaded, RunInputs.from_json(source.campaign_run))
    if loaded.bench.real_time:
        return source, loaded, f"{path}: its scenario has real nodes, which cannot be reproduced byte for byte"
    for played in replay_files(loaded.bench):
        if not played.exists():
            return source, loaded, (f"{path}: its scenario plays {played} back (replay://), which a recording does "
                                    f"not carry, and {played} is not there")
        click.echo(f"farside: note: {path}: its scenario plays {played} back (replay://), which a recording does "
                   f"not carry: using {played} as it is now", err=True)
    return source, loaded, ""


def _compare(source: RerunSource, summary: dict[str, Any]) -> tuple[str, bool]:
    """The verdict line on this run's digest against the recording's, and whether it reproduced the recording."""
    from hil.recording.header import farside_version

    digest, packets = summary["digest"], summary["packets_total"]
    if source.digest is None:
        return (f"cannot check the digest: {source.recording} is damaged ({source.damage}); "
                f"this run's digest is {digest}"), False
    if source.digest == digest:
        return f"digest matches the recording ({source.recording}, {packets:,} packets)", True
    version = "" if source.farside_version == farside_version() else \
        f"; recorded by farside {source.farside_version}, this is {farside_version()}"
    return (f"digest differs from the recording: recorded {source.digest} over {source.packets:,} packets, "
            f"this run {digest} over {packets:,}{version}"), False


def _run_real_time(scenario: Scenario, path: Path, seed: int | None, until_ns: int | None, as_json: bool, quiet: bool,
                   record_path: Path | None, report_dir: Path | None = None, speed: float = 1.0,
                   wake_latency_us: int | None = 0, rt_priority: int | None = None) -> int:
    """A scenario with real nodes runs on the wall clock, with its transports open, to its end.

    A board's log goes to REPORT_DIR/board-NAME.log (else beside the recording, else nowhere but the status line);
    summary.json and the plots go there as in virtual time.
    """
    from dataclasses import replace

    from firmware_sim.summary import build_summary
    from hil.report.text import summary_lines
    from hil.report.writer import watched_parameters, write_report
    from hil.serve.console import SIGNAL_REASONS, board_log_beside, serve_scenario

    if report_dir is not None:
        def log_path(name: str) -> Path:
            return report_dir / f"board-{name}.log"
    else:
        log_path = board_log_beside(record_path)
    session = serve_scenario(scenario, path, seed=seed, speed=speed,
                             duration=None if until_ns is None else until_ns / 1e9, record_path=record_path,
                             quiet=quiet, endpoints_to_stderr=True, board_log_path=log_path,
                             wake_latency_us=wake_latency_us, rt_priority=rt_priority,
                             watch=watched_parameters() if report_dir is not None else None)
    result = session.result()
    if session.stop_reason in SIGNAL_REASONS.values():  # Ctrl-C or SIGTERM: cut short, as a run in virtual time
        result = replace(result, interrupted=True)
    summary = build_summary(result)
    click.echo(json.dumps(summary, indent=2) if as_json else "\n".join(summary_lines(summary)))
    if report_dir is not None:
        for written in write_report(report_dir, summary, result):
            click.echo(f"wrote {written}", err=True)
    verdicts = session.failed_verdicts()
    for verdict in verdicts:
        click.echo(f"farside: {verdict}", err=True)
    return EXIT_PASSED if result.passed and not verdicts else EXIT_FAILED
