"""``farside tc``: encode a telecommand from the dictionary and print it as hex."""

from __future__ import annotations

from pathlib import Path

import click

from hil.cli.output import fail
from protocols.errors import ArgumentError
from protocols.spacepacket import SEQ_COUNT_MODULUS


def parse_assignments(pairs: tuple[str, ...]) -> dict[str, str]:
    """NAME=VALUE words into a dict; a word without '=' or a repeated name is an ArgumentError."""
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ArgumentError(f"{pair!r}: arguments are NAME=VALUE", field="argument", value=pair)
        if name in values:
            raise ArgumentError(f"{name}: given twice", field=name, value=value)
        values[name] = value
    return values


@click.command("tc")
@click.argument("device")
@click.argument("command")
@click.argument("assignments", nargs=-1, metavar="[NAME=VALUE]...")
@click.option("--seq", "seq_count", type=click.IntRange(0, SEQ_COUNT_MODULUS - 1), default=0, show_default=True,
              help="packet sequence count")
@click.option("--source-id", type=click.IntRange(0, 0xFFFF), default=0, show_default=True,
              help="PUS source ID (who sends the command)")
@click.option("--ack", type=click.IntRange(0, 15), default=15, show_default=True,
              help="acknowledgement flags: 8 acceptance, 4 start, 2 progress, 1 completion")
@click.option("--framing", type=click.Choice(["none", "asm", "cobs"]), default="none", show_default=True,
              help="wrap the packet for a device link")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path),
              help="write the bytes to this file instead of printing hex")
def tc_command(device: str, command: str, assignments: tuple[str, ...], seq_count: int, source_id: int, ack: int,
               framing: str, out_path: Path | None) -> int:
    """Encode COMMAND for DEVICE (any installed device: `farside dict` lists them) and print the packet as hex.

    Arguments are NAME=VALUE in engineering units or enum labels, e.g.
    `farside tc sampler drill-start target_depth=1.5 rotation_rate=120 percussion=high feed_rate=50`.
    `farside dict DEVICE` lists every command with its arguments and ranges.
    """
    from protocols.dictionary import default_dictionary

    target = default_dictionary().device(device)
    values = parse_assignments(assignments)
    packet = target.telecommand(command, values, seq_count, source_id, ack)
    if framing != "none":
        from protocols.framing import make_framing

        framer, _ = make_framing(framing)
        packet = framer.frame(packet)
    if out_path is None:
        click.echo(packet.hex())
        return 0
    try:
        out_path.write_bytes(packet)
    except OSError as exc:
        return fail(f"cannot write {out_path}: {exc.strerror}")
    return 0
