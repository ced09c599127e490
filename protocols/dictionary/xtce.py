"""The dictionary as an XTCE 1.2 mission database: CCSDS/PUS-C base containers, every device's TM and TC."""

from __future__ import annotations

from collections.abc import Iterable
from xml.etree.ElementTree import Element, indent, register_namespace, tostring

import construct as cs

from protocols.dictionary.elements import Command, Event, Function, Parameter
from protocols.dictionary.fields import Field
from protocols.dictionary.model import Device
from protocols.dictionary.registry import Dictionary
from protocols.dictionary.standard import IntervalCommand, ParamGet, ParamSet, Ping, SidCommand
from protocols.dictionary.xtce_types import XTCE_NS, argument_type, element, parameter_type, tag
from protocols.errors import DictionaryError
from protocols.services import verification

SPACE_SYSTEM = "farside"
"""Name of the root SpaceSystem; every item's qualified name is /farside/<name>."""
ROOT_CONTAINER = "CCSDSPacket"
"""The abstract container every TM packet is parsed from (space-packet-parser's default root name)."""
TC_BASE = "PUS_TC"
"""The abstract MetaCommand every telecommand inherits its headers from."""
SCHEMA_LOCATION = f"{XTCE_NS} https://www.omg.org/spec/XTCE/20180204/SpaceSystem.xsd"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_CUC_FINE = 2.0**-16

register_namespace("xtce", XTCE_NS)
register_namespace("xsi", _XSI)


def item_name(device: Device | str, name: str) -> str:
    """The XTCE name of a device's item: ``<device>_<name>`` (e.g. ``sampler_drill_depth``)."""
    return f"{device if isinstance(device, str) else device.name}_{name}"


def alias_namespace(device: Device | str) -> str:
    """The alias namespace holding a device's items under their dictionary names (``/farside/sampler``)."""
    return f"/{SPACE_SYSTEM}/{device if isinstance(device, str) else device.name}"


def _uint(bits: int) -> Field:
    return Field(name="raw", raw={8: cs.Int8ub, 16: cs.Int16ub, 32: cs.Int32ub}[bits])


