"""OpenC3 COSMOS target definitions (target.txt, cmd_tlm/cmd.txt, cmd_tlm/tlm.txt) written from the dictionary.

Every packet is laid out by flattening the same construct declarations the codecs use (primary header, PUS-C
secondary header, the packet's key and fields, CRC), so bit offsets cannot drift from the wire format.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import Path
from typing import Any

import construct as cs

from protocols.dictionary.calibration import Linear, Table
from protocols.dictionary.elements import Command, Event, Function, HousekeepingSet, Parameter
from protocols.dictionary.fields import Field
from protocols.dictionary.model import Device
from protocols.dictionary.registry import Dictionary
from protocols.dictionary.standard import IntervalCommand, ParamGet, ParamSet, Ping, SidCommand
from protocols.errors import DictionaryError
from protocols.layout import Slot, flatten
from protocols.pus import CRC_SIZE, TC_SECONDARY_HEADER, TM_SECONDARY_HEADER
from protocols.services import housekeeping, parameters, test, verification
from protocols.services.events import SERVICE as EVENT_SERVICE
from protocols.services.verification import FailureCode
from protocols.spacepacket import PRIMARY_HEADER

TARGET_FILES = ("target.txt", "cmd_tlm/cmd.txt", "cmd_tlm/tlm.txt")
"""The files written for each device, relative to its target directory."""

CRC_ITEM = "CRC"
"""The packet error control item; an interface's CrcProtocol fills it in commands (see docs/cosmos.md)."""

_PRIMARY_NAMES = {s.name for s in flatten(PRIMARY_HEADER)}
_HEADER_RENAMES = {"pus_version": "PUS_VERSION", "coarse": "PUS_TIME_COARSE", "fine": "PUS_TIME_FINE"}
_COSMOS_TYPES = {"uint": "UINT", "bool": "UINT", "int": "INT", "float": "FLOAT"}
_STAGE_NAMES = {sub: f"VERIFY_{verification.STAGES[sub].upper()}_{'FAIL' if sub % 2 == 0 else 'OK'}"
                for sub in verification.STAGES}
_REQUEST_ID_BITS = verification.REQUEST_ID_SIZE * 8


def target_name(device: Device) -> str:
    """The COSMOS target of a device: its name in upper case."""
    return cosmos_name(device.name)


def cosmos_name(name: str) -> str:
    """A dictionary name as COSMOS spells it: upper case, hyphens as underscores (``drill-start`` → ``DRILL_START``)."""
    return name.upper().replace("-", "_")


@dataclass(frozen=True)
class _Item:
    """One item of a COSMOS packet: where it sits, its type, and what the dictionary says about it."""

    name: str
    offset: int
    bits: int
    kind: str
    field: Field | None = None
    const: int | None = None
    identifies: bool = False
    default: int | None = None
    description: str = ""


def _header_name(slot: Slot) -> str:
    if slot.name in _HEADER_RENAMES:
        return _HEADER_RENAMES[slot.name]
    return ("CCSDS_" if slot.name in _PRIMARY_NAMES else "PUS_") + slot.name.upper()


def _header_description(slot: Slot) -> str:
    where = "CCSDS primary header" if slot.name in _PRIMARY_NAMES else "PUS-C secondary header"
    return f"{where}: {slot.name.replace('_', ' ')}"


class _Layout:
    """Items placed one after another at the bit offsets flattening their construct declarations gives."""

    def __init__(self, packet: str) -> None:
        self.packet = packet
        self.items: list[_Item] = []
        self.bits = 0

    def add_slot(self, name: str, slot: Slot, **details: Any) -> None:
        """Append one flattened slot as an item."""
        if any(i.name == name for i in self.items):
            raise DictionaryError(f"COSMOS packet {self.packet}: item {name} would be defined twice")
        details.setdefault("const", slot.const)
        self.items.append(_Item(name, self.bits, slot.bits, _COSMOS_TYPES[slot.kind], **details))
        self.bits += slot.bits

    def add_header(self, declaration: cs.Struct) -> None:
        """Append a header declaration, one item per flattened slot."""
        for slot in flatten(declaration):
            self.add_slot(_header_name(slot), slot, description=_header_description(slot))

    def add(self, name: str, construct: cs.Construct, **details: Any) -> None:
        """Append one fixed-size field."""
        (slot,) = flatten(cs.Struct(name / construct))
        self.add_slot(name, slot, **details)

    def add_field(self, f: Field, name: str | None = None) -> None:
        """Append a dictionary field (argument, parameter or event datum)."""
        self.add(name or cosmos_name(f.name), f.raw, field=f, description=f.description)

    def update(self, names: Iterable[str], **changes: Any) -> None:
        """Change these items (constants, defaults, identification)."""
        wanted = set(names)
        self.items = [replace(i, **changes) if i.name in wanted else i for i in self.items]

    def fix(self, **values: int) -> None:
        """Make items constants."""
        self.items = [replace(i, const=values[i.name]) if i.name in values else i for i in self.items]

    @property
    def octets(self) -> int:
        """Packet size in octets so far."""
        return self.bits // 8


