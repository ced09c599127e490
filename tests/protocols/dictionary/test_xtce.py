"""XTCE export: valid against the official XTCE 1.2 XSD, and space-packet-parser decodes a recorded mission with it
to the engineering values `farside decode` gives; telecommands built from the XML match the recorded ones."""

from __future__ import annotations

import contextlib
import io
import math
import struct
import warnings
from binascii import crc_hqx
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np
import pytest
import space_packet_parser as spp
from space_packet_parser.xtce import validation

from hil.cli import main
from hil.decode import PacketBuffer, buffer_from_packets, decode_buffer, read_buffer
from protocols.dictionary import Device, Dictionary, HousekeepingSet, default_dictionary
from protocols.dictionary.calibration import Linear, Table
from protocols.dictionary.elements import Function
from protocols.dictionary.fields import RAW_TYPES, Field
from protocols.dictionary.standard import ParamSet
from protocols.dictionary.xtce import ROOT_CONTAINER, TC_BASE, alias_namespace, item_name, xtce_document
from protocols.dictionary.xtce_types import XTCE_NS, argument_type
from protocols.pus import PusTc, PusTm
from protocols.services import parameters, verification

NS = {"x": XTCE_NS}
HK_STRIDE = 16
"""Every 16th housekeeping packet of each set (plus each parameter's extremes) is compared."""


@pytest.fixture(scope="session")
def xtce_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("xtce") / "farside.xml"
    path.write_text(xtce_document(default_dictionary()), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def definition(xtce_file: Path) -> Any:
    return spp.load_xtce(xtce_file)


@pytest.fixture(scope="session")
def reference_recording(tmp_path_factory: pytest.TempPathFactory) -> PacketBuffer:
    """The whole reference mission (seed 2024), recorded once per session: every HK set of every device occurs."""
    path = tmp_path_factory.mktemp("reference") / "reference.pcapng"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["run", "--quiet", "--json", "--record", str(path)]) == 0
    return read_buffer(path)


def test_document_validates_against_the_official_xsd_offline(xtce_file: Path) -> None:
    xsd = Path(validation.__file__).parent / "schemas" / "SpaceSystem.xsd"
    assert xsd.exists(), "space-packet-parser no longer ships the XTCE 1.2 XSD"
    result = spp.validate_xtce(xtce_file, level="schema", local_xsd=xsd, raise_on_error=False)
    assert result.valid, "\n".join(str(e) for e in result.errors[:20])


def test_document_is_deterministic_and_names_items_by_device() -> None:
    dictionary = default_dictionary()
    text = xtce_document(dictionary)
    assert text == xtce_document(dictionary)
    root = ElementTree.fromstring(text)
    assert root.get("name") == "farside"
    params = {p.get("name"): p for p in root.iterfind(".//x:ParameterSet/x:Parameter", NS)}
    for device in dictionary:
        for p in device.parameters:
            alias = params[item_name(device, p.name)].find("x:AliasSet/x:Alias", NS)
            assert alias is not None
            assert (alias.get("nameSpace"), alias.get("alias")) == (alias_namespace(device), p.name)
    containers = {c.get("name") for c in root.iterfind(".//x:SequenceContainer", NS)}
    assert {ROOT_CONTAINER, "PUS_TM", "PUS_TM_3_25", "PUS_TM_5", "PUS_TM_17_2", "PUS_TM_20_2"} <= containers
    assert {f"PUS_TM_1_{s}" for s in range(1, 9)} <= containers


def test_one_device_document_holds_only_that_device() -> None:
    relay = default_dictionary().device("relay")
    root = ElementTree.fromstring(xtce_document(Dictionary([relay])))
    names = [c.get("name", "") for c in root.iterfind(".//x:MetaCommand", NS)]
    assert names and all(n == TC_BASE or n.startswith("relay_") for n in names)


def _same(ours: Any, theirs: Any) -> bool:
    if isinstance(ours, str) or isinstance(theirs, str):
        return str(ours) == str(theirs)
    a, b = float(ours), float(theirs)
    return a == b or (math.isnan(a) and math.isnan(b))


