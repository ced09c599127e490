"""Dispersible hardware: each model option moves what a user sees the expected way; defaults change nothing."""

from __future__ import annotations

import statistics
from typing import Any

import pytest

from firmware_sim.devices.ascender import AscenderModel
from firmware_sim.devices.sampler import SamplerModel
from firmware_sim.errors import ScenarioError
from firmware_sim.fsw.telemetry import Verification
from firmware_sim.params import ParameterError
from firmware_sim.scenario import parse_scenario
from hil.procedure import Procedure
from protocols.dictionary.ascender import ARM_KEY

SAMPLER_DEFAULTS = {"regolith_hardness_scale": 1.0, "rock_density_per_m": 1.2}
ASCENDER_DEFAULTS = {"thrust_n": 3000.0, "isp_s": 315.0, "helium_pressure_mpa": 23.0, "tank_pad_pressure_mpa": 0.4,
                     "imu_gyro_bias_dph": 0.0, "imu_accel_bias_ms2": 0.0}
OUT_OF_RANGE = [("sampler", "regolith_hardness_scale", 0.1), ("sampler", "regolith_hardness_scale", 5.0),
                ("sampler", "rock_density_per_m", -1.0), ("sampler", "rock_density_per_m", 11.0),
                ("ascender", "thrust_n", 1000.0), ("ascender", "thrust_n", 5000.0),
                ("ascender", "isp_s", 200.0), ("ascender", "isp_s", 450.0),
                ("ascender", "helium_pressure_mpa", 2.0), ("ascender", "helium_pressure_mpa", 50.0),
                ("ascender", "tank_pad_pressure_mpa", -0.1), ("ascender", "tank_pad_pressure_mpa", 2.0),
                ("ascender", "imu_gyro_bias_dph", 60.0), ("ascender", "imu_accel_bias_ms2", -0.5),
                ("ascender", "isp_s", "high")]


# helpers -----------------------------------------------------------------------------------------------------
def _finish(h: Procedure, device: str, command: str, timeout_s: float, **args: Any) -> Verification:
    """Send a command and run until it completes or fails."""
    record = h.send(device, command, **args)
    h.wait_until(lambda: record.completed or record.failed, timeout_s)
    return record


def _drill(seed: int = 1, depth_m: float = 1.0, **options: Any) -> tuple[Procedure, float]:
    """Drill from the surface to ``depth_m`` (or until a stall stops the drill); the bench and the seconds taken."""
    h = Procedure.for_device("sampler", seed=seed, options=options or None)
    assert _finish(h, "sampler", "mode-set", 5.0, mode="operate").completed
    started = h.now_s
    _finish(h, "sampler", "drill-start", 3 * 3600, target_depth=depth_m, rotation_rate=120, percussion="high",
            feed_rate=100.0)
    took = h.now_s - started
    h.run(2.0)
    return h, took


def _pressurized(pressurize_s: float = 180.0, **options: Any) -> Procedure:
    """An ascender armed, pressurised to 1.8 MPa, latch valves open and separated: ready for ignition."""
    h = Procedure.for_device("ascender", seed=1, options=options or None)
    h.wait_until(lambda: h.model("ascender").telemetry["imu_status"] == "ready", 40.0)
    steps: list[tuple[str, dict[str, Any]]] = [
        ("arm", {"stage": "all", "key": ARM_KEY}), ("pyro-fire", {"pyro": "helium"}),
        ("latch-valve", {"valve": "helium", "action": "open"}),
        ("tank-pressurize", {"tanks": "both", "target_pressure": 1.8}), ("pyro-fire", {"pyro": "propellant"}),
        ("latch-valve", {"valve": "fuel", "action": "open"}), ("latch-valve", {"valve": "oxidiser", "action": "open"}),
        ("pyro-fire", {"pyro": "umbilical"}), ("pyro-fire", {"pyro": "separation"})]
    for command, args in steps:
        record = _finish(h, "ascender", command, pressurize_s, **args)
        assert record.completed, (command, record.stage_names, record.failure)
    return h


