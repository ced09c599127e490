"""Declared parameters of device faults and model options: types and ranges, checked before anything runs."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime, time
from typing import Any, TypeVar

from firmware_sim.errors import ConfigurationError

KINDS = ("number", "integer", "bool", "text", "table", "any")
MAX_COUNT = 1_000_000
"""The largest count a fault takes (frames, attempts, sealings): more is a typo, not a test."""
MAX_SECONDS = 100 * 365 * 86_400
"""The longest duration a fault or option takes, in seconds (100 years, as scenario times)."""

F = TypeVar("F", bound=Callable[..., None])
_CHECK_ERRORS = (ConfigurationError, TypeError, ValueError, ArithmeticError)
"""What a model's own settings check may raise for values of the right type but no sense."""


class ParameterError(ConfigurationError):
    """A fault parameter or model option that is unknown, missing, of the wrong type or out of range.

    ``key`` is the path of the offending key inside the parameters (empty when the problem is the whole set).
    """

    def __init__(self, what: str, key: tuple[str, ...], problem: str) -> None:
        super().__init__(f"{what}: {problem}")
        self.what = what
        self.key = key
        self.problem = problem


@dataclass(frozen=True)
class Param:
    """One parameter: its kind (number, integer, bool, text, table, any), range or choices, and the keys of a table.

    ``minimum``/``maximum`` bound numbers and integers (``above`` makes the minimum exclusive); ``choices`` lists
    the texts allowed; ``fields`` are a table's keys; ``check`` is a further check of a table's whole contents
    that raises ConfigurationError (a model's own settings parser).
    """

    kind: str = "any"
    minimum: float | None = None
    maximum: float | None = None
    above: bool = False
    choices: tuple[str, ...] = ()
    required: bool = False
    unit: str = ""
    fields: Mapping[str, Param] | None = None
    check: Callable[[Mapping[str, Any]], object] | None = None

    def describe(self) -> str:
        """What the parameter takes, for messages (``a number 0..1``)."""
        if self.choices:
            return "one of " + ", ".join(self.choices)
        wanted = {"number": "a number", "integer": "an integer", "bool": "true or false", "text": "text",
                  "table": "a table", "any": "a value"}[self.kind]
        unit = f" {self.unit}" if self.unit else ""
        low = None if self.minimum is None else _number(self.minimum)
        high = None if self.maximum is None else _number(self.maximum)
        if low is None and high is None:
            return wanted
        if high is None:
            return f"{wanted} {'>' if self.above else '≥'} {low}{unit}"
        if low is None:
            return f"{wanted} ≤ {high}{unit}"
        if self.above:
            return f"{wanted} > {low} and ≤ {high}{unit}"
        return f"{wanted} {low}..{high}{unit}"

    def problem(self, value: Any) -> str | None:
        """Why ``value`` does not fit (None when it does)."""
        if self.kind == "any":
            return None
        if self.kind == "table":
            return None if isinstance(value, Mapping) else f"must be a table, not {describe_value(value)}"
        if self.kind == "bool":
            return None if isinstance(value, bool) else f"must be true or false, not {describe_value(value)}"
        if self.kind == "text":
            if not isinstance(value, str):
                return f"must be {self.describe()}, not {describe_value(value)}"
            return None if not self.choices or value in self.choices else f"= {value!r} is not {self.describe()}"
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if not numeric or (self.kind == "integer" and not isinstance(value, int)):
            return f"must be {self.describe()}, not {describe_value(value)}"
        if isinstance(value, float) and not math.isfinite(value):
            return f"= {value!r} is not a finite number; it must be {self.describe()}"
        if ((self.minimum is not None and (value <= self.minimum if self.above else value < self.minimum))
                or (self.maximum is not None and value > self.maximum)):
            return f"= {value!r} is outside the range: it must be {self.describe()}"
        return None


