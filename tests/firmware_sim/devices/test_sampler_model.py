"""The sampler model as flight software sees it: a nominal surface operation, refusals, faults and determinism."""

from __future__ import annotations

import math
import statistics
from typing import Any

import pytest

from firmware_sim.devices.sampler import SamplerModel
from firmware_sim.devices.sampler_arm import HOVER_HEIGHT_M, scoop_pose, tip_position
from firmware_sim.devices.sampler_thermal import ThermalModel
from firmware_sim.errors import ConfigurationError
from firmware_sim.fsw.telemetry import Verification
from hil.procedure import Procedure
from protocols.dictionary.sampler import ARM_REACH_M, ARM_SECTOR_HALF_DEG, JOINT_LIMITS_DEG, SAMPLER
from protocols.pus import PusTc
from protocols.services import parameters

OK = ["acceptance-ok", "start-ok", "completion-ok"]
REFUSED_AT_START = ["acceptance-ok", "start-failed"]
SETTLING = ("commands_accepted", "commands_rejected", "drill_motor_temp", "arm_joint_temp", "sealing_unit_temp",
            "electronics_temp")
"""Parameters that change with time or with any command: counters, and temperatures still settling."""
DRILL_2M = {"target_depth": 2.0, "rotation_rate": 120, "percussion": "low", "feed_rate": 40.0}


def _sampler(h: Procedure) -> SamplerModel:
    model = h.model("sampler")
    assert isinstance(model, SamplerModel)
    return model


def _quiet(h: Procedure) -> None:
    """Stop the 1 Hz drill and arm housekeeping so hours of heating stay cheap."""
    for sid in ("drill", "arm"):
        _finish(h, h.send("sampler", "hk-disable", sid=sid))


def _operate(seed: int = 1, **options: Any) -> Procedure:
    h = Procedure.for_device("sampler", seed=seed, options=options or None)
    assert _finish(h, h.send("sampler", "mode-set", mode="operate")).stage_names == OK
    return h


def _finish(h: Procedure, record: Verification, timeout_s: float = 4 * 3600) -> Verification:
    """Run until the command completes or fails, then let the link deliver what followed it."""
    h.wait_until(lambda: record.completed or record.failed, timeout_s=timeout_s)
    h.run(2)  # the slowest housekeeping set that matters here reports every 2 s
    return record


def _events(h: Procedure, name: str) -> list[dict[str, Any]]:
    """The fields of the sampler's event reports of one name, as they crossed the link."""
    return [p.fields for p in h.packets("sampler", f"event:{name}")]


def _state(h: Procedure) -> dict[str, Any]:
    """Everything the device reports except its command counters and temperatures."""
    return {k: v for k, v in h.model("sampler").telemetry.items() if k not in SETTLING}


def _raw_function(function_id: int, body: bytes, seq: int, apid: int = SAMPLER.apid) -> bytes:
    return PusTc(apid=apid, service=8, subtype=1, app_data=function_id.to_bytes(2, "big") + body,
                 seq_count=seq, ack_flags=0xF).pack()


def _drill_start_body(rotation_raw: int = 120, percussion_raw: int = 1) -> bytes:
    """drill-start arguments with chosen raw values: 2.0 m, rotation, percussion, 40.0 mm/min."""
    return (2000).to_bytes(2, "big") + rotation_raw.to_bytes(2, "big") + bytes([percussion_raw]) \
        + (400).to_bytes(2, "big")


# ---------------------------------------------------------------------------------------------- nominal run
def _nominal(seed: int = 1, scoops: int = 15) -> tuple[Procedure, dict[str, Verification], dict[str, float]]:
    """Drill 2 m, retract, seal the core, scoop and pour ``scoops`` times, seal, transfer both, stow."""
    h = _operate(seed)
    records: dict[str, Verification] = {}
    durations: dict[str, float] = {}

    def do(label: str, command: str, **args: Any) -> None:
        start = h.now_s
        records[label] = _finish(h, h.send("sampler", command, **args))
        durations[label] = h.now_s - start

    do("tare", "load-cell-tare", samples=20)
    do("drill", "drill-start", **DRILL_2M)
    do("retract", "drill-retract", retract_rate=100)
    do("bag", "coring-bag-seal", wind_speed=5)
    do("seal-drill", "container-seal", container="drill")
    for i in range(scoops):
        do(f"scoop-{i}", "arm-scoop", azimuth=-45.0 + 6.0 * i, reach=1.8 + 0.1 * (i % 5), scoop_depth=30)
        do(f"deliver-{i}", "arm-deliver", pour_angle=135)
    do("seal-surface", "container-seal", container="surface")
    do("transfer-drill", "transfer-to-ascender", container="drill")
    do("transfer-surface", "transfer-to-ascender", container="surface")
    do("stow", "arm-stow", joint_speed=4.0)
    return h, records, durations


@pytest.fixture(scope="module")
def nominal() -> tuple[Procedure, dict[str, Verification], dict[str, float]]:
    """One nominal surface operation at seed 1, shared by the tests that inspect it."""
    return _nominal()