def _burn(seconds: float = 20.0, **options: Any) -> Procedure:
    """Fire the engine on a timer for ``seconds`` (or until the tanks run dry)."""
    h = _pressurized(**options)
    _finish(h, "ascender", "engine-ignite", seconds + 60.0, burn_duration=seconds, cutoff="timer")
    h.run(2.0)
    return h


def _event(h: Procedure, device: str, name: str) -> dict[str, Any]:
    """The fields of the first event report of a name, as it crossed the link."""
    return h.packets(device, f"event:{name}")[0].fields


def _full_thrust(h: Procedure) -> float:
    """Median thrust the burn housekeeping reported while the engine was at full thrust."""
    return statistics.median(p.fields["thrust"] for p in h.hk("ascender", "burn-propulsion")
                             if p.fields["thrust"] > 1500.0)


def _wire(h: Procedure) -> list[tuple[int, str, str, bytes]]:
    """Every packet on the bench's links with its arrival time: what a bus monitor would record."""
    return [(p.time_ns, p.link, p.direction, p.raw) for p in h.log]


# the sampler's ground ----------------------------------------------------------------------------------------
def test_harder_regolith_drills_slower_with_more_torque() -> None:
    runs = {"nominal": _drill(), "hard": _drill(regolith_hardness_scale=3.0),
            "soft": _drill(regolith_hardness_scale=0.5)}
    torque = {name: statistics.mean(p.fields["drill_torque"] for p in h.hk("sampler", "drill"))
              for name, (h, _) in runs.items()}
    assert torque["soft"] < torque["nominal"] < torque["hard"]
    assert torque["hard"] > 1.5 * torque["nominal"]
    assert all(_event(h, "sampler", "drill-target-reached")["depth"] == pytest.approx(1.0, abs=0.01)
               for h, _ in runs.values())
    assert runs["hard"][1] > 1.3 * runs["nominal"][1]


def test_more_rocks_per_metre_give_more_rock_detections() -> None:
    def detections(rate: float | None) -> int:
        options = {} if rate is None else {"rock_density_per_m": rate}
        return sum(len(_drill(seed, **options)[0].packets("sampler", "event:rock-detected")) for seed in (1, 2, 3))

    none, nominal, many = detections(0.0), detections(None), detections(8.0)
    assert none == 0
    assert nominal < many


# the ascender's engine, tanks and IMU ---------------------------------------------------------------------------
def test_higher_isp_burns_longer_on_the_same_propellant() -> None:
    burns = {isp: _burn(400.0, propellant_kg=200.0, isp_s=isp) for isp in (260.0, 315.0, 340.0)}
    shutdowns = {isp: _event(h, "ascender", "engine-shutdown") for isp, h in burns.items()}
    assert all(s["reason"] == "depletion" for s in shutdowns.values())
    times = [shutdowns[isp]["burn_time"] for isp in (260.0, 315.0, 340.0)]
    assert times[0] < times[1] < times[2]
    assert times[2] / times[1] == pytest.approx(340.0 / 315.0, rel=0.02)
    assert all(_full_thrust(h) == pytest.approx(3000.0, rel=0.01) for h in burns.values())
    h = burns[340.0]
    assert _finish(h, "ascender", "param-get", 5.0, param="specific_impulse").completed
    h.run(1.0)
    assert h.latest("ascender", "specific_impulse") == pytest.approx(340.0, abs=0.5)


def test_more_thrust_accelerates_harder_and_flows_more() -> None:
    nominal, strong = _burn(20.0), _burn(20.0, thrust_n=3500.0)
    assert _full_thrust(nominal) == pytest.approx(3000.0, rel=0.01)
    assert _full_thrust(strong) == pytest.approx(3500.0, rel=0.01)
    a, b = nominal.model("ascender").figures(), strong.model("ascender").figures()
    assert b["max_acceleration_ms2"] > 1.1 * a["max_acceleration_ms2"]
    assert b["propellant_used_kg"] == pytest.approx(a["propellant_used_kg"] * 3500.0 / 3000.0, rel=0.02)


