"""`farside dict`: the dictionary as text, JSON (documented schema) and Markdown; docs/dictionary.md is current."""

import json
from pathlib import Path

import pytest

from hil.cli import main
from protocols.dictionary import Linear, Table, default_dictionary
from protocols.dictionary.export import dictionary_markdown
from protocols.dictionary.xtce import xtce_document

DOC = Path(__file__).resolve().parents[2] / "docs" / "dictionary.md"


def test_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dict", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["name"] for d in data["devices"]] == ["sampler", "ascender", "relay"]
    for device in data["devices"]:
        assert {"name", "apid", "commands", "parameters", "events"} <= set(device)
        names = {c["name"] for c in device["commands"]}
        assert {"ping", "hk-enable", "hk-disable", "hk-now", "hk-interval", "param-get", "param-set"} <= names
        for command in device["commands"]:
            assert {"name", "service", "subtype", "function_id", "args"} <= set(command)
            for arg in command["args"]:
                assert {"name", "type", "unit", "min", "max", "enum"} <= set(arg)
        for parameter in device["parameters"]:
            assert {"name", "id", "type", "unit"} <= set(parameter)
        for event in device["events"]:
            assert {"name", "id", "severity"} <= set(event)


def test_one_device_and_unknown_device(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dict", "relay", "--format", "json"]) == 0
    assert [d["name"] for d in json.loads(capsys.readouterr().out)["devices"]] == ["relay"]
    assert main(["dict", "rover"]) == 2
    assert "devices: sampler, ascender, relay" in capsys.readouterr().err


def test_text_listing_shows_units_and_ranges(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dict", "sampler"]) == 0
    out = capsys.readouterr().out
    sampler = default_dictionary().device("sampler")
    ranged = next(a for f in sampler.functions for a in f.args if a.maximum is not None)
    assert ranged.range_text().split("..")[0] in out and "ping" in out


def test_json_gives_calibrations_as_data(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dict", "sampler", "--format", "json"]) == 0
    sampler = json.loads(capsys.readouterr().out)["devices"][0]
    declared = default_dictionary().device("sampler")
    linear = next(p.calibration for p in declared.parameters if isinstance(p.calibration, Linear))
    table = next(p.calibration for p in declared.parameters if isinstance(p.calibration, Table))
    exported = [p["calibration"] for p in sampler["parameters"]]
    assert {"kind": "polynomial", "coefficients": [linear.offset, linear.scale]} in exported
    assert {"kind": "table", "points": [list(point) for point in table.points]} in exported


def test_xtce_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dict", "--format", "xtce"]) == 0
    out = capsys.readouterr().out
    assert out == xtce_document(default_dictionary())
    assert out.startswith('<?xml version="1.0" encoding="UTF-8"?>') and "sampler_drill_depth" in out
    assert main(["dict", "relay", "--format", "xtce"]) == 0
    relay = capsys.readouterr().out
    assert "relay_" in relay and "sampler_" not in relay


def test_docs_dictionary_is_generated_and_current() -> None:
    expected = dictionary_markdown(list(default_dictionary().devices))
    assert DOC.exists(), "docs/dictionary.md is missing: run `make docs`"
    assert DOC.read_text() == expected, "docs/dictionary.md is stale: run `make docs`"