def test_nominal_operation_returns_a_chang_e_6_sized_sample(nominal: Any) -> None:
    h, records, _ = nominal
    figures = _sampler(h).figures()
    assert 1500.0 <= figures["sample_mass_g"] <= 2500.0
    assert figures["sample_mass_basis"] == "transferred"
    assert figures["containers_transferred"] == ["drill", "surface"]
    assert figures["drill_depth_m"] == pytest.approx(2.0, abs=1e-6)
    assert 300.0 <= figures["core_mass_g"] <= 600.0
    assert figures["scoops"] == 15
    assert all(r.stage_names == OK for r in records.values()), {k: r.stage_names for k, r in records.items()
                                                                if r.stage_names != OK}
    assert h.latest("sampler", "drill_container_location") == "ascender"
    assert h.latest("sampler", "surface_container_location") == "ascender"
    # the firmware's own tally (core from bag length, surface from the load cell) is close to the truth
    assert h.latest("sampler", "sealed_sample_mass") == pytest.approx(figures["sample_mass_g"], rel=0.05)


def test_nominal_events_tell_the_story(nominal: Any) -> None:
    h, _, _ = nominal
    assert _events(h, "drill-started")[0]["target_depth"] == pytest.approx(2.0)
    assert _events(h, "drill-target-reached")[0]["depth"] == pytest.approx(2.0)
    assert _events(h, "drill-retracted")[0]["reason"] == "complete"
    sealed = _events(h, "core-sealed")[0]
    assert sealed["core_length"] == pytest.approx(_sampler(h).drill.core_length_m, abs=0.001)
    assert [e["container"] for e in _events(h, "container-sealed")] == ["drill", "surface"]
    assert [e["container"] for e in _events(h, "transfer-complete")] == ["drill", "surface"]
    assert len(_events(h, "scoop-complete")) == len(_events(h, "scoop-delivered")) == 15
    assert _events(h, "arm-stowed")[0]["duration"] > 0
    assert not _events(h, "drill-stall") and not _events(h, "seal-failed")


def test_nominal_durations_are_realistic(nominal: Any) -> None:
    _, _, durations = nominal
    assert 40 * 60 <= durations["drill"] <= 80 * 60  # about an hour for 2 m
    assert 15 * 60 <= durations["retract"] <= 25 * 60
    cycles = [durations[f"scoop-{i}"] + durations[f"deliver-{i}"] for i in range(15)]
    assert all(60 <= c <= 180 for c in cycles), cycles


def test_drilling_telemetry_is_plausible(nominal: Any) -> None:
    h, _, _ = nominal
    column = _sampler(h).site.column
    drilling = [p.fields for p in h.hk("sampler", "drill") if p.fields["drill_state"] == "drilling"
                and p.fields["drill_penetration_rate"] > 0]
    depths = [f["drill_depth"] for f in drilling]
    assert depths == sorted(depths) and depths[-1] > 1.9
    assert all(f["drill_penetration_rate"] <= 40.5 for f in drilling)
    assert all(f["drill_percussion"] == "low" for f in drilling)
    cores = [f["core_mass"] for f in drilling]
    assert cores == sorted(cores)
    torques = [f["drill_torque"] for f in drilling]
    currents = [f["drill_motor_current"] for f in drilling]
    assert statistics.correlation(torques, currents) > 0.95
    by_layer: dict[int, list[float]] = {}
    for f in drilling:
        if column.rock_at(f["drill_depth"]) is None:
            by_layer.setdefault(column.layers.index(column.layer_at(f["drill_depth"])), []).append(f["drill_torque"])
    means = {i: statistics.fmean(t) for i, t in by_layer.items() if len(t) > 20}
    hardest = max(means, key=lambda i: column.layers[i].hardness)
    softest = min(means, key=lambda i: column.layers[i].hardness)
    assert means[hardest] > means[softest] + 2.0  # torque rises with the layer's hardness
    assert all(0.5 < f["drill_motor_current"] < 7.5 for f in drilling)


def test_scoops_and_load_cell_agree(nominal: Any) -> None:
    h, _, _ = nominal
    masses = [e["mass"] for e in _events(h, "scoop-complete")]
    assert all(40.0 <= m <= 200.0 for m in masses), masses
    delivered = _events(h, "scoop-delivered")
    readings = [e["container_mass"] for e in delivered]
    assert readings == sorted(readings)
    assert readings[-1] == pytest.approx(sum(e["mass"] for e in delivered), rel=0.03)
    assert readings[-1] == pytest.approx(_sampler(h).figures()["surface_mass_g"], abs=3.0)


