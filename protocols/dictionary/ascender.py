"""The ascender's dictionary: safing and arming, pressure-fed propulsion, pyros, IMU and ascent navigation."""

from __future__ import annotations

import construct as cs

from protocols.dictionary.calibration import Linear
from protocols.dictionary.fields import Field
from protocols.dictionary.model import Device, Event, Function, HousekeepingSet, Parameter
from protocols.dictionary.plugins import DevicePlugin
from protocols.dictionary.shapes import (
    adc_channel,
    choice,
    computed,
    counter,
    number,
    scaled,
    state,
    temperature_sensor,
)
from protocols.services.events import Severity

APID = 0x120

MAIN_ENGINE_THRUST_N = 3000.0
"""Chang'e-6 ascender main engine thrust."""
MAIN_ENGINE_ISP_S = 315.0
"""Specific impulse of a pressure-fed MMH/NTO engine of this class; mass flow ≈ 0.97 kg/s at full thrust."""
NOMINAL_BURN_S = 360.0
"""About 6 minutes of burn from lift-off to lunar orbit."""
ARM_KEY = 0xA55A
"""Interlock code the arm command must carry; any other value is refused."""
MOON_RADIUS_KM = 1737.4
BURN_SET_MAX_INTERVAL_MS = 100
"""Burn-rate sets report at 10 Hz or faster."""

MODES = {"safe": 0, "armed": 1, "pressurized": 2, "burning": 3, "coasting": 4, "orbit": 5, "fault": 6}
ARM_STAGES = {"pyros": 1, "engine": 2, "all": 3}
ARM_STATES = {"safe": 0, "pyros": 1, "engine": 2, "all": 3}
PYROS = {"separation": 1, "umbilical": 2, "helium": 3, "propellant": 4}
PYRO_STATES = {"safe": 0, "armed": 1, "fired": 2, "failed": 3}
LATCH_VALVES = {"helium": 1, "fuel": 2, "oxidiser": 3}
VALVES = {"helium": 1, "fuel": 2, "oxidiser": 3, "engine": 4}
VALVE_ACTIONS = {"close": 0, "open": 1}
VALVE_POSITIONS = {"closed": 0, "open": 1, "transit": 2, "disagree": 3}
TANK_SELECTION = {"fuel": 1, "oxidiser": 2, "both": 3}
TANKS = {"helium": 0, "fuel": 1, "oxidiser": 2}
CUTOFF_MODES = {"timer": 0, "guidance": 1}
STOP_KINDS = {"nominal": 0, "emergency": 1}
SHUTDOWN_REASONS = {"timer": 0, "commanded": 1, "guidance": 2, "fault": 3, "depletion": 4}
IMU_STATES = {"off": 0, "aligning": 1, "calibrating": 2, "ready": 3, "fault": 4}
IMU_SENSORS = {"gyro": 0, "accelerometer": 1}
AXES = {"x": 0, "y": 1, "z": 2}
GUIDANCE_PHASES = {"idle": 0, "vertical_rise": 1, "pitch_over": 2, "orbit_insertion": 3, "terminal": 4,
                   "complete": 5}
HEATER_ZONES = {"fuel_tank": 1, "oxidiser_tank": 2, "valves": 3, "imu": 4}
HEATER_MODES = {"off": 0, "on": 1, "auto": 2}

GYRO_STEP = 0.01
"""One gyro count, deg/s (±327 deg/s span)."""
ACCEL_STEP = 0.001
"""One accelerometer count, m/s² (±32.7 m/s², about ±20 lunar g)."""


def _gyro(axis: str, pid: int) -> Parameter:
    return scaled(f"gyro_rate_{axis}", pid, cs.Int16sb, "deg/s", GYRO_STEP, -300.0, 300.0,
                  f"body rate about {axis}, from the IMU gyro (0.01 deg/s counts)")


def _accel(axis: str, pid: int) -> Parameter:
    return scaled(f"accel_{axis}", pid, cs.Int16sb, "m/s²", ACCEL_STEP, -30.0, 30.0,
                  f"specific force along {axis}, from the IMU accelerometer (0.001 m/s² counts)")


def _pressure(name: str, description: str, high: float = 3.0) -> Field:
    return number(name, cs.Float32b, "MPa", 0.0, high, description)


def _duration(name: str, description: str, high: float = 900.0) -> Field:
    return number(name, cs.Float32b, "s", 0.0, high, description)


def _orbit_altitude(name: str, description: str) -> Field:
    return number(name, cs.Float32b, "km", 10.0, 500.0, description)


