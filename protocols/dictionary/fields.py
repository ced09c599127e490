"""Typed values on the wire — command arguments, parameters, event data — declared once with construct."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import construct as cs

from protocols.dictionary.calibration import Calibration, Linear, Table
from protocols.dictionary.checks import require_number
from protocols.errors import ArgumentError, ArgumentRangeError, FieldValueError, field_error
from protocols.layout import FastLayout

RAW_TYPES: dict[str, cs.Construct] = {
    "uint8": cs.Int8ub, "uint16": cs.Int16ub, "uint32": cs.Int32ub, "uint64": cs.Int64ub,
    "int8": cs.Int8sb, "int16": cs.Int16sb, "int32": cs.Int32sb, "int64": cs.Int64sb,
    "float32": cs.Float32b, "float64": cs.Float64b,
}
"""The construct types a field's raw value may have, by the name the dictionary exports."""
_TYPE_NAMES = {id(con): name for name, con in RAW_TYPES.items()}

Value = int | float | str


@dataclass(frozen=True, kw_only=True)
class Field:
    """A named raw value with its unit, engineering range, enumeration and calibration."""

    name: str
    raw: cs.Construct
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    enum: Mapping[str, int] | None = None
    calibration: Calibration | None = None
    description: str = ""
    _labels: Mapping[int, str] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        if id(self.raw) not in _TYPE_NAMES:
            raise TypeError(f"field {self.name}: raw type must be one of {', '.join(RAW_TYPES)}")
        if not self.name.isidentifier():
            raise ValueError(f"field name {self.name!r} must be an identifier")
        require_number(f"field {self.name}", "minimum", self.minimum)
        require_number(f"field {self.name}", "maximum", self.maximum)
        if self.enum is not None:
            object.__setattr__(self, "_labels", {raw: label for label, raw in self.enum.items()})

    @property
    def type_name(self) -> str:
        """The raw type's name: uint8 … int64, float32, float64."""
        return _TYPE_NAMES[id(self.raw)]

    @property
    def is_float(self) -> bool:
        """True when the raw value is an IEEE float."""
        return self.type_name.startswith("float")

    @property
    def raw_limits(self) -> tuple[float, float]:
        """Smallest and largest raw value the type holds."""
        if self.is_float:
            big = 3.4028234663852886e38 if self.type_name == "float32" else 1.7976931348623157e308
            return -big, big
        bits = self.raw.sizeof() * 8
        if self.type_name.startswith("u"):
            return 0, (1 << bits) - 1
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1

    @property
    def engineering_limits(self) -> tuple[float | None, float | None]:
        """The declared range, or the one the raw type and calibration allow."""
        if self.minimum is not None or self.maximum is not None or self.enum is not None:
            return self.minimum, self.maximum
        if self.calibration is None:
            return self.raw_limits
        ends = sorted(self.calibration.to_engineering(r) for r in self.raw_limits)
        return ends[0], ends[1]

    def to_engineering(self, raw: int | float) -> Value:
        """Engineering value of a raw value: the enum label, the calibrated number, or the raw number."""
        if self.enum is not None:
            return self._labels.get(int(raw), raw)
        if self.calibration is not None:
            return self.calibration.to_engineering(raw)
        return raw

    def to_raw(self, value: Any) -> int | float:
        """Raw value for a commanded engineering value; wrong values raise ArgumentError naming the field."""
        if isinstance(value, str) and not (self.enum is not None and value in self.enum):
            value = self.from_text(value)
        if self.enum is not None:
            if isinstance(value, str) and value in self.enum:
                return self.enum[value]
            if isinstance(value, int) and not isinstance(value, bool) and value in self._labels:
                return value
            raise field_error(ArgumentRangeError, self.name, value, f"allowed: {', '.join(self.enum)}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise field_error(ArgumentError, self.name, value, f"must be a number ({self.type_name})")
        if not self.is_float and self.calibration is None and not isinstance(value, int):
            raise field_error(ArgumentError, self.name, value, f"must be an integer ({self.type_name})")
        low, high = self.engineering_limits
        if math.isnan(value) or (low is not None and value < low) or (high is not None and value > high):
            raise field_error(ArgumentRangeError, self.name, value, f"allowed {self.range_text()}")
        raw = self.calibration.to_raw(value) if self.calibration is not None else value
        if not self.is_float:
            raw = math.floor(raw + 0.5)
        raw_low, raw_high = self.raw_limits
        if not raw_low <= raw <= raw_high:
            raise field_error(ArgumentRangeError, self.name, value, f"raw {raw} does not fit {self.type_name}")
        return raw

    def to_raw_saturating(self, value: Any) -> int | float:
        """Raw value for a measured engineering value, clamped to what the hardware can report."""
        if self.enum is not None:
            if isinstance(value, str) and value in self.enum:
                return self.enum[value]
            if isinstance(value, int) and not isinstance(value, bool) and value in self._labels:
                return value
            raise field_error(FieldValueError, self.name, value, f"allowed: {', '.join(self.enum)}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise field_error(FieldValueError, self.name, value, "must be a number")
        raw = self.calibration.to_raw(value) if self.calibration is not None else value
        low, high = self.raw_limits
        if self.is_float:
            return min(max(float(raw), low), high) if not math.isnan(raw) else float(raw)
        if math.isnan(raw):
            return low
        return min(max(math.floor(raw + 0.5), low), high) if math.isfinite(raw) else (high if raw > 0 else low)

    def from_text(self, text: str) -> Value:
        """Interpret a command-line value: an enum label, an integer (0x… allowed) or a number."""
        if self.enum is not None and text in self.enum:
            return text
        try:
            return int(text, 0)
        except ValueError:
            pass
        try:
            return float(text)
        except ValueError:
            allowed = f"one of {', '.join(self.enum)}" if self.enum else f"a number ({self.type_name})"
            raise field_error(ArgumentError, self.name, text, f"must be {allowed}") from None

    def range_text(self) -> str:
        """The allowed values as text, e.g. ``0..2.5 m`` or ``off, on``."""
        if self.enum is not None:
            return ", ".join(self.enum)
        low, high = self.engineering_limits
        unit = f" {self.unit}" if self.unit else ""
        return f"{_num(low)}..{_num(high)}{unit}"


def _tuple_items(items: Sequence[str]) -> str:
    """Comma-separated items that read as a tuple even when there is only one."""
    return ", ".join(items) + ("," if len(items) == 1 else "")


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _interpolation(i: int, x: str, segments: tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]],
                   namespace: dict[str, Any], setup: list[str]) -> str:
    """A table's interpolation of ``x`` written out for a generated codec (a call less per value), operation for
    operation as the table computes it: the statement choosing the segment goes into ``setup``, the points and
    slopes of field ``i`` into ``namespace``."""
    xs, ys, slopes = segments
    namespace.update({f"_X{i}": xs, f"_Y{i}": ys, f"_K{i}": slopes, f"_I{i}": xs[1:-1]})
    setup.append(f"k{i} = _bisect(_I{i}, {x})")
    return f"(_Y{i}[k{i}] + _K{i}[k{i}] * ({x} - _X{i}[k{i}]))"