def test_arm_telemetry_is_plausible(nominal: Any) -> None:
    h, _, _ = nominal
    arm = [p.fields for p in h.hk("sampler", "arm")]
    for name, (low, high) in JOINT_LIMITS_DEG.items():
        assert all(low <= f["arm_" + name] <= high for f in arm), name
    digging = [f for f in arm if f["scoop_state"] == "digging"]
    assert digging and all(f["arm_motor_current"] > 1.0 for f in digging)
    reaches = {round(f["arm_reach"], 2) for f in digging}
    assert reaches <= {1.8, 1.9, 2.0, 2.1, 2.2}
    assert max(f["scoop_mass"] for f in arm) > 90.0
    assert {f["arm_state"] for f in arm} >= {"stowed", "idle", "scooping", "delivering", "transferring", "moving"}
    assert arm[-1]["arm_state"] == "stowed" and arm[-1]["arm_motor_current"] < 0.2


def test_safe_mode_mid_pour_keeps_the_sample_accounted_for() -> None:
    h = _operate()
    _finish(h, h.send("sampler", "arm-scoop", azimuth=0.0, reach=2.0, scoop_depth=40))
    scooped = _sampler(h)._scoop_g
    h.send("sampler", "arm-deliver", pour_angle=150)
    sampler = _sampler(h)
    h.wait_until(lambda: sampler.containers["surface"].true_mass_g > 20.0, timeout_s=300)  # part-way through
    _finish(h, h.send("sampler", "mode-set", mode="safe"))
    in_container = sampler.containers["surface"].true_mass_g
    assert 0.0 < in_container < scooped
    assert in_container + sampler._scoop_g == pytest.approx(scooped, rel=0.035)  # less what spilt on the way
    assert h.latest("sampler", "scoop_state") == "full"


def test_idle_sampler_does_not_tick(nominal: Any) -> None:
    h, _, _ = nominal
    assert not h.model("sampler").ticking
    before = h.bench.scheduler.events_run
    h.run(600)
    reports = 600 * (1 + 1 + 0.5 + 0.2)  # drill, arm, containers, platform housekeeping
    assert h.bench.scheduler.events_run - before < 3 * reports


# ------------------------------------------------------------------------------------------------- refusals
STANDBY_REFUSALS = [
    ("drill-start", DRILL_2M),
    ("drill-retract", {"retract_rate": 100}),
    ("coring-bag-seal", {"wind_speed": 5}),
    ("arm-move", {"shoulder_yaw": 10.0, "shoulder_pitch": 30.0, "elbow_pitch": 100.0, "wrist_pitch": 0.0,
                  "joint_speed": 2.0}),
    ("arm-scoop", {"azimuth": 0.0, "reach": 2.0, "scoop_depth": 30}),
    ("arm-deliver", {"pour_angle": 120}),
    ("arm-stow", {"joint_speed": 2.0}),
    ("container-seal", {"container": "surface"}),
    ("transfer-to-ascender", {"container": "surface"}),
    ("drill-stop", {"stop": "ramp"}),
]


@pytest.mark.parametrize(("command", "args"), STANDBY_REFUSALS, ids=[c for c, _ in STANDBY_REFUSALS])
def test_mechanism_commands_are_refused_outside_operate(command: str, args: dict[str, Any]) -> None:
    h = Procedure.for_device("sampler", seed=1)
    h.run(1)
    before = _state(h)
    record = _finish(h, h.send("sampler", command, **args))
    assert record.stage_names == REFUSED_AT_START
    assert record.failure == "INVALID_STATE"
    assert _state(h) == before
    assert h.model("sampler").counters.commands_rejected == 1
    assert not h.model("sampler").ticking


OPERATE_REFUSALS = [
    ("drill-retract", {"retract_rate": 100}),  # the drill is stowed
    ("coring-bag-seal", {"wind_speed": 5}),  # no core
    ("arm-deliver", {"pour_angle": 120}),  # the scoop is empty
    ("container-seal", {"container": "drill"}),  # the coring bag is not wound onto it
    ("transfer-to-ascender", {"container": "drill"}),  # not sealed
    ("drill-stop", {"stop": "brake"}),  # nothing turning
]


@pytest.mark.parametrize(("command", "args"), OPERATE_REFUSALS, ids=[c for c, _ in OPERATE_REFUSALS])
def test_commands_that_do_not_fit_the_state_change_nothing(command: str, args: dict[str, Any]) -> None:
    h = _operate()
    before = _state(h)
    record = _finish(h, h.send("sampler", command, **args))
    assert (record.stage_names, record.failure) == (REFUSED_AT_START, "INVALID_STATE")
    assert _state(h) == before


def test_scoop_refused_while_full_and_stow_refused_with_sample() -> None:
    h = _operate()
    assert _finish(h, h.send("sampler", "arm-scoop", azimuth=10.0, reach=2.5, scoop_depth=20)).stage_names == OK
    before = _state(h)
    for command, args in (("arm-scoop", {"azimuth": 0.0, "reach": 2.0, "scoop_depth": 20}),
                          ("arm-stow", {"joint_speed": 2.0}),
                          ("transfer-to-ascender", {"container": "surface"})):
        record = _finish(h, h.send("sampler", command, **args))
        assert (record.failure, _state(h) == before) == ("INVALID_STATE", True), command


