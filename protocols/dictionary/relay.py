"""The relay radio's dictionary: the lander's link through the relay satellite — queues, rates, counters."""

from __future__ import annotations

import construct as cs

from protocols.dictionary.model import Device, Event, Function, HousekeepingSet, Parameter
from protocols.dictionary.plugins import DevicePlugin
from protocols.dictionary.shapes import (
    adc_channel,
    choice,
    computed,
    counter,
    number,
    state,
    temperature_sensor,
)
from protocols.services.events import Severity

APID = 0x130

DOWNLINK_RATES = {"1.4k": 1_400, "50k": 50_000, "280k": 280_000, "555k": 555_000}
"""Lander→relay bit rates (Queqiao-1 figures); the raw value is the rate in bit/s."""
UPLINK_RATE_BPS = 125
"""Relay→lander bit rate."""
LIGHT_TIME_S = (1.21, 1.28, 1.35)
"""One-way Earth–Moon light time at perigee, mean and apogee; the relay adds up to about 0.05 s."""

POWER = {"off": 0, "on": 1}
MODES = {"standby": 0, "relay": 1, "store_forward": 2, "loopback": 3}
LINK_STATES = {"no_signal": 0, "acquiring": 1, "locked": 2, "lost": 3}
VISIBILITY = {"hidden": 0, "visible": 1}
QUEUES = {"downlink": 1, "uplink": 2, "both": 3}
COUNTER_GROUPS = {"link": 1, "queues": 2, "all": 3}
FRAME_FAULTS = {"crc": 0, "length": 1, "sequence": 2, "lockout": 3}


FUNCTIONS = (
    Function(name="power", function_id=0x0101, description="switch the transmitter on or off",
             args=(choice("state", POWER, "transmitter power"),)),
    Function(name="set-downlink-rate", function_id=0x0102, description="select the lander→relay bit rate",
             args=(choice("rate", DOWNLINK_RATES, "bit rate (raw value in bit/s)", raw=cs.Int32ub),)),
    Function(name="set-mode", function_id=0x0103, description="select the radio's mode", args=(
        choice("mode", MODES, "standby; relay (forward as received); store_forward (queue while the relay "
                              "is hidden); loopback (TM turned round as a test)"),)),
    Function(name="flush-queue", function_id=0x0104, description="discard queued packets",
             args=(choice("queue", QUEUES, "which queue"),)),
    Function(name="clear-counters", function_id=0x0105, description="zero frame, packet and drop counters",
             args=(choice("counters", COUNTER_GROUPS, "which counters"),)),
)

PARAMETERS = (
    # link 0x01xx -------------------------------------------------------------------------------------
    state("radio_power", 0x0101, POWER, "transmitter power"),
    state("radio_mode", 0x0102, MODES, "radio mode"),
    state("link_state", 0x0103, LINK_STATES, "receiver lock on the relay's forward link"),
    state("relay_visible", 0x0104, VISIBILITY, "relay satellite above the lander's horizon mask"),
    adc_channel("rx_signal_level", 0x0105, "dBm", -150.0, -50.0, "received signal level from the receiver AGC"),
    Parameter(name="downlink_rate", id=0x0106, raw=cs.Int32ub, unit="bit/s", minimum=0, maximum=555_000,
              description="lander→relay bit rate in use"),
    Parameter(name="uplink_rate", id=0x0107, raw=cs.Int16ub, unit="bit/s", minimum=0, maximum=2_000,
              description="relay→lander bit rate in use (125 bit/s)"),
    computed("light_time", 0x0108, "s", 0.0, 2.0, "one-way Earth–lander light time through the relay"),
    computed("relay_range", 0x0109, "km", 0.0, 20_000.0, "lander–relay distance"),
    computed("relay_elevation", 0x010A, "deg", -90.0, 90.0, "relay elevation seen from the lander"),
    # queues 0x02xx -----------------------------------------------------------------------------------
    Parameter(name="downlink_queue_depth", id=0x0201, raw=cs.Int16ub, unit="packets",
              description="TM packets waiting for downlink"),
    Parameter(name="downlink_queue_bytes", id=0x0202, raw=cs.Int32ub, unit="octets",
              description="octets waiting for downlink"),
    Parameter(name="uplink_queue_depth", id=0x0203, raw=cs.Int16ub, unit="packets",
              description="TCs received and not yet delivered"),
    Parameter(name="downlink_queue_limit", id=0x0204, raw=cs.Int16ub, unit="packets", minimum=16, maximum=8192,
              writable=True, description="queue length beyond which new TM is dropped (queue-overflow)"),
    computed("link_loss_timeout", 0x0205, "s", 1.0, 600.0, "time without lock before link-lost is reported",
             writable=True),
    # counters 0x03xx ---------------------------------------------------------------------------------
    counter("frames_sent", 0x0301, "TM transfer frames sent"),
    counter("frames_received", 0x0302, "TC transfer frames received"),
    counter("packets_downlinked", 0x0303, "TM packets sent in frames"),
    counter("tcs_delivered", 0x0304, "TC packets delivered to their device"),
    counter("packets_dropped", 0x0305, "TM packets dropped on a full queue"),
    counter("frames_rejected", 0x0306, "TC frames rejected (bad CRC, length, sequence, lockout)"),
    counter("packets_flushed", 0x0307, "packets discarded by flush-queue"),
    counter("tm_frame_count", 0x0308, "master-channel frame count of the last TM frame", cs.Int8ub),
    counter("tc_frame_vr", 0x0309, "next expected TC frame sequence number, V(R)", cs.Int8ub),
    counter("link_acquisitions", 0x030A, "times lock was acquired", cs.Int16ub),
    # health 0x04xx -----------------------------------------------------------------------------------
    temperature_sensor("transmitter_temp", 0x0401, "power amplifier baseplate"),
    temperature_sensor("receiver_temp", 0x0402, "receiver and baseband board"),
    adc_channel("pa_current", 0x0403, "A", 0.0, 3.0, "power amplifier current"),
    adc_channel("rf_output_power", 0x0404, "W", 0.0, 20.0, "forward power at the antenna port"),
    adc_channel("bus_voltage", 0x0405, "V", 0.0, 40.0, "28 V bus at the radio"),
)