def test_helium_bottle_pressure_is_what_the_unit_reads_and_what_is_left_to_regulate() -> None:
    nominal, low = _pressurized(), _pressurized(helium_pressure_mpa=12.0)
    first = {name: h.hk("ascender", "propulsion")[0].fields["helium_pressure"]
             for name, h in (("nominal", nominal), ("low", low))}
    assert first["nominal"] == pytest.approx(23.0, abs=0.02) and first["low"] == pytest.approx(12.0, abs=0.02)
    left = {name: h.latest("ascender", "helium_pressure") for name, h in (("nominal", nominal), ("low", low))}
    assert left["low"] == pytest.approx(left["nominal"] - 11.0, abs=0.1)


def test_a_higher_pad_pressure_pressurises_sooner() -> None:
    nominal, padded = _pressurized(), _pressurized(tank_pad_pressure_mpa=1.0)
    pads = {name: h.hk("ascender", "propulsion")[0].fields["fuel_tank_pressure"]
            for name, h in (("nominal", nominal), ("padded", padded))}
    assert pads["nominal"] == pytest.approx(0.4, abs=0.01) and pads["padded"] == pytest.approx(1.0, abs=0.01)
    took = {name: _event(h, "ascender", "pressurization-complete")["duration"]
            for name, h in (("nominal", nominal), ("padded", padded))}
    assert took["padded"] < 0.8 * took["nominal"]


def test_imu_bias_options_add_to_the_drawn_biases() -> None:
    def at_rest(**options: Any) -> Procedure:
        h = Procedure.for_device("ascender", seed=1, options=options or None)
        h.wait_until(lambda: h.model("ascender").telemetry["imu_status"] == "ready", 40.0)
        assert _finish(h, "ascender", "imu-calibrate", 70.0, duration=60).completed
        return h

    nominal, biased = at_rest(), at_rest(imu_gyro_bias_dph=40.0, imu_accel_bias_ms2=0.05)
    found = [_event(h, "ascender", "imu-calibrated") for h in (nominal, biased)]
    for axis in "xyz":
        assert found[1][f"bias_{axis}"] - found[0][f"bias_{axis}"] == pytest.approx(40.0, abs=0.01)
    for axis in "xyz":
        means = [statistics.mean(p.fields[f"accel_{axis}"] for p in h.hk("ascender", "navigation")) for h in
                 (nominal, biased)]
        assert means[1] - means[0] == pytest.approx(0.05, abs=0.002)


# defaults and refusals ---------------------------------------------------------------------------------------------
def test_defaults_given_explicitly_change_no_byte() -> None:
    assert _wire(_drill(depth_m=0.3)[0]) == _wire(_drill(depth_m=0.3, **SAMPLER_DEFAULTS)[0])
    assert _wire(_burn(10.0)) == _wire(_burn(10.0, **ASCENDER_DEFAULTS))


@pytest.mark.parametrize(("device", "key", "value"), OUT_OF_RANGE)
def test_out_of_range_values_are_refused_naming_the_key(device: str, key: str, value: Any) -> None:
    with pytest.raises(ParameterError) as caught:
        Procedure.for_device(device, options={key: value})
    assert caught.value.key == (key,)
    assert key in str(caught.value)


def test_the_options_are_declared_with_units_for_scenarios_and_campaigns() -> None:
    assert set(SAMPLER_DEFAULTS) <= set(SamplerModel.OPTIONS)
    assert set(ASCENDER_DEFAULTS) <= set(AscenderModel.OPTIONS)
    assert all(SamplerModel.OPTIONS[k].unit for k in SAMPLER_DEFAULTS)
    assert all(AscenderModel.OPTIONS[k].unit for k in ASCENDER_DEFAULTS)
    text = '[scenario]\nname = "x"\n[bench.devices.ascender]\nisp_s = 400\n'
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "dispersed.toml")
    assert str(caught.value).startswith("dispersed.toml:4: ") and "isp_s" in str(caught.value)
