"""The lander's relay radio: downlink queue and bit rate, uplink delivery, link state from the relay's orbit."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import numpy as np

from firmware_sim.devices.base import DeviceModel, Execution
from firmware_sim.devices.relay_settings import RadioSettings
from firmware_sim.engine.scheduler import Scheduler, Timer
from firmware_sim.errors import CommandRefusedError, ConfigurationError
from firmware_sim.params import MAX_COUNT, MAX_SECONDS, Param, dataclass_params, fault_params
from firmware_sim.relay_orbit import LANDING_TAI_NS, QUEQIAO2, Look, OrbitElements, RelayGeometry
from firmware_sim.spacelink import FramesLink
from firmware_sim.spacelink.frames_link import LOSS_MODES, SDLS_ATTACKS
from firmware_sim.spacelink.propagation import SpaceLink
from firmware_sim.spacelink.settings import FrameLinkSettings
from protocols.dictionary.relay import DOWNLINK_RATES, FRAME_FAULTS, RELAY
from protocols.errors import FramingError
from protocols.framing.packets import require_packet
from protocols.services.verification import FailureCode
from protocols.spacepacket import PRIMARY_HEADER_SIZE

NS_PER_S = 1_000_000_000
THERMAL_TIME_CONSTANT_S = 300.0
AMBIENT_C, IDLE_C, RADIATING_C = 20.0, 30.0, 45.0
PA_MAX_C = 150.0
"""The hottest a pa-overheat fault may drive the amplifier."""
"""Power-amplifier baseplate temperatures the unit settles to: off, on but silent, radiating."""
OVERTEMP_HYSTERESIS_C = 10.0
OVERHEAT_CHECK_S = 10.0
NOISE_FLOOR_DBM = -140.0
RF_OUTPUT_W = 10.0

_LINK_COUNTERS = ("frames_sent", "frames_received", "frames_rejected", "link_acquisitions")
_QUEUE_COUNTERS = ("packets_downlinked", "tcs_delivered", "packets_dropped", "packets_flushed")
_LINK_SID = RELAY.hk_set("link").sid
_HEALTH_SID = RELAY.hk_set("radio-health").sid
_COUNTER_GROUPS = {"link": _LINK_COUNTERS, "queues": _QUEUE_COUNTERS, "all": _LINK_COUNTERS + _QUEUE_COUNTERS}


UPLINK_QUEUE_LIMIT = 1_000
"""TCs the radio may be receiving at once (a flood beyond the uplink rate is dropped and counted)."""


@dataclass
class _Uplink:
    """A TC being received at the uplink rate."""

    packet: bytes
    timer: Timer | None = None


@dataclass
class RelayFigures:
    """Totals over the run that clear-counters does not reset."""

    passes: int = 0
    link_up_ns: int = 0
    packets_downlinked: int = 0
    bytes_downlinked: int = 0
    packets_dropped: int = 0
    packets_flushed: int = 0
    tcs_delivered: int = 0
    uplink_lost: int = 0
    uplink_malformed: int = 0
    """Uplinked frames whose data field is not one whole space packet: refused, never forwarded."""
    uplink_overflow: int = 0
    """Uplinked TCs dropped because more were arriving than the uplink rate carries (queue full)."""
    looped_back: int = 0
    light_time_ns_total: int = 0


def _check_orbit(values: Mapping[str, Any]) -> RelayGeometry:
    """The relay geometry an ``orbit`` option table gives (ConfigurationError when it makes no orbit)."""
    return RelayGeometry(replace(QUEQIAO2, **values))


def _overheat_order(values: Mapping[str, Any]) -> str | None:
    """pa-overheat: the trip must come below the temperature the amplifier heats toward."""
    target, trip = values.get("target_c", 120.0), values.get("trip_c", 85.0)
    return None if trip < target else f"trip_c = {trip} must be below target_c = {target}"


_ANGLE = Param("number", -360.0, 360.0, unit="°")
_ALTITUDE = Param("number", 0.0, 1_000_000.0, unit="km")
RADIO_OPTIONS = dataclass_params(RadioSettings, {
    "downlink_rate": Param("any"),
    "queue_octets": Param("integer", 65_542, 1 << 30),
    "overhead_octets": Param("integer", 0, 65_535),
    "acquisition_s": Param("number", 0.0, 3600.0, unit="s"),
    "overflow_event_interval_s": Param("number", 0.0, 86_400.0, unit="s"),
    "geometry_offset_s": Param("number", -MAX_SECONDS, MAX_SECONDS, unit="s"),
    "min_elevation_deg": Param("number", -90.0, 90.0, unit="°"),
    "refresh_s": Param("number", 0.0, 86_400.0, above=True, unit="s"),
    "orbit": Param("table", check=_check_orbit, fields=dataclass_params(OrbitElements, {
        "perilune_altitude_km": _ALTITUDE, "apolune_altitude_km": _ALTITUDE, "inclination_deg": _ANGLE,
        "raan_deg": _ANGLE, "arg_perilune_deg": _ANGLE, "mean_anomaly_deg": _ANGLE})),
    "frames": Param("table", fields=dataclass_params(FrameLinkSettings), check=FrameLinkSettings.from_options),
})
"""The relay radio's model options, as ``[bench.devices.relay]`` takes them (RadioSettings checks the rest)."""


