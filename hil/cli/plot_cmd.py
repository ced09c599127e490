"""``farside plot``: time plots of chosen parameters from a packet file or recording, with units."""

from __future__ import annotations

from pathlib import Path

import click

from hil.cli.output import fail


def _parse_params(params: tuple[str, ...]) -> list[tuple[str, str]]:
    from protocols.dictionary import default_dictionary

    dictionary = default_dictionary()
    wanted = []
    for text in params:
        device, dot, name = text.partition(".")
        if not dot:
            raise click.UsageError(f"--param {text!r}: use DEVICE.PARAMETER, e.g. sampler.drill_depth")
        dictionary.device(device).parameter(name)  # unknown names raise with the allowed ones
        wanted.append((device, name))
    return wanted


@click.command("plot")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--param", "params", multiple=True, required=True, metavar="DEVICE.PARAM",
              help="a parameter to plot (repeatable), e.g. --param sampler.drill_depth")
@click.option("-o", "--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="the PNG to write")
@click.option("--title", default=None, help="the plot's title")
def plot_command(file: Path, params: tuple[str, ...], out: Path, title: str | None) -> int:
    """Plot parameters over time from FILE (a recording or a plain stream of space packets).

    Each parameter gets a panel with its unit; the time axis is hours since T0 for a recording (with its
    mission phases marked) or since the first packet, and zooms to where the values change. Packets that
    cannot be decoded are counted and reported, not fatal.
    """
    from firmware_sim.fsw.telemetry import Series
    from hil.packetfile import read_packet_file
    from hil.report.plots import plot_series
    from protocols.dictionary import default_dictionary
    from protocols.errors import ProtocolError

    wanted = _parse_params(params)
    packet_file = read_packet_file(file)
    dictionary = default_dictionary()
    series = {key: Series(500_000) for key in wanted}
    by_device: dict[str, list[tuple[str, str]]] = {}
    for device, name in wanted:
        by_device.setdefault(device, []).append((device, name))
    skipped = 0
    recording = packet_file.kind == "recording"
    origin: int | None = 0 if recording else None  # recordings count from T0, where their phases are marked
    for record in packet_file:
        raw = record.packet
        if len(raw) < 21 or raw[0] & 0x10 or raw[7] != 3 or raw[8] != 25 or record.time_ns is None:
            continue
        device = dictionary.find_apid(((raw[0] & 0x07) << 8) | raw[1])
        if device is None or device.name not in by_device:
            continue
        try:
            report = device.decode_hk_packet(raw)
        except ProtocolError:
            skipped += 1
            continue
        names = device.hk_set(report.sid).parameters
        origin = record.time_ns if origin is None else origin
        for key in by_device[device.name]:
            if key[1] in names:
                series[key].add(record.time_ns - origin, report.values[names.index(key[1])])
    summary = packet_file.summary()
    if summary:
        click.echo(f"farside: warning: {file}: {summary}", err=True)
    if skipped:
        click.echo(f"farside: warning: {skipped} housekeeping packets could not be decoded", err=True)
    panels = [(f"{d}.{n}", dictionary.device(d).parameter(n).unit, series[(d, n)]) for d, n in wanted]
    if not any(s.times for _, _, s in panels):
        return fail(f"{file}: none of {', '.join(params)} is reported in this file")
    try:
        plot_series(out, title or file.name, panels, phases=packet_file.phases,
                    xlabel="time since T0 [h]" if recording else "time since the first packet [h]")
    except OSError as exc:
        return fail(f"cannot write {out}: {exc.strerror}")
    click.echo(f"wrote {out}", err=True)
    return 0
