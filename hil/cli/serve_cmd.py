"""``farside serve``: run the bench in real time with real nodes on transports (every device on a pty by default)."""

from __future__ import annotations

from pathlib import Path

import click

from firmware_sim.engine.pacing import SPEED_RANGE
from firmware_sim.seeds import SEED_RANGE
from hil.cli.output import EXIT_FAILED, EXIT_PASSED
from hil.cli.realtime_options import realtime_options


@click.command("serve")
@click.argument("bench", required=False, metavar="[BENCH]")
@click.option("--endpoints", "endpoints_path", type=click.Path(dir_okay=False, path_type=Path),
              help="write the endpoints (pty paths, bound ports) as JSON into this file once they are open")
@click.option("--seed", type=click.IntRange(*SEED_RANGE), help="override the bench's seed")
@click.option("--speed", type=click.FloatRange(*SPEED_RANGE), default=1.0, show_default=True,
              help="virtual seconds per wall-clock second")
@click.option("--duration", type=click.FloatRange(min=0.001), metavar="SECONDS",
              help="stop after this many virtual seconds (default: until Ctrl-C or SIGTERM)")
@click.option("--record", "record_path", type=click.Path(dir_okay=False, path_type=Path),
              help="record every packet on every link, with virtual and wall time, into this pcapng file")
@click.option("--ground", "ground_url", metavar="URL",
              help="a real ground system in place of the built-in one: CADUs go to URL (udp://HOST:PORT: one per "
                   "datagram), CLTUs come back (on the UDP port listed as ground_tc)")
@click.option("--relay", "relay_visibility", type=click.Choice(["always", "geometry"]), default=None,
              help="always: hold the relay in view (bench work); geometry: orbit and landing site decide")
@click.option("--quiet", is_flag=True, help="no status line (endpoints and events are still printed)")
@realtime_options
def serve_command(bench: str | None, endpoints_path: Path | None, seed: int | None, speed: float,
                  duration: float | None, record_path: Path | None, ground_url: str | None,
                  relay_visibility: str | None, quiet: bool, wake_latency_us: int | None,
                  rt_priority: int | None) -> int:
    """Run BENCH (a scenario/bench TOML file) in real time; with none, expose every modelled device on a pty.

    Prints every endpoint, keeps a status line (virtual time, late cycles, packets and errors per port) and
    stops cleanly on Ctrl-C or SIGTERM. Exit code 0 after a clean stop (1 if a scenario's expectation
    failed), 2 when the bench is bad or a port cannot be opened.
    """
    from firmware_sim.missions import scenario_path
    from firmware_sim.scenario import load_scenario
    from firmware_sim.spacelink.report import link_summary
    from firmware_sim.summary import build_summary
    from hil.report.text import space_link_lines, verdict_lines
    from hil.serve.console import board_log_beside, serve_scenario
    from hil.serve.session import default_scenario, with_overrides

    scenario = load_scenario(scenario_path(bench)) if bench else default_scenario(ground_url)
    scenario = with_overrides(scenario, ground_url, relay_visibility)
    session = serve_scenario(scenario, bench, seed=seed, speed=speed, duration=duration, record_path=record_path,
                             endpoints_path=endpoints_path, quiet=quiet, board_log_path=board_log_beside(record_path),
                             wake_latency_us=wake_latency_us, rt_priority=rt_priority)

    for line in space_link_lines(link_summary(session.bench.radio, session.bench.space_link, session.bench.ground)):
        click.echo(line, err=True)
    click.echo(f"farside serve: {session.stop_reason}", err=True)
    passed = True
    if scenario.timeline or scenario.expectations:
        summary = build_summary(session.result())
        for line in verdict_lines(summary):
            click.echo(line, err=True)
        passed = summary["passed"]
    verdicts = session.failed_verdicts()
    for verdict in verdicts:
        click.echo(f"farside: {verdict}", err=True)
    return EXIT_PASSED if passed and not verdicts else EXIT_FAILED
