"""The ascender over a real framed link: arming, pyros, pressurisation, a guided ascent to orbit, faults."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest

from firmware_sim.devices.ascender import AscenderModel
from firmware_sim.devices.ascender_platform import BASE_CURRENT_A, Platform
from firmware_sim.errors import ConfigurationError
from firmware_sim.fsw.telemetry import Verification
from hil.procedure import Procedure
from protocols.describe import PacketView
from protocols.dictionary.ascender import ARM_KEY, ASCENDER
from protocols.pus import PusTc

LUNAR_G = 1.62


# helpers ----------------------------------------------------------------------------------------------------
def finish(h: Procedure, command: str, timeout: float = 5.0, **args: Any) -> Verification:
    """Send a command and run until it completes or fails."""
    record = h.send("ascender", command, **args)
    h.wait_until(lambda: record.completed or record.failed, timeout)
    return record


def ok(h: Procedure, command: str, timeout: float = 5.0, **args: Any) -> Verification:
    """Send a command that must complete."""
    record = finish(h, command, timeout, **args)
    assert record.completed, (command, args, record.stage_names, record.failure)
    return record


def _events(h: Procedure, name: str | None = None) -> list[PacketView]:
    """The ascender's event reports as they crossed the link (optionally one event, by name)."""
    return [p for p in h.packets("ascender") if p.service == 5 and (name is None or p.name == f"event:{name}")]


def prepare(h: Procedure, *, latches: bool = True, separate: bool = True, pressurize_s: float = 60.0) -> None:
    """Everything the nominal sequence does before engine-ignite."""
    h.wait_until(lambda: h.model("ascender").telemetry["imu_status"] == "ready", 40.0)
    ok(h, "arm", stage="all", key=ARM_KEY)
    ok(h, "pyro-fire", pyro="helium")
    ok(h, "latch-valve", valve="helium", action="open")
    ok(h, "tank-pressurize", timeout=pressurize_s, tanks="both", target_pressure=1.8)
    ok(h, "pyro-fire", pyro="propellant")
    if latches:
        ok(h, "latch-valve", valve="fuel", action="open")
        ok(h, "latch-valve", valve="oxidiser", action="open")
    if separate:
        ok(h, "pyro-fire", pyro="umbilical")
        ok(h, "pyro-fire", pyro="separation")


def ready(seed: int = 1, **options: Any) -> Procedure:
    """A harness whose ascender is ready for ignition."""
    h = Procedure.for_device("ascender", seed=seed, options=options or None)
    prepare(h)
    return h


def snapshot(device: AscenderModel) -> tuple[Any, ...]:
    """Everything a refused command must leave alone."""
    prop = device.prop
    t = device.telemetry
    return (device.mode, device.arm_pyros, device.arm_engine, dict(device.pyros), device.fault, device.lifted_off,
            device.burn, device.pressurization, device.slew, device.calibration,
            tuple((v.position, v.commanded_open, v.arrives_s, v.stuck) for v in prop.valves.values()),
            tuple((tank.setpoint, tank.pressurized, tank.mass) for tank in prop.tanks),
            prop.helium_squib_open, prop.propellant_squib_open,
            *(t[name] for name in ("target_periapsis", "target_apoapsis", "ignition_attempts", "imu_status",
                                   "arm_state", "ascender_mode", "separation_breakwires")))


def burn_window(h: Procedure) -> tuple[float, float]:
    """Virtual times of the first ignition and the following engine shutdown."""
    start = _events(h, "ignition")[0].time
    end = _events(h, "engine-shutdown")[0].time
    assert start is not None and end is not None
    return start, end


def per_second(h: Procedure, set_name: str, start: float, end: float) -> list[int]:
    """Reports of one set in each whole second of [start, end)."""
    counts = Counter(int(p.time - start) for p in h.hk("ascender", set_name)
                     if p.time is not None and start <= p.time < end)
    return [counts.get(i, 0) for i in range(int(end - start))]


@pytest.fixture(scope="module")
def ascent() -> tuple[Procedure, float]:
    """The nominal sequence, IMU calibration and the guided ascent, once for the module (and its wall time)."""
    h = Procedure.for_device("ascender", seed=1)
    h.wait_until(lambda: h.model("ascender").telemetry["imu_status"] == "ready", 40.0)
    ok(h, "imu-calibrate", timeout=70.0, duration=60)
    prepare(h)
    ok(h, "set-target-orbit", periapsis=15.0, apoapsis=180.0)
    started = time.perf_counter()
    record = finish(h, "engine-ignite", timeout=420.0, burn_duration=400.0, cutoff="guidance")
    wall = time.perf_counter() - started
    h.run(5.0)
    assert record.stage_names == ["acceptance-ok", "start-ok", "progress-ok", "completion-ok"], record.failure
    return h, wall