class _Builder:
    """Collects parameter types, parameters, containers, argument types and commands, rejecting clashing names."""

    def __init__(self) -> None:
        self.ptypes: list[Element] = []
        self.params: list[Element] = []
        self.containers: list[Element] = []
        self.atypes: list[Element] = []
        self.commands: list[Element] = []
        self._names: dict[str, set[str]] = {"ptype": set(), "param": set(), "container": set(), "atype": set(),
                                            "command": set()}

    def _claim(self, kind: str, name: str) -> None:
        if name in self._names[kind]:
            raise DictionaryError(f"XTCE export: two {kind}s named {name!r}")
        self._names[kind].add(name)

    def bits_parameter(self, name: str, bits: int, description: str) -> None:
        """A header field of any width as an unsigned integer parameter."""
        self._claim("ptype", f"{name}_type")
        ptype = element("IntegerParameterType", name=f"{name}_type", signed="false", sizeInBits=str(max(bits, 8)))
        element("IntegerDataEncoding", ptype, sizeInBits=str(bits), encoding="unsigned")
        self.ptypes.append(ptype)
        self._parameter(name, f"{name}_type", description)

    def field_parameter(self, name: str, f: Field, alias: tuple[str, str] | None = None) -> None:
        """A parameter typed by a dictionary field (unit, enumeration, calibration), with its alias."""
        self._claim("ptype", f"{name}_type")
        self.ptypes.append(parameter_type(f"{name}_type", f))
        self._parameter(name, f"{name}_type", f.description, alias)

    def raw_parameter(self, name: str, ptype: Element, description: str) -> None:
        """A parameter of a ready-made type."""
        self._claim("ptype", ptype.get("name", ""))
        self.ptypes.append(ptype)
        self._parameter(name, ptype.get("name", ""), description)

    def _parameter(self, name: str, type_name: str, description: str, alias: tuple[str, str] | None = None) -> None:
        self._claim("param", name)
        attrs = {"name": name, "parameterTypeRef": type_name}
        if description:
            attrs["shortDescription"] = description
        param = element("Parameter", **attrs)
        if alias is not None:
            element("Alias", element("AliasSet", param), nameSpace=alias[0], alias=alias[1])
        self.params.append(param)

    def container(self, name: str, entries: Iterable[str], base: str | None = None,
                  where: Iterable[tuple[str, int]] = (), *, abstract: bool = False, description: str = "",
                  alias: tuple[str, str] | None = None, dynamic: dict[str, tuple[str, int, int]] | None = None) -> None:
        """A SequenceContainer of parameter entries, inheriting ``base`` when ``where`` holds."""
        self._claim("container", name)
        attrs = {"name": name}
        if description:
            attrs["shortDescription"] = description
        if abstract:
            attrs["abstract"] = "true"
        out = element("SequenceContainer", **attrs)
        if alias is not None:
            element("Alias", element("AliasSet", out), nameSpace=alias[0], alias=alias[1])
        listing = element("EntryList", out)
        for entry in entries:
            element("ParameterRefEntry", listing, parameterRef=entry)
        if base is not None:
            inherit = element("BaseContainer", out, containerRef=base)
            conditions = list(where)
            if conditions:
                comparisons = element("ComparisonList", element("RestrictionCriteria", inherit))
                for param, value in conditions:
                    element("Comparison", comparisons, parameterRef=param, value=str(value))
        self.containers.append(out)

    def argument_type(self, name: str, f: Field) -> str:
        """Register the argument type of a field once; its name."""
        if name not in self._names["atype"]:
            self._claim("atype", name)
            self.atypes.append(argument_type(name, f))
        return name

    def command(self, out: Element) -> None:
        """A MetaCommand."""
        self._claim("command", out.get("name", ""))
        self.commands.append(out)


# telemetry -------------------------------------------------------------------------------------------------------
_PRIMARY = (("ccsds_version", 3, "packet version number (0)"), ("ccsds_type", 1, "packet type: 0 TM, 1 TC"),
            ("ccsds_sec_hdr", 1, "secondary header flag"), ("ccsds_apid", 11, "application process ID"),
            ("ccsds_seq_flags", 2, "sequence flags (3 = unsegmented)"),
            ("ccsds_seq_count", 14, "per-APID sequence count"),
            ("ccsds_length", 16, "packet data length: octets in the data field − 1"))
_TM_SECONDARY = (("pus_version", 4, "PUS version (2 = PUS-C)"), ("pus_time_ref", 4, "time reference status"),
                 ("pus_service", 8, "service type"), ("pus_subtype", 8, "message subtype"),
                 ("pus_msg_counter", 16, "message type counter"), ("pus_dest_id", 16, "destination ID"))
_REQUEST_ID = (("pus_req_version", 3, "request ID: packet version of the TC"),
               ("pus_req_type", 1, "request ID: packet type of the TC (1)"),
               ("pus_req_sec_hdr", 1, "request ID: secondary header flag of the TC"),
               ("pus_req_apid", 11, "request ID: APID of the TC"),
               ("pus_req_seq_flags", 2, "request ID: sequence flags of the TC"),
               ("pus_req_seq_count", 14, "request ID: sequence count of the TC"))
_FAILURE_DATA_BITS = (8, -8 * (13 + 4 + 2 + 2 - 1))
"""Failure data length from ccsds_length: (length + 1 − 13 header − 4 request ID − 2 code − 2 CRC) octets."""