# numbers and text -----------------------------------------------------------------------------------------
def _num(value: float) -> str:
    """A number COSMOS's parser reads back exactly: integers plainly, floats by repr."""
    if isinstance(value, int) or (float(value).is_integer() and abs(value) < 2**53):
        return str(int(value))
    return repr(float(value))


def _quote(text: str) -> str:
    return '"' + " ".join(text.replace('"', "'").split()) + '"'


# calibrations as COSMOS conversions -------------------------------------------------------------------------
def _read_conversion(cal: Linear | Table) -> list[str]:
    """POLY_READ_CONVERSION for a Linear, SEG_POLY_READ_CONVERSION (one segment per table interval) for a Table."""
    if isinstance(cal, Linear):
        return ["POLY_READ_CONVERSION " + " ".join(_num(c) for c in cal.coefficients)]
    lines = []
    for (x0, y0), (x1, y1) in pairwise(cal.points):
        slope = (y1 - y0) / (x1 - x0)
        lines.append(f"SEG_POLY_READ_CONVERSION {_num(x0)} {_num(y0 - slope * x0)} {_num(slope)}")
    return lines


def _inverse_segments(cal: Linear | Table, low: float) -> list[tuple[float, float, float]]:
    """engineering → raw as (lowest engineering value, c0, c1) pieces, the lowest piece first."""
    if isinstance(cal, Linear):
        return [(low, -cal.offset / cal.scale, 1.0 / cal.scale)]
    points = sorted((e, r) for r, e in cal.points)
    pieces = []
    for i, ((e0, r0), (e1, r1)) in enumerate(pairwise(points)):
        slope = (r1 - r0) / (e1 - e0)
        pieces.append((low if i == 0 else e0, r0 - slope * e0, slope))
    return pieces


def _inside(low: float, high: float) -> float:
    """A value strictly inside (low, high), either end possibly infinite."""
    if math.isfinite(low) and math.isfinite(high):
        return (low + high) / 2
    if math.isfinite(low):
        return low + 1.0
    return high - 1.0 if math.isfinite(high) else 0.0


def _write_conversion(f: Field) -> list[str]:
    """The inverse calibration as COSMOS write conversion lines, rounding to the nearest count as farside does.

    COSMOS truncates a converted value toward zero when it writes an integer, so each piece adds half a count
    (subtracts it where the raw value is negative); a piece crossing raw zero is split there.
    """
    cal = f.calibration
    assert cal is not None
    low = f.engineering_limits[0]
    pieces = _inverse_segments(cal, -math.inf if low is None else low)
    if f.is_float:
        lines = [(lo, c0, c1) for lo, c0, c1 in pieces]
    else:
        lines = []
        bounds = [lo for lo, _, _ in pieces[1:]] + [math.inf]
        for (lo, c0, c1), hi in zip(pieces, bounds, strict=True):
            zero = -c0 / c1 if c1 else math.nan  # the engineering value where raw crosses 0
            if lo < zero < hi:
                below, above = (-0.5, 0.5) if c1 > 0 else (0.5, -0.5)
                lines += [(lo, c0 + below, c1), (zero, c0 + above, c1)]
            else:
                inside = _inside(lo, hi)
                lines.append((lo, c0 + (0.5 if c0 + c1 * inside >= 0 else -0.5), c1))
    if len(lines) == 1:
        return [f"POLY_WRITE_CONVERSION {_num(lines[0][1])} {_num(lines[0][2])}"]
    first = lines[0][0] if math.isfinite(lines[0][0]) else (lines[1][0] - 1.0)
    return [f"SEG_POLY_WRITE_CONVERSION {_num(first if i == 0 else lo)} {_num(c0)} {_num(c1)}"
            for i, (lo, c0, c1) in enumerate(lines)]