# the nominal ascent -----------------------------------------------------------------------------------------
def test_nominal_ascent_reaches_low_lunar_orbit_in_about_six_minutes(ascent: tuple[Procedure, float]) -> None:
    h, wall = ascent
    figures = h.model("ascender").figures()
    assert 5 * 60 <= figures["burn_time_s"] <= 7 * 60
    assert 10.0 <= figures["orbit_periapsis_km"] <= 25.0
    assert 150.0 <= figures["orbit_apoapsis_km"] <= 210.0
    assert figures["liftoff_mass_kg"] == pytest.approx(780.0, abs=1.0)
    assert 330.0 < figures["propellant_used_kg"] < 370.0
    assert 6.5 < figures["max_acceleration_ms2"] < 7.5
    assert h.model("ascender").mode == "orbit" and h.latest("ascender", "ascender_mode") == "orbit"
    shutdown = _events(h, "engine-shutdown")[0].fields
    assert shutdown["reason"] == "guidance" and shutdown["burn_time"] == pytest.approx(figures["burn_time_s"], abs=0.1)
    reached = _events(h, "orbit-reached")[0].fields
    assert reached["periapsis"] == pytest.approx(15.0, abs=2.0) and reached["apoapsis"] == pytest.approx(180.0, abs=10)
    assert wall < 10.0


def test_events_tell_the_ascent_in_order(ascent: tuple[Procedure, float]) -> None:
    h, _ = ascent
    names = [p.name.removeprefix("event:") for p in _events(h) if p.name]
    flight = names[names.index("ignition") - 1:]
    phases = [p.fields["phase"] for p in _events(h, "guidance-phase")]
    assert phases == ["vertical_rise", "pitch_over", "orbit_insertion", "terminal", "complete"]
    assert [n for n in flight if n != "guidance-phase"] == [
        "mode-changed", "ignition", "separation", "engine-shutdown", "orbit-reached", "mode-changed"]
    modes = [(p.fields["previous"], p.fields["current"]) for p in _events(h, "mode-changed")]
    assert modes == [("safe", "armed"), ("armed", "pressurized"), ("pressurized", "burning"), ("burning", "orbit")]
    assert [p.fields["pyro"] for p in _events(h, "pyro-fired")] == ["helium", "propellant", "umbilical", "separation"]
    assert _events(h, "separation")[0].fields["breakwires"] == 4
    assert _events(h, "imu-calibrated")


def test_burn_telemetry_comes_at_ascent_rates(ascent: tuple[Procedure, float]) -> None:
    """burn-propulsion at 10 Hz and burn-navigation at 20 Hz through every second of the burn, off afterwards."""
    h, _ = ascent
    start, end = burn_window(h)
    assert min(per_second(h, "burn-propulsion", start, end)) >= 10
    assert min(per_second(h, "burn-navigation", start, end)) >= 20
    assert not [p for p in h.hk("ascender", "burn-navigation") if p.time is not None and p.time > end + 0.1]
    assert not [p for p in h.hk("ascender", "burn-propulsion") if p.time is not None and p.time < start - 0.2]


def test_engine_and_tanks_during_the_burn(ascent: tuple[Procedure, float]) -> None:
    """≈0.8 MPa chamber, 3000 N, 0.97 kg/s; regulated tanks hold ≈1.75 MPa while the helium bottle blows down."""
    h, _ = ascent
    start, end = burn_window(h)
    steady = [p.fields for p in h.hk("ascender", "burn-propulsion") if start + 5 < p.time < end - 5]  # type: ignore[operator]
    assert all(0.75 <= f["chamber_pressure"] <= 0.85 for f in steady)
    assert all(f["thrust"] == pytest.approx(3000.0, rel=0.03) for f in steady)
    assert all(f["propellant_flow"] == pytest.approx(0.971, rel=0.03) for f in steady)
    assert all(1.65 <= f["fuel_tank_pressure"] <= 1.85 for f in steady)
    assert steady[0]["helium_pressure"] - steady[-1]["helium_pressure"] > 8.0
    masses = [f["propellant_mass"] for f in steady]
    assert masses == sorted(masses, reverse=True)
    assert h.model("ascender").telemetry["specific_impulse"] == pytest.approx(315.0, abs=3.0)
    final = h.hk("ascender", "propulsion")[-1].fields
    assert final["engine_valve"] == "closed" and final["chamber_pressure"] == pytest.approx(0.0, abs=0.01)
    assert final["injector_temp"] > 80.0


