"""The sampler's dictionary: rotary-percussive drill, robotic arm with scoop, sealed sample containers."""

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

APID = 0x110

DRILL_DESIGN_LENGTH_M = 2.5
"""Chang'e-6 drill design length; the deepest target drill-start accepts."""
ARM_REACH_M = 3.7
"""Chang'e-6 arm reach, shoulder axis to scoop tip."""
ARM_SECTOR_HALF_DEG = 60.0
"""Half of the 120° working sector the arm scoops in, either side of the sampler's forward axis."""

RESOLVER_DEG = 360.0 / 65536
"""One count of the 16-bit joint resolvers, in degrees."""

JOINT_LIMITS_DEG = {
    "shoulder_yaw": (-90.0, 90.0),
    "shoulder_pitch": (-15.0, 95.0),
    "elbow_pitch": (0.0, 165.0),
    "wrist_pitch": (-110.0, 110.0),
}
"""Mechanical joint limits; the yaw joint swings past the scooping sector to reach the ascender."""

STOP_KINDS = {"ramp": 0, "brake": 1}
PERCUSSION = {"off": 0, "low": 1, "high": 2}
DRILL_STATES = {"stowed": 0, "idle": 1, "drilling": 2, "holding": 3, "stalled": 4, "retracting": 5,
                "sealing": 6, "complete": 7, "fault": 8}
CORING_BAG_STATES = {"ready": 0, "drawing": 1, "closed": 2, "wound": 3, "fault": 4}
ARM_STATES = {"stowed": 0, "idle": 1, "moving": 2, "scooping": 3, "delivering": 4, "transferring": 5, "fault": 6}
SCOOP_STATES = {"empty": 0, "digging": 1, "full": 2, "pouring": 3}
SEAL_STATES = {"open": 0, "sealing": 1, "sealed": 2, "failed": 3}
CONTAINER_LOCATIONS = {"sampler": 0, "transferring": 1, "ascender": 2}
CONTAINERS = {"drill": 1, "surface": 2}
JOINTS = {"shoulder_yaw": 1, "shoulder_pitch": 2, "elbow_pitch": 3, "wrist_pitch": 4}
MODES = {"safe": 0, "standby": 1, "operate": 2}
HEATER_ZONES = {"drill": 1, "arm": 2, "sealing": 3, "electronics": 4}
HEATER_MODES = {"off": 0, "on": 1, "auto": 2}
RETRACT_REASONS = {"commanded": 0, "stall": 1, "complete": 2}
TRANSFER_STEPS = {"grip": 0, "lift": 1, "place": 2, "release": 3}

MILLIMETRE = Linear(0.001)
CENTIDEGREE = Linear(0.01)


def _depth(name: str, description: str, shallowest: float = 0.0) -> Field:
    return number(name, cs.Int16ub, "m", shallowest, DRILL_DESIGN_LENGTH_M, description, calibration=MILLIMETRE)


def _container(description: str = "which sealed container") -> Field:
    return choice("container", CONTAINERS, description)


def _joint_angle(name: str, description: str) -> Field:
    low, high = JOINT_LIMITS_DEG[name]
    return number(name, cs.Int16sb, "deg", low, high, description, calibration=CENTIDEGREE)


def _joint_resolver(name: str, pid: int) -> Parameter:
    low, high = JOINT_LIMITS_DEG[name]
    return scaled(f"arm_{name}", pid, cs.Int16sb, "deg", RESOLVER_DEG, low, high,
                  f"{name.replace('_', ' ')} joint angle from its 16-bit resolver")


