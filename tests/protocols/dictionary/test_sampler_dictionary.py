"""The sampler's dictionary holds the Chang'e-6 drill, arm and container figures a user would check."""

from __future__ import annotations

import pytest

from protocols.dictionary.calibration import Linear, Table
from protocols.dictionary.sampler import APID, SAMPLER
from protocols.errors import ArgumentError, ArgumentRangeError
from protocols.services.events import Severity

RETURNED_SAMPLE_G = 1935.3
SURFACE_HOT_C, SURFACE_COLD_C = 123.0, -153.0


def _scoop(azimuth: float = 0.0, reach: float = 2.0, scoop_depth: int = 20) -> bytes:
    return SAMPLER.encode_command("arm-scoop", {"azimuth": azimuth, "reach": reach, "scoop_depth": scoop_depth})[1]


def _drill(target_depth: float) -> bytes:
    values = {"target_depth": target_depth, "rotation_rate": 120, "percussion": "low", "feed_rate": 30.0}
    return SAMPLER.encode_command("drill-start", values)[1]


def test_identity() -> None:
    """Name and APID as the bench and ground tools expect."""
    assert (SAMPLER.name, SAMPLER.apid, APID) == ("sampler", 0x110, 0x110)


def test_drill_start_accepts_the_design_length_and_refuses_beyond_it() -> None:
    """2.5 m is the drill's design length: commandable; 2.6 m is refused naming the argument."""
    app_data = _drill(2.5)
    assert SAMPLER.command_for(8, 1, app_data).name == "drill-start"
    assert SAMPLER.command("drill-start").decode(SAMPLER, app_data)["target_depth"] == pytest.approx(2.5)
    with pytest.raises(ArgumentRangeError, match="target_depth"):
        _drill(2.6)
    with pytest.raises(ArgumentError, match="percussion"):
        SAMPLER.encode_command("drill-start", {"target_depth": 1.0, "rotation_rate": 120, "percussion": "max",
                                               "feed_rate": 30.0})


def test_drill_depth_telemetry_reaches_the_design_length_to_a_tenth_of_a_millimetre() -> None:
    """The depth encoder counts 0.1 mm and its range covers 2.5 m."""
    depth = SAMPLER.parameter("drill_depth")
    assert depth.engineering_limits == (0.0, 2.5)
    assert depth.to_engineering(depth.to_raw(2.5)) == pytest.approx(2.5, abs=1e-4)
    assert depth.to_raw(1.0) == 10_000


def test_arm_scoop_stays_inside_the_120_degree_sector_and_the_3_7_m_reach() -> None:
    """Azimuth ±60° and reach 0.5–3.7 m are accepted; anything outside is refused."""
    for azimuth in (-60.0, 0.0, 60.0):
        assert _scoop(azimuth=azimuth)
    for reach in (0.5, 3.7):
        assert _scoop(reach=reach)
    for azimuth in (-60.5, 61.0, 90.0):
        with pytest.raises(ArgumentRangeError, match="azimuth"):
            _scoop(azimuth=azimuth)
    for reach in (0.4, 3.8):
        with pytest.raises(ArgumentRangeError, match="reach"):
            _scoop(reach=reach)


def test_arm_move_refuses_angles_past_a_joint_limit() -> None:
    """Each joint angle is checked against its mechanical limit."""
    pose = {"shoulder_yaw": 0.0, "shoulder_pitch": 30.0, "elbow_pitch": 90.0, "wrist_pitch": -45.0,
            "joint_speed": 2.0}
    assert SAMPLER.encode_command("arm-move", pose)[1]
    for joint, bad in (("shoulder_yaw", 95.0), ("shoulder_pitch", -20.0), ("elbow_pitch", 170.0),
                       ("wrist_pitch", 115.0)):
        with pytest.raises(ArgumentRangeError, match=joint):
            SAMPLER.encode_command("arm-move", {**pose, joint: bad})
    with pytest.raises(ArgumentError, match="joint_speed"):
        SAMPLER.encode_command("arm-move", {k: v for k, v in pose.items() if k != "joint_speed"})


def test_the_returned_sample_mass_fits_the_mass_telemetry_and_events() -> None:
    """1935.3 g (Chang'e-6's return) fits the sealed-mass parameter, the load cell and the transfer event."""
    for name in ("sealed_sample_mass", "surface_container_mass"):
        low, high = SAMPLER.parameter(name).engineering_limits
        assert low <= RETURNED_SAMPLE_G <= high  # type: ignore[operator]
    event, app_data = SAMPLER.encode_event("transfer-complete", ["surface", RETURNED_SAMPLE_G])
    assert SAMPLER.decode_event(app_data)[1]["mass"] == pytest.approx(RETURNED_SAMPLE_G, abs=1e-3)
    assert event.severity is Severity.INFO


