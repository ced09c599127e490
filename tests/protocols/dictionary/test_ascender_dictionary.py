"""The ascender's dictionary holds the 3000 N, six-minute ascent figures and the faults a real unit reports."""

from __future__ import annotations

import math

import pytest

from protocols.dictionary.ascender import APID, ARM_KEY, ASCENDER, MAIN_ENGINE_ISP_S, MAIN_ENGINE_THRUST_N
from protocols.errors import ArgumentError, ArgumentRangeError
from protocols.services.events import Severity

LUNAR_G = 1.62
STANDARD_G = 9.80665
ASCENT_BURN_S = 6 * 60
MOON_GM_KM3_S2 = 4902.8
MOON_RADIUS_KM = 1737.4


def _within(name: str, value: float) -> bool:
    low, high = ASCENDER.parameter(name).engineering_limits
    return low <= value <= high  # type: ignore[operator]


def test_identity() -> None:
    """Name and APID as the bench and ground tools expect."""
    assert (ASCENDER.name, ASCENDER.apid, APID) == ("ascender", 0x120, 0x120)


def test_a_burn_rate_set_reports_imu_navigation_and_propulsion_at_10_hz_or_faster() -> None:
    """Sets at ≤ 100 ms together carry the three gyro rates, three accelerations, chamber pressure and thrust."""
    fast = [s for s in ASCENDER.housekeeping if s.interval_ms <= 100]
    assert fast
    carried = {p for s in fast for p in s.parameters}
    assert {f"gyro_rate_{a}" for a in "xyz"} | {f"accel_{a}" for a in "xyz"} <= carried
    assert {"chamber_pressure", "thrust", "propellant_flow", "altitude", "velocity"} <= carried


def test_engine_figures_fit_the_declared_ranges() -> None:
    """3000 N, its mass flow at Isp 315 s and the propellant a six-minute burn uses all fit the telemetry."""
    flow = MAIN_ENGINE_THRUST_N / (MAIN_ENGINE_ISP_S * STANDARD_G)
    assert flow == pytest.approx(0.97, abs=0.01)
    assert _within("thrust", MAIN_ENGINE_THRUST_N)
    assert _within("propellant_flow", flow)
    assert _within("propellant_mass", flow * ASCENT_BURN_S)
    assert _within("burn_time", ASCENT_BURN_S)
    assert _within("specific_impulse", MAIN_ENGINE_ISP_S)


def test_engine_ignite_accepts_a_six_minute_burn() -> None:
    """A 360 s burn is commandable; a burn longer than 600 s is refused."""
    command, app_data = ASCENDER.encode_command("engine-ignite", {"burn_duration": 360.0, "cutoff": "guidance"})
    assert command.decode(ASCENDER, app_data) == {"burn_duration": pytest.approx(360.0), "cutoff": "guidance"}
    with pytest.raises(ArgumentRangeError, match="burn_duration"):
        ASCENDER.encode_command("engine-ignite", {"burn_duration": 700.0, "cutoff": "timer"})


def test_imu_measures_lunar_gravity_and_burnout_acceleration() -> None:
    """1.62 m/s² at rest and 3000 N on an ascender near burn-out (≈400 kg) fit the accelerometer counts."""
    accel = ASCENDER.parameter("accel_z")
    assert accel.to_engineering(accel.to_raw(LUNAR_G)) == pytest.approx(LUNAR_G, abs=0.001)
    assert _within("accel_z", MAIN_ENGINE_THRUST_N / 400.0)


def test_navigation_ranges_cover_low_lunar_orbit() -> None:
    """The circular speed at 15 km and a 15 × 180 km orbit fit velocity, periapsis and apoapsis."""
    circular = math.sqrt(MOON_GM_KM3_S2 / (MOON_RADIUS_KM + 15.0)) * 1000.0
    assert _within("velocity", circular)
    assert _within("altitude", 180_000.0)
    assert _within("periapsis", -MOON_RADIUS_KM) and _within("apoapsis", 180.0)
    _, app_data = ASCENDER.encode_command("set-target-orbit", {"periapsis": 15.0, "apoapsis": 180.0})
    assert app_data
    with pytest.raises(ArgumentRangeError, match="periapsis"):
        ASCENDER.encode_command("set-target-orbit", {"periapsis": 5.0, "apoapsis": 180.0})