FUNCTIONS = (
    # drill -------------------------------------------------------------------------------------------
    Function(name="drill-start", function_id=0x0101, description="drill to a target depth, coring as it goes", args=(
        _depth("target_depth", "depth to stop at; the drill's design length is 2.5 m", shallowest=0.1),
        number("rotation_rate", cs.Int16ub, "rpm", 20, 250, "outer rod rotation rate"),
        choice("percussion", PERCUSSION, "hammer setting: off, low (≈5 Hz blows) or high (≈10 Hz)"),
        number("feed_rate", cs.Int16ub, "mm/min", 1.0, 200.0, "highest penetration rate the feed may command",
               calibration=Linear(0.1)),
    )),
    Function(name="drill-stop", function_id=0x0102, description="stop rotation, percussion and feed; hold depth",
             args=(choice("stop", STOP_KINDS, "ramp down over 2 s, or brake at once"),)),
    Function(name="drill-retract", function_id=0x0103, description="pull the drill string out of the hole", args=(
        number("retract_rate", cs.Int16ub, "mm/min", 10, 500, "withdrawal rate"),
    )),
    Function(name="coring-bag-seal", function_id=0x0104,
             description="close the coring bag and wind it onto the drill's primary sealing device", args=(
                 number("wind_speed", cs.Int8ub, "mm/s", 1, 20, "rate the bag is wound onto the sealing device"),
             )),
    # arm ---------------------------------------------------------------------------------------------
    Function(name="arm-move", function_id=0x0201, description="move every joint to an angle", args=(
        _joint_angle("shoulder_yaw", "shoulder yaw (azimuth) target"),
        _joint_angle("shoulder_pitch", "shoulder pitch target"),
        _joint_angle("elbow_pitch", "elbow pitch target"),
        _joint_angle("wrist_pitch", "wrist pitch target"),
        number("joint_speed", cs.Int16ub, "deg/s", 0.05, 5.0, "fastest joint rate", calibration=CENTIDEGREE),
    )),
    Function(name="arm-scoop", function_id=0x0202, description="scoop regolith at a point in the working sector",
             args=(
                 number("azimuth", cs.Int16sb, "deg", -ARM_SECTOR_HALF_DEG, ARM_SECTOR_HALF_DEG,
                        "direction within the 120° working sector", calibration=CENTIDEGREE),
                 number("reach", cs.Int16ub, "m", 0.5, ARM_REACH_M, "distance from the shoulder axis",
                        calibration=MILLIMETRE),
                 number("scoop_depth", cs.Int8ub, "mm", 5, 60, "how deep the scoop bites"),
             )),
    Function(name="arm-deliver", function_id=0x0203, description="pour the scoop into the surface container",
             args=(number("pour_angle", cs.Int8ub, "deg", 60, 150, "wrist tilt while pouring"),)),
    Function(name="arm-stow", function_id=0x0204, description="fold the arm onto its stow locks", args=(
        number("joint_speed", cs.Int16ub, "deg/s", 0.05, 5.0, "fastest joint rate", calibration=CENTIDEGREE),
    )),
    # containers --------------------------------------------------------------------------------------
    Function(name="container-seal", function_id=0x0301, description="seal a primary sealing container",
             args=(_container(),)),
    Function(name="transfer-to-ascender", function_id=0x0302,
             description="move a sealed container into the sealing/packaging unit on top of the ascender",
             args=(_container(),)),
    Function(name="load-cell-tare", function_id=0x0303, description="zero the surface container's load cell",
             args=(number("samples", cs.Int8ub, "", 1, 100, "readings averaged into the new zero"),)),
    # platform ----------------------------------------------------------------------------------------
    Function(name="mode-set", function_id=0x0401, description="change the sampler's mode", args=(
        choice("mode", MODES, "safe: all motors off; standby: ready; operate: mechanisms may move"),
    )),
    Function(name="heater-set", function_id=0x0402, description="control one heater zone", args=(
        choice("zone", HEATER_ZONES, "heater zone"),
        choice("mode", HEATER_MODES, "off, on, or thermostat (auto)"),
        number("setpoint", cs.Int8sb, "°C", -40, 50, "thermostat setpoint in auto mode"),
    )),
)

