"""The dictionary as JSON (for scripts and ground tools) and as Markdown (docs/dictionary.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from protocols.dictionary.fields import Field
from protocols.dictionary.model import Device
from protocols.services.events import Severity

SCHEMA_FILE = Path(__file__).with_name("dictionary.schema.json")
"""The JSON Schema of `farside dict --format json`, shipped inside the package."""
SCHEMA_ID = "urn:farside:dictionary:1"
"""The schema's ``$id``, which every exported document names in its ``schema`` member."""


def _limits(f: Field) -> tuple[float | None, float | None]:
    if f.enum is not None:
        return None, None
    if f.is_float and f.minimum is None and f.maximum is None and f.calibration is None:
        return None, None
    return f.engineering_limits


def field_json(f: Field) -> dict[str, Any]:
    """One argument, event datum or parameter: type, unit, range, enumeration and calibration as data."""
    low, high = _limits(f)
    return {"name": f.name, "type": f.type_name, "unit": f.unit, "min": low, "max": high,
            "enum": dict(f.enum) if f.enum is not None else None,
            "calibration": f.calibration.as_data() if f.calibration is not None else None,
            "description": f.description}


def device_json(device: Device) -> dict[str, Any]:
    """One device, in the schema `farside dict --format json` promises."""
    return {
        "name": device.name,
        "apid": device.apid,
        "description": device.description,
        "commands": [
            {"name": c.name, "service": c.service, "subtype": c.subtype, "function_id": c.function_id,
             "description": c.description, "args": [field_json(a) for a in c.args]}
            for c in device.commands
        ],
        "parameters": [
            {"id": p.id, **field_json(p), "writable": p.writable} for p in device.parameters
        ],
        "housekeeping": [
            {"name": s.name, "sid": s.sid, "interval_ms": s.interval_ms, "enabled": s.enabled,
             "parameters": list(s.parameters), "description": s.description}
            for s in device.housekeeping
        ],
        "events": [
            {"name": e.name, "id": e.id, "severity": e.severity.name.lower(), "subtype": int(e.severity),
             "description": e.description, "data": [field_json(f) for f in e.data]}
            for e in device.events
        ],
    }


def dictionary_json(devices: list[Device]) -> dict[str, Any]:
    """The whole dictionary, in the schema ``dictionary.schema.json`` (next to this module) describes."""
    return {"schema": SCHEMA_ID, "devices": [device_json(d) for d in devices]}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _arg_text(f: Field) -> str:
    unit = f" {f.unit}" if f.unit and f.enum is None else ""
    return f"`{f.name}` {f.type_name}{unit} ({f.range_text()})"


def device_markdown(device: Device) -> str:
    """One device as Markdown tables."""
    lines = [f"## {device.name} — APID 0x{device.apid:03X} ({device.apid})", "", device.description, "",
             "### Commands", "", "| command | TC | function ID | arguments | description |", "|---|---|---|---|---|"]
    for c in device.commands:
        args = "<br>".join(_arg_text(a) for a in c.args) or "—"
        fid = "—" if c.function_id is None else str(c.function_id)
        lines.append(f"| `{c.name}` | {c.service},{c.subtype} | {fid} | {_cell(args)} | {_cell(c.description)} |")
    lines += ["", "### Parameters", "", "| ID | name | type | unit | calibration / states | writable | description |",
              "|---|---|---|---|---|---|---|"]
    for p in device.parameters:
        cal = p.calibration.describe() if p.calibration else (", ".join(f"{k}={v}" for k, v in p.enum.items())
                                                              if p.enum else "—")
        lines.append(f"| {p.id} | `{p.name}` | {p.type_name} | {p.unit or '—'} | {_cell(cal)} | "
                     f"{'yes' if p.writable else 'no'} | {_cell(p.description)} |")
    lines += ["", "### Housekeeping sets (TM[3,25])", "", "| SID | name | interval | periodic | parameters |",
              "|---|---|---|---|---|"]
    for s in device.housekeeping:
        lines.append(f"| {s.sid} | `{s.name}` | {s.interval_ms} ms | {'on' if s.enabled else 'off'} | "
                     f"{', '.join(s.parameters)} |")
    lines += ["", "### Events (TM[5,x])", "", "| ID | name | severity | data | description |", "|---|---|---|---|---|"]
    for e in device.events:
        data = "<br>".join(_arg_text(f) for f in e.data) or "—"
        lines.append(f"| {e.id} | `{e.name}` | {Severity(e.severity).name.lower()} ({int(e.severity)}) | "
                     f"{_cell(data)} | {_cell(e.description)} |")
    return "\n".join(lines) + "\n"


def dictionary_markdown(devices: list[Device]) -> str:
    """The whole dictionary as the Markdown document docs/dictionary.md holds."""
    head = [
        "# farside device dictionary",
        "",
        "<!-- Generated by `farside dict --format markdown > docs/dictionary.md`; do not edit by hand. -->",
        "",
        "Every device also answers the standard commands (ping, hk-*, param-*). TM time fields are CUC, "
        "4 coarse + 2 fine octets, implicit P-field 0x1E (1958 TAI epoch). Telecommands end with a CRC-16.",
        "",
        "| device | APID | commands | parameters | housekeeping sets | events |",
        "|---|---|---|---|---|---|",
    ]
    for d in devices:
        head.append(f"| [{d.name}](#{d.name}--apid-0x{d.apid:03x}-{d.apid}) | 0x{d.apid:03X} | {len(d.commands)} | "
                    f"{len(d.parameters)} | {len(d.housekeeping)} | {len(d.events)} |")
    return "\n".join(head) + "\n\n" + "\n".join(device_markdown(d) for d in devices)