def test_navigation_during_and_after_the_burn(ascent: tuple[Procedure, float]) -> None:
    """The IMU sees the thrust (≈3.9 → ≈7 m/s²) and the pitch-over; navigation ends near 15 km at ≈1.7 km/s."""
    h, _ = ascent
    start, end = burn_window(h)
    nav = [p.fields for p in h.hk("ascender", "burn-navigation") if start + 1 < p.time < end - 1]  # type: ignore[operator]
    assert nav[0]["accel_z"] == pytest.approx(3000.0 / 780.0, rel=0.05)
    assert nav[-1]["accel_z"] == pytest.approx(7.0, rel=0.05)
    assert max(f["gyro_rate_y"] for f in nav) == pytest.approx(4.0, abs=0.1)  # the pitch-over rate limit
    assert nav[0]["pitch"] == pytest.approx(90.0, abs=0.1) and nav[-1]["pitch"] < 5.0
    assert max(f["altitude"] for f in nav) < 16_000.0
    assert nav[-1]["horizontal_velocity"] == pytest.approx(1700.0, abs=30.0)
    orbit = h.hk("ascender", "navigation")[-1].fields
    assert orbit["periapsis"] == pytest.approx(15.0, abs=2.0) and orbit["apoapsis"] == pytest.approx(180.0, abs=10.0)
    assert abs(orbit["accel_z"]) < 0.05  # free fall
    assert orbit["gyro_rate_y"] == pytest.approx(0.056, abs=0.02)  # holding attitude to the local horizontal


def test_the_orbit_keeps_moving_without_ticking(ascent: tuple[Procedure, float]) -> None:
    """In orbit nothing ticks; housekeeping shows the altitude changing along the 15 × 180 km ellipse."""
    h, _ = ascent
    ascender = h.model("ascender")
    h.wait_until(lambda: not ascender.ticking, 120.0)  # the regulator tops the tanks up after the burn, then rests
    ok(h, "hk-interval", sid="navigation", interval=60_000)
    h.run(3600.0)
    altitudes = [p.fields["altitude"] for p in h.hk("ascender", "navigation")[-60:]]
    assert min(altitudes) < 40_000.0 and max(altitudes) > 150_000.0
    assert h.model("ascender").mode == "orbit"


def test_slew_in_orbit(ascent: tuple[Procedure, float]) -> None:
    h, _ = ascent
    h.wait_until(lambda: not h.model("ascender").ticking, 120.0)
    record = h.send("ascender", "set-attitude", roll=0.0, pitch=30.0, yaw=10.0, slew_rate=5.0)
    h.run(2.0)
    assert h.model("ascender").telemetry["gyro_rate_y"] == pytest.approx(-5.0, abs=0.1)
    h.wait_until(lambda: record.completed or record.failed, 20.0)
    assert record.completed
    assert h.model("ascender").telemetry["pitch"] == pytest.approx(30.0, abs=0.5)
    assert h.model("ascender").telemetry["yaw"] == pytest.approx(10.0, abs=0.5)


# the idle ascender ------------------------------------------------------------------------------------------
def test_at_rest_the_imu_reads_lunar_gravity() -> None:
    h = Procedure.for_device("ascender", seed=3)
    h.run(40.0)
    nav = [p.fields for p in h.hk("ascender", "navigation")]
    assert all(f["accel_z"] == pytest.approx(LUNAR_G, abs=0.02) for f in nav)
    assert all(abs(f["accel_x"]) < 0.02 and abs(f["gyro_rate_x"]) < 0.02 for f in nav)
    assert len({f["accel_z"] for f in nav}) > 1  # noise: each report is a fresh sample
    assert nav[0]["imu_status"] == "aligning" and nav[-1]["imu_status"] == "ready"
    assert nav[-1]["periapsis"] == pytest.approx(-1737.4) and nav[-1]["altitude"] == 0.0


def test_an_idle_ascender_does_not_tick_and_49_hours_take_no_time() -> None:
    h = ready(seed=2)
    h.run(15.0)
    assert not h.model("ascender").ticking and h.model("ascender").mode == "pressurized"
    for name in ("platform", "propulsion", "navigation"):
        ok(h, "hk-disable", sid=name)
    events_before = h.bench.scheduler.events_run
    started = time.perf_counter()
    h.run(49 * 3600.0)
    assert time.perf_counter() - started < 1.0
    assert h.bench.scheduler.events_run - events_before < 10
    ok(h, "hk-now", sid="platform")
    platform = h.hk("ascender", "platform")[-1].fields
    assert platform["battery_charge"] < 10.0  # the umbilical is cut: 49 h on the battery
    assert platform["bus_voltage"] < 27.0