def _sample(block: Any, stride: int) -> list[int]:
    """Every ``stride``-th row, the last row, and the rows of each numeric parameter's smallest and largest value."""
    rows = set(range(0, len(block), stride)) | {len(block) - 1}
    for column in block.values.values():
        if column.dtype.kind in "iuf" and len(column):
            rows |= {int(np.nanargmin(column)), int(np.nanargmax(column))} if column.dtype.kind == "f" \
                else {int(np.argmin(column)), int(np.argmax(column))}
    return sorted(rows)


def _sweep(device: Device, hk: HousekeepingSet, count: int = 200) -> list[bytes]:
    """Reports of a set the mission never sends: every parameter swept over its range (enums over their labels)."""
    codec = device.hk_codec(hk.sid)
    rows = []
    for k in range(count):
        values: list[Any] = []
        for p in (device.parameter(n) for n in hk.parameters):
            low, high = p.engineering_limits
            if p.enum:
                values.append(list(p.enum)[k % len(p.enum)])
            elif low is None or high is None or not math.isfinite(high - low):
                values.append(k * 3 - 100 if p.is_float else k)
            else:
                values.append(low + (high - low) * k / (count - 1))
        rows.append(codec.encode(values, k, k, 10**9 * (1000 + k)))
    return rows


def _compare_housekeeping(definition: Any, buffer: PacketBuffer, stride: int) -> tuple[int, int, list[str]]:
    """Packets compared, values compared and the mismatches, for the sampled HK packets of ``buffer``."""
    compared = values = 0
    mismatches: list[str] = []
    for block in decode_buffer(buffer, default_dictionary()).blocks:
        for row in _sample(block, stride):
            raw = buffer.packet(int(block.index[row]))
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # a length mismatch warning would mean a wrong layout
                parsed = definition.parse_bytes(raw)
            assert parsed["pus_hk_sid"] == block.hk.sid and parsed["pus_crc"] == int.from_bytes(raw[-2:], "big")
            for p in block.parameters:
                ours, theirs = block.values[p.name][row], parsed[item_name(block.device, p.name)]
                values += 1
                if not _same(ours, theirs):
                    mismatches.append(f"{block.device.name}.{p.name}: decode {ours!r}, XTCE {theirs!r}")
            compared += 1
    return compared, values, mismatches


def test_housekeeping_decodes_like_farside_decode(definition: Any, reference_recording: PacketBuffer) -> None:
    dictionary = default_dictionary()
    compared, values, mismatches = _compare_housekeeping(definition, reference_recording, HK_STRIDE)
    assert not mismatches, f"{len(mismatches)} of {values} differ: " + "; ".join(mismatches[:10])
    assert compared > 20_000 and values > 250_000
    sent = {(b.device.name, b.hk.sid) for b in decode_buffer(reference_recording, dictionary).blocks}
    missing = [(d, s) for d in dictionary for s in d.housekeeping if (d.name, s.sid) not in sent]
    assert len(missing) <= 1, f"the reference mission no longer sends most sets: {missing}"
    swept = buffer_from_packets([raw for d, s in missing for raw in _sweep(d, s)])
    compared, values, mismatches = _compare_housekeeping(definition, swept, 1)
    assert not mismatches, "; ".join(mismatches[:10])
    assert compared == 200 * len(missing)


