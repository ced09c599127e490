"""The JSON dictionary: valid against the schema shipped in the package; calibrations and enumerations as data
that give the same engineering values as the declarations."""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Iterator
from importlib.resources import files
from typing import Any

import jsonschema
import pytest

from protocols.dictionary import Field, default_dictionary
from protocols.dictionary.export import SCHEMA_FILE, SCHEMA_ID, dictionary_json


def _document() -> dict[str, Any]:
    return json.loads(json.dumps(dictionary_json(list(default_dictionary().devices))))


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    shipped = files("protocols.dictionary").joinpath("dictionary.schema.json")
    schema = json.loads(shipped.read_text(encoding="utf-8"))
    assert schema == json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"] == SCHEMA_ID
    return jsonschema.Draft202012Validator(schema)


def test_export_validates_against_the_shipped_schema(validator: jsonschema.Draft202012Validator) -> None:
    document = _document()
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(document)]
    assert not errors, errors[:5]
    assert document["schema"] == SCHEMA_ID


def test_schema_rejects_prose_calibrations_and_unknown_members(validator: jsonschema.Draft202012Validator) -> None:
    document = _document()
    parameter = next(p for p in document["devices"][0]["parameters"] if p["calibration"])
    parameter["calibration"] = "0 + 0.019536 × raw"
    assert not validator.is_valid(document)
    document = _document()
    document["devices"][0]["commands"][0]["retries"] = 3
    assert not validator.is_valid(document)


def _apply(calibration: dict[str, Any], raw: float) -> float:
    """A calibration given as data, applied as a ground tool reading the schema would."""
    if calibration["kind"] == "polynomial":
        return sum(c * raw**k for k, c in enumerate(calibration["coefficients"]))
    xs = [x for x, _ in calibration["points"]]
    ys = [y for _, y in calibration["points"]]
    i = bisect_right(xs[1:-1], raw)
    return ys[i] + (ys[i + 1] - ys[i]) / (xs[i + 1] - xs[i]) * (raw - xs[i])


def _exported_fields() -> Iterator[tuple[dict[str, Any], Field]]:
    """Every exported parameter, argument and event datum with the Field it was exported from."""
    document = _document()
    for device, exported in zip(default_dictionary(), document["devices"], strict=True):
        for p, out in zip(device.parameters, exported["parameters"], strict=True):
            yield out, p
        for c, out in zip(device.commands, exported["commands"], strict=True):
            yield from zip(out["args"], c.args, strict=True)
        for e, out in zip(device.events, exported["events"], strict=True):
            yield from zip(out["data"], e.data, strict=True)


def test_calibrations_round_trip_to_the_same_engineering_values() -> None:
    kinds = set()
    for out, f in _exported_fields():
        assert out["name"] == f.name
        if f.calibration is None:
            assert out["calibration"] is None
            continue
        low, high = f.raw_limits
        raws = {low, high, (low + high) // 2, 0, 1, 1000, 4095} | {r for r, _ in out["calibration"].get("points", [])}
        raws |= {r + 0.5 for r in list(raws)}
        for raw in sorted(raws):
            assert _apply(out["calibration"], raw) == f.to_engineering(raw), (f.name, raw)
        kinds.add(out["calibration"]["kind"])
    assert kinds == {"polynomial", "table"}


def test_enumerations_are_label_to_raw_value_maps() -> None:
    seen = 0
    for out, f in _exported_fields():
        if f.enum is None:
            assert out["enum"] is None
            continue
        assert out["enum"] == dict(f.enum) and out["min"] is None and out["max"] is None
        for label, raw in out["enum"].items():
            assert f.to_engineering(raw) == label
        seen += 1
    assert seen > 20
