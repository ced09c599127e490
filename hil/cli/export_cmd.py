"""``farside export``: the packets of a recording (or packet file) as a plain concatenated space-packet stream."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from hil.cli.output import fail

PROGRESS_EVERY = 10_000
KINDS = {"tm": False, "tc": True}
"""``--only`` choices: whether the packet type bit is set (telecommand)."""


@click.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["raw"]), default="raw", show_default=True, help="output format")
@click.option("--apid", "apids", type=click.IntRange(0, 0x7FF), multiple=True, help="only this APID (repeatable)")
@click.option("--only", "only", type=click.Choice(sorted(KINDS)), help="only telemetry (tm) or only telecommands (tc)")
@click.option("--link", "link", metavar="NAME",
              help="every packet recorded on this link, the copies flight software forwards included")
@click.option("--copies", is_flag=True,
              help="every packet as often as it was recorded (default: once, where it originates)")
@click.option("-o", "--output", "out", metavar="OUT", help="output file (default FILE.raw; - for stdout)")
def export_command(file: Path, fmt: str, apids: tuple[int, ...], only: str | None, link: str | None, copies: bool,
                   out: str | None) -> int:
    """Write the packets of FILE concatenated, as standard CCSDS tools read them.

    From a recording each packet is written once, where it originates (telemetry on its device's link from the
    device, telecommands on it to the device), not again as the copy forwarded over the relay link; packets whose
    origin the file does not hold (a space-link capture) are written as recorded.
    """
    from firmware_sim.origin import PacketOrigin, stream_head
    from hil.packetfile import read_packet_file
    from hil.replay.progress import progress_for
    from protocols.dictionary import default_dictionary

    packets = read_packet_file(file)
    summary = packets.summary()
    if summary:
        click.echo(f"farside: warning: {file}: {summary}", err=True)
    origin = None if copies or link is not None else PacketOrigin(default_dictionary())
    want_tc = None if only is None else KINDS[only]
    counts: dict[int, int] = {}
    chosen = []
    recorded_at_origin = set() if origin is None else {
        stream_head(r.packet) for r in packets
        if r.link is not None and origin.is_origin(r.link, r.direction, r.packet)}
    with progress_for("export", len(packets)) as shown:
        for done, record in enumerate(packets, 1):
            packet = record.packet
            apid = ((packet[0] & 0x07) << 8) | packet[1]
            if not done % PROGRESS_EVERY:
                shown.update(done)
            if (apids and apid not in apids) or (link is not None and record.link != link) \
                    or (want_tc is not None and bool(packet[0] & 0x10) != want_tc):
                continue
            if origin is not None and record.link is not None and stream_head(packet) in recorded_at_origin \
                    and not origin.is_origin(record.link, record.direction, packet):
                continue  # a copy of a packet the file also holds where it originates
            counts[apid] = counts.get(apid, 0) + 1
            chosen.append(packet)
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
