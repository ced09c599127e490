"""Telemetry and event conditions read from text by pattern matching, checked against the device dictionary."""

from __future__ import annotations

import math
import re

from firmware_sim.errors import ScenarioError
from firmware_sim.scenario.model import Condition, EventCondition
from firmware_sim.scenario.names import known_device, known_event, known_parameter
from protocols.dictionary.model import Device, Parameter
from protocols.dictionary.registry import Dictionary, default_dictionary

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_EVENT = re.compile(rf"\s*({_NAME})\s*\.\s*event\s*:\s*([A-Za-z0-9_][A-Za-z0-9_-]*)\s*")
_COMPARE = re.compile(rf"\s*({_NAME})\s*\.\s*({_NAME})\s*(<=|>=|==|!=|=<|=>|<>|<|>|≤|≥|≠|=)\s*(.*?)\s*")
_DIGITS = r"\d+(?:_\d+)*"
_NUMBER = re.compile(rf"[+-]?(?:{_DIGITS}(?:\.(?:{_DIGITS})?)?|\.{_DIGITS})(?:[eE][+-]?\d+)?")
_NUMBER_UNIT = re.compile(rf"({_NUMBER.pattern})\s*(\S+)")
_LABEL = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_QUOTED = re.compile(r"'([^']*)'|\"([^\"]*)\"")
_SPELLINGS = {"≤": "<=", "≥": ">=", "≠": "!="}
_WRONG = {"=": "==", "=<": "<=", "=>": ">=", "<>": "!="}

MAX_NUMBER_TEXT = 64
"""The most characters a compared number may have (a float holds about 17 significant digits)."""
FORMS = "device.parameter <op> value (op one of < <= == != >= >) or device.event:event-name"


def parse_condition(text: str, dictionary: Dictionary | None = None, *, path: str = "<string>",
                    line: int | None = None) -> Condition | EventCondition:
    """A condition from text like ``sampler.sealed_sample_mass >= 1500`` or ``ascender.event:orbit-reached``."""
    if not isinstance(text, str):
        raise ScenarioError(path, line, f"condition must be text like 'sampler.drill_state == idle', "
                                        f"not {type(text).__name__} {text!r}")
    dictionary = dictionary or default_dictionary()
    event = _EVENT.fullmatch(text)
    if event is not None:
        where = f"condition {text!r}"
        device = known_device(dictionary, event[1], where, path, line)
        name = known_event([device], event[2], where, path, line).name
        return EventCondition(device=device.name, event=name, text=text, line=line)
    match = _COMPARE.fullmatch(text)
    if match is None:
        raise ScenarioError(path, line, f"condition {text!r} is not understood: write {FORMS}")
    device_name, parameter_name, op, value_text = match.groups()
    if op in _WRONG:
        raise ScenarioError(path, line, f"condition {text!r}: use {_WRONG[op]} to compare, not {op}")
    op = _SPELLINGS.get(op, op)
    device = known_device(dictionary, device_name, f"condition {text!r}", path, line)
    parameter = _parameter(device, parameter_name, text, path, line)
    value = _value(device, parameter, op, value_text, text, path, line)
    return Condition(device=device.name, parameter=parameter.name, op=op, value=value, text=text, line=line)


def _parameter(device: Device, name: str, text: str, path: str, line: int | None) -> Parameter:
    if name == "event":
        raise ScenarioError(path, line, f"condition {text!r}: write events as {device.name}.event:event-name")
    return known_parameter(device, name, f"condition {text!r}", path, line)


def _value(device: Device, parameter: Parameter, op: str, value_text: str, text: str, path: str,
           line: int | None) -> float | str:
    where = f"condition {text!r}: {device.name}.{parameter.name}"
    if not value_text:
        raise ScenarioError(path, line, f"condition {text!r} has nothing to compare with after {op}")
    quoted = _QUOTED.fullmatch(value_text)
    if parameter.enum is not None:
        labels = ", ".join(parameter.enum)
        label = next(g for g in quoted.groups() if g is not None) if quoted else value_text
        if label not in parameter.enum:
            raise ScenarioError(path, line, f"{where} is a state: compare it with one of {labels}, "
                                            f"not {value_text}")
        if op not in ("==", "!="):
            raise ScenarioError(path, line, f"{where} is a state: compare it with == or != (not {op})")
        return label
    if _NUMBER.fullmatch(value_text):
        return _number(value_text, where, path, line)
    with_unit = _NUMBER_UNIT.fullmatch(value_text)
    if with_unit is not None:
        number, unit = with_unit.groups()
        if unit == parameter.unit:
            return _number(number, where, path, line)
        if parameter.unit:
            raise ScenarioError(path, line, f"{where} is in {parameter.unit}, not {unit}")
        raise ScenarioError(path, line, f"{where} has no unit; compare it with a plain number, not {value_text}")
    if quoted or _LABEL.fullmatch(value_text):
        raise ScenarioError(path, line, f"{where} is a number ({parameter.range_text()}): compare it with a "
                                        f"number, not {value_text}")
    raise ScenarioError(path, line, f"condition {text!r}: {value_text!r} is not a value; write a number")


def _number(text: str, where: str, path: str, line: int | None) -> int | float:
    """The number in ``text``; one beyond what a float holds (1e400, 500 digits) is refused."""
    if len(text) > MAX_NUMBER_TEXT or not math.isfinite(float(text)):
        raise ScenarioError(path, line, f"{where}: {text[:20]!r} is not a number telemetry can reach")
    try:
        return int(text)
    except ValueError:
        return float(text)