def _headers(b: _Builder) -> None:
    for name, bits, text in (*_PRIMARY, *_TM_SECONDARY, *_REQUEST_ID):
        b.bits_parameter(name, bits, text)
    time = element("AbsoluteTimeParameterType", name="pus_time_type",
                   shortDescription="CUC: 4 coarse + 2 fine octets, implicit P-field 0x1E, TAI since 1958")
    encoding = element("Encoding", time, units="seconds", scale=repr(_CUC_FINE), offset="0")
    element("IntegerDataEncoding", encoding, sizeInBits="48", encoding="unsigned")
    element("Epoch", element("ReferenceTime", time)).text = "TAI"
    b.raw_parameter("pus_time", time, "packet time (CUC 4+2, TAI epoch 1958-01-01)")
    b.bits_parameter("pus_crc", 16, "packet error control: CRC-16/CCITT-FALSE over the whole packet")
    b.bits_parameter("pus_hk_sid", 16, "housekeeping structure ID")
    b.bits_parameter("pus_event_id", 16, "event definition ID")
    b.bits_parameter("pus_param_count", 8, "number of parameters in the report")
    b.bits_parameter("pus_param_id", 16, "parameter ID")
    codes = {code.name.lower(): int(code) for code in verification.FailureCode}
    b.field_parameter("pus_failure_code", Field(name="code", raw=cs.Int16ub, enum=codes,
                                                description="request verification failure code"))
    data = element("BinaryParameterType", name="pus_failure_data_type", shortDescription="failure data")
    size = element("SizeInBits", element("BinaryDataEncoding", data))
    dynamic = element("DynamicValue", size)
    element("ParameterInstanceRef", dynamic, parameterRef="ccsds_length")
    element("LinearAdjustment", dynamic, slope=str(_FAILURE_DATA_BITS[0]), intercept=str(_FAILURE_DATA_BITS[1]))
    b.raw_parameter("pus_failure_data", data, "failure data after the code (rest of the packet)")
    b.container(ROOT_CONTAINER, [n for n, _, _ in _PRIMARY], abstract=True,
                description="CCSDS space packet primary header")
    b.container("PUS_TM", [n for n, _, _ in _TM_SECONDARY] + ["pus_time"], ROOT_CONTAINER,
                [("ccsds_type", 0), ("ccsds_sec_hdr", 1)], abstract=True, description="PUS-C TM secondary header")
    b.container("PUS_TM_1", [n for n, _, _ in _REQUEST_ID], "PUS_TM", [("pus_service", 1)], abstract=True,
                description="TM[1,x] request verification: the request ID")
    for subtype, stage in sorted(verification.STAGES.items()):
        failed = subtype in verification.FAILURE_SUBTYPES
        entries = ["pus_failure_code", "pus_failure_data", "pus_crc"] if failed else ["pus_crc"]
        b.container(f"PUS_TM_1_{subtype}", entries, "PUS_TM_1", [("pus_subtype", subtype)],
                    description=f"TM[1,{subtype}] {stage} {'failure' if failed else 'success'}")
    b.container("PUS_TM_3_25", ["pus_hk_sid"], "PUS_TM", [("pus_service", 3), ("pus_subtype", 25)], abstract=True,
                description="TM[3,25] housekeeping report: the structure ID")
    b.container("PUS_TM_5", ["pus_event_id"], "PUS_TM", [("pus_service", 5)], abstract=True,
                description="TM[5,x] event report: the event ID")
    b.container("PUS_TM_17_2", ["pus_crc"], "PUS_TM", [("pus_service", 17), ("pus_subtype", 2)],
                description="TM[17,2] are-you-alive report")
    b.container("PUS_TM_20_2", ["pus_param_count", "pus_param_id"], "PUS_TM",
                [("pus_service", 20), ("pus_subtype", 2)], abstract=True,
                description="TM[20,2] parameter report: one parameter's ID")