def check_params(what: str, specs: Mapping[str, Param], values: Mapping[str, Any],
                 whole: Callable[[Mapping[str, Any]], object] | None = None, noun: str = "key") -> dict[str, Any]:
    """``values`` checked against ``specs`` (unknown, missing, type, range, then ``whole``); raises ParameterError."""
    for key, value in values.items():
        spec = specs.get(key)
        if spec is None:
            known = ", ".join(specs) or "none"
            raise ParameterError(what, (key,), f"unknown {noun} {key!r}; {noun}s: {known}")
        problem = spec.problem(value)
        if problem is not None:
            raise ParameterError(what, (key,), f"{key} {problem}")
        if spec.kind == "table" and spec.fields is not None:
            try:
                check_params(f"{what} {key}", spec.fields, value, spec.check)
            except ParameterError as error:
                raise ParameterError(what, (key, *error.key), error.problem) from None
    for key, spec in specs.items():
        if spec.required and key not in values:
            raise ParameterError(what, (), f"missing parameter {key} ({spec.describe()})")
    if whole is not None:
        _check_whole(what, whole, values)
    return dict(values)


def _check_whole(what: str, whole: Callable[[Mapping[str, Any]], object], values: Mapping[str, Any]) -> None:
    """Run a whole-set check; when it fails, blame the first key that fails it alone, else the whole set."""
    try:
        whole(values)
    except _CHECK_ERRORS as error:
        for key, value in values.items():
            try:
                whole({key: value})
            except _CHECK_ERRORS as alone:
                raise ParameterError(what, (key,), str(alone)) from None
        raise ParameterError(what, (), str(error)) from None


def fault_params(check: Callable[[Mapping[str, Any]], str | None] | None = None, **specs: Param) -> Callable[[F], F]:
    """Declare a ``fault_<name>`` method's parameters: it is called only with values that pass them.

    ``check`` sees all the values (defaults not filled in) and returns a problem with their combination, or None.
    """

    def declare(method: F) -> F:
        name = method.__name__.removeprefix("fault_").replace("_", "-")

        @functools.wraps(method)
        def checked(self: Any, **values: Any) -> None:
            method(self, **check_fault(f"{getattr(self, 'name', '')} fault {name}".strip(), checked, values))

        checked.params = specs  # type: ignore[attr-defined]
        checked.relation = check  # type: ignore[attr-defined]
        return checked  # type: ignore[return-value]

    return declare


def check_fault(what: str, method: Callable[..., Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """The values of a fault checked against its method's declared parameters (unchecked when none are declared)."""
    specs = getattr(method, "params", None)
    if specs is None:
        return dict(values)
    checked = check_params(what, specs, values)
    relation = getattr(method, "relation", None)
    problem = relation(checked) if relation is not None else None
    if problem is not None:
        raise ParameterError(what, (), problem)
    return checked


def fault_method(model_class: type, fault: str) -> Callable[..., Any] | None:
    """The ``fault_<name>`` method of a model class for a fault's name (``stuck-valve``), or None."""
    return getattr(model_class, "fault_" + fault.replace("-", "_"), None)


def fault_names(model_class: type) -> tuple[str, ...]:
    """The faults a model class can be given."""
    return tuple(n[6:].replace("_", "-") for n in dir(model_class) if n.startswith("fault_"))


def check_options(device: str, model_class: type, options: Mapping[str, Any]) -> dict[str, Any]:
    """A model's options checked against its ``OPTIONS`` (and ``check_options``); unchecked when it declares none."""
    specs: Mapping[str, Param] | None = getattr(model_class, "OPTIONS", None)
    if specs is None:
        return dict(options)
    return check_params(device, specs, options, getattr(model_class, "check_option_set", None), noun="option")


def dataclass_params(settings: type, overrides: Mapping[str, Param] | None = None) -> dict[str, Param]:
    """Params for every field of a settings dataclass, the kind read from its annotation, unless overridden."""
    kinds = {"int": "integer", "float": "number", "bool": "bool", "str": "text", "float | None": "number"}
    params = {f.name: Param(kinds.get(str(f.type), "any")) for f in fields(settings)}
    return {**params, **(overrides or {})}


def _number(value: float) -> str:
    """A limit as people write it: ``1_000_000``, ``0.5``, ``1e-05``."""
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):_}"
    return f"{value:g}"


def describe_value(value: Any) -> str:
    """How a TOML value reads in an error message (``the integer 3``, ``the text 'x'``, ``a table``)."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"the integer {value}"
    if isinstance(value, float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, datetime | date | time):
        return f"the date/time {value.isoformat()}"
    return repr(value)