def test_busy_mechanisms_refuse_a_second_command() -> None:
    h = _operate()
    drilling = h.send("sampler", "drill-start", **DRILL_2M)
    scooping = h.send("sampler", "arm-scoop", azimuth=20.0, reach=3.0, scoop_depth=25)
    sealing = h.send("sampler", "container-seal", container="surface")
    h.run(5)
    for command, args in (("drill-start", DRILL_2M), ("drill-retract", {"retract_rate": 50}),
                          ("arm-move", {"shoulder_yaw": 0.0, "shoulder_pitch": 30.0, "elbow_pitch": 90.0,
                                        "wrist_pitch": 0.0, "joint_speed": 1.0}),
                          ("container-seal", {"container": "surface"}),
                          ("mode-set", {"mode": "standby"})):
        record = _finish(h, h.send("sampler", command, **args), timeout_s=5)
        assert (record.stage_names, record.failure) == (REFUSED_AT_START, "BUSY"), command
    assert h.model("sampler").telemetry["sampler_mode"] == "operate"
    assert _finish(h, scooping).stage_names == OK
    assert _finish(h, sealing).stage_names == OK
    assert h.latest("sampler", "drill_state") == "drilling" and not drilling.failed


def test_arguments_out_of_range_in_a_raw_packet_are_refused_at_acceptance() -> None:
    h = _operate()
    slow = h.send_raw("sampler", _raw_function(0x0101, _drill_start_body(rotation_raw=10), seq=1000))
    hammer = h.send_raw("sampler", _raw_function(0x0101, _drill_start_body(percussion_raw=9), seq=1001))
    h.run(1)
    assert slow.stage_names == hammer.stage_names == ["acceptance-failed"]
    assert slow.failure == hammer.failure == "ARGUMENT_OUT_OF_RANGE"
    assert h.model("sampler").telemetry["drill_state"] == "stowed"
    # in range on the wire, but shallower than the bit already is
    assert _finish(h, h.send("sampler", "drill-start", target_depth=0.2, rotation_rate=120, percussion="high",
                             feed_rate=100.0)).stage_names == OK
    record = _finish(h, h.send("sampler", "drill-start", target_depth=0.15, rotation_rate=120, percussion="high",
                               feed_rate=100.0))
    assert (record.stage_names, record.failure) == (REFUSED_AT_START, "ARGUMENT_OUT_OF_RANGE")


def test_malformed_commands_get_their_failure_codes() -> None:
    h = _operate()
    unknown = h.send_raw("sampler", _raw_function(0x0999, b"", seq=2000))
    short = h.send_raw("sampler", _raw_function(0x0101, _drill_start_body()[:-1], seq=2001))
    stray = h.send_raw("sampler", _raw_function(0x0101, _drill_start_body(), seq=2002, apid=SAMPLER.apid + 1))
    h.run(1)
    assert unknown.failure == "UNKNOWN_FUNCTION"
    assert short.failure == "BAD_ARGUMENTS"
    assert stray.failure == "ILLEGAL_APID"
    damaged = bytearray(_raw_function(0x0101, _drill_start_body(), seq=2003))
    damaged[-1] ^= 0xFF
    h.model("sampler").on_packet(bytes(damaged))  # the ASM link would drop a bad-CRC frame before the device saw it
    h.run(1)
    reports = [p.fields for p in h.packets("sampler") if p.service == 1 and p.fields.get("request_seq_count") == 2003]
    assert [r["failure"] for r in reports] == ["BAD_CHECKSUM"]
    assert h.model("sampler").telemetry["drill_state"] == "stowed"
    assert h.model("sampler").counters.commands_rejected == 4


def test_safe_mode_stops_everything_and_operate_needs_standby_first() -> None:
    h = _operate()
    drilling = h.send("sampler", "drill-start", **DRILL_2M)
    moving = h.send("sampler", "arm-scoop", azimuth=-20.0, reach=2.0, scoop_depth=30)
    h.run(40)
    assert _finish(h, h.send("sampler", "mode-set", mode="safe")).stage_names == OK
    assert drilling.failure == moving.failure == "ABORTED"
    assert h.model("sampler").telemetry["drill_rotation_rate"] == 0.0
    assert h.model("sampler").telemetry["drill_state"] == "holding"
    assert not h.model("sampler").ticking
    assert _events(h, "mode-changed")[-1] == {"severity": "info", "previous": "operate", "current": "safe"}
    refused = _finish(h, h.send("sampler", "mode-set", mode="operate"))
    assert (refused.failure, h.model("sampler").telemetry["sampler_mode"]) == ("INVALID_STATE", "safe")
    refused = _finish(h, h.send("sampler", "load-cell-tare", samples=5))
    assert refused.failure == "INVALID_STATE"
    assert _finish(h, h.send("sampler", "mode-set", mode="standby")).stage_names == OK
    assert _finish(h, h.send("sampler", "mode-set", mode="operate")).stage_names == OK
    resumed = h.send("sampler", "drill-start", **DRILL_2M)
    h.run(2)
    assert resumed.stage_names == ["acceptance-ok", "start-ok"]