# refusals ---------------------------------------------------------------------------------------------------
REFUSALS = [
    ("nothing done", {}, "engine-ignite", {"burn_duration": 360.0, "cutoff": "guidance"}, "INVALID_STATE"),
    ("nothing done", {}, "pyro-fire", {"pyro": "separation"}, "INVALID_STATE"),
    ("nothing done", {}, "tank-pressurize", {"tanks": "both", "target_pressure": 1.8}, "INVALID_STATE"),
    ("nothing done", {}, "engine-cutoff", {"stop": "nominal"}, "INVALID_STATE"),
    ("nothing done", {}, "imu-calibrate", {"duration": 60}, "INVALID_STATE"),
    ("nothing done", {}, "set-attitude", {"roll": 0.0, "pitch": 0.0, "yaw": 0.0, "slew_rate": 1.0}, "INVALID_STATE"),
    ("nothing done", {}, "set-target-orbit", {"periapsis": 100.0, "apoapsis": 50.0}, "ARGUMENT_OUT_OF_RANGE"),
    ("latches closed", {"latches": False}, "engine-ignite", {"burn_duration": 360.0, "cutoff": "guidance"},
     "INVALID_STATE"),
    ("not separated", {"separate": False}, "engine-ignite", {"burn_duration": 360.0, "cutoff": "guidance"},
     "INVALID_STATE"),
    ("not separated", {"separate": False}, "pyro-fire", {"pyro": "separation"}, "INVALID_STATE"),
    ("ready", {}, "pyro-fire", {"pyro": "separation"}, "INVALID_STATE"),
    ("ready", {}, "engine-cutoff", {"stop": "emergency"}, "INVALID_STATE"),
]


@pytest.mark.parametrize(("situation", "setup", "command", "args", "code"), REFUSALS,
                         ids=[f"{r[2]}-{r[0]}" for r in REFUSALS])
def test_refused_commands_change_nothing(situation: str, setup: dict[str, bool], command: str,
                                         args: dict[str, Any], code: str) -> None:
    h = Procedure.for_device("ascender", seed=4)
    if situation != "nothing done":
        prepare(h, **setup)
    before = snapshot(h.model("ascender"))
    record = finish(h, command, **args)
    assert record.failed and record.failure == code, (record.stage_names, record.failure)
    assert record.stage_names == ["acceptance-ok", "start-failed"]
    assert snapshot(h.model("ascender")) == before


def test_ignition_is_refused_until_engine_armed_and_pressurised() -> None:
    h = Procedure.for_device("ascender", seed=5)
    h.run(31.0)
    ok(h, "arm", stage="pyros", key=ARM_KEY)
    ok(h, "pyro-fire", pyro="helium")
    ok(h, "latch-valve", valve="helium", action="open")
    ok(h, "pyro-fire", pyro="propellant")
    ok(h, "latch-valve", valve="fuel", action="open")
    ok(h, "latch-valve", valve="oxidiser", action="open")
    ok(h, "pyro-fire", pyro="umbilical")
    ok(h, "pyro-fire", pyro="separation")
    for prepared in ("arm engine", "pressurise"):
        before = snapshot(h.model("ascender"))
        record = finish(h, "engine-ignite", burn_duration=10.0, cutoff="timer")
        assert record.failure == "INVALID_STATE" and snapshot(h.model("ascender")) == before
        if prepared == "arm engine":
            ok(h, "arm", stage="engine", key=ARM_KEY)
        else:
            ok(h, "tank-pressurize", timeout=60.0, tanks="both", target_pressure=1.8)
    assert finish(h, "engine-ignite", burn_duration=2.0, cutoff="timer").completed


def test_busy_refusals() -> None:
    h = Procedure.for_device("ascender", seed=6)
    h.run(31.0)
    calibrating = h.send("ascender", "imu-calibrate", duration=30)
    h.run(1.0)
    before = snapshot(h.model("ascender"))
    assert finish(h, "imu-calibrate", duration=30).failure == "BUSY"
    assert snapshot(h.model("ascender")) == before
    h.wait_until(lambda: calibrating.completed, 40.0)
    ok(h, "arm", stage="all", key=ARM_KEY)
    ok(h, "pyro-fire", pyro="helium")
    ok(h, "latch-valve", valve="helium", action="open")
    pressurizing = h.send("ascender", "tank-pressurize", tanks="fuel", target_pressure=1.8)
    h.run(1.0)
    before = snapshot(h.model("ascender"))
    assert finish(h, "tank-pressurize", tanks="both", target_pressure=2.0).failure == "BUSY"
    assert snapshot(h.model("ascender")) == before
    h.wait_until(lambda: pressurizing.completed, 60.0)
    assert h.model("ascender").prop.fuel.pressurized and not h.model("ascender").prop.oxidiser.pressurized
    moving = h.send("ascender", "latch-valve", valve="fuel", action="open")
    h.wait_until(lambda: h.model("ascender").prop.valves["fuel"].position == "transit", 1.0)
    assert finish(h, "latch-valve", valve="fuel", action="close").failure == "BUSY"
    h.wait_until(lambda: moving.completed, 1.0)


