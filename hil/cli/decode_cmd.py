"""``farside decode FILE``: engineering values of every housekeeping packet, in bulk, as CSV, JSON lines or a table."""

from __future__ import annotations

import os
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING

import click

from hil.cli.output import console, fail, overwrite_error
from protocols.errors import ProtocolError
from protocols.timecode import NS_PER_S, datetime_to_utc_ns, utc_to_tai_ns

if TYPE_CHECKING:
    from rich.console import Console

    from hil.decode.bulk import DecodeResult
    from hil.decode.split import PacketBuffer
    from protocols.dictionary.registry import Dictionary

FORMATS = ("table", "csv", "jsonl", "parquet")


def parse_time(text: str) -> float:
    """Seconds since 1958 TAI from a number of seconds or an ISO UTC date-time (``Z`` or naive = UTC)."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter(f"{text!r}: give seconds since 1958 TAI or an ISO UTC time") from None
    try:
        return utc_to_tai_ns(datetime_to_utc_ns(moment)) / NS_PER_S
    except ProtocolError as exc:
        raise click.BadParameter(str(exc)) from None


def _apid(text: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise click.BadParameter(f"{text!r}: not an integer (0x… allowed)") from None
    if not 0 <= value <= 0x7FF:
        raise click.BadParameter(f"{value}: APIDs are 0..2047")
    return value


def _parameters(dictionary: Dictionary, names: tuple[str, ...], devices: tuple[str, ...]) -> set[tuple[str, str]]:
    """(device, parameter) pairs for ``device.name`` or a bare name (every device that has it)."""
    pairs: set[tuple[str, str]] = set()
    for text in names:
        device_name, _, name = text.rpartition(".")
        candidates = [dictionary.device(device_name)] if device_name else list(dictionary)
        found = [(d.name, name) for d in candidates if name in {p.name for p in d.parameters}]
        if not found:
            where = device_name or "any device"
            raise click.BadParameter(f"{text!r}: no parameter {name!r} in {where}", param_hint="--param")
        pairs.update(found)
    if devices:
        pairs = {(d, n) for d, n in pairs if d in devices}
    return pairs


def _summary(result: DecodeResult, path: Path, damage: str) -> None:
    hk = result.decoded
    sets = len(result.blocks)
    other = sum(result.other_kinds.values())
    kinds = ", ".join(f"{k} {n:,}" for k, n in sorted(result.other_kinds.items()))
    click.echo(f"farside: {result.total:,} packets: {hk:,} housekeeping decoded in {sets} set(s), {other:,} other"
               + (f" ({kinds})" if kinds else "") + (f", {result.filtered:,} filtered out" if result.filtered else ""),
               err=True)
    for reason, count in sorted(result.rejected.items()):
        click.echo(f"farside: warning: {count:,} packet(s) skipped: {reason}", err=True)
    if damage:
        click.echo(f"farside: warning: {path}: {damage}", err=True)


@click.command("decode")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="terminal table (first rows of each set), wide CSV (a column per parameter), JSON lines, or "
                   "Parquet (one typed table per housekeeping set, in the directory -o names)")
@click.option("--long", "long_csv", is_flag=True, help="CSV in long form: one row per value, with its unit")
@click.option("--device", "devices", multiple=True, metavar="NAME", help="only this device (repeatable)")
@click.option("--apid", "apids", multiple=True, metavar="APID", help="only this APID, 0x… allowed (repeatable)")
@click.option("--param", "params", multiple=True, metavar="DEVICE.NAME",
              help="only this parameter (repeatable); a bare NAME matches it in every device")
@click.option("--from", "start", metavar="T", help="from this time: seconds since 1958 TAI or ISO UTC")
@click.option("--to", "stop", metavar="T", help="up to this time (inclusive): seconds since 1958 TAI or ISO UTC")
@click.option("--link", "link", metavar="NAME",
              help="every packet a recording's link carried, the copies flight software forwards included")
@click.option("--copies", is_flag=True,
              help="every packet of a recording as often as it was recorded (default: once, where it originates)")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="write here, not to stdout (for Parquet: a directory, one DEVICE.SET.parquet per set)")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True,
              help="rows per set in the table")
def decode_command(path: Path, fmt: str, long_csv: bool, devices: tuple[str, ...], apids: tuple[str, ...],
                   params: tuple[str, ...], start: str | None, stop: str | None, link: str | None, copies: bool,
                   output: Path | None, limit: int) -> int:
    """Decode a packet file to engineering values, in bulk.

    Housekeeping reports (TM[3,25]) become named, calibrated values. From a recording each packet is decoded
    once, where it originates (as ``farside export`` writes it), not again as the copy forwarded over the relay.
    Corrupt packets (bad CRC, wrong size) and unknown APIDs or SIDs are counted and reported on stderr, never
    fatal; other packets (events, verification, telecommands) are counted, and written through the per-packet
    explainer in JSON lines.
    Exit code 0 when any packet decoded, 2 when the file holds none.
    """
    # No linear algebra here: without this, OpenBLAS (loaded with numpy, next) starts a worker thread per core
    # that spins for a while, on the cores the decode's own threads want. Too late, harmlessly, if numpy is in.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from hil.decode.memory import keep_freed_memory

    keep_freed_memory()  # before pyarrow loads, which reads its allocator's options then
    from hil.decode.bulk import decode_buffer
    from hil.decode.split import read_buffer
    from hil.packetpick import pick_packets
    from protocols.dictionary import default_dictionary

    if fmt == "parquet" and output is None:
        raise click.UsageError("--format parquet writes a directory of tables: give it with -o DIR")
    dictionary = default_dictionary()
    try:
        wanted_apids = {_apid(a) for a in apids} if apids else None
        for name in devices:
            dictionary.device(name)
        if devices:
            by_device = {dictionary.device(name).apid for name in devices}
            wanted_apids = by_device if wanted_apids is None else wanted_apids & by_device
        pairs = _parameters(dictionary, params, devices) if params else None
        t_from = parse_time(start) if start is not None else None
        t_to = parse_time(stop) if stop is not None else None
    except ProtocolError as exc:
        raise click.BadParameter(str(exc)) from None
    if output is not None and (refused := overwrite_error(path, output) or _directory_error(fmt, output)):
        return fail(refused)
    buffer = read_buffer(path)
    if not len(buffer):
        return fail(f"{path}: no packets ({buffer.summary() or 'the file is empty'})")
    keep = pick_packets(path, dictionary, *buffer.heads(), buffer.link, buffer.links, buffer.direction,
                        only_link=link, copies=copies)
    if keep is not None:
        buffer = buffer.select(keep)
    opening = _open_early(output) if output is not None and fmt != "parquet" else None
    try:
        result = decode_buffer(buffer, dictionary, apids=wanted_apids, parameters=pairs, start=t_from, stop=t_to)
    except BaseException:
        _discard(opening)
        raise
    if fmt == "parquet" and output is not None:
        from hil.decode.parquet import write_parquet

        try:
            tables = write_parquet(result, output)
        except OSError as exc:
            return fail(f"cannot write {output}: {exc.strerror or exc}")
        click.echo(f"farside: {len(tables)} Parquet table(s) in {output}/", err=True)
    else:
        try:
            _write_text(result, buffer, dictionary, fmt, long_csv, opening, limit, pairs is None)
        except BrokenPipeError:
            raise  # stdout's reader went away: the CLI's own handler
        except OSError as exc:
            return fail(f"cannot write {output or 'stdout'}: {exc.strerror or exc}")
    _summary(result, path, buffer.summary())
    if not result.decoded and not len(result.other):
        return fail("no packet decoded")
    return 0


def _directory_error(fmt: str, output: Path) -> str | None:
    """Why Parquet tables cannot go to ``output`` (None for the other formats, which write one file)."""
    if fmt != "parquet":
        return None
    from hil.decode.parquet import directory_error

    return directory_error(output)


def _open_early(output: Path) -> Future[IO[str]]:
    """``output`` opened for text on a thread of its own, so that emptying a big old output (a while) goes on
    beside the decode; called once the packets are read and picked, so an input that fails there leaves an old
    output as it was."""
    pool = ThreadPoolExecutor(1)
    try:
        return pool.submit(output.open, "w", encoding="utf-8", newline="")
    finally:
        pool.shutdown(wait=False)


def _discard(opening: Future[IO[str]] | None) -> None:
    """Close the output an early open gave, if it gave one."""
    if opening is not None and opening.exception() is None:
        opening.result().close()


def _write_text(result: DecodeResult, buffer: PacketBuffer, dictionary: Dictionary, fmt: str, long_csv: bool,
                opening: Future[IO[str]] | None, limit: int, everything: bool) -> None:
    """CSV, JSON lines or the table, to the output being opened or stdout, with progress on long outputs."""
    from hil.decode.output import write_csv, write_csv_long, write_jsonl, write_table
    from hil.progress import progress_for

    with ExitStack() as stack:
        out: IO[str] = stack.enter_context(opening.result()) if opening is not None else sys.stdout
        rows = result.decoded + (len(result.other) if fmt == "jsonl" and everything else 0)
        shown = stack.enter_context(progress_for("decode: writing", rows, enabled=fmt != "table"))
        if fmt == "csv":
            (write_csv_long if long_csv else write_csv)(result, out, progress=shown.update)
        elif fmt == "jsonl":
            write_jsonl(result, buffer, dictionary, out, include_other=everything, progress=shown.update)
        else:
            write_table(result, console() if opening is None else _file_console(out), limit)


def _file_console(out: IO[str]) -> Console:
    from rich.console import Console

    return Console(file=out, highlight=False, soft_wrap=True, width=200)