def _field_details(f: Field, command: bool) -> list[str]:
    """UNITS, STATEs, conversions and (telemetry) LIMITS of one dictionary field."""
    lines = []
    if f.enum is not None:
        lines += [f"STATE {cosmos_name(label)} {raw}" for label, raw in f.enum.items()]
        return lines
    if f.unit:
        lines.append(f"UNITS {_quote(f.unit)} {_quote(f.unit)}")
    if f.calibration is not None:
        lines += _read_conversion(f.calibration)
        if command:
            lines += _write_conversion(f)
    if not command and f.minimum is not None and f.maximum is not None and f.minimum < f.maximum:
        lo, hi = _num(f.minimum), _num(f.maximum)
        lines.append(f"LIMITS DEFAULT 1 ENABLED {lo} {lo} {hi} {hi}")
    return lines


# writing items ---------------------------------------------------------------------------------------------
def _range(item: _Item) -> tuple[str, str, str]:
    """Minimum, maximum and default of a command parameter, in the units COSMOS checks them in."""
    if item.const is not None:
        return _num(item.const), _num(item.const), _num(item.const)
    f = item.field
    if f is not None and f.enum is not None:
        raws = sorted(f.enum.values())
        return _num(raws[0]), _num(raws[-1]), _num(next(iter(f.enum.values())))
    if f is not None:
        low, high = f.engineering_limits
        lo = "MIN" if low is None else _num(low)
        hi = "MAX" if high is None else _num(high)
        default = min(max(0, low if low is not None else 0), high if high is not None else 0)
        return lo, hi, _num(default)
    if item.kind == "FLOAT":
        return "MIN", "MAX", "0"
    top = (1 << item.bits) - 1 if item.kind == "UINT" else (1 << (item.bits - 1)) - 1
    bottom = 0 if item.kind == "UINT" else -(1 << (item.bits - 1))
    return _num(bottom), _num(top), _num(item.default if item.default is not None else 0)


def _command_lines(item: _Item) -> list[str]:
    low, high, default = _range(item)
    keyword = "ID_PARAMETER" if item.identifies else "PARAMETER"
    lines = [f"  {keyword} {item.name} {item.offset} {item.bits} {item.kind} {low} {high} {default} "
             f"{_quote(item.description)}"]
    if item.field is not None:
        lines += [f"    {line}" for line in _field_details(item.field, command=True)]
        lines.append("    REQUIRED")
    return lines


def _telemetry_lines(item: _Item) -> list[str]:
    if item.identifies:
        return [f"  ID_ITEM {item.name} {item.offset} {item.bits} {item.kind} {_num(item.const or 0)} "
                f"{_quote(item.description)}"]
    lines = [f"  ITEM {item.name} {item.offset} {item.bits} {item.kind} {_quote(item.description)}"]
    if item.field is not None:
        lines += [f"    {line}" for line in _field_details(item.field, command=False)]
    return lines


# packets -----------------------------------------------------------------------------------------------------
_ID_ITEMS = ("CCSDS_APID", "PUS_SERVICE", "PUS_SUBTYPE")


def _command_layout(device: Device, name: str, service: int, subtype: int) -> _Layout:
    layout = _Layout(name)
    layout.add_header(cs.Struct("header" / PRIMARY_HEADER, "secondary" / TC_SECONDARY_HEADER))
    layout.fix(CCSDS_PACKET_TYPE=1, CCSDS_SEC_HEADER_FLAG=1, CCSDS_APID=device.apid, PUS_SERVICE=service,
               PUS_SUBTYPE=subtype)
    layout.update(["CCSDS_SEQ_FLAGS"], default=3)
    layout.update(["PUS_ACK_FLAGS"], default=15)
    layout.update(_ID_ITEMS, identifies=True)
    return layout


def _telemetry_layout(device: Device, name: str, service: int, subtype: int) -> _Layout:
    layout = _Layout(name)
    layout.add_header(cs.Struct("header" / PRIMARY_HEADER, "secondary" / TM_SECONDARY_HEADER))
    layout.fix(CCSDS_APID=device.apid, PUS_SERVICE=service, PUS_SUBTYPE=subtype)
    layout.update(_ID_ITEMS, identifies=True)
    return layout


def _finish(layout: _Layout) -> _Layout:
    """Append the CRC and fix the data length, now that the packet's size is known."""
    layout.add(CRC_ITEM, cs.Int16ub, description="CRC-16/CCITT-FALSE over the packet")
    layout.fix(CCSDS_DATA_LENGTH=layout.octets - 7)
    return layout


