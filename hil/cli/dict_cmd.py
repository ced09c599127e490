"""``farside dict``: the device dictionary as text, Markdown or JSON."""

from __future__ import annotations

import json

import click
from rich.table import Table

from hil.cli.output import console
from protocols.dictionary import Device, device_registry
from protocols.dictionary.export import dictionary_json, dictionary_markdown


def _print_text(devices: list[Device], sources: dict[str, str]) -> None:
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
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True)
def dict_command(device: str | None, fmt: str) -> int:
    """List the dictionary: every installed device's commands, parameters, housekeeping sets and events."""
    registry = device_registry()
    dictionary = registry.dictionary
    devices = [dictionary.device(device)] if device else list(dictionary.devices)
    if fmt == "json":
        click.echo(json.dumps(dictionary_json(devices), indent=2))
    elif fmt == "markdown":
        click.echo(dictionary_markdown(devices), nl=False)
    else:
        plugins = {d.name: registry.distribution(d.name) for d in devices if d.name not in registry.default_members}
        _print_text(devices, plugins)
    return 0