def test_events_verification_and_pings_decode_like_farside(definition: Any,
                                                           reference_recording: PacketBuffer) -> None:
    dictionary = default_dictionary()
    seen = {1: 0, 5: 0, 17: 0}
    for i in range(len(reference_recording)):
        raw = reference_recording.packet(i)
        if raw[0] & 0x10 or raw[7] == 3:  # telecommands, housekeeping
            continue
        tm = PusTm.unpack(raw)
        device = dictionary.by_apid(tm.apid)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            parsed = definition.parse_bytes(raw)
        assert parsed["ccsds_apid"] == tm.apid and parsed["pus_msg_counter"] == tm.msg_counter
        assert parsed["pus_time"] == pytest.approx((tm.time_ns * 65536 // 10**9) / 65536, abs=2**-17)
        assert parsed["pus_crc"] == int.from_bytes(raw[-2:], "big")
        if tm.service == 5:
            event, data = device.decode_event(tm.app_data)
            assert parsed["pus_event_id"] == event.id
            for name, value in data.items():
                assert _same(value, parsed[item_name(device, f"event_{event.name}_{name}")]), (event.name, name)
        elif tm.service == 1:
            report = verification.decode(tm.subtype, tm.app_data)
            request = int.from_bytes(report.request_id, "big")
            assert parsed["pus_req_apid"] == (request >> 16) & 0x7FF
            assert parsed["pus_req_seq_count"] == request & 0x3FFF
            if not report.ok:
                assert parsed["pus_failure_code"] == verification.FailureCode(report.code).name.lower()
                assert bytes(parsed["pus_failure_data"]) == report.data
        seen[tm.service] += 1
    assert all(seen.values()), seen


def _raw_types(device: Device) -> Any:
    return lambda pid: device.parameter(pid).raw


def test_parameter_reports_decode_every_parameter(definition: Any) -> None:
    for device in default_dictionary():
        for p in device.parameters:
            low, high = p.engineering_limits
            value: Any = next(iter(p.enum)) if p.enum else (
                (low + high) / 2 if low is not None and high is not None and math.isfinite(high - low) else 1)
            raw = p.to_raw_saturating(value)
            data = parameters.encode_values([(p.id, raw)], _raw_types(device))
            ((_, sent),) = parameters.decode_values(data, _raw_types(device))
            parsed = definition.parse_bytes(PusTm(device.apid, 20, 2, data, 5, 7, 10**9).pack())
            assert parsed["pus_param_id"] == p.id
            assert _same(p.to_engineering(sent), parsed[item_name(device, p.name)]), (device.name, p.name)


# telecommands ----------------------------------------------------------------------------------------------------
class _XmlCommands:
    """Builds a telecommand from the document alone: the MetaCommand's entries, argument types and calibrators."""

    def __init__(self, text: str) -> None:
        root = ElementTree.fromstring(text)
        self.commands = {c.get("name"): c for c in root.iterfind(".//x:MetaCommand", NS)}
        self.types = {t.get("name"): t for t in root.iterfind(".//x:ArgumentTypeSet/*", NS)}

    def argument_types(self, name: str) -> dict[str, ElementTree.Element]:
        command = self.commands[name]
        return {a.get("name", ""): self.types[a.get("argumentTypeRef")]
                for a in command.iterfind("x:ArgumentList/x:Argument", NS)}

    def encode(self, name: str, values: dict[str, Any]) -> bytes:
        command = self.commands[name]
        base = command.find("x:BaseMetaCommand", NS)
        assert base is not None and base.get("metaCommandRef") == TC_BASE
        for assignment in base.iterfind(".//x:ArgumentAssignment", NS):
            values = {**values, assignment.get("argumentName", ""): int(assignment.get("argumentValue", ""))}
        types = {**self.argument_types(TC_BASE), **self.argument_types(name)}
        bits = ""
        for container in (self.commands[TC_BASE], command):
            for entry in container.iterfind("x:CommandContainer/x:EntryList/*", NS):
                if entry.tag.endswith("FixedValueEntry"):
                    size = int(entry.get("sizeInBits", ""))
                    bits += format(int(entry.get("binaryValue", ""), 16), f"0{8 * ((size + 7) // 8)}b")[-size:]
                else:
                    arg = entry.get("argumentRef", "")
                    bits += self._bits(types[arg], values[arg])
        assert len(bits) % 8 == 0
        return int(bits, 2).to_bytes(len(bits) // 8, "big")

    @staticmethod
    def _bits(atype: ElementTree.Element, value: Any) -> str:
        kind = atype.tag.rsplit("}", 1)[1]
        encoding = atype.find("x:IntegerDataEncoding", NS)
        if encoding is None:
            encoding = atype.find("x:FloatDataEncoding", NS)
        assert encoding is not None
        size = int(encoding.get("sizeInBits", ""))
        if kind == "EnumeratedArgumentType":
            labels = {e.get("label"): int(e.get("value", "")) for e in atype.iterfind(".//x:Enumeration", NS)}
            value = labels[value]
        ranges = atype.find("x:ValidRangeSet/x:ValidRange", NS)
        if ranges is not None:
            assert float(ranges.get("minInclusive", "-inf")) <= value <= float(ranges.get("maxInclusive", "inf"))
        if encoding.tag.endswith("FloatDataEncoding"):
            packed = struct.pack(">f" if size == 32 else ">d", value)
            return format(int.from_bytes(packed, "big"), f"0{size}b")
        if encoding.find("x:DefaultCalibrator", NS) is not None:
            value = _java_round(_yamcs_decalibrate(encoding, value))
        assert float(value).is_integer()
        return format(int(value) & ((1 << size) - 1), f"0{size}b")


def _yamcs_decalibrate(encoding: ElementTree.Element, value: float) -> float:
    """An argument's DefaultCalibrator applied to its engineering value, with Yamcs 5.12's arithmetic.

    Yamcs applies an argument type's calibrator from engineering value to raw (``ArgumentTypeProcessor
    .decalibrate``): ``PolynomialCalibratorProc`` by Horner's rule, ``SplineCalibratorProc`` on the segment whose
    upper point is the first at or above the value (the end segments extrapolated).
    """
    terms = encoding.findall("x:DefaultCalibrator/x:PolynomialCalibrator/x:Term", NS)
    if terms:
        coefficients = {int(t.get("exponent", "")): float(t.get("coefficient", "")) for t in terms}
        result = 0.0
        for power in range(max(coefficients), -1, -1):
            result = value * result + coefficients.get(power, 0.0)
        return result
    points = [(float(p.get("raw", "")), float(p.get("calibrated", "")))
              for p in encoding.iterfind("x:DefaultCalibrator/x:SplineCalibrator/x:SplinePoint", NS)]
    assert len(points) >= 2
    i = next((i for i, (raw, _) in enumerate(points) if raw >= value), len(points))
    i, j = (1, 0) if i == 0 else (len(points) - 1, len(points) - 2) if i == len(points) else (i, i - 1)
    (a1, b1), (a2, b2) = points[i], points[j]
    return ((b1 - b2) * value + (a1 * b2 - b1 * a2)) / (a1 - a2)


def _java_round(x: float) -> int:
    """Java's ``Math.round``: the nearest integer, ties towards positive infinity."""
    low = math.floor(x)
    return low + (x - low >= 0.5)


def _engineering_probes(f: Field) -> list[float]:
    """Engineering values to command: every raw count's value, the half-count ties, and round decimals."""
    low, high = f.engineering_limits
    assert low is not None and high is not None
    raws = sorted({f.to_raw_saturating(low), f.to_raw_saturating(high)})
    counts = range(int(raws[0]), int(raws[1]) + 1)
    values = [f.to_engineering(r) for r in counts]
    values += [(f.to_engineering(r) + f.to_engineering(r + 1)) / 2 for r in counts]
    decimals = [round(low + (high - low) * i / 997, places) for i in range(998) for places in (1, 2, 3)]
    return [v for v in values + decimals if low <= v <= high]


def _calibrated_arguments() -> list[tuple[str, Field]]:
    """Every calibrated command argument of the dictionary, and a table-calibrated and an offset one."""
    found = [(f"{device.name} {command.name} {arg.name}", arg) for device in default_dictionary()
             for command in device.commands for arg in command.args if arg.calibration is not None]
    temp = next(p for d in default_dictionary() for p in d.parameters if isinstance(p.calibration, Table))
    return [*found, ("table", Field(name="t", raw=temp.raw, minimum=temp.minimum, maximum=temp.maximum,
                                    calibration=temp.calibration)),
            ("offset", Field(name="v", raw=RAW_TYPES["uint16"], calibration=Linear(0.0020024420024420024, -0.2))),
            ("negative", Field(name="w", raw=RAW_TYPES["int16"], calibration=Linear(-0.05, 3.0)))]


@pytest.mark.parametrize(("label", "arg"), _calibrated_arguments(), ids=lambda x: x if isinstance(x, str) else "")
def test_yamcs_decalibrates_every_argument_to_the_raw_count_farside_commands(label: str, arg: Field) -> None:
    """The argument's calibrator, applied as Yamcs does (engineering → raw), rounds to farside's raw count."""
    atype = argument_type("a", arg)
    encoding = atype.find("x:IntegerDataEncoding", NS)
    assert encoding is not None
    exact = isinstance(arg.calibration, Linear)
    for value in _engineering_probes(arg):
        ours, yamcs = arg.to_raw(value), _java_round(_yamcs_decalibrate(encoding, value))
        if exact:
            assert yamcs == ours, (label, value)
        else:  # a table's inverse: Yamcs's interpolation formula, one count apart only on a half-count tie
            assert yamcs == ours or (abs(yamcs - ours) == 1 and abs(arg.calibration.to_raw(value) % 1 - 0.5) < 1e-9), (
                label, value)


def test_recorded_telecommands_are_built_identically_from_the_xml(reference_recording: PacketBuffer) -> None:
    dictionary = default_dictionary()
    xml = _XmlCommands(xtce_document(dictionary))
    built = set()
    for i in range(len(reference_recording)):
        raw = reference_recording.packet(i)
        if not raw[0] & 0x10:
            continue
        tc = PusTc.unpack(raw)
        device = dictionary.by_apid(tc.apid)
        command = device.command_for(tc.service, tc.subtype, tc.app_data)
        values = command.decode(device, tc.app_data)
        name = item_name(device, command.name)
        if isinstance(command, ParamSet):
            name = item_name(device, f"{command.name}-{values.pop('param')}")
        header = {"pus_ack": tc.ack_flags, "pus_source_id": tc.source_id}
        body = bytearray(xml.encode(name, {**values, **header}))
        body[2:4] = raw[2:4]  # the sequence count and length the ground's postprocessor fills in
        body[4:6] = (len(body) + 2 - 7).to_bytes(2, "big")
        assert bytes(body) + crc_hqx(bytes(body), 0xFFFF).to_bytes(2, "big") == raw, name
        built.add(name)
    assert len(built) >= 8, built


def test_arguments_carry_the_dictionary_ranges_and_enumerations() -> None:
    dictionary = default_dictionary()
    xml = _XmlCommands(xtce_document(dictionary))
    checked = 0
    for device in dictionary:
        for command in device.commands:
            if isinstance(command, ParamSet):
                continue
            types = xml.argument_types(item_name(device, command.name))
            assert list(types) == [a.name for a in command.args]
            for arg in command.args:
                atype = types[arg.name]
                if arg.enum is not None:
                    labels = {e.get("label"): int(e.get("value", "")) for e in atype.iterfind(".//x:Enumeration", NS)}
                    assert labels == dict(arg.enum)
                if arg.minimum is not None or arg.maximum is not None:
                    valid = atype.find("x:ValidRangeSet/x:ValidRange", NS)
                    assert valid is not None
                    assert float(valid.get("minInclusive", "nan")) == pytest.approx(arg.minimum)
                    assert float(valid.get("maxInclusive", "nan")) == pytest.approx(arg.maximum)
                unit = atype.find("x:UnitSet/x:Unit", NS)
                assert (unit.text if unit is not None else "") == (arg.unit if arg.enum is None else "")
                checked += 1
            if isinstance(command, Function):
                fixed = xml.commands[item_name(device, command.name)].find(".//x:FixedValueEntry", NS)
                assert fixed is not None and int(fixed.get("binaryValue", ""), 16) == command.function_id
    assert checked > 50


@pytest.mark.parametrize("data", [b"", b"\x01\x02", bytes(range(40))])
def test_failure_reports_carry_code_and_data(definition: Any, data: bytes) -> None:
    request = PusTc(0x110, 8, 1, b"\x01\x01", seq_count=77).request_id
    for subtype in sorted(verification.FAILURE_SUBTYPES):
        app_data = verification.encode_failure(request, verification.FailureCode.ARGUMENT_OUT_OF_RANGE, data)
        raw = PusTm(0x110, 1, subtype, app_data, 3, 4, 5 * 10**9).pack()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            parsed = definition.parse_bytes(raw)
        assert (parsed["pus_req_apid"], parsed["pus_req_seq_count"]) == (0x110, 77)
        assert parsed["pus_failure_code"] == "argument_out_of_range"
        assert bytes(parsed["pus_failure_data"]) == data
        assert parsed["pus_crc"] == int.from_bytes(raw[-2:], "big")