def _count_type(declaration: cs.Construct) -> cs.Construct:
    """The construct type of a service's N field: the ``count`` of a PrefixedArray or of a Struct."""
    (count,) = [sub.subcon for sub in declaration.subcons if sub.name == "count"]
    return count.subcon if isinstance(count, cs.Rebuild) else count


def _command_layouts(device: Device, command: Command) -> list[tuple[str, str, _Layout]]:
    """The COSMOS command packets of one dictionary command: (packet name, description, layout)."""
    name = cosmos_name(command.name)
    layout = _command_layout(device, name, command.service, command.subtype)
    if isinstance(command, Function):
        layout.add("FUNCTION_ID", cs.Int16ub, const=command.function_id, identifies=True, description="function ID")
    elif isinstance(command, SidCommand | IntervalCommand):
        layout.add("COUNT", _count_type(housekeeping.SID_LIST), const=1, description="number of sets (1)")
    elif isinstance(command, ParamGet):
        layout.add("COUNT", _count_type(parameters.PARAMETER_ID_LIST), const=1, description="number of IDs (1)")
    elif isinstance(command, ParamSet):
        return [_param_set(device, command, p) for p in device.parameters if p.writable]
    elif not isinstance(command, Ping):
        raise DictionaryError(f"{device.name}: command {command.name} ({type(command).__name__}) has no COSMOS form")
    for arg in command.args:
        layout.add_field(arg)
    return [(name, command.description, _finish(layout))]


def _param_set(device: Device, command: Command, param: Parameter) -> tuple[str, str, _Layout]:
    """TC[20,3] for one writable parameter: its ID is fixed and the value typed by its declaration."""
    name = f"{cosmos_name(command.name)}_{cosmos_name(param.name)}"
    layout = _command_layout(device, name, command.service, command.subtype)
    layout.add("COUNT", _count_type(parameters.PARAMETER_VALUES_HEAD), const=1, description="number of values (1)")
    layout.add("PARAM_ID", cs.Int16ub, const=param.id, identifies=True, description=f"parameter ID of {param.name}")
    layout.add_field(param, "VALUE")
    return name, f"set {param.name} (TC[20,3]): {param.description}", _finish(layout)


def _hk_layout(device: Device, hk: HousekeepingSet) -> _Layout:
    layout = _telemetry_layout(device, f"HK_{cosmos_name(hk.name)}", housekeeping.SERVICE, housekeeping.REPORT)
    layout.add("SID", cs.Int16ub, const=hk.sid, identifies=True, description="structure ID")
    for name in hk.parameters:
        layout.add_field(device.parameter(name))
    return layout


def _event_layout(device: Device, event: Event) -> _Layout:
    layout = _telemetry_layout(device, f"EVENT_{cosmos_name(event.name)}", EVENT_SERVICE, int(event.severity))
    layout.add("EVENT_ID", cs.Int16ub, const=event.id, identifies=True, description="event ID")
    for f in event.data:
        layout.add_field(f)
    return layout


def _param_report_layout(device: Device, param: Parameter) -> _Layout:
    layout = _telemetry_layout(device, f"PARAM_{cosmos_name(param.name)}", parameters.SERVICE, parameters.REPORT)
    layout.add("COUNT", _count_type(parameters.PARAMETER_VALUES_HEAD), const=1, identifies=True,
               description="number of parameters")
    layout.add("PARAM_ID", cs.Int16ub, const=param.id, identifies=True, description="parameter ID")
    layout.add_field(param, "VALUE")
    return layout


_FAILURE_CODE = Field(name="failure_code", raw=cs.Int16ub, enum={c.name.lower(): int(c) for c in FailureCode},
                      description="why the request failed")


def _verification_lines(device: Device, subtype: int) -> list[str]:
    """TM[1,subtype]: the request ID as the TC's primary-header fields, and for a failure the code and data."""
    layout = _telemetry_layout(device, _STAGE_NAMES[subtype], verification.SERVICE, subtype)
    start = layout.bits
    for slot in flatten(PRIMARY_HEADER):
        if layout.bits - start >= _REQUEST_ID_BITS:
            break
        layout.add_slot(f"REQUEST_{slot.name.upper()}", slot, const=None,
                        description=f"request ID: the TC's {slot.name.replace('_', ' ')}")
    failure = subtype in verification.FAILURE_SUBTYPES
    if failure:
        layout.add_field(_FAILURE_CODE)
    stage = f"{verification.STAGES[subtype]} {'failure' if failure else 'success'} (TM[1,{subtype}])"
    crc = f"{CRC_ITEM} -{CRC_SIZE * 8} {CRC_SIZE * 8} UINT \"CRC-16/CCITT-FALSE over the packet\""
    if not failure:
        return _packet_lines(device, "TELEMETRY", _finish(layout), stage)
    return [*_packet_lines(device, "TELEMETRY", layout, stage),
            f"  ITEM FAILURE_DATA {layout.bits} -{CRC_SIZE * 8} BLOCK \"failure data, if any\"", f"  ITEM {crc}"]