PARAMETERS = (
    # drill 0x01xx ------------------------------------------------------------------------------------
    scaled("drill_depth", 0x0101, cs.Int16ub, "m", 0.0001, 0.0, DRILL_DESIGN_LENGTH_M,
           "bit depth below the surface from the feed's linear encoder (0.1 mm counts)"),
    scaled("drill_target_depth", 0x0102, cs.Int16ub, "m", 0.001, 0.0, DRILL_DESIGN_LENGTH_M,
           "target depth of the running drill-start"),
    scaled("drill_rotation_rate", 0x0103, cs.Int16sb, "rpm", 0.1, -300.0, 300.0,
           "outer rod rotation rate from the motor tachometer (negative: reverse)"),
    adc_channel("drill_torque", 0x0104, "N·m", 0.0, 80.0, "rotation torque from the drive's strain gauge"),
    adc_channel("drill_motor_current", 0x0105, "A", -0.2, 8.0, "rotation motor current (Hall sensor)"),
    adc_channel("drill_feed_force", 0x0106, "N", 0.0, 1500.0, "weight on bit from the feed's load cell"),
    computed("drill_penetration_rate", 0x0107, "mm/min", -500.0, 500.0,
             "rate of depth change (negative while retracting)"),
    state("drill_percussion", 0x0108, PERCUSSION, "hammer setting in effect"),
    state("drill_state", 0x0109, DRILL_STATES, "drill sequence state"),
    computed("core_mass", 0x010A, "g", 0.0, 600.0, "core mass estimated from the bag length drawn and its density"),
    state("coring_bag_state", 0x010B, CORING_BAG_STATES, "coring bag: ready, drawing over the core, closed, wound"),
    counter("rock_detections", 0x010C, "times a torque rise above drill_rock_torque was seen", cs.Int16ub),
    temperature_sensor("drill_motor_temp", 0x010D, "rotation motor case temperature", exterior=True),
    computed("drill_stall_torque", 0x010E, "N·m", 5.0, 80.0,
             "torque above which the bit counts as stalled and the drill retracts", writable=True),
    computed("drill_rock_torque", 0x010F, "N·m", 2.0, 80.0,
             "torque rise above which a rock inclusion is reported", writable=True),
    # arm 0x02xx --------------------------------------------------------------------------------------
    _joint_resolver("shoulder_yaw", 0x0201),
    _joint_resolver("shoulder_pitch", 0x0202),
    _joint_resolver("elbow_pitch", 0x0203),
    _joint_resolver("wrist_pitch", 0x0204),
    state("arm_state", 0x0205, ARM_STATES, "arm sequence state"),
    state("scoop_state", 0x0206, SCOOP_STATES, "scoop: empty, digging, full, pouring"),
    adc_channel("scoop_mass", 0x0207, "g", 0.0, 400.0, "regolith in the scoop, from the wrist strain gauge"),
    computed("arm_reach", 0x0208, "m", 0.0, ARM_REACH_M, "horizontal distance from shoulder axis to scoop tip"),
    counter("scoop_count", 0x0209, "scoops completed since power-on", cs.Int16ub),
    adc_channel("arm_motor_current", 0x020A, "A", -0.1, 3.0, "sum of the joint motor currents"),
    temperature_sensor("arm_joint_temp", 0x020B, "elbow joint housing temperature", exterior=True),
    computed("arm_speed_limit", 0x020C, "deg/s", 0.05, 5.0, "fastest joint rate any move may use", writable=True),
    # containers 0x03xx -------------------------------------------------------------------------------
    state("drill_container_seal", 0x0301, SEAL_STATES, "drill core primary sealing device"),
    state("surface_container_seal", 0x0302, SEAL_STATES, "surface primary sealing device"),
    Parameter(name="surface_container_mass", id=0x0303, raw=cs.Int16ub, unit="g", minimum=-100.0, maximum=3000.0,
              calibration=Linear(0.05, -100.0),
              description="sample in the surface container from its load cell (0.05 g counts, zero at 2000)"),
    state("drill_container_location", 0x0304, CONTAINER_LOCATIONS, "where the drill core container is"),
    state("surface_container_location", 0x0305, CONTAINER_LOCATIONS, "where the surface container is"),
    computed("load_cell_tare", 0x0306, "g", -100.0, 100.0, "offset subtracted from the load cell", writable=True),
    temperature_sensor("sealing_unit_temp", 0x0307, "sealing mechanism temperature", exterior=True),
    computed("sealed_sample_mass", 0x0308, "g", 0.0, 3000.0, "total sample in sealed containers"),
    # platform 0x04xx ---------------------------------------------------------------------------------
    state("sampler_mode", 0x0401, MODES, "sampler mode"),
    adc_channel("bus_voltage", 0x0402, "V", 0.0, 40.0, "28 V primary bus at the sampler's input"),
    adc_channel("bus_current", 0x0403, "A", 0.0, 10.0, "sampler's draw from the primary bus"),
    temperature_sensor("electronics_temp", 0x0404, "control electronics box temperature"),
    Parameter(name="heater_mask", id=0x0405, raw=cs.Int8ub, minimum=0, maximum=15,
              description="heaters powered: bit 0 drill, 1 arm, 2 sealing, 3 electronics"),
    counter("commands_accepted", 0x0406, "telecommands accepted since power-on", cs.Int16ub),
    counter("commands_rejected", 0x0407, "telecommands refused since power-on", cs.Int16ub),
)