HOUSEKEEPING = (
    HousekeepingSet(sid=1, name="link", interval_ms=1000, description="link state, rates and queues", parameters=(
        "radio_power", "radio_mode", "link_state", "relay_visible", "rx_signal_level", "downlink_rate",
        "uplink_rate", "downlink_queue_depth", "downlink_queue_bytes", "uplink_queue_depth", "light_time",
        "relay_range", "relay_elevation")),
    HousekeepingSet(sid=2, name="counters", interval_ms=5000, description="frame, packet and drop counters",
                    parameters=(
                        "frames_sent", "frames_received", "packets_downlinked", "tcs_delivered", "packets_dropped",
                        "frames_rejected", "packets_flushed", "tm_frame_count", "tc_frame_vr",
                        "link_acquisitions")),
    HousekeepingSet(sid=3, name="radio-health", interval_ms=10_000, description="temperatures and power",
                    parameters=("transmitter_temp", "receiver_temp", "pa_current", "rf_output_power", "bus_voltage")),
)

_RATE = number("downlink_rate", cs.Int32ub, "bit/s", 0, 555_000, "lander→relay bit rate")

EVENTS = (
    Event(id=0x0101, name="link-acquired", severity=Severity.INFO, description="receiver locked on the relay",
          data=(number("signal_level", cs.Float32b, "dBm", -150.0, -50.0, "received level"), _RATE)),
    Event(id=0x0102, name="link-lost", severity=Severity.MEDIUM,
          description="no lock for link_loss_timeout; TM queues until the link returns", data=(
              number("locked_for", cs.Float32b, "s", 0.0, 1e6, "how long the link had been up"),
              number("queued", cs.Int16ub, "packets", 0, 65535, "TM packets waiting"))),
    Event(id=0x0103, name="relay-rise", severity=Severity.INFO, description="relay rose above the horizon mask",
          data=(number("range", cs.Float32b, "km", 0.0, 20_000.0, "lander–relay distance"),)),
    Event(id=0x0104, name="relay-set", severity=Severity.INFO, description="relay set below the horizon mask",
          data=(number("range", cs.Float32b, "km", 0.0, 20_000.0, "lander–relay distance"),)),
    Event(id=0x0105, name="queue-overflow", severity=Severity.MEDIUM, description="TM dropped on a full queue",
          data=(number("dropped", cs.Int32ub, "packets", 0, 2**32 - 1, "packets dropped so far"),
                number("queue_depth", cs.Int16ub, "packets", 0, 65535, "queue length"))),
    Event(id=0x0106, name="queue-flushed", severity=Severity.INFO, description="a queue was emptied on command",
          data=(choice("queue", QUEUES, "which queue"),
                number("discarded", cs.Int32ub, "packets", 0, 2**32 - 1, "packets discarded"))),
    Event(id=0x0107, name="downlink-rate-changed", severity=Severity.INFO, description="the downlink rate changed",
          data=(_RATE,)),
    Event(id=0x0108, name="frame-rejected", severity=Severity.LOW, description="an uplinked frame was refused",
          data=(choice("reason", FRAME_FAULTS, "why"),
                number("count", cs.Int32ub, "", 0, 2**32 - 1, "frames rejected so far"))),
    Event(id=0x0109, name="overtemperature", severity=Severity.MEDIUM, description="the power amplifier is hot",
          data=(number("temperature", cs.Float32b, "°C", -55.0, 150.0, "transmitter temperature"),)),
    Event(id=0x010A, name="counters-cleared", severity=Severity.INFO, description="counters were zeroed",
          data=(choice("counters", COUNTER_GROUPS, "which counters"),)),
)

RELAY = Device(
    name="relay",
    apid=APID,
    description="The lander's relay radio: queues TM for downlink through the relay satellite (1.4 to 555 kbit/s) "
                "and delivers uplinked TCs (125 bit/s); reports link state, visibility, light time and counters.",
    functions=FUNCTIONS,
    parameters=PARAMETERS,
    housekeeping=HOUSEKEEPING,
    events=EVENTS,
)
"""The relay radio's dictionary."""

PLUGIN = DevicePlugin(device=RELAY, model="firmware_sim.devices.relay:RelayRadioModel", default_member=True)
"""The relay's registration in the ``farside.devices`` entry-point group (farside's pyproject.toml)."""