def test_a_wrong_arming_key_is_refused_at_acceptance() -> None:
    h = Procedure.for_device("ascender", seed=7)
    _, good = ASCENDER.encode_command("arm", {"stage": "all", "key": ARM_KEY})
    bad = good[:-2] + (ARM_KEY ^ 0x0101).to_bytes(2, "big")
    before = snapshot(h.model("ascender"))
    record = h.send_raw("ascender", PusTc(ASCENDER.apid, 8, 1, bad, 1).pack())
    h.run(0.5)
    assert record.stage_names == ["acceptance-failed"] and record.failure == "ARGUMENT_OUT_OF_RANGE"
    assert snapshot(h.model("ascender")) == before and h.model("ascender").telemetry["arm_state"] == "safe"


def test_guided_cutoff_needs_the_surface_and_valves_stay_open_in_a_burn() -> None:
    """A short timer burn from the pad leaves the ascender coasting; a second guided burn is refused."""
    h = ready(seed=8)
    burning = h.send("ascender", "engine-ignite", burn_duration=20.0, cutoff="timer")
    h.run(5.0)
    before = snapshot(h.model("ascender"))
    assert finish(h, "latch-valve", valve="fuel", action="close").failure == "INVALID_STATE"
    assert finish(h, "set-target-orbit", periapsis=20.0, apoapsis=100.0).failure == "INVALID_STATE"
    assert finish(h, "engine-ignite", burn_duration=5.0, cutoff="timer").failure == "INVALID_STATE"
    assert snapshot(h.model("ascender"))[:6] == before[:6]
    h.wait_until(lambda: burning.completed, 30.0)
    assert _events(h, "engine-shutdown")[0].fields["reason"] == "timer"
    assert h.model("ascender").mode == "coasting" and not _events(h, "orbit-reached")
    assert finish(h, "engine-ignite", burn_duration=5.0, cutoff="guidance").failure == "INVALID_STATE"
    assert finish(h, "imu-calibrate", duration=10).failure == "INVALID_STATE"
    h.wait_until(lambda: h.model("ascender").impacted, 300.0)  # a 20 s hop falls back to the ground
    assert h.model("ascender").telemetry["altitude"] == pytest.approx(0.0, abs=200.0)


# faults -----------------------------------------------------------------------------------------------------
def test_ignition_failure_then_a_second_attempt() -> None:
    """No chamber pressure: ignition-failure after the timeout, engine-ignite fails, fault latched until safed."""
    h = ready(seed=9)
    h.model("ascender").inject("ignition-failure")
    propellant = h.model("ascender").prop.propellant_mass
    record = finish(h, "engine-ignite", burn_duration=360.0, cutoff="guidance")
    assert record.stage_names == ["acceptance-ok", "start-ok", "completion-failed"]
    assert record.failure == "EXECUTION_FAILED"
    failure = _events(h, "ignition-failure")[0]
    assert failure.fields["chamber_pressure"] < 0.1 and failure.fields["attempt"] == 1
    lit = next(p.time for p in _events(h, "mode-changed") if p.fields["current"] == "burning")
    assert failure.time == pytest.approx(lit + 1.0, abs=0.05)  # ignition_timeout
    assert not _events(h, "ignition") and not _events(h, "separation") and not _events(h, "engine-shutdown")
    assert h.model("ascender").mode == "fault" and h.model("ascender").telemetry["engine_valve"] == "closed"
    assert max(p.fields["chamber_pressure"] for p in h.hk("ascender", "burn-propulsion")) < 0.1
    assert 0.5 < propellant - h.model("ascender").prop.propellant_mass < 3.0  # unburnt propellant through the injector
    assert finish(h, "engine-ignite", burn_duration=5.0, cutoff="timer").failure == "INVALID_STATE"
    ok(h, "safe", scope="all")
    assert h.model("ascender").mode == "safe" and _events(h, "safed")[0].fields["previous"] == "fault"
    ok(h, "arm", stage="all", key=ARM_KEY)
    assert h.model("ascender").mode == "pressurized"
    assert finish(h, "engine-ignite", burn_duration=3.0, cutoff="timer").completed
    assert _events(h, "ignition") and h.model("ascender").telemetry["ignition_attempts"] == 2


