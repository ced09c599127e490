"""``farside inspect``: decode packets given as hex or in a file, down to named engineering values."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from hil.cli.output import fail
from hil.errors import InputFileError
from protocols.describe import PacketView, describe
from protocols.dictionary import default_dictionary
from protocols.errors import ProtocolError
from protocols.framing import ASM, make_framing
from protocols.packetstream import StreamPacket, iter_concatenated
from protocols.timecode import tai_to_utc_ns

_EPOCH_1958 = datetime(1958, 1, 1, tzinfo=UTC)


def _read_input(hex_words: tuple[str, ...], path: Path | None) -> bytes:
    if path is not None and hex_words:
        raise click.UsageError("give HEX or --file, not both")
    if path is not None:
        try:
            return path.read_bytes()
        except OSError as exc:
            raise InputFileError(f"cannot read {path}: {exc.strerror}") from None
    if not hex_words:
        raise click.UsageError("give the packet as HEX, or --file PATH")
    text = "".join(hex_words).replace(":", "").replace("_", "")
    text = text[2:] if text.lower().startswith("0x") else text
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise ProtocolError(f"hex={text[:32]!r}: not hexadecimal octets", field="hex", value=text[:32]) from None


def _packets(data: bytes, framing: str, problems: list[str]) -> Iterator[tuple[int, bytes]]:
    if framing == "auto":
        framing = "asm" if data.startswith(ASM) else "raw"
    if framing == "raw":
        for item in iter_concatenated(data):
            if isinstance(item, StreamPacket):
                yield item
            else:
                problems.append(f"offset {item.offset}: {item.size} octets undecodable ({item.reason})")
        return
    _, deframer = make_framing(framing)
    result = deframer.feed(data)
    for skipped in result.skipped:
        problems.append(f"offsets {skipped.start}..{skipped.stop}: skipped ({skipped.reason})")
    if deframer.buffered:
        problems.append(f"{deframer.buffered} octets at the end hold no whole frame")
    yield from ((-1, p) for p in result.packets)


def _utc_text(seconds: float) -> str:
    tai_ns = round(seconds * 1e9)
    try:
        moment = _EPOCH_1958 + timedelta(microseconds=tai_to_utc_ns(tai_ns) // 1000)
    except ProtocolError:
        moment = _EPOCH_1958 + timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _value_text(value: Any, unit: str | None) -> str:
    text = f"{value:.6g}" if isinstance(value, float) else str(value)
    return f"{text} {unit}" if unit else text


def _print_view(index: int, offset: int, view: PacketView) -> None:
    kind = f"{view.service},{view.subtype}" if view.service is not None else "no PUS header"
    crc = {True: "ok", False: "BAD", None: "n/a"}[view.crc_ok]
    where = f" @{offset}" if offset >= 0 else ""
    head = (f"#{index}{where} {view.type} {view.device or '?'} apid=0x{view.apid:03X} seq={view.seq_count} "
            f"[{kind}] {view.name or ''}  crc={crc} ({view.size} octets)")
    click.echo(head)
    if view.time is not None:
        click.echo(f"    time = {view.time:.6f} s since 1958 TAI ({_utc_text(view.time)})")
    for key, value in view.header.items():
        click.echo(f"    {key} = {value}")
    for key, value in view.fields.items():
        click.echo(f"    {key} = {_value_text(value, view.units.get(key))}")
    if view.error:
        click.echo(f"    error: {view.error}")


@click.command("inspect")
@click.argument("hex_words", nargs=-1, metavar="[HEX]...")
@click.option("--file", "path", type=click.Path(dir_okay=False, path_type=Path),
              help="read a stream of packets from this file instead")
@click.option("--framing", type=click.Choice(["auto", "raw", "asm", "cobs"]), default="auto", show_default=True,
              help="how packets are delimited: raw concatenation, ASM or COBS device-link frames")
@click.option("--json", "as_json", is_flag=True, help="one JSON object per packet")
def inspect_command(hex_words: tuple[str, ...], path: Path | None, framing: str, as_json: bool) -> int:
    """Decode packets: headers, PUS fields, named and calibrated values, and the CRC verdict.

    Exit code 0 when every octet decoded into packets, 2 when any could not.
    """
    data = _read_input(hex_words, path)
    if not data:
        return fail("no octets to decode")
    dictionary = default_dictionary()
    problems: list[str] = []
    count = 0
    for offset, packet in _packets(data, framing, problems):
        try:
            view = describe(packet, dictionary)
        except ProtocolError as exc:
            problems.append(f"packet {count}{f' at offset {offset}' if offset >= 0 else ''}: {exc}")
            continue
        if as_json:
            click.echo(json.dumps(view.to_json()))
        else:
            _print_view(count, offset, view)
        count += 1
    if problems:
        for problem in problems[:-1]:
            click.echo(f"farside: warning: {problem}", err=True)
        return fail(problems[-1] if count else f"no packet decoded: {problems[-1]}")
    return 0