def _packet_lines(device: Device, kind: str, layout: _Layout, description: str) -> list[str]:
    head = [f"{kind} {target_name(device)} {layout.packet} BIG_ENDIAN {_quote(description)}"]
    write = _command_lines if kind == "COMMAND" else _telemetry_lines
    return head + [line for item in layout.items for line in write(item)]


# files --------------------------------------------------------------------------------------------------------
def command_definitions(device: Device) -> str:
    """cmd_tlm/cmd.txt of a device: every telecommand, header fields included."""
    lines = [f"# {device.name} commands, generated by `farside dict --format cosmos`; do not edit by hand.", ""]
    seen: set[str] = set()
    for command in device.commands:
        empty = [a.name for a in command.args if a.enum is not None and not a.enum]
        if empty:  # e.g. hk-now on a device without housekeeping sets: no value is allowed, nothing to send
            lines += [f"# {cosmos_name(command.name)}: not generated, {empty[0]} allows no value on {device.name}", ""]
            continue
        for name, description, layout in _command_layouts(device, command):
            _unique(device, name, seen)
            lines += [*_packet_lines(device, "COMMAND", layout, description), ""]
    return "\n".join(lines)


def telemetry_definitions(device: Device) -> str:
    """cmd_tlm/tlm.txt of a device: housekeeping sets, events, parameter reports, ping and verification reports."""
    lines = [f"# {device.name} telemetry, generated by `farside dict --format cosmos`; do not edit by hand.", ""]
    seen: set[str] = set()
    packets: list[tuple[_Layout, str]] = [
        *((_hk_layout(device, hk), hk.description or f"housekeeping set {hk.name} (TM[3,25])")
          for hk in device.housekeeping),
        *((_event_layout(device, e), e.description) for e in device.events),
        *((_param_report_layout(device, p), f"{p.name} report (TM[20,2])") for p in device.parameters),
        (_telemetry_layout(device, "PING_REPLY", test.SERVICE, 2), "are-you-alive reply (TM[17,2])"),
    ]
    for layout, description in packets:
        _unique(device, layout.packet, seen)
        lines += [*_packet_lines(device, "TELEMETRY", _finish(layout), description), ""]
    for subtype in sorted(_STAGE_NAMES):
        lines += [*_verification_lines(device, subtype), ""]
    return "\n".join(lines)


def target_definition(device: Device) -> str:
    """target.txt of a device: the definition files, and header fields kept out of COSMOS's command forms."""
    layout = _finish(_command_layout(device, "PING", test.SERVICE, test.PING))
    hidden = [i.name for i in layout.items]
    return "\n".join([
        f"# {device.name} (APID 0x{device.apid:03X}), generated by `farside dict --format cosmos`.",
        "LANGUAGE python",
        *(f"IGNORE_PARAMETER {name}" for name in hidden),
        "COMMANDS cmd.txt",
        "TELEMETRY tlm.txt",
        "",
    ])


def _unique(device: Device, name: str, seen: set[str]) -> None:
    if name in seen:
        raise DictionaryError(f"{device.name}: two packets are named {name} in COSMOS")
    seen.add(name)


def cosmos_files(devices: Iterable[Device]) -> dict[str, str]:
    """Every file of every device's target, by path relative to the COSMOS targets directory (no I/O)."""
    files = {}
    for device in devices:
        texts = (target_definition(device), command_definitions(device), telemetry_definitions(device))
        for relative, text in zip(TARGET_FILES, texts, strict=True):
            files[f"{target_name(device)}/{relative}"] = text
    return files


def write_cosmos(dictionary: Dictionary | Iterable[Device], directory: Path) -> list[Path]:
    """Write one COSMOS target per device (upper-case name) under ``directory``; the paths written, in order."""
    written = []
    for relative, text in cosmos_files(dictionary).items():
        path = Path(directory) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
