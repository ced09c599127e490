"""``farside export``: the packets of a recording (or packet file) as a plain concatenated space-packet stream."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from hil.cli.output import fail

PROGRESS_EVERY = 10_000


@click.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["raw"]), default="raw", show_default=True, help="output format")
@click.option("--apid", "apids", type=click.IntRange(0, 0x7FF), multiple=True, help="only this APID (repeatable)")
@click.option("--link", "link", metavar="NAME", help="only packets recorded on this link")
@click.option("-o", "--output", "out", metavar="OUT", help="output file (default FILE.raw; - for stdout)")
def export_command(file: Path, fmt: str, apids: tuple[int, ...], link: str | None, out: str | None) -> int:
    """Write the packets of FILE concatenated, as standard CCSDS tools read them."""
    from hil.packetfile import read_packet_file
    from hil.replay.progress import progress_for

    packets = read_packet_file(file)
    summary = packets.summary()
    if summary:
        click.echo(f"farside: warning: {file}: {summary}", err=True)
    counts: dict[int, int] = {}
    chosen = []
    with progress_for("export", len(packets)) as shown:
        for done, record in enumerate(packets, 1):
            apid = ((record.packet[0] & 0x07) << 8) | record.packet[1]
            if not done % PROGRESS_EVERY:
                shown.update(done)
            if (apids and apid not in apids) or (link is not None and record.link != link):
                continue
            counts[apid] = counts.get(apid, 0) + 1
            chosen.append(record.packet)
    target = out or str(file.with_suffix(".raw"))
    try:
        if target == "-":
            sys.stdout.buffer.write(b"".join(chosen))
            sys.stdout.buffer.flush()
        else:
            Path(target).write_bytes(b"".join(chosen))
    except OSError as exc:
        return fail(f"cannot write {target}: {exc.strerror}")
    err = target == "-"
    for apid, count in sorted(counts.items()):
        click.echo(f"apid 0x{apid:03X}: {count} packets", err=err)
    click.echo(f"wrote {len(chosen)} packets to {target}", err=err)
    return 0