class RecordCodec:
    """Packs and unpacks a fixed sequence of fields in one step, compiled from their construct types.

    With ``layout`` and ``leading``, the record sits inside a larger fixed layout (a whole packet): the
    layout's first ``leading`` fields pass through unconverted (sequence count, time…), the rest are the
    fields' engineering values.
    """

    def __init__(self, fields: Sequence[Field], strict: bool, layout: FastLayout | None = None,
                 leading: int = 0) -> None:
        self.fields = tuple(fields)
        self.strict = strict
        self.declaration = cs.Struct(*(f.name / f.raw for f in self.fields))
        self.layout = layout or FastLayout(self.declaration)
        self.leading = leading
        self.size = self.layout.size
        self.names = tuple(f.name for f in self.fields)

    @cached_property
    def encode(self) -> Callable[..., bytes]:
        """Pack values given positionally: the leading pass-through fields, then engineering values.

        Generated on first use (then a plain call), like ``decode``, so an unused codec costs no compile. The
        conversions feed the layout's packing statements directly: one call from values to octets.
        """
        parameters = [f"l{i}" for i in range(self.leading)] + [f"a{i}" for i in range(len(self.fields))]
        return self.generate_encode(", ".join(parameters), (), ("return body",), {})

    def generate_encode(self, parameters: str, prologue: Sequence[str], epilogue: Sequence[str],
                        namespace: dict[str, Any]) -> Callable[..., bytes]:
        """A generated ``encode(parameters)`` that packs the record in its own body, for a caller that adds a step.

        ``prologue`` binds the leading fields ``l0``… and the engineering values ``a0``… from the parameters; the
        record's octets are then in ``body`` (the slow path's when a value must saturate or is refused), and
        ``epilogue`` returns. The names ``prologue`` and ``epilogue`` use come in ``namespace``.
        """
        namespace.update(_floor=math.floor, _slow=self._encode_slow, _bisect=bisect_right)
        passthrough = [f"l{i}" for i in range(self.leading)]
        inputs = [f"a{i}" for i in range(len(self.fields))]
        setup: list[str] = []
        encode_terms = passthrough + [self._encode_term(i, f, namespace, setup) for i, f in enumerate(self.fields)]
        checks = [self._check_term(i, f) for i, f in enumerate(self.fields)] if self.strict else []
        source = [
            f"def encode({parameters}):",
            *["    " + line for line in prologue],
            "    try:",
            *[f"        if not ({c}): raise ValueError" for c in checks if c],
            *["        " + line for line in setup],
            *["        " + line for line in self.layout.pack_statements(encode_terms, namespace, target="body")],
            "    except Exception:",
            f"        body = _slow(({_tuple_items(passthrough)}), ({_tuple_items(inputs)}))",
            *["    " + line for line in epilogue],
        ]
        exec(compile("\n".join(source) + "\n", f"<record encode {self.names}>", "exec"), namespace)
        return namespace["encode"]  # type: ignore[no-any-return]

    @cached_property
    def decode(self) -> Callable[..., tuple[Any, ...]]:
        """The leading fields and the engineering values, in order, from the octets at ``offset``."""
        return self._generate_decode("decode", with_leading=True)

    @cached_property
    def decode_values(self) -> Callable[..., tuple[Any, ...]]:
        """The engineering values only, in order, from the octets at ``offset`` (leading fields skipped)."""
        return self._generate_decode("decode_values", with_leading=False)

    def _generate_decode(self, name: str, with_leading: bool) -> Callable[..., tuple[Any, ...]]:
        """A decoder that unpacks in its own body and converts the raw values; generated on first use."""
        namespace: dict[str, Any] = {"_bisect": bisect_right}
        statements, outputs = self.layout.unpack_statements("data", "offset", namespace)
        passthrough = [f"l{i}" for i in range(self.leading)]
        raws = [f"r{i}" for i in range(len(self.fields))]
        setup: list[str] = []
        terms = [self._decode_term(i, f, namespace, setup) for i, f in enumerate(self.fields)]
        assignments = list(zip(passthrough + raws, outputs, strict=True))
        if with_leading:
            terms = passthrough + terms
        else:
            assignments = assignments[self.leading:]
        source = [
            f"def {name}(data, offset=0):",
            *["    " + line for line in statements],
            *[f"    {var} = {expression}" for var, expression in assignments],
            *["    " + line for line in setup],
            f"    return ({_tuple_items(terms)})",
        ]
        exec(compile("\n".join(source) + "\n", f"<record {name} {self.names}>", "exec"), namespace)
        return namespace[name]  # type: ignore[no-any-return]

    @staticmethod
    def _encode_term(i: int, f: Field, namespace: dict[str, Any], setup: list[str]) -> str:
        if f.enum is not None:
            namespace[f"_E{i}"] = {**f.enum, **{raw: raw for raw in f.enum.values()}}
            return f"_E{i}[a{i}]"
        cal = f.calibration
        if cal is None:
            return f"a{i}"
        if isinstance(cal, Linear) and not f.is_float:  # the same arithmetic as Linear.to_raw
            shifted = f"(a{i} - {cal.offset!r})" if cal.offset else f"a{i}"
            return f"_floor({shifted} / {cal.scale!r} + 0.5)"
        if isinstance(cal, Table):
            raw = _interpolation(i, f"a{i}", cal.inverse_segments, namespace, setup)
        else:
            namespace[f"_R{i}"] = cal.to_raw
            raw = f"_R{i}(a{i})"
        return raw if f.is_float else f"_floor({raw} + 0.5)"

    @staticmethod
    def _check_term(i: int, f: Field) -> str:
        if f.enum is not None:
            return ""
        low, high = f.engineering_limits
        kind = "" if f.is_float or f.calibration is not None else f"a{i}.__class__ is int and "
        bounds = [f"{low!r} <= a{i}" if low is not None else "", f"a{i} <= {high!r}" if high is not None else ""]
        text = " and ".join(b for b in bounds if b)
        return kind + (text or "True")

    @staticmethod
    def _decode_term(i: int, f: Field, namespace: dict[str, Any], setup: list[str]) -> str:
        if f.enum is not None:
            namespace[f"_D{i}"] = {raw: label for label, raw in f.enum.items()}
            return f"_D{i}.get(r{i}, r{i})"
        cal = f.calibration
        if cal is None:
            return f"r{i}"
        if isinstance(cal, Linear):
            return f"(r{i} * {cal.scale!r} + {cal.offset!r})" if cal.offset else f"r{i} * {cal.scale!r}"
        if isinstance(cal, Table):
            return _interpolation(i, f"r{i}", cal.segments, namespace, setup)
        namespace[f"_G{i}"] = cal.to_engineering
        return f"_G{i}(r{i})"

    def _encode_slow(self, passthrough: tuple[Any, ...], values: tuple[Any, ...]) -> bytes:
        convert = [f.to_raw if self.strict else f.to_raw_saturating for f in self.fields]
        raws = [conv(v) for conv, v in zip(convert, values, strict=True)]
        return self.layout.pack(*passthrough, *raws)

    def encode_mapping(self, values: Mapping[str, Any]) -> bytes:
        """Pack engineering values given by name; a missing or unexpected name raises ArgumentError."""
        unknown = set(values) - set(self.names)
        if unknown:
            name = sorted(unknown)[0]
            raise field_error(ArgumentError, name, values[name],
                              f"unexpected; arguments are: {', '.join(self.names) or 'none'}")
        missing = [n for n in self.names if n not in values]
        if missing:
            absent = self.fields[self.names.index(missing[0])]
            raise ArgumentError(f"missing argument {absent.name} ({absent.range_text()})"
                                f"; arguments are: {', '.join(self.names)}", field=absent.name, value=None)
        return self.encode(*(values[n] for n in self.names))

    def encode_values(self, values: Sequence[Any]) -> bytes:
        """Pack engineering values given as a sequence in field order; a wrong count raises ArgumentError."""
        if len(values) != len(self.fields):
            raise field_error(ArgumentError, "values", len(values),
                              f"expected {len(self.fields)}: {', '.join(self.names) or 'none'}")
        return self.encode(*values)

    def decode_mapping(self, data: bytes, offset: int = 0) -> dict[str, Value]:
        """Engineering values by name."""
        return dict(zip(self.names, self.decode(data, offset), strict=True))