FUNCTIONS = (
    # safety 0x01xx -----------------------------------------------------------------------------------
    Function(name="safe", function_id=0x0101, description="disarm: open the pyro and engine arming relays",
             args=(choice("scope", ARM_STAGES, "what to safe"),)),
    Function(name="arm", function_id=0x0102, description="close the pyro and/or engine arming relays", args=(
        choice("stage", ARM_STAGES, "what to arm"),
        number("key", cs.Int16ub, "", ARM_KEY, ARM_KEY, f"interlock code 0x{ARM_KEY:04X}; anything else is refused"),
    )),
    # propulsion 0x02xx -------------------------------------------------------------------------------
    Function(name="tank-pressurize", function_id=0x0201,
             description="let helium through the regulator until the tanks reach a pressure", args=(
                 choice("tanks", TANK_SELECTION, "which propellant tanks"),
                 number("target_pressure", cs.Int16ub, "MPa", 1.0, 2.2, "regulated tank pressure",
                        calibration=Linear(0.001)),
             )),
    Function(name="latch-valve", function_id=0x0202, description="open or close a latch valve", args=(
        choice("valve", LATCH_VALVES, "helium isolation, fuel or oxidiser latch valve"),
        choice("action", VALVE_ACTIONS, "close or open"),
    )),
    Function(name="engine-ignite", function_id=0x0203, description="open the engine valves and light the 3000 N engine",
             args=(
                 number("burn_duration", cs.Int16ub, "s", 0.5, 600.0, "longest burn; the ascent takes about 360 s",
                        calibration=Linear(0.1)),
                 choice("cutoff", CUTOFF_MODES, "stop on the timer, or when guidance reaches the target orbit"),
             )),
    Function(name="engine-cutoff", function_id=0x0204, description="close the engine valves", args=(
        choice("stop", STOP_KINDS, "nominal valve sequence, or emergency (latch valves close too)"),
    )),
    # pyros 0x03xx ------------------------------------------------------------------------------------
    Function(name="pyro-fire", function_id=0x0301, description="fire an armed pyrotechnic device", args=(
        choice("pyro", PYROS, "separation bolts, umbilical cutter, helium or propellant isolation squib"),
    )),
    # guidance and navigation 0x04xx ------------------------------------------------------------------
    Function(name="imu-calibrate", function_id=0x0401, description="estimate gyro biases at rest on the surface",
             args=(number("duration", cs.Int16ub, "s", 10, 600, "averaging time"),)),
    Function(name="set-attitude", function_id=0x0402, description="slew to an attitude", args=(
        number("roll", cs.Float32b, "deg", -180.0, 180.0, "roll"),
        number("pitch", cs.Float32b, "deg", -90.0, 90.0, "pitch"),
        number("yaw", cs.Float32b, "deg", -180.0, 180.0, "yaw"),
        number("slew_rate", cs.Float32b, "deg/s", 0.1, 10.0, "slew rate"),
    )),
    Function(name="set-target-orbit", function_id=0x0403, description="the orbit guidance steers the ascent into",
             args=(_orbit_altitude("periapsis", "periapsis altitude"),
                   _orbit_altitude("apoapsis", "apoapsis altitude"))),
    # thermal 0x05xx ----------------------------------------------------------------------------------
    Function(name="heater-set", function_id=0x0501, description="control one heater zone", args=(
        choice("zone", HEATER_ZONES, "heater zone"),
        choice("mode", HEATER_MODES, "off, on, or thermostat (auto)"),
        number("setpoint", cs.Int8sb, "°C", -20, 50, "thermostat setpoint in auto mode"),
    )),
)

