"""``farside ground``: configuration for an outside ground system that talks to ``farside serve --ground``."""

from __future__ import annotations

from pathlib import Path

import click

from hil.cli.output import EXIT_PASSED


@click.group("ground")
def ground_command() -> None:
    """Configure an outside ground system for the space link `farside serve --ground` opens."""


@ground_command.command("yamcs")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.argument("bench", required=False, metavar="[BENCH]")
@click.option("--ground", "ground_url", metavar="URL",
              help="the ground URL serve will use (default: the bench's ground node, else "
                   "udp://127.0.0.1:10015?bind=127.0.0.1:10025): Yamcs receives TM frames on its port and sends "
                   "CLTUs to its ?bind port")
@click.option("--http-port", type=click.IntRange(1, 65535), default=8090, show_default=True,
              help="the port of Yamcs's web UI and REST API (on 127.0.0.1)")
def yamcs_command(directory: Path, bench: str | None, ground_url: str | None, http_port: int) -> int:
    """Write a Yamcs 5.12 instance into DIRECTORY for the space link of BENCH.

    With no BENCH, DIRECTORY/bench.toml is written too (bare TM frames down, CLTUs up, every packet on VC 0) for
    `farside serve DIRECTORY/bench.toml`. Start Yamcs with DIRECTORY/start-yamcs.sh.
    """
    from firmware_sim.missions import scenario_path
    from firmware_sim.scenario import load_scenario, parse_scenario
    from hil.ground.yamcs import (
        DEFAULT_GROUND_URL,
        YamcsLink,
        bench_file,
        check_link,
        frame_settings,
        ground_ports,
        instance_files,
        write_instance,
    )
    from hil.serve.session import with_overrides
    from protocols.dictionary import default_dictionary

    files: dict[str, str] = {}
    if bench is None:
        url = ground_url or DEFAULT_GROUND_URL
        ground_ports(url)  # a URL Yamcs cannot use is refused before anything is written
        bench_path = directory / "bench.toml"
        files["bench.toml"] = bench_file(url)
        scenario = parse_scenario(files["bench.toml"], str(bench_path))
        own_ground = True
    else:
        bench_path = scenario_path(bench)
        scenario = load_scenario(bench_path)
        url = ground_url or scenario.bench.nodes.get("ground") or DEFAULT_GROUND_URL
        own_ground = url == scenario.bench.nodes.get("ground")
        scenario = with_overrides(scenario, url, None)
    settings = frame_settings(scenario)
    check_link(scenario, settings)
    tm_port, tc_host, tc_port = ground_ports(url)
    link = YamcsLink(settings, tm_port, tc_host, tc_port, http_port)
    files.update(instance_files(link, default_dictionary()))
    for path in write_instance(directory, files):
        click.echo(str(path))
    serve_args = f"{bench_path}" if own_ground else f"{bench_path} --ground '{url}'"
    click.echo(f"\nstart Yamcs:  {directory / 'start-yamcs.sh'}\n"
               f"then:         farside serve {serve_args}\n"
               f"web UI:       http://127.0.0.1:{http_port}/", err=True)
    return EXIT_PASSED
