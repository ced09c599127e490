"""Shapes the device dictionaries share: 12-bit ADC channels, temperature sensors, states, counters, arguments."""

from __future__ import annotations

from collections.abc import Mapping

import construct as cs

from protocols.dictionary.calibration import Calibration, Linear, Table
from protocols.dictionary.fields import Field
from protocols.dictionary.model import Parameter

ADC_FULL_SCALE = 4095
"""Largest count of the 12-bit ADCs the units use (carried in a uint16)."""

NTC_10K = Table((
    (132, 150.0), (215, 125.0), (368, 100.0), (657, 75.0), (1191, 50.0),
    (2048, 25.0), (3037, 0.0), (3627, -20.0), (3936, -40.0), (4036, -55.0),
))
"""10 kΩ NTC thermistor (β 3435 K) under a 10 kΩ pull-up on a 12-bit ADC: counts fall as it warms."""
NTC_RANGE = (-55.0, 150.0)

PT1000_BRIDGE = Table((
    (291, -180.0), (596, -150.0), (894, -120.0), (1188, -90.0), (1477, -60.0), (1764, -30.0),
    (2048, 0.0), (2329, 30.0), (2607, 60.0), (2884, 90.0), (3157, 120.0), (3428, 150.0),
))
"""PT1000 platinum sensor in an amplified bridge (150–1850 Ω over 0–4095 counts): exterior temperatures."""
PT1000_RANGE = (-180.0, 150.0)


def adc_channel(name: str, pid: int, unit: str, low: float, high: float, description: str) -> Parameter:
    """A 12-bit ADC channel in a uint16 whose counts 0..4095 span ``low``..``high`` linearly."""
    return Parameter(name=name, id=pid, raw=cs.Int16ub, unit=unit, minimum=low, maximum=high,
                     calibration=Linear((high - low) / ADC_FULL_SCALE, low), description=description)


def temperature_sensor(name: str, pid: int, description: str, *, exterior: bool = False) -> Parameter:
    """A temperature on a 12-bit ADC: an NTC thermistor inside a box, a PT1000 outside (−180..+150 °C)."""
    table, (low, high) = (PT1000_BRIDGE, PT1000_RANGE) if exterior else (NTC_10K, NTC_RANGE)
    return Parameter(name=name, id=pid, raw=cs.Int16ub, unit="°C", minimum=low, maximum=high,
                     calibration=table, description=description)


def computed(name: str, pid: int, unit: str, low: float, high: float, description: str, *,
             writable: bool = False) -> Parameter:
    """A float32 value the unit's processor computes (navigation state, estimates, thresholds)."""
    return Parameter(name=name, id=pid, raw=cs.Float32b, unit=unit, minimum=low, maximum=high,
                     description=description, writable=writable)


def scaled(name: str, pid: int, raw: cs.Construct, unit: str, step: float, low: float, high: float,
           description: str, *, writable: bool = False) -> Parameter:
    """An integer count of ``step`` units each (an encoder, resolver or digital sensor output)."""
    return Parameter(name=name, id=pid, raw=raw, unit=unit, minimum=low, maximum=high,
                     calibration=Linear(step), description=description, writable=writable)


def state(name: str, pid: int, labels: Mapping[str, int], description: str, *, writable: bool = False) -> Parameter:
    """A uint8 enumerated state."""
    return Parameter(name=name, id=pid, raw=cs.Int8ub, enum=labels, description=description, writable=writable)


def counter(name: str, pid: int, description: str, raw: cs.Construct = cs.Int32ub) -> Parameter:
    """An unsigned count that wraps at the width of its raw type."""
    return Parameter(name=name, id=pid, raw=raw, description=description)


def number(name: str, raw: cs.Construct, unit: str, low: float, high: float, description: str, *,
           calibration: Calibration | None = None) -> Field:
    """A numeric command argument or event datum with its range (and calibration for integer raws)."""
    return Field(name=name, raw=raw, unit=unit, minimum=low, maximum=high, calibration=calibration,
                 description=description)


def choice(name: str, labels: Mapping[str, int], description: str, raw: cs.Construct = cs.Int8ub) -> Field:
    """An enumerated command argument or event datum."""
    return Field(name=name, raw=raw, enum=labels, description=description)