HOUSEKEEPING = (
    HousekeepingSet(sid=1, name="platform", interval_ms=5000, description="mode, power, electronics", parameters=(
        "sampler_mode", "bus_voltage", "bus_current", "electronics_temp", "heater_mask",
        "commands_accepted", "commands_rejected")),
    HousekeepingSet(sid=2, name="drill", interval_ms=1000, description="drill and coring", parameters=(
        "drill_state", "drill_depth", "drill_target_depth", "drill_rotation_rate", "drill_torque",
        "drill_motor_current", "drill_feed_force", "drill_penetration_rate", "drill_percussion", "core_mass",
        "coring_bag_state", "rock_detections", "drill_motor_temp")),
    HousekeepingSet(sid=3, name="arm", interval_ms=1000, description="arm joints and scoop", parameters=(
        "arm_state", "arm_shoulder_yaw", "arm_shoulder_pitch", "arm_elbow_pitch", "arm_wrist_pitch", "arm_reach",
        "scoop_state", "scoop_mass", "scoop_count", "arm_motor_current", "arm_joint_temp")),
    HousekeepingSet(sid=4, name="containers", interval_ms=2000, description="sealing and transfer", parameters=(
        "drill_container_seal", "surface_container_seal", "surface_container_mass", "drill_container_location",
        "surface_container_location", "sealed_sample_mass", "sealing_unit_temp")),
    HousekeepingSet(sid=5, name="drill-fast", interval_ms=100, enabled=False,
                    description="10 Hz drilling dynamics for stall analysis; enable while drilling", parameters=(
                        "drill_depth", "drill_rotation_rate", "drill_torque", "drill_motor_current",
                        "drill_feed_force", "drill_penetration_rate")),
)

_TORQUE = number("torque", cs.Float32b, "N·m", 0.0, 100.0, "rotation torque")
_CORE_MASS = number("core_mass", cs.Float32b, "g", 0.0, 600.0, "estimated core mass")
_MASS = number("mass", cs.Float32b, "g", 0.0, 3000.0, "sample mass")