def _device_telemetry(b: _Builder, device: Device) -> None:
    space = alias_namespace(device)
    for p in device.parameters:
        b.field_parameter(item_name(device, p.name), p, (space, p.name))
    for hk in device.housekeeping:
        b.container(item_name(device, f"hk_{hk.name}"), [item_name(device, p) for p in hk.parameters] + ["pus_crc"],
                    "PUS_TM_3_25", [("ccsds_apid", device.apid), ("pus_hk_sid", hk.sid)],
                    description=hk.description or f"housekeeping set {hk.name} (SID {hk.sid})",
                    alias=(space, f"hk_{hk.name}"))
    for event in device.events:
        _event(b, device, event)
    for p in device.parameters:
        b.container(item_name(device, f"param_{p.name}"), [item_name(device, p.name), "pus_crc"], "PUS_TM_20_2",
                    [("ccsds_apid", device.apid), ("pus_param_count", 1), ("pus_param_id", p.id)],
                    description=f"TM[20,2] report of {p.name}", alias=(space, f"param_{p.name}"))


def _event(b: _Builder, device: Device, event: Event) -> None:
    space = alias_namespace(device)
    names = []
    for f in event.data:
        name = item_name(device, f"event_{event.name}_{f.name}")
        b.field_parameter(name, f, (space, f"event_{event.name}_{f.name}"))
        names.append(name)
    b.container(item_name(device, f"event_{event.name}"), [*names, "pus_crc"], "PUS_TM_5",
                [("ccsds_apid", device.apid), ("pus_subtype", int(event.severity)), ("pus_event_id", event.id)],
                description=event.description or event.name, alias=(space, f"event_{event.name}"))


# telecommands ----------------------------------------------------------------------------------------------------
_TC_ARGS = (("ccsds_apid", 11, None), ("pus_ack", 4, 15), ("pus_service", 8, None), ("pus_subtype", 8, None),
            ("pus_source_id", 16, 0))


