"""``farside dict``: the device dictionary as text, Markdown or JSON."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from hil.cli.output import console, fail

if TYPE_CHECKING:
    from protocols.dictionary import Device


def _print_text(devices: list[Device], sources: dict[str, str]) -> None:
    from rich.table import Table

    out = console()
    for device in devices:
        source = f"  (from {sources[device.name]})" if device.name in sources else ""
        out.print(f"[bold]{device.name}[/bold]  APID 0x{device.apid:03X}{source}  — {device.description}")
        commands = Table("command", "TC", "arguments", title=f"{device.name} commands", title_justify="left")
        for c in device.commands:
            args = ", ".join(f"{a.name}=<{a.range_text()}>" for a in c.args) or "—"
            commands.add_row(c.name, f"{c.service},{c.subtype}" + (f" #{c.function_id}" if c.function_id else ""), args)
        out.print(commands)
        params = Table("ID", "parameter", "type", "unit", "range / states", title=f"{device.name} parameters",
                       title_justify="left")
        for p in device.parameters:
            params.add_row(str(p.id), p.name + (" (w)" if p.writable else ""), p.type_name, p.unit, p.range_text())
        out.print(params)
        events = Table("ID", "event", "severity", "data", title=f"{device.name} events", title_justify="left")
        for e in device.events:
            events.add_row(str(e.id), e.name, e.severity.name.lower(), ", ".join(f.name for f in e.data) or "—")
        out.print(events)


@click.command("dict")
@click.argument("device", required=False)
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json", "xtce", "cosmos"]), default="text",
              show_default=True,
              help="xtce: an XTCE 1.2 mission database on stdout; cosmos: OpenC3 COSMOS targets written into DIRECTORY")
def dict_command(device: str | None, directory: Path | None, fmt: str) -> int:
    """List the dictionary: every installed device's commands, parameters, housekeeping sets and events."""
    from protocols.dictionary import device_registry

    registry = device_registry()
    dictionary = registry.dictionary
    if fmt == "cosmos" and directory is None and device is not None:
        if any(d.name == device for d in dictionary.devices):
            raise click.UsageError(f"--format cosmos writes files: give the directory after the device, e.g. "
                                   f"farside dict {device} --format cosmos cosmos/")
        device, directory = None, Path(device)  # `farside dict --format cosmos DIR`: every device
    if directory is not None and fmt != "cosmos":
        raise click.UsageError(f"DIRECTORY ({directory}) is only for --format cosmos")
    devices = [dictionary.device(device)] if device else list(dictionary.devices)
    if fmt == "cosmos":
        if directory is None:
            raise click.UsageError("--format cosmos writes files: give the directory, e.g. farside dict "
                                   "--format cosmos cosmos/")
        from protocols.dictionary.cosmos import write_cosmos

        try:
            written = write_cosmos(devices, directory)
        except OSError as exc:
            return fail(f"cannot write {exc.filename or directory}: {exc.strerror}")
        for path in written:
            click.echo(path)
    elif fmt == "json":
        import json

        from protocols.dictionary.export import dictionary_json

        click.echo(json.dumps(dictionary_json(devices), indent=2))
    elif fmt == "xtce":
        from protocols.dictionary import Dictionary
        from protocols.dictionary.xtce import xtce_document

        click.echo(xtce_document(Dictionary(devices)), nl=False)
    elif fmt == "markdown":
        from protocols.dictionary.export import dictionary_markdown

        click.echo(dictionary_markdown(devices), nl=False)
    else:
        plugins = {d.name: registry.distribution(d.name) for d in devices if d.name not in registry.default_members}
        _print_text(devices, plugins)
    return 0