def test_arm_needs_the_interlock_key() -> None:
    """arm carries a fixed interlock code; any other value is refused before it reaches the wire."""
    assert ASCENDER.encode_command("arm", {"stage": "all", "key": ARM_KEY})[1].endswith(ARM_KEY.to_bytes(2, "big"))
    with pytest.raises(ArgumentRangeError, match="key"):
        ASCENDER.encode_command("arm", {"stage": "all", "key": ARM_KEY ^ 1})


def test_valve_and_pyro_commands_name_their_devices() -> None:
    """latch-valve and pyro-fire take named valves and pyros; separation is one of them."""
    _, app_data = ASCENDER.encode_command("latch-valve", {"valve": "oxidiser", "action": "open"})
    assert ASCENDER.command_for(8, 1, app_data).decode(ASCENDER, app_data) == {"valve": "oxidiser", "action": "open"}
    assert "separation" in ASCENDER.command("pyro-fire").args[0].enum  # type: ignore[operator]
    with pytest.raises(ArgumentError, match="valve"):
        ASCENDER.encode_command("latch-valve", {"valve": "engine", "action": "open"})


def test_each_fault_has_a_high_severity_event_with_its_evidence() -> None:
    """Ignition failure, stuck valve and tank pressure loss are reported with the data that shows them."""
    expected = {"ignition-failure": {"chamber_pressure"}, "valve-stuck": {"valve", "commanded", "reported"},
                "tank-pressure-loss": {"tank", "pressure", "rate"}}
    for name, fields in expected.items():
        event = ASCENDER.event(name)
        assert event.severity is Severity.HIGH
        assert fields <= {f.name for f in event.data}
    _, app_data = ASCENDER.encode_event("valve-stuck", ["fuel", "open", "closed"])
    assert ASCENDER.decode_event(app_data)[1] == {"valve": "fuel", "commanded": "open", "reported": "closed"}


def test_shutdown_and_orbit_events_report_the_ascent() -> None:
    """engine-shutdown gives burn time and reason; orbit-reached gives periapsis and apoapsis in km."""
    _, app_data = ASCENDER.encode_event("engine-shutdown", [362.5, "guidance", 21.0])
    assert ASCENDER.decode_event(app_data)[1] == {"burn_time": 362.5, "reason": "guidance",
                                                  "propellant_remaining": 21.0}
    _, app_data = ASCENDER.encode_event("orbit-reached", [15.0, 180.0, 362.5])
    assert ASCENDER.decode_event(app_data)[1] == {"periapsis": 15.0, "apoapsis": 180.0, "burn_time": 362.5}


def test_tank_pressures_are_raw_adc_counts() -> None:
    """Pressure transducers report 12-bit counts that calibrate to MPa."""
    for name, full_scale in (("fuel_tank_pressure", 3.0), ("helium_pressure", 40.0), ("chamber_pressure", 1.5)):
        param = ASCENDER.parameter(name)
        assert (param.type_name, param.unit) == ("uint16", "MPa")
        assert param.to_engineering(4095) == pytest.approx(full_scale)


def test_ids_are_unique_and_general_sets_are_slow() -> None:
    """IDs and SIDs are unique; the sets enabled from power-on report at 1 s or slower."""
    for ids in ([p.id for p in ASCENDER.parameters], [f.function_id for f in ASCENDER.functions],
                [e.id for e in ASCENDER.events], [s.sid for s in ASCENDER.housekeeping]):
        assert len(ids) == len(set(ids))
    for hk in ASCENDER.housekeeping:
        assert hk.interval_ms >= 1000 or not hk.enabled, hk.name
    assert all(p.description for p in ASCENDER.parameters)
    assert {p.name for p in ASCENDER.parameters if p.writable} >= {"tank_pressure_min", "ignition_timeout"}