def test_drill_stop_holds_depth_and_drilling_resumes() -> None:
    h = _operate()
    drilling = h.send("sampler", "drill-start", target_depth=1.0, rotation_rate=150, percussion="high", feed_rate=60.0)
    h.run(300)
    stop = h.send("sampler", "drill-stop", stop="ramp")
    h.run(1)
    assert drilling.failure == "ABORTED"
    assert "completion-ok" not in stop.stage_names  # the rod takes 2 s to spin down
    _finish(h, stop, timeout_s=5)
    assert stop.stage_names == OK
    held = h.model("sampler").telemetry["drill_depth"]
    assert 0.2 < held < 0.35 and h.model("sampler").telemetry["drill_rotation_rate"] == 0.0
    h.run(60)
    assert h.model("sampler").telemetry["drill_depth"] == held and h.latest("sampler", "drill_state") == "holding"
    assert _finish(h, h.send("sampler", "drill-start", target_depth=0.5, rotation_rate=150, percussion="high",
                             feed_rate=60.0)).stage_names == OK
    assert _finish(h, h.send("sampler", "drill-retract", retract_rate=300)).stage_names == OK
    assert _events(h, "drill-retracted")[0]["reason"] == "complete"


def test_writable_parameters_are_used() -> None:
    h = _operate()
    assert _finish(h, h.send("sampler", "param-set", param="arm_speed_limit", value=1.0)).stage_names == OK
    slow = _finish(h, h.send("sampler", "arm-move", shoulder_yaw=30.0, shoulder_pitch=90.0, elbow_pitch=160.0,
                             wrist_pitch=-70.0, joint_speed=5.0))
    assert slow.stage_names == OK
    move_s = [p.time for p in h.packets("sampler") if p.service == 1 and p.fields.get("request_seq_count") ==
              slow.seq_count]
    assert move_s[-1] - move_s[0] == pytest.approx(30.0, abs=0.5)  # 30° of yaw at 1°/s, not 5°/s
    too_high = h.send_raw("sampler", _raw_param_set("drill_stall_torque", 100.0, seq=3000))
    read_only = h.send_raw("sampler", _raw_param_set("drill_depth", 0, seq=3001))
    h.run(1)
    assert too_high.failure == "ARGUMENT_OUT_OF_RANGE"
    assert read_only.failure == "PARAMETER_READ_ONLY"
    assert h.model("sampler").telemetry["drill_stall_torque"] == 30.0


def _raw_param_set(name: str, raw: float, seq: int) -> bytes:
    param = SAMPLER.parameter(name)
    data = parameters.encode_values([(param.id, raw)], lambda pid: SAMPLER.parameter(pid).raw)
    return PusTc(apid=SAMPLER.apid, service=20, subtype=3, app_data=data, seq_count=seq, ack_flags=0xF).pack()


# --------------------------------------------------------------------------------------------------- faults
def test_rock_stalls_the_bit_which_retracts_and_reports() -> None:
    h = _operate(seed=4)  # a ground with no natural rock above 0.7 m: the injected one is the first met
    h.model("sampler").inject("rock", depth_m=0.6)
    assert _finish(h, h.send("sampler", "hk-enable", sid="drill-fast")).stage_names == OK
    drilling = _finish(h, h.send("sampler", "drill-start", **DRILL_2M))
    assert drilling.failure == "EXECUTION_FAILED"
    stall = _events(h, "drill-stall")[0]
    assert stall["depth"] == pytest.approx(0.6, abs=0.01)
    assert stall["torque"] > 30.0 and stall["motor_current"] > 3.0
    assert _events(h, "rock-detected")[0]["depth"] == pytest.approx(0.6, abs=0.01)
    fast = [p.fields["drill_torque"] for p in h.hk("sampler", "drill-fast")]
    assert max(fast) > 30.0 > fast[0]
    assert h.latest("sampler", "rock_detections") >= 1
    h.wait_until(lambda: h.model("sampler").telemetry["drill_state"] == "idle", timeout_s=3600)
    h.run(1)
    assert _events(h, "drill-retracted")[0] == {"severity": "info", "depth": pytest.approx(stall["depth"],
                                                                                           abs=0.001),
                                                 "reason": "stall"}
    figures = _sampler(h).figures()
    assert (figures["stalls"], figures["drill_depth_m"]) == (1, pytest.approx(0.6, abs=0.01))
    # the core still gets sealed: Chang'e-5 stopped short on rock too
    assert _finish(h, h.send("sampler", "coring-bag-seal", wind_speed=10)).stage_names == OK
    assert _events(h, "core-sealed")[0]["core_mass"] > 80.0


def test_a_raised_stall_threshold_grinds_through_the_rock() -> None:
    h = _operate()
    h.model("sampler").inject("rock", depth_m=0.6, hardness=35.0, thickness_m=0.03)
    _finish(h, h.send("sampler", "param-set", param="drill_stall_torque", value=60.0))
    drilling = _finish(h, h.send("sampler", "drill-start", target_depth=0.8, rotation_rate=120, percussion="high",
                                 feed_rate=40.0))
    assert drilling.stage_names == OK
    assert _events(h, "rock-detected") and not _events(h, "drill-stall")
    assert max(p.fields["drill_torque"] for p in h.hk("sampler", "drill")) > 30.0