def test_a_latch_valve_stuck_closed_prevents_the_burn() -> None:
    h = Procedure.for_device("ascender", seed=10)
    prepare(h, latches=False)
    h.model("ascender").inject("stuck-valve", valve="fuel")
    record = finish(h, "latch-valve", valve="fuel", action="open")
    assert record.failure == "HARDWARE_FAULT"
    assert record.stage_names == ["acceptance-ok", "start-ok", "completion-failed"]
    assert _events(h, "valve-stuck")[0].fields == {"severity": "high", "valve": "fuel", "commanded": "open",
                                                 "reported": "closed"}
    assert h.model("ascender").telemetry["fuel_latch_valve"] == "closed" and h.model("ascender").mode == "fault"
    ok(h, "latch-valve", valve="oxidiser", action="open")
    ok(h, "safe", scope="all")
    ok(h, "arm", stage="all", key=ARM_KEY)
    assert finish(h, "engine-ignite", burn_duration=5.0, cutoff="timer").failure == "INVALID_STATE"


def test_a_valve_failing_closed_in_the_burn_starves_the_engine() -> None:
    h = ready(seed=11)
    record = h.send("ascender", "engine-ignite", burn_duration=360.0, cutoff="guidance")
    h.run(30.0)
    h.model("ascender").inject("stuck-valve", valve="oxidiser", position="closed")
    h.wait_until(lambda: record.failed or record.completed, 5.0)
    assert record.failure == "HARDWARE_FAULT"
    stuck = _events(h, "valve-stuck")[0].fields
    assert (stuck["valve"], stuck["commanded"], stuck["reported"]) == ("oxidiser", "open", "closed")
    shutdown = _events(h, "engine-shutdown")[0]
    assert shutdown.fields["reason"] == "fault" and shutdown.fields["burn_time"] == pytest.approx(30.2, abs=0.3)
    assert h.model("ascender").mode == "fault" and h.model("ascender").lifted_off and not h.model("ascender").in_orbit


def test_an_engine_valve_stuck_open_is_stopped_by_the_latch_valves() -> None:
    h = ready(seed=12)
    record = h.send("ascender", "engine-ignite", burn_duration=8.0, cutoff="timer")
    h.run(4.0)
    h.model("ascender").inject("stuck-valve", valve="engine")
    h.wait_until(lambda: record.failed or record.completed, 10.0)
    stuck = _events(h, "valve-stuck")[0].fields
    assert (stuck["valve"], stuck["commanded"], stuck["reported"]) == ("engine", "close", "open")
    assert _events(h, "engine-shutdown")[0].fields["reason"] == "timer"
    t = h.model("ascender").telemetry
    assert (t["engine_valve"], t["fuel_latch_valve"], t["oxidiser_latch_valve"]) == ("open", "closed", "closed")
    assert t["chamber_pressure"] < 0.02 and h.model("ascender").mode == "fault"


def test_an_engine_valve_stuck_closed_shows_as_valve_stuck_and_ignition_failure() -> None:
    h = ready(seed=13)
    h.model("ascender").inject("stuck-valve", valve="engine", position="closed")
    record = finish(h, "engine-ignite", burn_duration=360.0, cutoff="guidance")
    assert record.failure == "EXECUTION_FAILED"
    assert _events(h, "valve-stuck")[0].fields["valve"] == "engine"
    assert _events(h, "ignition-failure")[0].fields["chamber_pressure"] == 0.0


def test_tank_pressure_loss_on_the_surface() -> None:
    """A leak faster than the regulator can make up: the tank falls below tank_pressure_min, ignition refused."""
    h = ready(seed=14)
    helium = h.model("ascender").prop.helium_pressure
    h.model("ascender").inject("tank-pressure-loss", tank="fuel", rate_mpa_per_s=0.2)
    assert h.model("ascender").ticking
    h.wait_until(lambda: bool(_events(h, "tank-pressure-loss")), 60.0)
    loss = _events(h, "tank-pressure-loss")[0].fields
    assert loss["tank"] == "fuel" and loss["pressure"] < 1.2 and loss["rate"] < -0.01
    assert h.model("ascender").mode == "fault" and h.model("ascender").prop.helium_pressure < helium - 0.05
    h.run(2.0)
    assert h.latest("ascender", "fuel_tank_pressure") < 1.2 and h.latest("ascender", "oxidiser_tank_pressure") > 1.7
    ok(h, "safe", scope="all")
    ok(h, "arm", stage="all", key=ARM_KEY)
    assert finish(h, "engine-ignite", burn_duration=5.0, cutoff="timer").failure == "INVALID_STATE"


