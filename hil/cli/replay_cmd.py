"""``farside replay``: play a recording or a packet file to a transport URL at its original timing, faster, or asap."""

from __future__ import annotations

import json
from pathlib import Path

import click

from hil.cli.output import fail, overwrite_error
from hil.errors import HilError
from hil.transports import FRAMING_NAMES

INTERRUPTED = 130


def _apid(text: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a number (decimal or 0x hex)") from None
    if not 0 <= value <= 0x7FF:
        raise click.BadParameter(f"{text}: an APID is 0..2047")
    return value


def _apids(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[int, ...]:
    return tuple(_apid(v) for v in values)


@click.command("replay")
@click.argument("path", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--to", "url", required=True, metavar="URL",
              help="where to send: udp://HOST:PORT, tcp://HOST:PORT, file:PATH or a path, a serial device "
                   "(/dev/ttyUSB0?baudrate=115200), a pyserial URL or emu://DEVICE (docs/hil.md: Transport URLs)")
@click.option("--speed", type=click.FloatRange(min=0, min_open=True), default=None,
              help="play this many times faster than recorded  [default: 1]")
@click.option("--asap", is_flag=True, help="no pacing: send everything as fast as possible")
@click.option("--rate", type=click.FloatRange(min=0, min_open=True), default=None, metavar="N",
              help="pace at N packets/s instead of the packets' times (files without times)")
@click.option("--loop", "loops", type=click.IntRange(min=0), is_flag=False, flag_value=0, default=1,
              metavar="[N]", help="play N times; --loop alone plays until Ctrl-C")
@click.option("--link", "links", multiple=True, metavar="L", help="only packets of this link (repeatable)")
@click.option("--apid", "apids", multiple=True, callback=_apids, metavar="N", help="only this APID (repeatable)")
@click.option("--device", "devices", multiple=True, metavar="D", help="only this device's APID (repeatable)")
@click.option("--from", "start_s", type=float, default=None, metavar="T",
              help="skip packets before T seconds after the recording's first packet")
@click.option("--to-time", "stop_s", type=float, default=None, metavar="T",
              help="stop after T seconds after the recording's first packet")
@click.option("--framing", type=click.Choice(FRAMING_NAMES), default=None,
              help="wrap each packet: none (default for udp/tcp/file) or asm (default for serial) or cobs")
@click.option("--unpack", is_flag=True,
              help="for a file of CADUs: send the packets inside them instead of the CADUs themselves")
@click.option("--json", "as_json", is_flag=True, help="print the timing report as one JSON object")
@click.option("--no-progress", is_flag=True, help="no progress display on stderr")
def replay_command(path: Path, url: str, speed: float | None, asap: bool, rate: float | None, loops: int,
                   links: tuple[str, ...], apids: tuple[int, ...], devices: tuple[str, ...], start_s: float | None,
                   stop_s: float | None, framing: str | None, unpack: bool, as_json: bool, no_progress: bool) -> int:
    """Send the packets of FILE to URL, paced by their times (or --rate), then print the timing report.

    A file of CADUs is sent one CADU per unit (a datagram on UDP), each at the time of the first packet
    completed in it; --unpack sends the packets inside instead.

    Deadlines are absolute from one start instant, so timing errors never add up; the report gives packets
    sent, duration, lateness p50/p99/max and drift. Exit code 0 when done, 2 on bad input, 130 on Ctrl-C.
    """
    from hil.packetfile import read_packet_file
    from hil.replay import Player, Selection, build_schedule, progress_for
    from hil.schemes import open_transport, parse_url
    from hil.schemes.files import FileUrl

    if asap and (speed is not None or rate is not None):
        return fail("--asap excludes --speed and --rate")
    target = parse_url(url)
    if isinstance(target, FileUrl) and (refused := overwrite_error(path, target.path)):
        return fail(refused)
    selection = Selection.build(links, apids, devices, start_s, stop_s)
    packets = read_packet_file(path)
    records = packets.records
    if packets.units and not unpack:
        if apids or devices or links:
            return fail("a CADU carries many packets: --apid, --device and --link need --unpack")
        records = packets.units
    schedule = build_schedule(records, selection, rate=rate, asap=asap)
    transport = open_transport(url, framing)
    summary = packets.summary()
    if summary:
        click.echo(f"farside: warning: {path}: {summary}", err=True)
    total = len(schedule) * loops if loops else None
    try:
        with progress_for("replay", total, enabled=not no_progress) as progress:
            report = Player(transport, schedule, speed or 1.0, loops, progress=progress).run()
    finally:
        try:
            transport.close()
        except HilError as exc:
            click.echo(f"farside: error: {exc}", err=True)
    click.echo(json.dumps(report.to_json()) if as_json else report.to_text())
    return INTERRUPTED if report.interrupted else 0