def test_motor_overcurrent_trips_the_drive_into_safe_mode() -> None:
    h = _operate()
    _finish(h, h.send("sampler", "hk-enable", sid="drill-fast"))
    drilling = h.send("sampler", "drill-start", **DRILL_2M)
    h.run(120)
    h.model("sampler").inject("motor-overcurrent")
    _finish(h, drilling)
    assert drilling.failure == "HARDWARE_FAULT"
    assert max(p.fields["drill_motor_current"] for p in h.hk("sampler", "drill-fast")) > 6.5
    assert h.model("sampler").telemetry["drill_motor_current"] == 0.0
    assert h.latest("sampler", "drill_state") == "fault"
    assert _events(h, "mode-changed")[-1]["current"] == "safe"
    _finish(h, h.send("sampler", "mode-set", mode="standby"))
    _finish(h, h.send("sampler", "mode-set", mode="operate"))
    assert _finish(h, h.send("sampler", "drill-retract", retract_rate=200)).stage_names == OK
    assert _events(h, "drill-retracted")[0]["reason"] == "commanded"


def test_persistent_overcurrent_trips_again() -> None:
    h = _operate()
    h.model("sampler").inject("motor-overcurrent", persistent=True)
    assert _finish(h, h.send("sampler", "drill-start", **DRILL_2M)).failure == "HARDWARE_FAULT"
    _finish(h, h.send("sampler", "mode-set", mode="standby"))
    _finish(h, h.send("sampler", "mode-set", mode="operate"))
    assert _finish(h, h.send("sampler", "drill-start", **DRILL_2M)).failure == "HARDWARE_FAULT"


def test_seal_failure_reports_and_a_retry_seals() -> None:
    h = _operate()
    h.model("sampler").inject("seal-failure", container="surface")
    record = _finish(h, h.send("sampler", "container-seal", container="surface"))
    assert record.failure == "EXECUTION_FAILED"
    assert _events(h, "seal-failed") == [{"severity": "high", "container": "surface", "attempts": 3}]
    assert h.latest("sampler", "surface_container_seal") == "failed"
    refused = _finish(h, h.send("sampler", "transfer-to-ascender", container="surface"))
    assert refused.failure == "INVALID_STATE"
    assert _finish(h, h.send("sampler", "container-seal", container="surface")).stage_names == OK
    assert h.latest("sampler", "surface_container_seal") == "sealed"


def test_load_cell_drift_shows_in_the_reading_and_a_tare_removes_it() -> None:
    h = _operate()
    _finish(h, h.send("sampler", "load-cell-tare", samples=50))
    zero = h.model("sampler").telemetry["surface_container_mass"]
    assert abs(zero) < 1.5
    h.model("sampler").inject("load-cell-drift", offset_g=25.0)
    h.run(3)
    assert h.latest("sampler", "surface_container_mass") == pytest.approx(zero + 25.0, abs=1.5)
    _finish(h, h.send("sampler", "load-cell-tare", samples=50))
    h.run(3)
    assert abs(h.latest("sampler", "surface_container_mass")) < 1.5
    assert h.model("sampler").telemetry["load_cell_tare"] > 20.0


def test_load_cell_drift_after_filling_skews_the_sealed_mass() -> None:
    h = _operate()
    _finish(h, h.send("sampler", "load-cell-tare", samples=20))
    _finish(h, h.send("sampler", "arm-scoop", azimuth=0.0, reach=2.0, scoop_depth=40))
    _finish(h, h.send("sampler", "arm-deliver", pour_angle=140))
    h.model("sampler").inject("load-cell-drift", offset_g=-30.0)
    _finish(h, h.send("sampler", "container-seal", container="surface"))
    recorded = _events(h, "container-sealed")[0]["mass"]
    true = _sampler(h).figures()["surface_mass_g"]
    assert recorded == pytest.approx(true - 30.0, abs=2.0)


def test_joint_jam_stops_the_arm_in_fault() -> None:
    h = _operate()
    h.model("sampler").inject("joint-jam", joint="shoulder_yaw", angle_deg=20.0)
    move = _finish(h, h.send("sampler", "arm-move", shoulder_yaw=45.0, shoulder_pitch=60.0, elbow_pitch=120.0,
                             wrist_pitch=-30.0, joint_speed=3.0))
    assert move.failure == "HARDWARE_FAULT"
    limit = _events(h, "arm-limit")[0]
    assert limit["joint"] == "shoulder_yaw" and limit["angle"] == pytest.approx(20.0)
    assert h.latest("sampler", "arm_state") == "fault"
    assert h.latest("sampler", "arm_shoulder_yaw") == pytest.approx(20.0, abs=0.01)
    # the jam blocks one direction only: the arm can still come back and stow
    assert _finish(h, h.send("sampler", "arm-stow", joint_speed=3.0)).stage_names == OK
    assert h.latest("sampler", "arm_state") == "stowed"