def test_load_cell_reports_grams_from_raw_counts_with_an_offset() -> None:
    """The load cell is a raw count with a linear calibration whose zero is not count 0."""
    mass = SAMPLER.parameter("surface_container_mass")
    assert isinstance(mass.calibration, Linear) and mass.calibration.offset < 0
    assert mass.to_engineering(mass.to_raw(RETURNED_SAMPLE_G)) == pytest.approx(RETURNED_SAMPLE_G, abs=0.05)


def test_exterior_temperatures_cover_the_lunar_surface_extremes() -> None:
    """Motor, joint and sealing-unit sensors read from −153 °C to +123 °C through their tables."""
    for name in ("drill_motor_temp", "arm_joint_temp", "sealing_unit_temp"):
        sensor = SAMPLER.parameter(name)
        assert isinstance(sensor.calibration, Table)
        low, high = sensor.engineering_limits
        assert low <= SURFACE_COLD_C and high >= SURFACE_HOT_C  # type: ignore[operator]
        for celsius in (SURFACE_COLD_C, SURFACE_HOT_C):
            count = sensor.to_raw(celsius)
            assert 0 <= count <= 4095
            assert sensor.to_engineering(count) == pytest.approx(celsius, abs=0.2)


def test_adc_channels_span_their_range_over_twelve_bits() -> None:
    """Motor current and torque are 12-bit counts: count 4095 is full scale."""
    for name, full_scale in (("drill_motor_current", 8.0), ("drill_torque", 80.0)):
        param = SAMPLER.parameter(name)
        assert param.type_name == "uint16"
        assert param.to_engineering(4095) == pytest.approx(full_scale)
        assert param.to_raw(full_scale) == 4095


def test_required_telemetry_is_declared_with_units() -> None:
    """The parameters the emulator issue names exist; numeric ones carry a unit; all have a description."""
    required = ("drill_depth", "drill_rotation_rate", "drill_torque", "drill_motor_current", "drill_penetration_rate",
                "core_mass", "drill_state", "arm_shoulder_yaw", "arm_shoulder_pitch", "arm_elbow_pitch",
                "arm_wrist_pitch", "scoop_state", "scoop_mass", "drill_container_seal", "surface_container_seal",
                "surface_container_mass")
    for name in required:
        assert SAMPLER.parameter(name)
    for param in SAMPLER.parameters:
        assert param.description, param.name
        if param.enum is None and param.calibration is not None:
            assert param.unit, param.name


def test_ids_are_unique_and_sets_are_slow_unless_disabled() -> None:
    """Parameter, function, event IDs and SIDs are unique; fast sets start disabled."""
    for ids in ([p.id for p in SAMPLER.parameters], [f.function_id for f in SAMPLER.functions],
                [e.id for e in SAMPLER.events], [s.sid for s in SAMPLER.housekeeping]):
        assert len(ids) == len(set(ids))
    for hk in SAMPLER.housekeeping:
        assert hk.interval_ms >= 1000 or not hk.enabled, hk.name


def test_stall_and_rock_events_carry_depth_and_torque() -> None:
    """A stall is a high-severity event naming where and how hard; a rock is a low-severity one."""
    stall = SAMPLER.event("drill-stall")
    assert stall.severity is Severity.HIGH
    assert {"depth", "torque"} <= {f.name for f in stall.data}
    assert SAMPLER.event("rock-detected").severity is Severity.LOW
    _, app_data = SAMPLER.encode_event("drill-stall", [1.234, 61.5, 7.2])
    values = SAMPLER.decode_event(app_data)[1]
    assert values["depth"] == pytest.approx(1.234) and values["torque"] == pytest.approx(61.5)


def test_stall_threshold_is_writable_and_measurements_are_not() -> None:
    """param-set reaches the stall threshold and refuses a measured value."""
    command, app_data = SAMPLER.encode_command("param-set", {"param": "drill_stall_torque", "value": 60.0})
    assert command.decode(SAMPLER, app_data) == {"param": "drill_stall_torque", "value": 60.0}
    with pytest.raises(ArgumentRangeError, match="drill_stall_torque"):
        SAMPLER.encode_command("param-set", {"param": "drill_stall_torque", "value": 500.0})
    with pytest.raises(ArgumentError, match="param"):
        SAMPLER.encode_command("param-set", {"param": "drill_depth", "value": 1.0})