def test_tank_pressure_loss_in_the_burn_degrades_thrust_then_cuts_off() -> None:
    h = ready(seed=15)
    record = h.send("ascender", "engine-ignite", burn_duration=360.0, cutoff="guidance")
    h.run(20.0)
    h.model("ascender").inject("tank-pressure-loss", tank="oxidiser", rate_mpa_per_s=0.3)
    h.wait_until(lambda: record.failed or record.completed, 30.0)
    assert record.failure == "HARDWARE_FAULT"
    loss = _events(h, "tank-pressure-loss")[0]
    shutdown = _events(h, "engine-shutdown")[0]
    assert loss.fields["tank"] == "oxidiser" and loss.fields["rate"] < -0.1
    assert shutdown.fields["reason"] == "fault" and loss.time < shutdown.time  # type: ignore[operator]
    during = [p.fields for p in h.hk("ascender", "burn-propulsion") if loss.time <= p.time < shutdown.time - 0.1]  # type: ignore[operator]
    assert during and all(f["thrust"] < 2900.0 for f in during)
    assert all(f["oxidiser_tank_pressure"] < 1.2 for f in during)
    assert h.model("ascender").mode == "fault"


def test_helium_loss_ends_regulation() -> None:
    h = ready(seed=16)
    h.model("ascender").inject("tank-pressure-loss", tank="helium", rate_mpa_per_s=1.0)
    h.wait_until(lambda: bool(_events(h, "tank-pressure-loss")), 60.0)
    loss = _events(h, "tank-pressure-loss")[0].fields
    assert loss["tank"] == "helium" and loss["pressure"] < 2.3 and loss["rate"] == pytest.approx(-1.0, abs=0.05)
    h.wait_until(lambda: not h.model("ascender").ticking, 60.0)  # the bottle empties, then nothing moves


def test_pyro_failure_and_the_backup_initiator() -> None:
    h = Procedure.for_device("ascender", seed=17)
    prepare(h, separate=False)
    ok(h, "pyro-fire", pyro="umbilical")
    h.model("ascender").inject("pyro-failure", pyro="separation")
    record = finish(h, "pyro-fire", pyro="separation")
    assert record.failure == "HARDWARE_FAULT"
    assert _events(h, "pyro-failure")[0].fields["firing_current"] < 0.2
    assert h.model("ascender").telemetry["pyro_separation"] == "failed"
    assert finish(h, "engine-ignite", burn_duration=5.0, cutoff="timer").failure == "INVALID_STATE"
    ok(h, "pyro-fire", pyro="separation")
    assert _events(h, "pyro-fired")[-1].fields["firing_current"] == pytest.approx(4.5, abs=0.5)


def test_imu_failure_blocks_ignition() -> None:
    h = ready(seed=18)
    h.model("ascender").inject("imu-failure", sensor="accelerometer", axis="z")
    h.run(2.0)
    assert _events(h, "imu-fault")[0].fields == {"severity": "high", "sensor": "accelerometer", "axis": "z"}
    assert h.latest("ascender", "imu_status") == "fault"
    assert finish(h, "engine-ignite", burn_duration=5.0, cutoff="timer").failure == "INVALID_STATE"


def test_imu_failure_during_calibration_fails_it() -> None:
    h = Procedure.for_device("ascender", seed=24)
    h.run(31.0)
    record = h.send("ascender", "imu-calibrate", duration=60)
    h.run(10.0)
    h.model("ascender").inject("imu-failure", sensor="gyro", axis="y")
    h.wait_until(lambda: record.failed or record.completed, 60.0)
    assert record.failure == "HARDWARE_FAULT" and not _events(h, "imu-calibrated")


def test_emergency_cutoff_and_safing_abort_the_burn() -> None:
    h = ready(seed=19)
    record = h.send("ascender", "engine-ignite", burn_duration=360.0, cutoff="guidance")
    h.run(10.0)
    ok(h, "engine-cutoff", stop="emergency")
    h.wait_until(lambda: record.failed, 2.0)
    assert record.failure == "ABORTED"
    t = h.model("ascender").telemetry
    assert (t["fuel_latch_valve"], t["oxidiser_latch_valve"], t["engine_valve"]) == ("closed", "closed", "closed")
    assert _events(h, "engine-shutdown")[0].fields["reason"] == "commanded"

    h = ready(seed=19)
    record = h.send("ascender", "engine-ignite", burn_duration=360.0, cutoff="guidance")
    h.run(3.0)
    ok(h, "safe", scope="engine")
    h.wait_until(lambda: record.failed, 2.0)
    assert record.failure == "ABORTED" and h.model("ascender").telemetry["arm_state"] == "pyros"