def test_moving_the_scoop_into_the_ground_hits_the_limit() -> None:
    h = _operate()
    move = _finish(h, h.send("sampler", "arm-move", shoulder_yaw=0.0, shoulder_pitch=-15.0, elbow_pitch=90.0,
                             wrist_pitch=0.0, joint_speed=5.0))
    assert move.failure == "EXECUTION_FAILED"
    limit = _events(h, "arm-limit")[0]
    assert limit["joint"] in ("shoulder_pitch", "elbow_pitch", "wrist_pitch")
    assert h.latest("sampler", "arm_state") == "idle"
    assert 0.0 <= _tip_height(h) < 0.1


def _tip_height(h: Procedure) -> float:
    return tip_position(_sampler(h).pose)[2]


@pytest.mark.parametrize("reach", [0.5, 1.0, 2.0, 3.0, ARM_REACH_M])
def test_every_point_of_the_sector_is_reachable_within_joint_limits(reach: float) -> None:
    for azimuth in (-ARM_SECTOR_HALF_DEG, 0.0, ARM_SECTOR_HALF_DEG):
        for height in (HOVER_HEIGHT_M, -0.06):
            pose = scoop_pose(azimuth, reach, height)
            assert pose is not None, (azimuth, reach, height)
            x, y, z = tip_position(pose)
            assert (math.hypot(x, y), z) == (pytest.approx(reach), pytest.approx(height))
            assert math.degrees(math.atan2(y, x)) == pytest.approx(azimuth)
    assert scoop_pose(0.0, ARM_REACH_M + 0.3, -0.06) is None


def _sealed_surface_container(seed: int = 1) -> Procedure:
    h = _operate(seed)
    _finish(h, h.send("sampler", "arm-scoop", azimuth=30.0, reach=2.2, scoop_depth=30))
    _finish(h, h.send("sampler", "arm-deliver", pour_angle=130))
    _finish(h, h.send("sampler", "container-seal", container="surface"))
    return h


@pytest.mark.parametrize(("step", "location_after"), [("lift", "sampler"), ("place", "transferring")])
def test_gripper_slip_fails_the_transfer_and_a_retry_completes(step: str, location_after: str) -> None:
    h = _sealed_surface_container()
    h.model("sampler").inject("gripper-slip", container="surface", step=step)
    transfer = _finish(h, h.send("sampler", "transfer-to-ascender", container="surface"))
    assert transfer.failure == "HARDWARE_FAULT"
    assert _events(h, "transfer-failed") == [{"severity": "high", "container": "surface", "step": step}]
    assert h.latest("sampler", "surface_container_location") == location_after
    if location_after == "transferring":  # still in the gripper: the arm may not scoop with it
        scoop = _finish(h, h.send("sampler", "arm-scoop", azimuth=0.0, reach=2.0, scoop_depth=20))
        assert scoop.failure == "INVALID_STATE"
    assert _finish(h, h.send("sampler", "transfer-to-ascender", container="surface")).stage_names == OK
    assert h.latest("sampler", "surface_container_location") == "ascender"
    again = _finish(h, h.send("sampler", "transfer-to-ascender", container="surface"))
    assert again.failure == "INVALID_STATE"
    assert _finish(h, h.send("sampler", "arm-scoop", azimuth=0.0, reach=2.0, scoop_depth=20)).stage_names == OK
    assert _finish(h, h.send("sampler", "arm-deliver", pour_angle=130)).failure == "INVALID_STATE"


def test_full_heater_overheats_a_zone_and_the_firmware_switches_it_off() -> None:
    h = _operate()
    _quiet(h)
    _finish(h, h.send("sampler", "heater-set", zone="electronics", mode="on", setpoint=0))
    assert h.model("sampler").telemetry["heater_mask"] == 0b1000
    h.run(3 * 3600)
    [event] = _events(h, "overtemperature")
    assert event["zone"] == "electronics" and event["temperature"] == pytest.approx(60.0, abs=0.5)
    assert h.latest("sampler", "heater_mask") == 0
    assert h.latest("sampler", "electronics_temp") < 60.0


def test_heater_stuck_on_ignores_commands_and_overheats() -> None:
    h = _operate()
    _quiet(h)
    _finish(h, h.send("sampler", "heater-set", zone="sealing", mode="auto", setpoint=30))
    h.model("sampler").inject("heater-stuck-on", zone="sealing")
    _finish(h, h.send("sampler", "heater-set", zone="sealing", mode="off", setpoint=0))
    assert h.model("sampler").telemetry["heater_mask"] & 0b100
    h.run(2 * 3600)
    assert _events(h, "overtemperature")[0]["zone"] == "sealing"
    assert h.latest("sampler", "heater_mask") & 0b100
    assert h.latest("sampler", "sealing_unit_temp") > 80.0


