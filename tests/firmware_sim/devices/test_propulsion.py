"""The feed system: regulated tanks, helium blowdown, 3000 N at Isp 315 s, thrust falling with feed pressure."""

from __future__ import annotations

import pytest

from firmware_sim.devices.propulsion import NOMINAL_FLOW, Propulsion


def _ready(setpoint: float = 1.8) -> Propulsion:
    prop = Propulsion.loaded(380.0)
    prop.helium_squib_open = prop.propellant_squib_open = True
    for name in ("helium", "fuel", "oxidiser"):
        prop.valves[name].command(True, 0.0)
    for tank in prop.tanks:
        tank.setpoint = setpoint
    for i in range(600):
        prop.step(0.1, 0.1 * (i + 1))
    return prop


def _fire(prop: Propulsion, seconds: float, start: float = 60.0) -> list:
    outputs, t = [], start
    prop.valves["engine"].command(True, t)
    while t < start + seconds:
        t += 0.02
        outputs.append(prop.step(0.02, t))
    return outputs


def test_nominal_thrust_flow_and_isp() -> None:
    prop = _ready()
    assert prop.fuel.pressure == pytest.approx(1.8, abs=0.01)
    out = _fire(prop, 5.0)[-1]
    assert out.thrust == pytest.approx(3000.0, rel=0.02)
    assert out.mass_flow == pytest.approx(NOMINAL_FLOW, rel=0.02)
    assert round(NOMINAL_FLOW, 3) == 0.971
    assert out.isp == pytest.approx(315.0, abs=1.0)
    assert prop.chamber_pressure == pytest.approx(0.8, abs=0.03)


def test_regulated_tanks_hold_while_the_helium_bottle_blows_down() -> None:
    prop = _ready()
    helium_before = prop.helium_pressure
    _fire(prop, 60.0)
    assert prop.fuel.pressure == pytest.approx(1.75, abs=0.03)
    assert prop.helium_pressure < helium_before - 1.5


def test_with_the_helium_isolated_the_tanks_blow_down_and_thrust_falls() -> None:
    prop = _ready()
    prop.valves["helium"].command(False, 60.0)
    outputs = _fire(prop, 30.0)
    assert prop.fuel.pressure < 1.2
    assert outputs[-1].thrust < 0.75 * outputs[10].thrust
    assert outputs[-1].isp < outputs[10].isp


def test_an_unlit_engine_only_cold_flows() -> None:
    prop = _ready()
    prop.ignition_failures = 1
    prop.start_attempt()
    outputs = _fire(prop, 1.0)
    assert max(o.thrust for o in outputs) == 0.0
    assert prop.chamber_pressure < 0.1
    assert prop.propellant_mass < 380.0  # propellant sprayed through the injector
