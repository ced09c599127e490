"""``farside export``: the packets of a recording (or packet file) as a plain concatenated space-packet stream."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from hil.cli.output import fail, overwrite_error

PROGRESS_EVERY = 10_000
KINDS = {"tm": False, "tc": True}
"""``--only`` choices: whether the packet type bit is set (telecommand)."""


def default_output(file: Path) -> Path:
    """FILE with the suffix ``.raw``; for a ``.raw`` FILE (which that would overwrite) ``FILE.packets.raw``."""
    raw = file.with_suffix(".raw")
    return file.with_suffix(".packets.raw") if raw == file else raw


@click.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["raw"]), default="raw", show_default=True, help="output format")
@click.option("--apid", "apids", type=click.IntRange(0, 0x7FF), multiple=True, help="only this APID (repeatable)")
@click.option("--only", "only", type=click.Choice(sorted(KINDS)), help="only telemetry (tm) or only telecommands (tc)")
@click.option("--link", "link", metavar="NAME",
              help="every packet recorded on this link, the copies flight software forwards included")
@click.option("--copies", is_flag=True,
              help="every packet as often as it was recorded (default: once, where it originates)")
@click.option("-o", "--output", "out", metavar="OUT",
              help="output file (default: FILE with the suffix .raw, FILE.packets.raw for a .raw FILE; - for stdout)")
def export_command(file: Path, fmt: str, apids: tuple[int, ...], only: str | None, link: str | None, copies: bool,
                   out: str | None) -> int:
    """Write the packets of FILE concatenated, as standard CCSDS tools read them.

    From a recording each packet is written once, where it originates (telemetry on its device's link from the
    device, telecommands on it to the device), not again as the copy forwarded over the relay link; packets whose
    origin the file does not hold (a space-link capture) are written as recorded. The output is never FILE itself.
    """
    from hil.packetfile import read_packet_file
    from hil.packetpick import pick_records
    from hil.progress import progress_for
    from protocols.dictionary import default_dictionary

    target = out or str(default_output(file))
    if target != "-" and (refused := overwrite_error(file, target)):
        return fail(refused)
    packets = read_packet_file(file)
    summary = packets.summary()
    if summary:
        click.echo(f"farside: warning: {file}: {summary}", err=True)
    taken = pick_records(file, default_dictionary(), packets.records, only_link=link, copies=copies)
    want_tc = None if only is None else KINDS[only]
    counts: dict[int, int] = {}
    chosen = []
    with progress_for("export", len(packets)) as shown:
        for done, (record, take) in enumerate(zip(packets, taken, strict=True), 1):
            packet = record.packet
            apid = ((packet[0] & 0x07) << 8) | packet[1]
            if not done % PROGRESS_EVERY:
                shown.update(done)
            if not take or (apids and apid not in apids) \
                    or (want_tc is not None and bool(packet[0] & 0x10) != want_tc):
                continue
            counts[apid] = counts.get(apid, 0) + 1
            chosen.append(packet)
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
