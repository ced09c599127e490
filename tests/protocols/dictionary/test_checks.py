"""A dictionary the wire or the exports cannot carry is refused when it is built, with a DictionaryError naming the
device, the item and the rule; at the limits it is built, and the JSON schema states the same limits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import construct as cs
import jsonschema
import pytest
import space_packet_parser as spp
from space_packet_parser.xtce import validation

from protocols.dictionary import Device, Event, Function, HousekeepingSet, Parameter
from protocols.dictionary.checks import (
    MAX_APID,
    MAX_EVENT_ID,
    MAX_FUNCTION_ID,
    MAX_INTERVAL_MS,
    MAX_PARAMETER_ID,
    MAX_SID,
    MIN_INTERVAL_MS,
    NAME,
)
from protocols.dictionary.cosmos import target_name
from protocols.dictionary.export import SCHEMA_FILE, dictionary_json
from protocols.dictionary.registry import Dictionary
from protocols.dictionary.xtce import xtce_document
from protocols.errors import DictionaryError
from protocols.services.events import Severity


def _soc(**changes: Any) -> Parameter:
    return Parameter(**{"name": "soc", "id": 0x0102, "raw": cs.Float32b, "unit": "%", "minimum": 0, "maximum": 100,
                        "description": "state of charge", **changes})


def _battery(**changes: Any) -> Device:
    """A small valid device; ``changes`` replace its name, APID or elements."""
    declared: dict[str, Any] = {
        "name": "battery", "apid": 0x150, "description": "lander battery",
        "functions": (Function(name="set-heater", function_id=0x0102, description="heater on or off"),),
        "parameters": (_soc(),),
        "housekeeping": (HousekeepingSet(sid=1, name="battery", interval_ms=2000, parameters=("soc",)),),
        "events": (Event(id=0x0101, name="charge-done", severity=Severity.INFO, data=(_soc(name="final"),)),),
    }
    return Device(**{**declared, **changes})


def _hk(**changes: Any) -> tuple[HousekeepingSet, ...]:
    return (HousekeepingSet(**{"sid": 1, "name": "battery", "interval_ms": 2000, "parameters": ("soc",), **changes}),)


def _event(**changes: Any) -> tuple[Event, ...]:
    return (Event(**{"id": 0x0101, "name": "charge-done", "severity": Severity.INFO, **changes}),)


NAME_RULE = r"a name must be a letter, then letters, digits, '_' or '-'"

REFUSED = [
    ({"events": _event(severity="info")}, r"battery: event charge-done: severity='info' must be a Severity: "
                                          r"Severity\.INFO, Severity\.LOW, Severity\.MEDIUM, Severity\.HIGH$"),
    ({"events": _event(severity=1)}, r"battery: event charge-done: severity=1 must be a Severity"),
    ({"parameters": (_soc(id=0x10005),)}, r"battery: parameter soc: id=65541 must be an integer 0\.\.65535 "
                                          r"\(services 3 and 20 carry it in 16 bits\)$"),
    ({"parameters": (_soc(id="0x0102"),)}, r"battery: parameter soc: id='0x0102' must be an integer 0\.\.65535"),
    ({"parameters": (_soc(id=True),)}, r"battery: parameter soc: id=True must be an integer"),
    ({"events": _event(id=0x10101)}, r"battery: event charge-done: id=65793 must be an integer 0\.\.65535 "
                                     r"\(TM\[5,x\] carries it in 16 bits\)$"),
    ({"housekeeping": _hk(interval_ms=0)}, r"battery: housekeeping set battery: interval_ms=0 must be an integer "
                                           r"1\.\.86400000 \(what hk-interval sets\)$"),
    ({"housekeeping": _hk(interval_ms=2.5)}, r"interval_ms=2\.5 must be an integer"),
    ({"housekeeping": _hk(sid=70000)}, r"battery: housekeeping set battery: sid=70000 must be an integer "
                                       r"0\.\.65535 \(service 3 carries it in 16 bits\)$"),
    ({"apid": 0x7FF}, r"battery: apid=2047 must be an integer 0\.\.2046"),
    ({"name": "bat.one"}, rf"device 'bat\.one': {NAME_RULE} \(XTCE, COSMOS and scenario conditions carry it\)$"),
    ({"name": "bat one"}, rf"device 'bat one': {NAME_RULE}"),
    ({"name": "2bat"}, rf"device '2bat': {NAME_RULE}"),
    ({"name": ""}, rf"device '': {NAME_RULE}"),
    ({"events": _event(name="charge:done")}, rf"battery: event 'charge:done': {NAME_RULE}"),
    ({"housekeeping": _hk(name="cell/pack")}, rf"battery: housekeeping set 'cell/pack': {NAME_RULE}"),
    ({"functions": (Function(name="set[heater]", function_id=1),)}, rf"battery: function 'set\[heater\]': {NAME_RULE}"),
]


@pytest.mark.parametrize("changes,message", REFUSED, ids=[m[:40] for _, m in REFUSED])
def test_a_device_the_wire_or_the_exports_cannot_carry_is_refused_naming_device_item_and_rule(
        changes: dict[str, Any], message: str) -> None:
    with pytest.raises(DictionaryError, match=message):
        _battery(**changes)


def test_a_field_bound_that_is_not_a_number_is_refused_when_the_field_is_built() -> None:
    with pytest.raises(DictionaryError, match=r"^field soc: minimum='0' must be a finite number"):
        _soc(minimum="0")
    with pytest.raises(DictionaryError, match=r"^field soc: maximum=nan must be a finite number"):
        _soc(maximum=float("nan"))


def test_a_function_id_beyond_16_bits_is_refused_naming_the_function() -> None:
    with pytest.raises(DictionaryError, match=r"^function charge: function_id=65536 must be an integer 0\.\.65535 "
                                              r"\(TC\[8,1\] carries it in 16 bits\)$"):
        Function(name="charge", function_id=0x10000)


def _edge_device() -> Device:
    """A device at every limit, its names using every kind of character allowed."""
    return _battery(name="Bat_pack-2", apid=MAX_APID,
                    functions=(Function(name="Set_heater-2", function_id=MAX_FUNCTION_ID),),
                    parameters=(_soc(id=MAX_PARAMETER_ID, writable=True),
                                _soc(name="level", id=0, minimum=-1.5, maximum=None)),
                    housekeeping=(*_hk(sid=MAX_SID, name="Hk_fast-1", interval_ms=MIN_INTERVAL_MS),
                                  *_hk(sid=0, name="slow", interval_ms=MAX_INTERVAL_MS)),
                    events=(*_event(id=MAX_EVENT_ID, name="Charge_done-9"), *_event(id=0, name="low")))


def test_a_device_at_every_limit_is_built_and_its_json_meets_the_shipped_schema() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    document = json.loads(json.dumps(dictionary_json([_edge_device()])))
    errors = [f"{list(e.path)}: {e.message}" for e in jsonschema.Draft202012Validator(schema).iter_errors(document)]
    assert not errors, errors[:5]


def test_a_device_with_no_writable_parameter_has_no_param_set_and_its_json_meets_the_schema() -> None:
    device = _battery(parameters=(_soc(),))
    assert "param-set" not in [c.name for c in device.commands] and "param-get" in [c.name for c in device.commands]
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    document = json.loads(json.dumps(dictionary_json([device])))
    assert not list(jsonschema.Draft202012Validator(schema).iter_errors(document))


def test_the_schema_states_the_limits_the_device_enforces() -> None:
    defs = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))["$defs"]
    assert defs["uint16"] == {"type": "integer", "minimum": 0, "maximum": MAX_PARAMETER_ID}
    assert MAX_PARAMETER_ID == MAX_SID == MAX_EVENT_ID == MAX_FUNCTION_ID
    apid = defs["device"]["properties"]["apid"]
    assert (apid["minimum"], apid["maximum"]) == (0, MAX_APID)
    interval = defs["housekeeping"]["properties"]["interval_ms"]
    assert (interval["minimum"], interval["maximum"]) == (MIN_INTERVAL_MS, MAX_INTERVAL_MS)
    assert defs["element_name"]["pattern"] == f"^{NAME.pattern}$"
    for item in ("device", "command", "housekeeping", "event"):
        assert defs[item]["properties"]["name"] == {"$ref": "#/$defs/element_name"}


def test_the_names_a_device_may_have_make_a_valid_xtce_document_and_cosmos_target(tmp_path: Path) -> None:
    xtce = tmp_path / "edge.xml"
    xtce.write_text(xtce_document(Dictionary([_edge_device()])), encoding="utf-8")
    xsd = Path(validation.__file__).parent / "schemas" / "SpaceSystem.xsd"
    result = spp.validate_xtce(xtce, level="schema", local_xsd=xsd, raise_on_error=False)
    assert result.valid, result.errors[:3]
    assert target_name(_edge_device()) == "BAT_PACK_2"