def test_a_nominal_engine_cutoff_completes_the_burn() -> None:
    h = ready(seed=20)
    record = h.send("ascender", "engine-ignite", burn_duration=360.0, cutoff="guidance")
    h.run(3.0)
    ok(h, "engine-cutoff", stop="nominal")
    h.wait_until(lambda: record.completed, 2.0)
    assert h.model("ascender").telemetry["fuel_latch_valve"] == "open"


def test_depletion_ends_the_burn() -> None:
    h = Procedure.for_device("ascender", seed=21, options={"propellant_kg": 150.0})
    prepare(h, pressurize_s=180.0)  # a bigger ullage takes longer to pressurise
    record = finish(h, "engine-ignite", timeout=200.0, burn_duration=360.0, cutoff="guidance")
    assert record.failure == "EXECUTION_FAILED"
    assert _events(h, "engine-shutdown")[0].fields["reason"] == "depletion"
    assert _events(h, "engine-shutdown")[0].fields["propellant_remaining"] < 1.0


def test_pressurisation_times_out_when_the_helium_is_shut_off() -> None:
    h = Procedure.for_device("ascender", seed=22)
    h.run(31.0)
    ok(h, "arm", stage="pyros", key=ARM_KEY)
    ok(h, "pyro-fire", pyro="helium")
    ok(h, "latch-valve", valve="helium", action="open")
    record = h.send("ascender", "tank-pressurize", tanks="both", target_pressure=2.0)
    h.run(3.0)
    ok(h, "latch-valve", valve="helium", action="close")
    h.wait_until(lambda: record.failed or record.completed, 200.0)
    assert record.failure == "EXECUTION_FAILED" and h.model("ascender").mode == "armed"


def test_heater_left_on_overheats_its_zone() -> None:
    h = Procedure.for_device("ascender", seed=23)
    ok(h, "heater-set", zone="imu", mode="on", setpoint=0)
    for name in ("propulsion", "navigation"):
        ok(h, "hk-disable", sid=name)
    h.run(1800.0)
    hot = _events(h, "overtemperature")
    assert hot and hot[0].fields["zone"] == "imu" and hot[0].fields["temperature"] > 45.0
    ok(h, "heater-set", zone="imu", mode="off", setpoint=0)
    ok(h, "heater-set", zone="fuel_tank", mode="off", setpoint=0)
    ok(h, "hk-now", sid="platform")
    assert h.latest("ascender", "heater_mask") == 0b0110 and len(hot) == 1


# determinism ------------------------------------------------------------------------------------------------
def _short_burn(seed: int) -> Procedure:
    h = ready(seed=seed)
    ok(h, "engine-ignite", timeout=10.0, burn_duration=3.0, cutoff="timer")
    h.run(2.0)
    return h


def test_same_seed_same_packets_other_seed_other_noise() -> None:
    a, b, c = _short_burn(31), _short_burn(31), _short_burn(32)
    assert [p.to_json() for p in a.packets("ascender")] == [p.to_json() for p in b.packets("ascender")]
    accel_a = [p.fields["accel_z"] for p in a.hk("ascender", "burn-navigation")]
    accel_c = [p.fields["accel_z"] for p in c.hk("ascender", "burn-navigation")]
    assert accel_a != accel_c
    used_c = c.model("ascender").figures()["propellant_used_kg"]
    assert a.model("ascender").figures()["propellant_used_kg"] == pytest.approx(used_c, abs=0.01)


def test_options() -> None:
    """The launch site may sit below the mean radius (the Apollo basin floor does); unknown options are errors."""
    h = Procedure.for_device("ascender", options={"site_elevation_m": -5000.0, "dry_mass_kg": 390.0})
    h.run(2.0)
    assert h.latest("ascender", "altitude") == pytest.approx(-5000.0)
    assert h.latest("ascender", "propellant_mass") == pytest.approx(380.0, abs=0.1)
    with pytest.raises(ConfigurationError, match="unknown option"):
        Procedure.for_device("ascender", options={"thrust": 5000})


def test_faults_are_listed() -> None:
    h = Procedure.for_device("ascender")
    assert {"ignition-failure", "stuck-valve", "tank-pressure-loss", "pyro-failure", "imu-failure"} <= set(
        h.model("ascender").faults)


def test_heater_settings_set_the_platform_bus_load() -> None:
    platform = Platform()
    platform.advance(1.0)
    heated = platform.power.current
    for name in platform.zones:
        platform.set_heater(name, "off")
    platform.advance(1.0)
    assert platform.power.current == pytest.approx(BASE_CURRENT_A) and heated > BASE_CURRENT_A
    assert platform.heater_mask == 0
