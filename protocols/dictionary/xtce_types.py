"""XTCE 1.2 parameter and argument types from dictionary fields: encodings, units, enumerations, calibrators."""

from __future__ import annotations

import math
from xml.etree.ElementTree import Element, SubElement

from protocols.dictionary.calibration import Calibration, Linear, Table
from protocols.dictionary.fields import Field

XTCE_NS = "http://www.omg.org/spec/XTCE/20180204"
"""The XTCE 1.2 namespace."""


def tag(name: str) -> str:
    """An element name in the XTCE namespace."""
    return f"{{{XTCE_NS}}}{name}"


def element(kind: str, parent: Element | None = None, /, **attrs: str) -> Element:
    """A new XTCE element (appended to ``parent`` when given), attributes in the order given."""
    return Element(tag(kind), attrs) if parent is None else SubElement(parent, tag(kind), attrs)


def number(value: float) -> str:
    """A number as XML text that reads back to the same double (shortest round-trip form)."""
    return repr(int(value)) if float(value).is_integer() and abs(value) < 2**53 else repr(float(value))


def calibrator(cal: Calibration, parent: Element) -> Element:
    """A DefaultCalibrator: a polynomial for a Linear calibration, a first-order spline for a Table."""
    outer = element("DefaultCalibrator", parent)
    if isinstance(cal, Linear):
        poly = element("PolynomialCalibrator", outer)
        for power, coefficient in enumerate(cal.coefficients):
            element("Term", poly, coefficient=number(coefficient), exponent=str(power))
    elif isinstance(cal, Table):
        spline = element("SplineCalibrator", outer, order="1", extrapolate="true")
        for raw, eng in cal.points:
            element("SplinePoint", spline, raw=number(raw), calibrated=number(eng))
    else:  # pragma: no cover - Calibration is a closed union
        raise TypeError(f"no XTCE form for calibration {type(cal).__name__}")
    return outer


def _exact_linear_inverse(cal: Linear) -> tuple[tuple[float, float], tuple[float, float]]:
    """Two spline points on which a two-point interpolation computes exactly farside's ``(value − offset) / scale``.

    Yamcs interpolates ``((b1 − b0)·x + (a1·b0 − b1·a0)) / (a1 − a0)``; with (a0, b0) = (offset, 0) and
    (a1, b1) = (k·scale, k), k a power of two, that is ``k·(x − offset) / (k·scale)`` with every step exact,
    once k is large enough that ``k·scale − offset`` rounds to ``k·scale`` (k = 1 when the offset is 0).
    """
    k = 1.0
    while k * cal.scale - cal.offset != k * cal.scale and math.isfinite(k * cal.scale * 2):
        k *= 2
    if k * cal.scale - cal.offset != k * cal.scale:  # pragma: no cover - only for scales near the double range
        raise ValueError(f"no exact XTCE inverse for {cal.describe()}")
    return tuple(sorted([(cal.offset, 0.0), (k * cal.scale, k)]))  # type: ignore[return-value]


def decalibrator(cal: Calibration, parent: Element) -> Element:
    """A DefaultCalibrator from engineering value to raw count, the direction Yamcs applies an argument's calibrator.

    Yamcs then rounds half up (Java ``Math.round``), as farside does: a Linear calibration gives the same raw
    count bit for bit; a Table's inverse is interpolated with Yamcs's own arithmetic (an ulp apart at most).
    """
    points = _exact_linear_inverse(cal) if isinstance(cal, Linear) else sorted((e, r) for r, e in cal.points)
    outer = element("DefaultCalibrator", parent)
    spline = element("SplineCalibrator", outer, order="1", extrapolate="true")
    for eng, raw in points:
        element("SplinePoint", spline, raw=number(eng), calibrated=number(raw))
    return outer


def data_encoding(f: Field, parent: Element, role: str = "Parameter") -> Element:
    """The raw encoding of a field (big-endian, as on the wire), with its calibrator for the role.

    A parameter's calibrator turns the raw count into the engineering value; an argument's the other way.
    """
    bits = str(f.raw.sizeof() * 8)
    if f.is_float:
        encoding = element("FloatDataEncoding", parent, sizeInBits=bits, encoding="IEEE754_1985")
    else:
        kind = "unsigned" if f.type_name.startswith("u") else "twosComplement"
        encoding = element("IntegerDataEncoding", parent, sizeInBits=bits, encoding=kind)
    if f.calibration is not None and f.enum is None:
        (calibrator if role == "Parameter" else decalibrator)(f.calibration, encoding)
    return encoding


def _units(f: Field, parent: Element) -> None:
    if f.unit and f.enum is None:
        element("Unit", element("UnitSet", parent)).text = f.unit


def _enumeration(f: Field, parent: Element) -> None:
    listing = element("EnumerationList", parent)
    for label, value in sorted((f.enum or {}).items(), key=lambda item: item[1]):
        element("Enumeration", listing, value=str(value), label=label)


def _describe(f: Field, attrs: dict[str, str]) -> dict[str, str]:
    return {**attrs, "shortDescription": f.description} if f.description else attrs


def type_kind(f: Field) -> str:
    """The XTCE engineering type of a field: Enumerated, Float or Integer."""
    if f.enum is not None:
        return "Enumerated"
    return "Float" if f.is_float or f.calibration is not None else "Integer"


def _value_type(name: str, f: Field, role: str) -> tuple[str, Element]:
    """The kind and the ``<kind><role>Type`` element of a field (role: Parameter or Argument), encoding included."""
    kind = type_kind(f)
    attrs = {"name": name}
    if kind == "Integer":
        attrs.update(signed="false" if f.type_name.startswith("u") else "true", sizeInBits=str(f.raw.sizeof() * 8))
    elif kind == "Float":
        attrs["sizeInBits"] = "64"
    out = element(f"{kind}{role}Type", **_describe(f, attrs))
    _units(f, out)
    data_encoding(f, out, role)
    if kind == "Enumerated":
        _enumeration(f, out)
    return kind, out


def parameter_type(name: str, f: Field) -> Element:
    """The telemetry parameter type of a field (no valid range: telemetry reports what the hardware saw)."""
    return _value_type(name, f, "Parameter")[1]


def argument_type(name: str, f: Field) -> Element:
    """The telecommand argument type of a field, with the valid range a command is checked against."""
    kind, out = _value_type(name, f, "Argument")
    if kind != "Enumerated" and (f.minimum is not None or f.maximum is not None):
        bounds: dict[str, str] = {}
        if kind == "Integer":
            if f.minimum is not None:
                bounds["minInclusive"] = str(math.ceil(f.minimum))
            if f.maximum is not None:
                bounds["maxInclusive"] = str(math.floor(f.maximum))
        else:
            if f.minimum is not None:
                bounds["minInclusive"] = number(f.minimum)
            if f.maximum is not None:
                bounds["maxInclusive"] = number(f.maximum)
        ranges = element("ValidRangeSet", out, validRangeAppliesToCalibrated="true")
        element("ValidRange", ranges, **bounds)
    return out