EVENTS = (
    Event(id=0x0101, name="drill-started", severity=Severity.INFO, description="drilling began", data=(
        _depth("target_depth", "commanded depth"),
        number("rotation_rate", cs.Int16ub, "rpm", 0, 300, "commanded rotation rate"),
        choice("percussion", PERCUSSION, "hammer setting"))),
    Event(id=0x0102, name="drill-target-reached", severity=Severity.INFO, description="target depth reached",
          data=(_depth("depth", "bit depth"), _CORE_MASS)),
    Event(id=0x0103, name="rock-detected", severity=Severity.LOW,
          description="torque rose above drill_rock_torque: a rock inclusion", data=(
              _depth("depth", "bit depth"), _TORQUE)),
    Event(id=0x0104, name="drill-stall", severity=Severity.HIGH,
          description="the bit stopped turning above drill_stall_torque; drilling stopped, retraction begins",
          data=(_depth("depth", "bit depth"), _TORQUE,
                number("motor_current", cs.Float32b, "A", 0.0, 10.0, "rotation motor current"))),
    Event(id=0x0105, name="drill-retracted", severity=Severity.INFO, description="drill string out of the hole",
          data=(_depth("depth", "deepest depth reached"), choice("reason", RETRACT_REASONS, "why it retracted"))),
    Event(id=0x0106, name="core-sealed", severity=Severity.INFO,
          description="coring bag closed and wound onto the primary sealing device", data=(
              _CORE_MASS, _depth("core_length", "length of core in the bag"))),
    Event(id=0x0201, name="scoop-complete", severity=Severity.INFO, description="a scoop came up", data=(
        number("scoop_number", cs.Int16ub, "", 0, 65535, "scoops since power-on"),
        number("mass", cs.Float32b, "g", 0.0, 400.0, "regolith in the scoop"),
        number("azimuth", cs.Int16sb, "deg", -90.0, 90.0, "where it scooped", calibration=CENTIDEGREE),
        number("reach", cs.Int16ub, "m", 0.0, ARM_REACH_M, "how far out", calibration=MILLIMETRE))),
    Event(id=0x0202, name="scoop-delivered", severity=Severity.INFO, description="scoop poured into the container",
          data=(number("mass", cs.Float32b, "g", 0.0, 400.0, "regolith poured"),
                number("container_mass", cs.Float32b, "g", -100.0, 3000.0, "surface container load cell after"))),
    Event(id=0x0203, name="arm-limit", severity=Severity.MEDIUM,
          description="a joint reached its limit; the move stopped", data=(
              choice("joint", JOINTS, "which joint"),
              number("angle", cs.Float32b, "deg", -180.0, 180.0, "joint angle"),
              number("limit", cs.Float32b, "deg", -180.0, 180.0, "limit it hit"))),
    Event(id=0x0204, name="arm-stowed", severity=Severity.INFO, description="arm locked in its stowed pose",
          data=(number("duration", cs.Float32b, "s", 0.0, 3600.0, "how long the stow move took"),)),
    Event(id=0x0301, name="container-sealed", severity=Severity.INFO, description="a container is sealed",
          data=(_container(), _MASS)),
    Event(id=0x0302, name="seal-failed", severity=Severity.HIGH, description="a container did not seal", data=(
        _container(), number("attempts", cs.Int8ub, "", 0, 255, "sealing attempts made"))),
    Event(id=0x0303, name="transfer-complete", severity=Severity.INFO,
          description="a sealed container is in the ascender's sealing/packaging unit", data=(_container(), _MASS)),
    Event(id=0x0304, name="transfer-failed", severity=Severity.HIGH, description="a container transfer stopped",
          data=(_container(), choice("step", TRANSFER_STEPS, "step that failed"))),
    Event(id=0x0401, name="mode-changed", severity=Severity.INFO, description="the sampler changed mode", data=(
        choice("previous", MODES, "mode before"), choice("current", MODES, "mode now"))),
    Event(id=0x0402, name="overtemperature", severity=Severity.MEDIUM, description="a zone left its limits",
          data=(choice("zone", HEATER_ZONES, "zone"),
                number("temperature", cs.Float32b, "°C", -180.0, 150.0, "temperature seen"))),
)

SAMPLER = Device(
    name="sampler",
    apid=APID,
    description="Drill (2.5 m design length, rotary-percussive, coring bag), robotic arm (3.7 m reach, 120° "
                "sector) with scoop, and the drill-core and surface primary sealing containers.",
    functions=FUNCTIONS,
    parameters=PARAMETERS,
    housekeeping=HOUSEKEEPING,
    events=EVENTS,
)
"""The sampler's dictionary."""

PLUGIN = DevicePlugin(device=SAMPLER, model="firmware_sim.devices.sampler:SamplerModel", default_member=True)
"""The sampler's registration in the ``farside.devices`` entry-point group (farside's pyproject.toml)."""