class RelayRadioModel(DeviceModel):
    """The radio as flight software sees it: TM in for downlink, uplinked TCs out, link state and counters.

    On its port, a TC with the relay's APID is a command to the radio; every other packet is queued for
    downlink. While the transmitter is on, the mode is ``relay`` and the link is locked, the queue drains at
    the downlink bit rate and each packet reaches the ground one light time later; otherwise it waits
    (``standby`` and ``store_forward`` hold the queue, ``loopback`` turns TM straight round to the port).
    Uplinked TCs arrive after the light time and the bit time at the uplink rate, only while locked.

    The model is only the radio: the bench builds the space link between its antenna and the ground, and the
    ground, from the radio's options. That link is CCSDS frames by default (``space_link = "frames"``): TM frames
    on virtual channels as CADUs down, CLTUs through FARM-1 up, the CLCW in every frame's OCF; then the frame
    counters and V(R) in telemetry are the real ones. ``space_link = "packets"`` keeps whole packets.
    """

    OPTIONS: ClassVar[Mapping[str, Param]] = RADIO_OPTIONS
    check_option_set = staticmethod(RadioSettings.from_options)

    def __init__(self, scheduler: Scheduler, rng: np.random.Generator, epoch_ns: int = 0,
                 options: Mapping[str, Any] | None = None) -> None:
        super().__init__(RELAY, scheduler, rng, epoch_ns, options)
        self.settings = RadioSettings.from_options(self.options)
        s = self.settings
        if s.geometry_offset_s is not None:
            offset = round(s.geometry_offset_s * NS_PER_S)
        else:
            offset = epoch_ns - LANDING_TAI_NS if epoch_ns else 0
        self.geometry_offset_ns = offset
        self._light_second: int | None = None
        self._light_ns = 0
        self.geometry = RelayGeometry(s.orbit, min_elevation_deg=s.min_elevation_deg,
                                      origin_ns=offset + scheduler.now_ns)
        self.space_link: SpaceLink
        """The link between this radio's antenna and the ground; the bench builds it and calls ``use_space_link``."""
        self.fig = RelayFigures()
        self._queue: deque[bytes] = deque()
        self._queue_octets = 0
        self._period_ns = scheduler.clock.period_ns
        self._tx_end_ns: int | None = None
        self._wake = Timer(self._wake_up)
        """The transmitter's wake-up at the end of the packet on the air: armed anew for each packet."""
        self._wake_cycle: int | None = None
        self._uplinks: list[_Uplink] = []
        self._rx_free_ns = 0
        self._acquire_timer: Timer | None = None
        self._loss_timer: Timer | None = None
        self._visibility_timer: Timer | None = None
        self._locked_since_ns: int | None = None
        self._lost_at_ns = 0
        self._outage_until_ns = 0
        self._stuck = False
        self._stuck_generation = 0
        self._pa_failed = False
        self._overheat: tuple[float, float] | None = None
        self._overheat_timer: Timer | None = None
        self._overheat_tripped = False
        self._reject: deque[str] = deque()
        self._last_overflow_event_ns: int | None = None
        self._thermal_ns = scheduler.now_ns
        self._last_look_ns: int | None = None
        self._look: Look | None = None
        t = self.telemetry
        t.update(radio_power=s.power, radio_mode=s.mode, link_state="no_signal", relay_visible="hidden",
                 downlink_rate=s.downlink_rate, uplink_rate=s.uplink_rate, downlink_queue_limit=s.queue_limit,
                 link_loss_timeout=s.link_loss_timeout_s, receiver_temp=25.0,
                 transmitter_temp=IDLE_C if s.power == "on" else AMBIENT_C,
                 rx_signal_level=NOISE_FLOOR_DBM, bus_voltage=28.0)
        self.refresh_telemetry()
        scheduler.after(0, self._start, priority=-1)

    # wiring -------------------------------------------------------------------------------------------------
    def use_space_link(self, link: SpaceLink) -> None:
        """Radiate over ``link`` (the bench builds it from this radio's settings and connects the ground to it)."""
        self.space_link = link

    @property
    def link_up(self) -> bool:
        """True while locked on the relay (TM can be sent, TCs received)."""
        return self.telemetry["link_state"] == "locked"

    @property
    def frames_link(self) -> FramesLink | None:
        """The CCSDS frame link, when that is the space link in use."""
        link = self.space_link
        return link if isinstance(link, FramesLink) else None

    # what the frame link asks of the radio ------------------------------------------------------------------
    @property
    def downlink_rate_bps(self) -> int:
        """The downlink bit rate in use."""
        return int(self.telemetry["downlink_rate"])

    @property
    def uplink_rate_bps(self) -> int:
        """The uplink bit rate."""
        return int(self.telemetry["uplink_rate"])

    @property
    def transmitting(self) -> bool:
        """True while the transmitter radiates toward the relay (a frame can go down now)."""
        return self._can_transmit()

    def tm_frame_sent(self, mc_count: int) -> None:
        """The frame link sent a TM frame: count it, report its master-channel frame count."""
        self._count("frames_sent")
        self.telemetry["tm_frame_count"] = mc_count

    def tc_frame_handled(self, accepted: bool, reason: str | None, vr: int) -> None:
        """FARM-1 accepted a TC frame, or discarded it (``frame-rejected`` with the reason)."""
        self.telemetry["tc_frame_vr"] = vr
        if accepted:
            self._count("frames_received")
            return
        self._count("frames_rejected")
        self.emit("frame-rejected", reason or "crc", self.telemetry["frames_rejected"])

    def uplink_lost(self) -> None:
        """A CLTU arrived while the receiver had no lock."""
        self.fig.uplink_lost += 1

    @property
    def powered(self) -> bool:
        """True while the transmitter is switched on."""
        return self.telemetry["radio_power"] == "on"

    @property
    def queue_depth(self) -> int:
        """Packets waiting for downlink."""
        return len(self._queue)

    def geometry_time_ns(self, now_ns: int | None = None) -> int:
        """Geometry time (ns since landing) at a virtual time (default: now)."""
        return (self.scheduler.now_ns if now_ns is None else now_ns) + self.geometry_offset_ns

    def light_time_ns(self, virtual_ns: int) -> int:
        """One-way lander→relay→Earth light time for a packet sent at ``virtual_ns`` (held for one second).

        The light time drifts by a few microseconds per second as the relay moves, far below the bench's
        cycle, so the geometry is evaluated once per second of virtual time rather than once per packet.
        """
        second = virtual_ns // NS_PER_S
        if second != self._light_second:
            self._light_second = second
            self._light_ns = self.geometry.light_time_ns(self.geometry_time_ns(second * NS_PER_S))
        return self._light_ns

    def _cycle(self, virtual_ns: int) -> int:
        return -(-virtual_ns // self._period_ns)

    # packets from flight software ----------------------------------------------------------------------------
    def on_packet(self, raw: bytes) -> None:
        """A command to the radio goes to the PUS machinery; any other packet goes to the downlink queue."""
        if len(raw) < PRIMARY_HEADER_SIZE or (raw[0] & 0x10 and ((raw[0] & 0x07) << 8 | raw[1]) == self.apid):
            self.refresh_telemetry()
            super().on_packet(raw)
            return
        if self.telemetry["radio_mode"] == "loopback" and self.powered and self.port is not None:
            self.fig.looped_back += 1
            self.port.send(raw)
            return
        self._enqueue(raw)

    def _enqueue(self, raw: bytes) -> None:
        queue, size = self._queue, len(raw)
        if len(queue) >= self.telemetry["downlink_queue_limit"] or (
                self._queue_octets + size > self.settings.queue_octets):
            self._count("packets_dropped")
            self.fig.packets_dropped += 1
            now = self.scheduler.now_ns
            interval = round(self.settings.overflow_event_interval_s * NS_PER_S)
            if self._last_overflow_event_ns is None or now - self._last_overflow_event_ns >= interval:
                self._last_overflow_event_ns = now
                self.emit("queue-overflow", self.telemetry["packets_dropped"], len(queue))
            return
        queue.append(raw)
        self._queue_octets += size
        self._queue_telemetry()
        self._pump()

    # transmitter ----------------------------------------------------------------------------------------------
    def _can_transmit(self) -> bool:
        t = self.telemetry  # powered, in relay mode, locked (the properties, read once per packet here)
        return (t["radio_power"] == "on" and t["radio_mode"] == "relay" and t["link_state"] == "locked"
                and not self._stuck and not self._pa_failed)

    def _tx_time_ns(self, packet: bytes) -> int:
        bits = self.space_link.air_octets(packet) * 8
        return -(-bits * NS_PER_S // int(self.telemetry["downlink_rate"]))

    def _pump(self) -> None:
        """Finish every packet whose last bit has gone, start the next, and wake at its end."""
        now, queue = self.scheduler.now_ns, self._queue
        end = self._tx_end_ns
        while end is not None and end <= now:
            self._tx_end_ns = None
            self._finish_head(end)
            end = end + self._tx_time_ns(queue[0]) if queue and self._can_transmit() else None
            self._tx_end_ns = end
        if end is None and queue and self._can_transmit():
            end = self._tx_end_ns = now + self._tx_time_ns(queue[0])
        due = None if end is None else -(-end // self._period_ns)
        if due != self._wake_cycle:
            if due is None:
                self._wake.cancel()
            else:
                self.scheduler.arm(self._wake, due)
            self._wake_cycle = due

    def _wake_up(self) -> None:
        self._wake_cycle = None
        self._pump()

    def _finish_head(self, end_ns: int) -> None:
        raw = self._queue.popleft()
        size = len(raw)
        self._queue_octets -= size
        link = self.space_link
        arrival = link.downlink(raw, end_ns)
        self._count("packets_downlinked")
        if not link.frames:  # one packet, one "frame" on the packet link
            self._count("frames_sent")
            self.telemetry["tm_frame_count"] = (self.telemetry["tm_frame_count"] + 1) & 0xFF
        fig = self.fig
        fig.packets_downlinked += 1
        fig.bytes_downlinked += size
        fig.light_time_ns_total += arrival - end_ns
        self._queue_telemetry()

    def _settle(self) -> None:
        """Bring thermal state and the transmitter up to now, before a state change."""
        self._thermal()
        self._pump()

    def _transmit_changed(self) -> None:
        """After a state change: abort the packet on the air if sending stopped (it stays queued), or start."""
        if self._tx_end_ns is not None and not self._can_transmit():
            self._tx_end_ns = None
        self._pump()

    def _queue_telemetry(self) -> None:
        self.telemetry["downlink_queue_depth"] = len(self._queue)
        self.telemetry["downlink_queue_bytes"] = self._queue_octets

    # uplink ---------------------------------------------------------------------------------------------------
    def receive_uplink(self, packet: bytes, first_bit_ns: int) -> None:
        """A TC's first bit reaches the radio at ``first_bit_ns``: receive it at the uplink rate, then deliver."""
        if len(self._uplinks) >= UPLINK_QUEUE_LIMIT:
            self.fig.uplink_overflow += 1
            return
        start = max(first_bit_ns, self._rx_free_ns)
        done = start + -(-len(packet) * 8 * NS_PER_S // int(self.telemetry["uplink_rate"]))
        self._rx_free_ns = done
        entry = _Uplink(packet)
        entry.timer = self.scheduler.at(self._cycle(done), lambda: self._deliver_uplink(entry))
        self._uplinks.append(entry)
        self.telemetry["uplink_queue_depth"] = min(len(self._uplinks), 0xFFFF)

    def _deliver_uplink(self, entry: _Uplink) -> None:
        self._uplinks.remove(entry)
        self.telemetry["uplink_queue_depth"] = len(self._uplinks)
        if not self.link_up:
            self.fig.uplink_lost += 1
            return
        if not self.space_link.frames:  # the frame link ran FARM-1 and counted already
            if self._reject:
                reason = self._reject.popleft()
                self._count("frames_rejected")
                self.emit("frame-rejected", reason, self.telemetry["frames_rejected"])
                return
            self._count("frames_received")
            self.telemetry["tc_frame_vr"] = (self.telemetry["tc_frame_vr"] + 1) & 0xFF
        if self.port is None:
            self.fig.uplink_lost += 1
            return
        try:
            packet = require_packet(entry.packet)
        except FramingError:
            self.fig.uplink_malformed += 1  # not one whole space packet: nothing the flight software could take
            self._count("frames_rejected")
            self.emit("frame-rejected", "length", self.telemetry["frames_rejected"])
            return
        self._count("tcs_delivered")
        self.fig.tcs_delivered += 1
        self.port.send(packet)

    # link state -----------------------------------------------------------------------------------------------
    def _start(self) -> None:
        if self.settings.visibility == "always":
            self._set_relay_visible(True, announce=False)
        else:
            self._set_relay_visible(self.geometry.schedule.relay.state_at(self.geometry_time_ns()), announce=False)
            self._schedule_visibility()
        self._update_link()

    def _schedule_visibility(self) -> None:
        t = self.geometry_time_ns()
        schedule = self.geometry.schedule
        changes = [c for c in (schedule.relay.next_transition(t), schedule.link.next_transition(t)) if c is not None]
        if changes:
            due = min(c.t_ns for c in changes) - self.geometry_offset_ns
            self._visibility_timer = self.scheduler.at(self._cycle(due), self._on_visibility, priority=-1)

    def _on_visibility(self) -> None:
        self._set_relay_visible(self.geometry.schedule.relay.state_at(self.geometry_time_ns()), announce=True)
        self._update_link()
        self._schedule_visibility()

    def _set_relay_visible(self, visible: bool, announce: bool) -> None:
        label = "visible" if visible else "hidden"
        if self.telemetry["relay_visible"] == label:
            return
        self.telemetry["relay_visible"] = label
        if visible:
            self.fig.passes += 1
        if announce:
            look = self._refresh_look(force=True)
            self.emit("relay-rise" if visible else "relay-set", look.range_km)

    def _link_possible(self) -> bool:
        if self.scheduler.now_ns < self._outage_until_ns:
            return False
        if self.settings.visibility == "always":
            return True
        return self.geometry.schedule.link.state_at(self.geometry_time_ns())

    def _update_link(self) -> None:
        """Move the link state machine after anything that may have changed whether the link is possible."""
        possible = self._link_possible()
        state = self.telemetry["link_state"]
        if possible and state in ("no_signal", "lost"):
            self.telemetry["link_state"] = "acquiring"
            delay = round(self.settings.acquisition_s * NS_PER_S)
            self._acquire_timer = self.scheduler.at(self._cycle(self.scheduler.now_ns + delay), self._acquired)
        elif not possible and state == "locked":
            self._settle()
            now = self.scheduler.now_ns
            self.fig.link_up_ns += now - (self._locked_since_ns or now)
            self.telemetry["link_state"] = "lost"
            self._lost_at_ns = now
            self._transmit_changed()
            self._start_loss_timer()
            self.space_link.link_changed(False)
        elif not possible and state == "acquiring":
            if self._acquire_timer is not None:
                self._acquire_timer.cancel()
                self._acquire_timer = None
            self.telemetry["link_state"] = "lost" if self._loss_timer is not None else "no_signal"

    def _acquired(self) -> None:
        self._acquire_timer = None
        if self.telemetry["link_state"] != "acquiring" or not self._link_possible():
            return
        if self._loss_timer is not None:
            self._loss_timer.cancel()
            self._loss_timer = None
        self._settle()
        self.telemetry["link_state"] = "locked"
        self._locked_since_ns = self.scheduler.now_ns
        self.telemetry["link_acquisitions"] = (self.telemetry["link_acquisitions"] + 1) & 0xFFFF
        look = self._refresh_look(force=True)
        self.emit("link-acquired", _signal_dbm(look.range_km), int(self.telemetry["downlink_rate"]))
        self.space_link.link_changed(True)
        self._transmit_changed()

    def _start_loss_timer(self) -> None:
        if self._loss_timer is not None:
            self._loss_timer.cancel()
        timeout = round(float(self.telemetry["link_loss_timeout"]) * NS_PER_S)
        self._loss_timer = self.scheduler.at(self._cycle(self.scheduler.now_ns + timeout), self._loss_timeout)

    def _loss_timeout(self) -> None:
        self._loss_timer = None
        if self.telemetry["link_state"] == "locked":
            return
        locked_for = (self._lost_at_ns - (self._locked_since_ns or self._lost_at_ns)) / NS_PER_S
        self.emit("link-lost", max(0.0, locked_for), min(len(self._queue), 0xFFFF))
        if self.telemetry["link_state"] == "lost":
            self.telemetry["link_state"] = "no_signal"

    # telemetry ---------------------------------------------------------------------------------------------------
    def report_hk(self, sid: int) -> None:
        """Bring the set's analogue readings up to date (look angles at most every ``refresh_s``), then report."""
        if sid == _LINK_SID:
            self._refresh_link()
        elif sid == _HEALTH_SID:
            self._refresh_health()
        super().report_hk(sid)

    def _refresh_look(self, force: bool = False) -> Look:
        now = self.scheduler.now_ns
        interval = round(self.settings.refresh_s * NS_PER_S)
        if force or self._look is None or self._last_look_ns is None or now - self._last_look_ns >= interval:
            self._look = self.geometry.look(self.geometry_time_ns(now))
            self._last_look_ns = now
            t = self.telemetry
            t["light_time"], t["relay_range"] = self._look.light_time_s, self._look.range_km
            t["relay_elevation"] = self._look.elevation_deg
        return self._look

    def _radiating(self) -> bool:
        return self.powered and not self._pa_failed and self.telemetry["radio_mode"] == "relay" and self.link_up

    def _temperature_now(self) -> float:
        """Transmitter temperature now: a first-order lag toward the state's settling temperature."""
        dt = (self.scheduler.now_ns - self._thermal_ns) / NS_PER_S
        if self.powered and self._overheat is not None:
            target = self._overheat[0]
        else:
            target = RADIATING_C if self._radiating() else IDLE_C if self.powered else AMBIENT_C
        temp = float(self.telemetry["transmitter_temp"])
        return temp + (target - temp) * (1 - math.exp(-dt / THERMAL_TIME_CONSTANT_S))

    def _thermal(self) -> None:
        self.telemetry["transmitter_temp"] = self._temperature_now()
        self._thermal_ns = self.scheduler.now_ns

    def refresh_telemetry(self) -> None:
        """Recompute every analogue reading now (look angles, light time, signal, temperatures, currents)."""
        self._refresh_link()
        self._refresh_health()

    def _refresh_link(self) -> None:
        look = self._refresh_look()
        locked = self.telemetry["link_state"] in ("locked", "acquiring")
        level = _signal_dbm(look.range_km) if locked else NOISE_FLOOR_DBM
        self.telemetry["rx_signal_level"] = min(-50.0, max(-150.0, level + 0.3 * float(self.rng.normal())))

    def _refresh_health(self) -> None:
        self._thermal()
        t, noise = self.telemetry, self.rng.normal(0.0, 1.0, 3)
        radiating = self._radiating()
        if not self.powered:
            current = 0.02
        elif self._pa_failed:
            current = 0.05
        else:
            current = 1.6 if radiating else 0.35
        t["pa_current"] = max(0.0, current + 0.01 * float(noise[0]))
        t["rf_output_power"] = max(0.0, RF_OUTPUT_W + 0.05 * float(noise[1])) if radiating else 0.0
        t["bus_voltage"] = 28.0 - (0.2 if radiating else 0.0) + 0.02 * float(noise[2])
        t["receiver_temp"] = 25.0 + (3.0 if self.powered else 0.0)

    def on_parameter_set(self, name: str, value: Any) -> None:
        """Queue limit and link-loss timeout take effect at once."""
        if name == "downlink_queue_limit":
            value = int(value)
        super().on_parameter_set(name, value)

    def _count(self, name: str) -> None:
        self.telemetry[name] = (self.telemetry[name] + 1) & 0xFFFFFFFF

    # functions ----------------------------------------------------------------------------------------------------
    def cmd_power(self, state: str) -> Execution | None:
        """Switch the transmitter; refused on a failed or still-hot power amplifier."""
        if state == "on":
            if self.powered:
                return None
            if self._pa_failed:
                raise CommandRefusedError(FailureCode.HARDWARE_FAULT, "transmitter failed: power amplifier dead")
            trip = self._overheat[1] if self._overheat else math.inf
            if self._overheat_tripped and self._temperature_now() > trip - OVERTEMP_HYSTERESIS_C:
                raise CommandRefusedError(FailureCode.INVALID_STATE, "transmitter still too hot after overtemperature")
            self._settle()
            self.telemetry["radio_power"] = "on"
            self._watch_overheat()
        else:
            if not self.powered:
                return None
            self._switch_off()
        self._transmit_changed()
        return None

    def _switch_off(self) -> None:
        self._settle()
        self.telemetry["radio_power"] = "off"
        self.telemetry["radio_mode"] = "standby"
        self._unstick()
        if self._overheat_timer is not None:
            self._overheat_timer.cancel()
            self._overheat_timer = None
        self._transmit_changed()

    def cmd_set_mode(self, mode: str) -> Execution | None:
        """Select standby, relay, store_forward or loopback; all but standby need the transmitter on."""
        if mode != "standby" and not self.powered:
            raise CommandRefusedError(FailureCode.INVALID_STATE, f"mode {mode} needs the transmitter on")
        self._settle()
        self.telemetry["radio_mode"] = mode
        self._transmit_changed()
        return None

    def cmd_set_downlink_rate(self, rate: str) -> Execution | None:
        """Select a lander→relay rate; the packet on the air finishes at the old rate."""
        bps = DOWNLINK_RATES[rate]
        if bps != self.telemetry["downlink_rate"]:
            self._settle()
            self.telemetry["downlink_rate"] = bps
            self.emit("downlink-rate-changed", bps)
        return None

    def cmd_flush_queue(self, queue: str) -> Execution | None:
        """Discard queued TM (and the packet on the air) and/or TCs being received; clears a stuck queue."""
        self._settle()
        discarded = 0
        if queue in ("downlink", "both"):
            discarded += len(self._queue)
            self._queue.clear()
            self._queue_octets = 0
            self._tx_end_ns = None
            self._unstick()
            self._queue_telemetry()
        if queue in ("uplink", "both"):
            discarded += len(self._uplinks)
            for entry in self._uplinks:
                if entry.timer is not None:
                    entry.timer.cancel()
            self._uplinks.clear()
            self._rx_free_ns = self.scheduler.now_ns
            self.telemetry["uplink_queue_depth"] = 0
        self.telemetry["packets_flushed"] = (self.telemetry["packets_flushed"] + discarded) & 0xFFFFFFFF
        self.fig.packets_flushed += discarded
        self.emit("queue-flushed", queue, discarded)
        self._transmit_changed()
        return None

    def cmd_clear_counters(self, counters: str) -> Execution | None:
        """Zero one group of counters (frame counts and V(R) are link state, not statistics: kept)."""
        for name in _COUNTER_GROUPS[counters]:
            self.telemetry[name] = 0
        self.emit("counters-cleared", counters)
        return None

    # faults ---------------------------------------------------------------------------------------------------------
    @fault_params(duration_s=Param("number", 0.0, MAX_SECONDS, above=True, unit="s"))
    def fault_link_outage(self, duration_s: float = 600.0) -> None:
        """The relay link drops for ``duration_s`` whatever the geometry (relay fault, interference)."""
        until = self.scheduler.now_ns + round(duration_s * NS_PER_S)
        self._outage_until_ns = max(self._outage_until_ns, until)
        self._update_link()
        self.scheduler.at(self._cycle(until), self._update_link)

    @fault_params()
    def fault_transmitter_failure(self) -> None:
        """The power amplifier dies: no RF, no downlink (TM piles up), the receiver still works."""
        self._settle()
        self._pa_failed = True
        self._transmit_changed()
        self.refresh_telemetry()

    @fault_params(duration_s=Param("number", 0.0, MAX_SECONDS, above=True, unit="s"))
    def fault_queue_stuck(self, duration_s: float | None = None) -> None:
        """The downlink queue stops draining (until flush-queue, a power cycle, or ``duration_s``)."""
        self._settle()
        self._stuck = True
        self._stuck_generation += 1
        generation = self._stuck_generation
        self._transmit_changed()
        if duration_s is not None:
            due = self.scheduler.now_ns + round(duration_s * NS_PER_S)
            self.scheduler.at(self._cycle(due), lambda: self._unstick_after(generation))

    def _unstick_after(self, generation: int) -> None:
        if self._stuck and generation == self._stuck_generation:
            self._settle()
            self._unstick()
            self._transmit_changed()

    def _unstick(self) -> None:
        self._stuck = False

    @fault_params(_overheat_order, target_c=Param("number", AMBIENT_C, PA_MAX_C, above=True, unit="°C"),
                  trip_c=Param("number", AMBIENT_C, PA_MAX_C, above=True, unit="°C"))
    def fault_pa_overheat(self, target_c: float = 120.0, trip_c: float = 85.0) -> None:
        """The amplifier's heat path fails: it heats toward ``target_c``; at ``trip_c`` the radio reports
        overtemperature and switches the transmitter off (power on is refused until it has cooled by 10 °C)."""
        self._thermal()
        self._overheat = (float(target_c), float(trip_c))
        self._overheat_tripped = False
        self._watch_overheat()

    def _watch_overheat(self) -> None:
        if self._overheat is None or not self.powered or self._overheat_timer is not None:
            return
        period = self.scheduler.clock.cycles(OVERHEAT_CHECK_S)
        self._overheat_timer = self.scheduler.every(period, self._check_overheat)

    def _check_overheat(self) -> None:
        self._thermal()
        temp = float(self.telemetry["transmitter_temp"])
        if self._overheat is None or temp < self._overheat[1]:
            return
        self._overheat_tripped = True
        self.emit("overtemperature", temp)
        self._switch_off()

    @fault_params(count=Param("integer", 1, MAX_COUNT), reason=Param("text", choices=tuple(FRAME_FAULTS)))
    def fault_uplink_errors(self, count: int = 1, reason: str = "crc") -> None:
        """The next ``count`` uplinked frames arrive damaged and are rejected (``reason``: crc, length,
        sequence or lockout); their TCs never reach flight software."""
        link = self.frames_link
        if link is not None:
            link.tc.damage(reason, int(count))
            return
        self._reject.extend([reason] * int(count))

    @fault_params(direction=Param("text", choices=("uplink", "downlink")), count=Param("integer", 0, MAX_COUNT),
                  probability=Param("number", 0.0, 1.0), mode=Param("text", choices=LOSS_MODES))
    def fault_frame_loss(self, direction: str = "uplink", count: int = 0, probability: float = 0.0,
                         mode: str = "lose") -> None:
        """Frames of the frame link go missing (``lose``) or arrive beyond repair (``corrupt``; ``mixed``: either):
        the next ``count`` of them, then each with ``probability`` (0 ends it). ``direction``: uplink (CLTUs) or
        downlink (CADUs)."""
        link = self.frames_link
        if link is None:
            raise ConfigurationError("frame-loss needs the frame link (relay option space_link = \"frames\")")
        link.frame_loss(direction, int(count), float(probability), mode)

    @fault_params(kind=Param("text", choices=SDLS_ATTACKS), count=Param("integer", 1, MAX_COUNT))
    def fault_sdls_attack(self, kind: str = "forge", count: int = 1) -> None:
        """An attacker radiates ``count`` secured TC frames the lander must reject: ``forge`` (bad MAC), ``replay``
        (the latest accepted frame again), ``replay-old`` (the first one again), ``truncate`` (cut inside the
        security header), ``wrong-spi`` (an SPI with no association). Needs ``[bench.security]``."""
        link = self.frames_link
        if link is None or link.tc.sdls is None:
            raise ConfigurationError("sdls-attack needs the frame link and security associations ([bench.security])")
        link.sdls_attack(kind, int(count))

    @fault_params(direction=Param("text", choices=("uplink", "downlink", "both")),
                  ber=Param("number", 0.0, 0.1), burst_bits=Param("number", 0.0, 1e6, unit="bits"))
    def fault_channel_errors(self, direction: str = "both", ber: float = 1e-5, burst_bits: float = 0.0) -> None:
        """Bit errors on the frame link's coded bits from now on: mean ``ber`` with bursts of ``burst_bits``
        (Gilbert-Elliott; below 2: independent errors; ``ber`` 0 clears). ``direction``: uplink, downlink, both."""
        link = self.frames_link
        if link is None:
            raise ConfigurationError("channel-errors needs the frame link (relay option space_link = \"frames\")")
        for name in ("uplink", "downlink"):
            if direction in (name, "both"):
                channel = link.up_channel if name == "uplink" else link.down_channel
                channel.configure(float(ber), float(burst_bits))

    # summary ---------------------------------------------------------------------------------------------------------
    def figures(self) -> dict[str, Any]:
        """Passes, link-up hours, packets and bytes downlinked, drops, TCs delivered, mean light time."""
        fig = self.fig
        up_ns = fig.link_up_ns
        if self.link_up and self._locked_since_ns is not None:
            up_ns += self.scheduler.now_ns - self._locked_since_ns
        mean_light = fig.light_time_ns_total / fig.packets_downlinked / NS_PER_S if fig.packets_downlinked else None
        return {
            "passes": fig.passes,
            "link_acquisitions": int(self.telemetry["link_acquisitions"]),
            "link_up_hours": round(up_ns / NS_PER_S / 3600, 3),
            "packets_downlinked": fig.packets_downlinked,
            "bytes_downlinked": fig.bytes_downlinked,
            "packets_dropped": fig.packets_dropped,
            "packets_flushed": fig.packets_flushed,
            "packets_queued": len(self._queue),
            "packets_looped_back": fig.looped_back,
            "tcs_delivered": fig.tcs_delivered,
            "uplink_lost": fig.uplink_lost,
            "uplink_malformed": fig.uplink_malformed,
            "uplink_overflow": fig.uplink_overflow,
            "mean_light_time_s": None if mean_light is None else round(mean_light, 4),
            "space_link": self.settings.space_link,
        }



def _signal_dbm(range_km: float) -> float:
    """Received level from the relay's forward link: −95 dBm at 1000 km, free-space loss beyond."""
    return -95.0 - 20.0 * math.log10(max(range_km, 1.0) / 1000.0)