def test_thermostat_holds_its_setpoint() -> None:
    h = _operate(ambient_c=-30.0)
    _quiet(h)
    assert h.model("sampler").telemetry["drill_motor_temp"] == pytest.approx(-30.0)
    _finish(h, h.send("sampler", "heater-set", zone="drill", mode="auto", setpoint=10))
    h.run(2 * 3600)
    _finish(h, h.send("sampler", "param-get", param="drill_motor_temp"))
    assert h.latest("sampler", "drill_motor_temp") == pytest.approx(10.0, abs=0.5)
    assert h.latest("sampler", "heater_mask") & 0b1
    assert not _events(h, "overtemperature")


def test_bad_fault_parameters_are_configuration_errors() -> None:
    h = Procedure.for_device("sampler", seed=1)
    for fault, params in (("seal-failure", {"container": "lid"}), ("joint-jam", {"joint": "knee", "angle_deg": 0}),
                          ("rock", {"depth_m": -1.0}), ("heater-stuck-on", {"zone": "toaster"}),
                          ("gripper-slip", {"step": "wiggle"}), ("rock", {"depth": 1.0})):
        with pytest.raises(ConfigurationError):
            h.model("sampler").inject(fault, **params)
    assert set(h.model("sampler").faults) >= {"rock", "motor-overcurrent", "seal-failure", "load-cell-drift",
                                              "joint-jam", "gripper-slip", "heater-stuck-on"}


# ---------------------------------------------------------------------------------------------- determinism
def _short_run(seed: int) -> Procedure:
    h = _operate(seed)
    _finish(h, h.send("sampler", "hk-enable", sid="drill-fast"))
    _finish(h, h.send("sampler", "drill-start", target_depth=0.3, rotation_rate=200, percussion="high",
                      feed_rate=120.0))
    _finish(h, h.send("sampler", "arm-scoop", azimuth=12.0, reach=3.1, scoop_depth=45))
    return h


def test_same_seed_gives_identical_packets() -> None:
    first, second = _short_run(7), _short_run(7)
    assert [p.to_json() for p in first.packets("sampler")] == [p.to_json() for p in second.packets("sampler")]
    assert first.model("sampler").figures() == second.model("sampler").figures()


def test_different_seeds_give_different_ground() -> None:
    a, b = _short_run(7), _short_run(8)
    assert _sampler(a).site.column.layers != _sampler(b).site.column.layers
    assert [p.fields["drill_torque"] for p in a.hk("sampler", "drill-fast")] != [p.fields["drill_torque"]
                                                                      for p in b.hk("sampler", "drill-fast")]
    assert _events(a, "scoop-complete")[0]["mass"] != _events(b, "scoop-complete")[0]["mass"]


@pytest.mark.parametrize("seed", [2, 3, 4])
def test_nominal_mass_holds_across_seeds(seed: int) -> None:
    h = _operate(seed)
    for i in range(12):
        _finish(h, h.send("sampler", "arm-scoop", azimuth=-40.0 + 7.0 * i, reach=2.5, scoop_depth=30))
        _finish(h, h.send("sampler", "arm-deliver", pour_angle=135))
    surface = _sampler(h).containers["surface"].true_mass_g
    assert 1000.0 <= surface <= 1700.0


def test_thermal_advance_reports_the_heater_mask_it_relaxed_under() -> None:
    thermal = ThermalModel(-30.0, 30.0, 0)
    thermal.zones["drill"].heater_mode, thermal.zones["drill"].setpoint_c = "auto", 10.0
    thermal.zones["sealing"].heater_stuck_on = True
    assert thermal.advance_to(1_000_000_000) == thermal.heater_mask == 0b101
    assert thermal.zones["drill"].temp_c > -30.0


def test_thermal_zone_heat_balance_follows_every_setting_and_the_load() -> None:
    zone = ThermalModel(-30.0, 30.0, 0).zones["drill"]
    assert zone.heat_balance == (False, -30.0)
    zone.heater_mode, zone.setpoint_c = "auto", 10.0
    assert zone.heat_balance == (True, 10.0)
    zone.load_rise_c = 50.0
    assert zone.heat_balance == (False, 20.0)
    zone.heater_mode = "on"
    assert zone.heat_balance == (True, 85.0)
    zone.heater_mode, zone.heater_stuck_on = "off", True
    assert zone.heat_balance == (True, 85.0) and zone.heater_on and zone.equilibrium_c == 85.0


def test_thermal_zones_at_their_equilibrium_stay_there_exactly() -> None:
    thermal = ThermalModel(-30.0, 30.0, 0)
    settled = {name: zone.temp_c for name, zone in thermal.zones.items()}
    thermal.advance_to(3_600_000_000_000)
    assert {name: zone.temp_c for name, zone in thermal.zones.items()} == settled
    thermal.zones["arm"].load_rise_c = 4.0
    thermal.advance_to(3_660_000_000_000)
    assert settled["arm"] < thermal.zones["arm"].temp_c < settled["arm"] + 4.0