PARAMETERS = (
    # safety 0x01xx -----------------------------------------------------------------------------------
    state("ascender_mode", 0x0101, MODES, "ascender mode"),
    state("arm_state", 0x0102, ARM_STATES, "which arming relays are closed"),
    state("pyro_separation", 0x0103, PYRO_STATES, "lander separation bolts"),
    state("pyro_umbilical", 0x0104, PYRO_STATES, "umbilical cutter"),
    state("pyro_helium", 0x0105, PYRO_STATES, "helium isolation squib valve"),
    state("pyro_propellant", 0x0106, PYRO_STATES, "propellant isolation squib valves"),
    Parameter(name="separation_breakwires", id=0x0107, raw=cs.Int8ub, minimum=0, maximum=4,
              description="separation breakwires broken (4 = fully separated)"),
    adc_channel("pyro_bus_voltage", 0x0108, "V", 0.0, 40.0, "pyro firing bus (live only when armed)"),
    # propulsion 0x02xx -------------------------------------------------------------------------------
    adc_channel("helium_pressure", 0x0201, "MPa", 0.0, 40.0, "helium pressurant bottle"),
    adc_channel("fuel_tank_pressure", 0x0202, "MPa", 0.0, 3.0, "MMH tank ullage"),
    adc_channel("oxidiser_tank_pressure", 0x0203, "MPa", 0.0, 3.0, "NTO tank ullage"),
    adc_channel("chamber_pressure", 0x0204, "MPa", 0.0, 1.5, "main engine chamber (≈0.8 MPa at full thrust)"),
    state("helium_valve", 0x0205, VALVE_POSITIONS, "helium isolation latch valve, from its position switches"),
    state("fuel_latch_valve", 0x0206, VALVE_POSITIONS, "fuel latch valve"),
    state("oxidiser_latch_valve", 0x0207, VALVE_POSITIONS, "oxidiser latch valve"),
    state("engine_valve", 0x0208, VALVE_POSITIONS, "main engine bipropellant valve"),
    computed("thrust", 0x0209, "N", 0.0, 3600.0, "thrust from chamber pressure (3000 N nominal)"),
    computed("fuel_mass", 0x020A, "kg", 0.0, 200.0, "MMH remaining (gauged by pressure-volume-temperature)"),
    computed("oxidiser_mass", 0x020B, "kg", 0.0, 320.0, "NTO remaining"),
    computed("propellant_mass", 0x020C, "kg", 0.0, 520.0, "fuel and oxidiser remaining"),
    computed("propellant_flow", 0x020D, "kg/s", 0.0, 1.2, "total mass flow (≈0.97 kg/s at 3000 N, Isp 315 s)"),
    computed("burn_time", 0x020E, "s", 0.0, 900.0, "time since ignition of the current or last burn"),
    computed("specific_impulse", 0x020F, "s", 0.0, 350.0, "thrust over weight flow, estimated during a burn"),
    temperature_sensor("fuel_tank_temp", 0x0210, "fuel tank wall"),
    temperature_sensor("oxidiser_tank_temp", 0x0211, "oxidiser tank wall"),
    temperature_sensor("injector_temp", 0x0212, "main engine injector head", exterior=True),
    computed("tank_pressure_min", 0x0213, "MPa", 0.5, 2.5,
             "a pressurised tank below this raises tank-pressure-loss", writable=True),
    computed("ignition_timeout", 0x0214, "s", 0.1, 5.0,
             "time after valve opening for the chamber to reach ignition_pressure", writable=True),
    computed("ignition_pressure", 0x0215, "MPa", 0.1, 1.0, "chamber pressure that confirms ignition",
             writable=True),
    counter("ignition_attempts", 0x0216, "ignitions commanded since power-on", cs.Int8ub),
    # guidance and navigation 0x03xx ------------------------------------------------------------------
    state("imu_status", 0x0301, IMU_STATES, "inertial measurement unit status"),
    _gyro("x", 0x0302),
    _gyro("y", 0x0303),
    _gyro("z", 0x0304),
    _accel("x", 0x0305),
    _accel("y", 0x0306),
    _accel("z", 0x0307),
    temperature_sensor("imu_temp", 0x0308, "IMU sensor block"),
    computed("roll", 0x0309, "deg", -180.0, 180.0, "estimated roll"),
    computed("pitch", 0x030A, "deg", -90.0, 90.0, "estimated pitch"),
    computed("yaw", 0x030B, "deg", -180.0, 180.0, "estimated yaw"),
    computed("altitude", 0x030C, "m", -10_000.0, 600_000.0, "height above the mean lunar radius (1737.4 km)"),
    computed("velocity", 0x030D, "m/s", 0.0, 2500.0, "inertial speed (≈1.7 km/s in low lunar orbit)"),
    computed("vertical_velocity", 0x030E, "m/s", -2500.0, 2500.0, "radial speed, positive up"),
    computed("horizontal_velocity", 0x030F, "m/s", 0.0, 2500.0, "speed along the local horizontal"),
    computed("periapsis", 0x0310, "km", -MOON_RADIUS_KM, 5000.0,
             "periapsis altitude of the current osculating orbit (negative: below the surface)"),
    computed("apoapsis", 0x0311, "km", -MOON_RADIUS_KM, 5000.0, "apoapsis altitude of the current osculating orbit"),
    state("guidance_phase", 0x0312, GUIDANCE_PHASES, "ascent guidance phase"),
    computed("target_periapsis", 0x0313, "km", 10.0, 500.0, "periapsis guidance aims for"),
    computed("target_apoapsis", 0x0314, "km", 10.0, 500.0, "apoapsis guidance aims for"),
    # platform 0x04xx ---------------------------------------------------------------------------------
    adc_channel("bus_voltage", 0x0401, "V", 0.0, 40.0, "28 V bus"),
    adc_channel("bus_current", 0x0402, "A", 0.0, 20.0, "bus current"),
    computed("battery_charge", 0x0403, "%", 0.0, 100.0, "ascender battery state of charge"),
    temperature_sensor("electronics_temp", 0x0404, "control electronics box"),
    Parameter(name="heater_mask", id=0x0405, raw=cs.Int8ub, minimum=0, maximum=15,
              description="heaters powered: bit 0 fuel tank, 1 oxidiser tank, 2 valves, 3 IMU"),
    counter("commands_accepted", 0x0406, "telecommands accepted since power-on", cs.Int16ub),
    counter("commands_rejected", 0x0407, "telecommands refused since power-on", cs.Int16ub),
)

