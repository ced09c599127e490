"""``farside plot``: time plots of chosen parameters from a packet file or recording, with units."""

from __future__ import annotations

from pathlib import Path

import click

from hil.cli.output import fail, overwrite_error


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
              help="the image to write, its format by its suffix: .png, .svg, .pdf …")
@click.option("--title", default=None, help="the plot's title")
def plot_command(file: Path, params: tuple[str, ...], out: Path, title: str | None) -> int:
    """Plot parameters over time from FILE (a recording or a plain stream of space packets).

    Each parameter gets a panel with its unit; the time axis is hours since T0 for a recording (with its
    mission phases marked) or since the first packet, and zooms to where the values change; an enumerated
    parameter is drawn as steps between its named states. From a recording each packet counts once, where it
    originates. Packets that cannot be decoded are counted and reported, not fatal.
    """
    import numpy as np

    from firmware_sim.fsw.telemetry import Series
    from hil.decode.bulk import TOO_SHORT, UNKNOWN_APID, decode_buffer
    from hil.decode.split import read_buffer
    from hil.packetpick import pick_packets
    from hil.report.plots import image_formats, plot_series
    from protocols.dictionary import default_dictionary

    wanted = _parse_params(params)
    formats = image_formats()
    if out.suffix[1:].lower() not in formats:
        return fail(f"{out}: the suffix names the image format; give one of .{', .'.join(formats)}")
    if refused := overwrite_error(file, out):
        return fail(refused)
    buffer = read_buffer(file)
    dictionary = default_dictionary()
    keep = pick_packets(file, dictionary, *buffer.heads(), buffer.link, buffer.links, buffer.direction)
    if keep is not None:
        buffer = buffer.select(keep)
    result = decode_buffer(buffer, dictionary, apids={dictionary.device(d).apid for d, _ in wanted})
    recording = buffer.kind == "recording"
    blocks = sorted((b for b in result.blocks if len(b)), key=lambda b: int(b.index[0]))
    stamps = [b.time_ns if buffer.time_ns is None else buffer.time_ns[b.index].astype(np.int64) for b in blocks]
    origin = 0 if recording or not blocks else int(stamps[0][0])  # recordings count from T0, the others from
    series = {key: Series(500_000) for key in wanted}  # the first housekeeping packet of the devices plotted
    for (device, name), points in series.items():
        having = [k for k, b in enumerate(blocks) if b.device.name == device and name in b.values]
        if not having:
            continue
        order = np.argsort(np.concatenate([blocks[k].index for k in having]), kind="stable")
        times = (np.concatenate([stamps[k] for k in having])[order] - origin).tolist()
        values = np.concatenate([blocks[k].values[name] for k in having])[order].tolist()
        for time_ns, value in zip(times, values, strict=True):
            points.add(time_ns, value)
    skipped = sum(result.rejected.values()) - result.rejected[TOO_SHORT] - result.rejected[UNKNOWN_APID]
    summary = buffer.summary()
    if summary:
        click.echo(f"farside: warning: {file}: {summary}", err=True)
    if skipped:
        click.echo(f"farside: warning: {skipped} housekeeping packets could not be decoded", err=True)
    panels = [(f"{d}.{n}", dictionary.device(d).parameter(n).unit, series[(d, n)]) for d, n in wanted]
    if not any(s.times for _, _, s in panels):
        return fail(f"{file}: none of {', '.join(params)} is reported in this file")
    states = {f"{d}.{n}": list(dictionary.device(d).parameter(n).enum or ()) for d, n in wanted}
    try:
        plot_series(out, title or file.name, panels, phases=buffer.phases,
                    xlabel="time since T0 [h]" if recording else "time since the first packet [h]", states=states)
    except OSError as exc:
        return fail(f"cannot write {out}: {exc.strerror or exc}")
    click.echo(f"wrote {out}", err=True)
    return 0
