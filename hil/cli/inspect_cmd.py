"""``farside inspect``: decode packets given as hex or in a file, down to named engineering values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from hil.cli.output import fail
from protocols.errors import ProtocolError

if TYPE_CHECKING:
    from hil.records import PacketFile, PacketRecord
    from protocols.describe import PacketView

_EPOCH_1958 = datetime(1958, 1, 1, tzinfo=UTC)
AUTO = "auto"
"""``--framing auto``: the file reader's (``hil.packetfile``) and this command's word for "work it out"."""


def _read_input(hex_words: tuple[str, ...], path: Path | None, framing: str) -> PacketFile:
    """The packets of ``--file`` (through the one file reader) or of the hex words (a stream, framing as told)."""
    if path is not None and hex_words:
        raise click.UsageError("give HEX or --file, not both")
    if path is not None:
        from hil.packetfile import read_packet_file  # recordings and CADU files: only --file needs their readers

        return read_packet_file(path, framing)
    if not hex_words:
        raise click.UsageError("give the packet as HEX, or --file PATH")
    text = "".join(hex_words).replace(":", "").replace("_", "")
    text = text[2:] if text.lower().startswith("0x") else text
    try:
        data = bytes.fromhex(text)
    except ValueError:
        raise ProtocolError(f"hex={text[:32]!r}: not hexadecimal octets", field="hex", value=text[:32]) from None
    from hil.streamfile import read_stream
    from protocols.framing import ASM

    if framing == AUTO:
        framing = "asm" if data.startswith(ASM) else "packets"
    return read_stream(Path("<hex>"), data, framing)


def _utc_text(seconds: float) -> str:
    from protocols.timecode import tai_to_utc_ns

    tai_ns = round(seconds * 1e9)
    try:
        moment = _EPOCH_1958 + timedelta(microseconds=tai_to_utc_ns(tai_ns) // 1000)
    except ProtocolError:
        moment = _EPOCH_1958 + timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _value_text(value: Any, unit: str | None) -> str:
    text = f"{value:.6g}" if isinstance(value, float) else str(value)
    return f"{text} {unit}" if unit else text


def _print_view(index: int, record: PacketRecord, view: PacketView) -> None:
    kind = f"{view.service},{view.subtype}" if view.service is not None else "no PUS header"
    crc = {True: "ok", False: "BAD", None: "n/a"}[view.crc_ok]
    where = f" @{record.offset}" if record.offset is not None else ""
    head = (f"#{index}{where} {view.type} {view.device or '?'} apid=0x{view.apid:03X} seq={view.seq_count} "
            f"[{kind}] {view.name or ''}  crc={crc} ({view.size} octets)")
    click.echo(head)
    if record.link is not None:
        direction = f" {record.direction}" if record.direction else ""
        click.echo(f"    link = {record.link}{direction} at {(record.time_ns or 0) / 1e9:.6f} s since T0")
    if view.time is not None:
        click.echo(f"    time = {view.time:.6f} s since 1958 TAI ({_utc_text(view.time)})")
    for key, value in view.header.items():
        click.echo(f"    {key} = {value}")
    for key, value in view.fields.items():
        click.echo(f"    {key} = {_value_text(value, view.units.get(key))}")
    if view.error:
        click.echo(f"    error: {view.error}")


def _json_view(record: PacketRecord, view: PacketView) -> dict[str, Any]:
    """The JSON object of a packet; a recording's packets also say their link, direction and time since T0."""
    data = view.to_json()
    if record.link is not None:
        data.update(link=record.link, direction=record.direction, record_time_ns=record.time_ns)
    return data


@click.command("inspect")
@click.argument("hex_words", nargs=-1, metavar="[HEX]...")
@click.option("--file", "path", type=click.Path(dir_okay=False, path_type=Path),
              help="read the packets of this file instead: a recording, a CADU file or a stream of packets")
@click.option("--framing", type=click.Choice([AUTO, "raw", "asm", "cobs"]), default=AUTO, show_default=True,
              help="how packets are delimited: worked out from the content, raw concatenation, ASM or COBS frames")
@click.option("--json", "as_json", is_flag=True, help="one JSON object per packet (NaN and infinities as null)")
def inspect_command(hex_words: tuple[str, ...], path: Path | None, framing: str, as_json: bool) -> int:
    """Decode packets: headers, PUS fields, named and calibrated values, and the CRC verdict.

    Exit code 0 when every octet decoded into packets, 2 when any could not.
    """
    from hil.jsontext import json_text
    from protocols.describe import describe
    from protocols.dictionary import default_dictionary

    read = _read_input(hex_words, path, "packets" if framing == "raw" else framing)
    if not read.size:
        return fail("no octets to decode")
    dictionary = default_dictionary()
    problems: list[str] = []
    count = 0
    for record in read.records:
        try:
            view = describe(record.packet, dictionary)
        except ProtocolError as exc:
            where = f" at offset {record.offset}" if record.offset is not None else ""
            problems.append(f"packet {count}{where}: {exc}")
            continue
        if as_json:
            click.echo(json_text(_json_view(record, view)))
        else:
            _print_view(count, record, view)
        count += 1
    summary = read.summary()
    if summary:
        problems.append(f"{path}: {summary}" if path is not None else summary)
    if problems:
        for problem in problems[:-1]:
            click.echo(f"farside: warning: {problem}", err=True)
        return fail(problems[-1] if count else f"no packet decoded: {problems[-1]}")
    return 0