def _fixed(listing: Element, name: str, bits: int, value: int) -> None:
    octets = max(1, (bits + 7) // 8)
    element("FixedValueEntry", listing, name=name, binaryValue=value.to_bytes(octets, "big").hex().upper(),
            sizeInBits=str(bits))


def _tc_base(b: _Builder) -> None:
    command = element("MetaCommand", name=TC_BASE, abstract="true",
                      shortDescription="PUS-C telecommand: primary and secondary headers (the CRC is appended by "
                                       "the ground's command postprocessor)")
    args = element("ArgumentList", command)
    for name, bits, initial in _TC_ARGS:
        atype = element("IntegerArgumentType", name=f"{name}_arg_type", signed="false", sizeInBits=str(max(bits, 8)))
        element("IntegerDataEncoding", atype, sizeInBits=str(bits), encoding="unsigned")
        b._claim("atype", f"{name}_arg_type")
        b.atypes.append(atype)
        attrs = {"name": name, "argumentTypeRef": f"{name}_arg_type"}
        if initial is not None:
            attrs["initialValue"] = str(initial)
        element("Argument", args, **attrs)
    container = element("CommandContainer", command, name=TC_BASE)
    listing = element("EntryList", container)
    _fixed(listing, "ccsds_version", 3, 0)
    _fixed(listing, "ccsds_type", 1, 1)
    _fixed(listing, "ccsds_sec_hdr", 1, 1)
    element("ArgumentRefEntry", listing, argumentRef="ccsds_apid")
    _fixed(listing, "ccsds_seq_flags", 2, 3)
    _fixed(listing, "ccsds_seq_count", 14, 0)
    _fixed(listing, "ccsds_length", 16, 0)
    _fixed(listing, "pus_version", 4, 2)
    for name in ("pus_ack", "pus_service", "pus_subtype", "pus_source_id"):
        element("ArgumentRefEntry", listing, argumentRef=name)
    b.command(command)


def _metacommand(b: _Builder, device: Device, name: str, service: int, subtype: int, description: str,
                 entries: list[tuple[str, object]]) -> None:
    """One concrete command: fixed values (name, bits, value) and arguments (name, Field) in wire order."""
    command = element("MetaCommand", name=item_name(device, name), shortDescription=description)
    element("Alias", element("AliasSet", command), nameSpace=alias_namespace(device), alias=name)
    assign = element("ArgumentAssignmentList", element("BaseMetaCommand", command, metaCommandRef=TC_BASE))
    for arg, value in (("ccsds_apid", device.apid), ("pus_service", service), ("pus_subtype", subtype)):
        element("ArgumentAssignment", assign, argumentName=arg, argumentValue=str(value))
    args = [(n, spec) for n, spec in entries if isinstance(spec, Field)]
    if args:
        listing = element("ArgumentList", command)
        for arg_name, f in args:
            type_name = b.argument_type(item_name(device, f"{name}_{arg_name}_type"), f)
            attrs = {"name": arg_name, "argumentTypeRef": type_name}
            if f.description:
                attrs["shortDescription"] = f.description
            element("Argument", listing, **attrs)
    container = element("CommandContainer", command, name=item_name(device, name))
    listing = element("EntryList", container)
    for entry_name, spec in entries:
        if isinstance(spec, Field):
            element("ArgumentRefEntry", listing, argumentRef=entry_name)
        else:
            bits, value = spec  # type: ignore[misc]
            _fixed(listing, entry_name, bits, value)
    element("BaseContainer", container, containerRef=TC_BASE)
    b.command(command)


def _device_commands(b: _Builder, device: Device) -> None:
    for command in device.commands:
        _command(b, device, command)


def _command(b: _Builder, device: Device, command: Command) -> None:
    count = ("count", (8, 1))
    if isinstance(command, Function):
        entries: list[tuple[str, object]] = [("function_id", (16, command.function_id)),
                                             *((a.name, a) for a in command.args)]
    elif isinstance(command, Ping):
        entries = []
    elif isinstance(command, SidCommand | ParamGet):
        entries = [count, (command.args[0].name, command.args[0])]
    elif isinstance(command, IntervalCommand):
        entries = [count, *((a.name, a) for a in command.args)]
    elif isinstance(command, ParamSet):
        for p in device.parameters:
            if p.writable:
                _param_set(b, device, command, p)
        return
    else:
        raise DictionaryError(f"XTCE export: no encoding known for {device.name} command {command.name}")
    _metacommand(b, device, command.name, command.service, command.subtype, command.description, entries)


def _param_set(b: _Builder, device: Device, command: Command, p: Parameter) -> None:
    """TC[20,3] for one writable parameter: its value is typed by the parameter's declaration."""
    value = Field(name="value", raw=p.raw, unit=p.unit, minimum=p.minimum, maximum=p.maximum, enum=p.enum,
                  calibration=p.calibration, description=f"new value of {p.name}")
    _metacommand(b, device, f"{command.name}-{p.name}", command.service, command.subtype,
                 f"set {p.name} (TC[20,3])", [("count", (8, 1)), ("param_id", (16, p.id)), ("value", value)])


# document --------------------------------------------------------------------------------------------------------
def xtce_document(dictionary: Dictionary) -> str:
    """The whole dictionary as an XTCE 1.2 SpaceSystem document (UTF-8 XML text)."""
    b = _Builder()
    _headers(b)
    _tc_base(b)
    for device in dictionary:
        _device_telemetry(b, device)
        _device_commands(b, device)
    root = Element(tag("SpaceSystem"), {"name": SPACE_SYSTEM, f"{{{_XSI}}}schemaLocation": SCHEMA_LOCATION,
                                        "shortDescription": "farside lander hardware: CCSDS space packets, PUS-C"})
    element("Header", root, validationStatus="Working", version="1.0")
    tm = element("TelemetryMetaData", root)
    element("ParameterTypeSet", tm).extend(b.ptypes)
    element("ParameterSet", tm).extend(b.params)
    element("ContainerSet", tm).extend(b.containers)
    tc = element("CommandMetaData", root)
    element("ArgumentTypeSet", tc).extend(b.atypes)
    element("MetaCommandSet", tc).extend(b.commands)
    indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode") + "\n"