_BURN_PROPULSION = ("ascender_mode", "chamber_pressure", "thrust", "fuel_tank_pressure", "oxidiser_tank_pressure",
                    "helium_pressure", "engine_valve", "propellant_flow", "propellant_mass", "burn_time")
_BURN_NAVIGATION = ("gyro_rate_x", "gyro_rate_y", "gyro_rate_z", "accel_x", "accel_y", "accel_z",
                    "roll", "pitch", "yaw", "altitude", "velocity", "vertical_velocity", "horizontal_velocity",
                    "guidance_phase")

HOUSEKEEPING = (
    HousekeepingSet(sid=1, name="platform", interval_ms=5000, description="mode, arming, pyros, power", parameters=(
        "ascender_mode", "arm_state", "pyro_separation", "pyro_umbilical", "pyro_helium", "pyro_propellant",
        "separation_breakwires", "pyro_bus_voltage", "bus_voltage", "bus_current", "battery_charge",
        "electronics_temp", "heater_mask", "commands_accepted", "commands_rejected")),
    HousekeepingSet(sid=2, name="propulsion", interval_ms=1000, description="pressures, valves, propellant",
                    parameters=(
                        "helium_pressure", "fuel_tank_pressure", "oxidiser_tank_pressure", "chamber_pressure",
                        "helium_valve", "fuel_latch_valve", "oxidiser_latch_valve", "engine_valve", "fuel_mass",
                        "oxidiser_mass", "propellant_mass", "fuel_tank_temp", "oxidiser_tank_temp",
                        "injector_temp", "ignition_attempts")),
    HousekeepingSet(sid=3, name="navigation", interval_ms=1000, description="IMU and navigation state", parameters=(
        "imu_status", "imu_temp", "gyro_rate_x", "gyro_rate_y", "gyro_rate_z", "accel_x", "accel_y", "accel_z",
        "roll", "pitch", "yaw", "altitude", "velocity", "guidance_phase", "periapsis", "apoapsis")),
    HousekeepingSet(sid=10, name="burn-propulsion", interval_ms=BURN_SET_MAX_INTERVAL_MS, enabled=False,
                    description="10 Hz engine and tanks; enabled for the burn", parameters=_BURN_PROPULSION),
    HousekeepingSet(sid=11, name="burn-navigation", interval_ms=50, enabled=False,
                    description="20 Hz IMU and navigation; enabled for the burn", parameters=_BURN_NAVIGATION),
)

_MODE_PREVIOUS = choice("previous", MODES, "mode before")

EVENTS = (
    Event(id=0x0101, name="armed", severity=Severity.INFO, description="arming relays closed",
          data=(choice("stage", ARM_STAGES, "what is armed"),)),
    Event(id=0x0102, name="safed", severity=Severity.INFO, description="arming relays opened",
          data=(choice("scope", ARM_STAGES, "what was safed"), _MODE_PREVIOUS)),
    Event(id=0x0103, name="mode-changed", severity=Severity.INFO, description="the ascender changed mode",
          data=(_MODE_PREVIOUS, choice("current", MODES, "mode now"))),
    Event(id=0x0201, name="pressurization-complete", severity=Severity.INFO,
          description="propellant tanks at their regulated pressure", data=(
              _pressure("fuel_pressure", "fuel tank"), _pressure("oxidiser_pressure", "oxidiser tank"),
              _duration("duration", "time from helium release", high=600.0))),
    Event(id=0x0202, name="tank-pressure-loss", severity=Severity.HIGH,
          description="a pressurised tank fell below tank_pressure_min", data=(
              choice("tank", TANKS, "which tank"), _pressure("pressure", "pressure now", high=40.0),
              number("rate", cs.Float32b, "MPa/s", -10.0, 10.0, "pressure change rate"))),
    Event(id=0x0203, name="valve-stuck", severity=Severity.HIGH,
          description="a valve's position switches did not follow the command", data=(
              choice("valve", VALVES, "which valve"), choice("commanded", VALVE_ACTIONS, "command given"),
              choice("reported", VALVE_POSITIONS, "position reported"))),
    Event(id=0x0204, name="ignition", severity=Severity.INFO, description="chamber pressure confirms ignition",
          data=(_pressure("chamber_pressure", "chamber pressure", high=1.5),
                _duration("delay", "valve opening to ignition_pressure", high=5.0))),
    Event(id=0x0205, name="ignition-failure", severity=Severity.HIGH,
          description="no chamber pressure within ignition_timeout; valves closed", data=(
              _pressure("chamber_pressure", "highest chamber pressure seen", high=1.5),
              number("attempt", cs.Int8ub, "", 0, 255, "ignition attempt number"))),
    Event(id=0x0206, name="engine-shutdown", severity=Severity.INFO, description="engine valves closed", data=(
        _duration("burn_time", "burn duration"), choice("reason", SHUTDOWN_REASONS, "why"),
        number("propellant_remaining", cs.Float32b, "kg", 0.0, 520.0, "propellant left"))),
    Event(id=0x0301, name="pyro-fired", severity=Severity.INFO, description="a pyro fired", data=(
        choice("pyro", PYROS, "which pyro"),
        number("firing_current", cs.Float32b, "A", 0.0, 10.0, "peak firing current"))),
    Event(id=0x0302, name="pyro-failure", severity=Severity.HIGH, description="a pyro did not fire", data=(
        choice("pyro", PYROS, "which pyro"),
        number("firing_current", cs.Float32b, "A", 0.0, 10.0, "peak firing current"))),
    Event(id=0x0303, name="separation", severity=Severity.INFO, description="the ascender left the lander", data=(
        number("breakwires", cs.Int8ub, "", 0, 4, "separation breakwires broken"),)),
    Event(id=0x0401, name="imu-calibrated", severity=Severity.INFO, description="gyro biases estimated", data=(
        number("bias_x", cs.Float32b, "deg/h", -100.0, 100.0, "x gyro bias"),
        number("bias_y", cs.Float32b, "deg/h", -100.0, 100.0, "y gyro bias"),
        number("bias_z", cs.Float32b, "deg/h", -100.0, 100.0, "z gyro bias"))),
    Event(id=0x0402, name="imu-fault", severity=Severity.HIGH, description="an IMU channel failed its checks",
          data=(choice("sensor", IMU_SENSORS, "gyro or accelerometer"), choice("axis", AXES, "axis"))),
    Event(id=0x0403, name="guidance-phase", severity=Severity.INFO, description="ascent guidance changed phase",
          data=(choice("phase", GUIDANCE_PHASES, "phase now"),
                number("altitude", cs.Float32b, "m", -10_000.0, 600_000.0, "altitude"),
                number("velocity", cs.Float32b, "m/s", 0.0, 2500.0, "inertial speed"))),
    Event(id=0x0404, name="orbit-reached", severity=Severity.INFO, description="engine off in lunar orbit", data=(
        number("periapsis", cs.Float32b, "km", -MOON_RADIUS_KM, 5000.0, "periapsis altitude"),
        number("apoapsis", cs.Float32b, "km", -MOON_RADIUS_KM, 5000.0, "apoapsis altitude"),
        _duration("burn_time", "ascent burn duration"))),
    Event(id=0x0501, name="overtemperature", severity=Severity.MEDIUM, description="a zone left its limits",
          data=(choice("zone", HEATER_ZONES, "zone"),
                number("temperature", cs.Float32b, "°C", -180.0, 150.0, "temperature seen"))),
)

ASCENDER = Device(
    name="ascender",
    apid=APID,
    description="Ascent vehicle: arming and pyros, helium-pressurised MMH/NTO propulsion with the 3000 N main "
                "engine (about 6 minutes to lunar orbit), IMU and ascent guidance.",
    functions=FUNCTIONS,
    parameters=PARAMETERS,
    housekeeping=HOUSEKEEPING,
    events=EVENTS,
)
"""The ascender's dictionary."""

PLUGIN = DevicePlugin(device=ASCENDER, model="firmware_sim.devices.ascender:AscenderModel", default_member=True)
"""The ascender's registration in the ``farside.devices`` entry-point group (farside's pyproject.toml)."""
