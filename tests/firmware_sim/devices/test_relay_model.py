"""The relay radio model as flight software sees it: downlink queue and rate, uplink, link state, faults."""

from __future__ import annotations

import itertools
import time

import pytest

from firmware_sim.devices.relay import RelayRadioModel
from firmware_sim.devices.relay_settings import RadioSettings
from firmware_sim.errors import ConfigurationError
from firmware_sim.relay_orbit import NS_PER_HOUR, NS_PER_S
from firmware_sim.spacelink.ground import GroundStation
from firmware_sim.spacelink.propagation import SpaceLink
from hil.procedure import Procedure
from protocols.describe import PacketView
from protocols.dictionary.relay import RELAY
from protocols.dictionary.sampler import SAMPLER
from protocols.pus import PusTc, PusTm
from protocols.services import parameters

SAMPLER_APID = SAMPLER.apid
RATE = 8_000
PACKET_OCTETS = 101  # 80 octets of app data in a PUS TM
TX_NS = -(-PACKET_OCTETS * 8 * NS_PER_S // RATE)  # 101 ms at 8 kbit/s
FIRST_SET_S = 10.6428 * 3600  # the relay sets below 10° about 10.64 h after landing, rises again at 13.34 h
RISE_S = 13.3408 * 3600


def _harness(seed: int = 1, **options: object) -> Procedure:
    """A radio on a UART link to the test, which plays flight software; link always possible unless told.

    These tests pin the radio's own timing, so the space link is the packet one (tests/firmware_sim/spacelink
    covers the CCSDS frame link).
    """
    return Procedure.for_device("relay", seed=seed, options={"visibility": "always", "downlink_rate": RATE,
                                                            "space_link": "packets", **options})


def _radio(h: Procedure) -> RelayRadioModel:
    radio = h.model("relay")
    assert isinstance(radio, RelayRadioModel)
    return radio


def _ground(h: Procedure) -> GroundStation:
    """The ground station at the far end of the radio's space link (the one place that knows who owns it)."""
    ground = h.bench.ground
    assert ground is not None
    return ground


def _space_link(h: Procedure) -> SpaceLink:
    """The space link between the radio's antenna and the ground."""
    link = h.bench.space_link
    assert link is not None
    return link


def _events(h: Procedure, name: str | None = None) -> list[PacketView]:
    """The radio's event reports as they crossed the link (optionally one event, by name)."""
    return [p for p in h.packets("relay") if p.service == 5 and (name is None or p.name == f"event:{name}")]


def _quiet(h: Procedure) -> None:
    """Stop housekeeping so long runs stay cheap."""
    for sid in ("link", "counters", "radio-health"):
        h.send("relay", "hk-disable", sid=sid)


def _tm(seq: int, apid: int = SAMPLER_APID, size: int = 80) -> bytes:
    return PusTm(apid, 3, 25, bytes(size), seq, 0, 0).pack()


def _forward(h: Procedure, count: int, first: int = 0, apid: int = SAMPLER_APID) -> list[int]:
    """Flight software forwards ``count`` TM packets to the radio; returns the virtual time of sending."""
    sent = []
    for seq in range(first, first + count):
        sent.append(h.bench.scheduler.now_ns)
        h.write("relay", _tm(seq, apid))
    return sent


def _seqs(h: Procedure, apid: int = SAMPLER_APID) -> list[int]:
    return [p.seq_count for p in _ground(h).packets(apid)]


def _uplinked(h: Procedure) -> list[int]:
    """Sequence counts of TCs the radio delivered to flight software."""
    return [p.seq_count for p in h.packets("relay") if p.type == "TC"]


# nominal ------------------------------------------------------------------------------------------------------
def test_forwarded_tm_reaches_the_ground_in_order_at_the_rate_after_the_light_time() -> None:
    """Ten packets queue behind each other, leave 101 ms apart at 8 kbit/s and land 1.2–1.4 s later."""
    h = _harness()
    radio = _radio(h)
    h.run(3)
    assert radio.telemetry["link_state"] == "locked" and _events(h, "link-acquired")
    start = h.bench.scheduler.now_ns
    _forward(h, 10)
    h.run(5)
    got = _ground(h).packets(SAMPLER_APID)
    assert [p.seq_count for p in got] == list(range(10))
    assert TX_NS <= got[0].sent_ns - start <= TX_NS + 20_000_000  # UART transfer + one packet time
    assert {b.sent_ns - a.sent_ns for a, b in itertools.pairwise(got)} == {TX_NS}
    for p in got:
        assert p.arrival_ns - p.sent_ns == radio.light_time_ns(p.sent_ns)  # held for one second of virtual time
        exact = radio.geometry.light_time_ns(radio.geometry_time_ns(p.sent_ns))
        assert abs(p.arrival_ns - p.sent_ns - exact) < 20_000  # within 20 µs of the instantaneous geometry
        assert 1.21 <= p.delay_s <= 1.40
    assert radio.telemetry["packets_downlinked"] == radio.telemetry["frames_sent"] == 10
    assert radio.telemetry["tm_frame_count"] == 10 and radio.queue_depth == 0
    assert _ground(h).gaps == 0


def test_rate_change_is_reported_and_speeds_the_queue_up() -> None:
    """set-downlink-rate emits downlink-rate-changed and the next packets go at the new rate."""
    h = _harness()
    radio = _radio(h)
    h.run(3)
    record = h.send("relay", "set-downlink-rate", rate="555k")
    h.run(0.1)
    assert record.completed and radio.telemetry["downlink_rate"] == 555_000
    assert _events(h, "downlink-rate-changed")[0].fields["downlink_rate"] == 555_000
    _forward(h, 3)
    h.run(3)
    got = _ground(h).packets(SAMPLER_APID)
    assert got[2].sent_ns - got[1].sent_ns < 10_000_000  # UART-limited now, not 101 ms


def test_own_commands_are_executed_and_other_packets_of_its_apid_downlinked() -> None:
    """A TC with the relay's APID is a command; the relay's own TM forwarded back by flight software is queued."""
    h = _harness()
    radio = _radio(h)
    h.run(3)
    ping = h.send("relay", "ping")
    h.run(0.1)
    assert ping.completed and any(p.service == 17 and p.subtype == 2 for p in h.packets("relay"))
    h.write("relay", _tm(7, apid=RELAY.apid))
    h.run(3)
    assert _seqs(h, RELAY.apid) == [7]
    assert radio.counters.commands_accepted == 1


def test_uplinked_tc_reaches_flight_software_after_light_and_bit_time() -> None:
    """A TC from the ground arrives after the light time plus its bits at 125 bit/s, and is counted."""
    h = _harness()
    radio = _radio(h)
    h.run(3)
    sent = h.bench.scheduler.now_ns
    raw = _ground(h).command(SAMPLER, "ping")
    bit_time = len(raw) * 8 * NS_PER_S // 125
    light = radio.geometry.light_time_ns(radio.geometry_time_ns(sent))
    h.wait_until(lambda: bool(_uplinked(h)), timeout_s=5)
    arrived = h.bench.scheduler.now_ns
    assert sent + light + bit_time <= arrived <= sent + light + bit_time + 5_000_000
    assert radio.telemetry["tcs_delivered"] == radio.telemetry["frames_received"] == 1
    assert radio.telemetry["tc_frame_vr"] == 1
    assert next(p for p in h.packets("relay") if p.type == "TC").apid == SAMPLER_APID


def test_uplink_waits_at_the_ground_while_the_link_is_down() -> None:
    """TCs sent before lock are held by the ground station and delivered, in order, after acquisition."""
    h = _harness(acquisition_s=5.0)
    radio = _radio(h)
    h.run(1)
    assert radio.telemetry["link_state"] == "acquiring"
    first, second = _ground(h).command(SAMPLER, "ping"), _ground(h).command(SAMPLER, "ping")
    assert _ground(h).counters.tcs_held == 2
    h.run(10)
    assert _uplinked(h) == [PusTc.unpack(first).seq_count, PusTc.unpack(second).seq_count]


def test_uplink_in_flight_when_the_link_drops_is_lost_and_counted() -> None:
    """A TC still being received when lock is lost never reaches flight software; the radio counts it."""
    h = _harness()
    radio = _radio(h)
    h.run(3)
    _ground(h).command(SAMPLER, "ping")
    h.run(0.5)
    radio.inject("link-outage", duration_s=30)
    h.run(5)
    assert not _uplinked(h)
    assert radio.figures()["uplink_lost"] == 1 and radio.telemetry["tcs_delivered"] == 0


# link state from the geometry --------------------------------------------------------------------------------
def test_relay_set_and_rise_drive_the_link_events() -> None:
    """Starting just before the first relay set: relay-set, link-lost after the timeout, then relay-rise and
    link-acquired; TM queued while hidden is downlinked after the rise, none lost."""
    start_s = FIRST_SET_S - 60
    h = _harness(visibility="geometry", geometry_offset_s=start_s)
    radio = _radio(h)
    _quiet(h)
    h.run(30)
    assert radio.telemetry["link_state"] == "locked" and radio.telemetry["relay_visible"] == "visible"
    h.run(45)
    assert [p.name for p in _events(h)][-2:] == ["event:relay-set", "event:link-lost"]
    assert radio.telemetry["link_state"] == "no_signal" and radio.telemetry["relay_visible"] == "hidden"
    lost = _events(h, "link-lost")[0].fields
    assert lost["locked_for"] == pytest.approx(60 - 2, abs=1) and lost["queued"] == 0
    _forward(h, 5)
    h.run(1)
    assert radio.queue_depth == 5 and not _ground(h).received
    h.run(RISE_S - start_s)
    names = [p.name for p in _events(h)]
    assert names[-2:] == ["event:relay-rise", "event:link-acquired"]
    assert 4000 < _events(h, "relay-rise")[0].fields["range"] < 8000
    h.run(5)
    assert _seqs(h) == list(range(5)) and radio.figures()["passes"] == 2


def test_mission_epoch_places_the_geometry() -> None:
    """A bench whose epoch is the landing puts virtual time zero at the landing; visibility='geometry' is default."""
    h = Procedure.for_device("relay", start_utc="2024-06-02T10:23:00Z")  # 12 h after the landing
    radio = _radio(h)
    assert radio.geometry_offset_ns == 12 * NS_PER_HOUR
    h.run(5)
    assert radio.telemetry["link_state"] == "no_signal" and radio.telemetry["relay_visible"] == "hidden"


def test_a_49_hour_surface_phase_costs_little() -> None:
    """Two orbits of passes are found from the schedule, not by ticking: a handful of scheduler events."""
    h = _harness(visibility="geometry")
    radio = _radio(h)
    _quiet(h)
    began = time.perf_counter()
    h.run(49 * 3600)
    assert time.perf_counter() - began < 2.0
    assert h.bench.scheduler.events_run < 200
    names = [p.name for p in _events(h)]
    assert names.count("event:link-acquired") == 3 and names.count("event:link-lost") == 2
    assert names.count("event:relay-set") == 2 and names.count("event:relay-rise") == 2
    figures = radio.figures()
    assert figures["passes"] == 3 and 40 < figures["link_up_hours"] < 46


# store and forward, overflow ------------------------------------------------------------------------------------
def test_store_and_forward_across_an_outage_loses_nothing() -> None:
    """During a 60 s outage TM queues; link-lost after the 10 s timeout; all of it arrives afterwards, in order."""
    h = _harness()
    radio = _radio(h)
    h.run(3)
    radio.inject("link-outage", duration_s=60)
    assert radio.telemetry["link_state"] == "lost"
    for burst in range(4):
        _forward(h, 10, first=burst * 10)
        h.run(10)
    assert radio.queue_depth == 40 and not _ground(h).received
    assert _events(h, "link-lost")[0].fields["queued"] > 0
    assert h.latest("relay", "downlink_queue_depth") == 40
    h.run(40)
    assert radio.telemetry["link_state"] == "locked" and len(_events(h, "link-acquired")) == 2
    h.run(10)
    assert _seqs(h) == list(range(40)) and _ground(h).gaps == 0
    assert radio.telemetry["packets_dropped"] == 0 and radio.telemetry["link_acquisitions"] == 2


def test_overflow_drops_the_newest_counts_and_reports_without_flooding() -> None:
    """With a 16-packet queue and no link, 30 packets drop 14, reported by one event; the ground sees the gap."""
    h = _harness(queue_limit=16)
    radio = _radio(h)
    h.run(3)
    radio.inject("link-outage", duration_s=30)
    _forward(h, 30)
    h.run(1)
    assert radio.queue_depth == 16 and radio.telemetry["packets_dropped"] == 14
    (event,) = _events(h, "queue-overflow")
    assert event.fields["dropped"] == 1 and event.fields["queue_depth"] == 16
    h.run(12)
    _forward(h, 1, first=30)
    h.run(1)
    assert _events(h, "queue-overflow")[-1].fields["dropped"] == 15 and len(_events(h, "queue-overflow")) == 2
    h.run(25)
    _forward(h, 1, first=31)
    h.run(3)
    assert _seqs(h) == [*range(16), 31]
    assert _ground(h).missing == 15 and radio.figures()["packets_dropped"] == 15


def test_octet_limit_also_bounds_the_queue() -> None:
    """queue_octets caps the bytes held even below the packet limit."""
    h = _harness(queue_octets=70_000)
    radio = _radio(h)
    h.run(3)
    radio.inject("link-outage", duration_s=30)
    for seq in range(3):
        h.write("relay", _tm(seq, size=30_000))
    h.run(10)  # 2.6 s per packet on the 115 200 baud UART
    assert radio.queue_depth == 2 and radio.telemetry["downlink_queue_bytes"] == 2 * 30_021
    assert radio.telemetry["packets_dropped"] == 1


# functions -------------------------------------------------------------------------------------------------------
def test_modes_decide_what_happens_to_tm() -> None:
    """store_forward and standby hold the queue, relay drains it, loopback turns TM round to flight software."""
    h = _harness()
    radio = _radio(h)
    h.run(3)
    for mode in ("store_forward", "standby"):
        h.send("relay", "set-mode", mode=mode)
        h.run(0.1)
        _forward(h, 2, first=radio.queue_depth)
        h.run(2)
        assert radio.telemetry["radio_mode"] == mode and not _ground(h).received
    assert radio.queue_depth == 4
    h.send("relay", "set-mode", mode="relay")
    h.run(3)
    assert _seqs(h) == [0, 1, 2, 3]
    h.send("relay", "set-mode", mode="loopback")
    h.run(0.1)
    _forward(h, 1, first=99)
    h.run(1)
    assert [p.seq_count for p in h.packets("relay") if p.apid == SAMPLER_APID] == [99]
    assert radio.figures()["packets_looped_back"] == 1 and _seqs(h) == [0, 1, 2, 3]


def test_power_off_holds_tm_and_forces_standby() -> None:
    """With the transmitter off TM waits and the receiver still delivers TCs; power on then relay resumes."""
    h = _harness()
    radio = _radio(h)
    h.run(3)
    h.send("relay", "power", state="off")
    h.run(0.1)
    assert (radio.telemetry["radio_power"], radio.telemetry["radio_mode"]) == ("off", "standby")
    _forward(h, 3)
    _ground(h).command(SAMPLER, "ping")
    h.run(5)
    assert radio.queue_depth == 3 and len(_uplinked(h)) == 1
    h.send("relay", "power", state="on")
    h.send("relay", "set-mode", mode="relay")
    h.run(3)
    assert _seqs(h) == [0, 1, 2]
    h.send("relay", "hk-now", sid="radio-health")
    h.run(0.1)
    assert h.latest("relay", "rf_output_power") > 5.0


def test_flush_queue_discards_and_reports() -> None:
    """flush-queue empties the downlink queue and the TCs being received; both are counted."""
    h = _harness()
    radio = _radio(h)
    h.run(3)
    radio.inject("link-outage", duration_s=5)
    _forward(h, 4)
    h.run(0.5)
    h.send("relay", "flush-queue", queue="downlink")
    h.run(0.1)
    assert radio.queue_depth == 0 and radio.telemetry["packets_flushed"] == 4
    assert _events(h, "queue-flushed")[0].fields | {"severity": None} == {"queue": "downlink", "discarded": 4,
                                                                          "severity": None}
    h.run(10)
    _ground(h).command(SAMPLER, "ping")
    h.run(1.5)
    assert radio.telemetry["uplink_queue_depth"] == 1
    h.send("relay", "flush-queue", queue="both")
    h.run(5)
    assert not _uplinked(h) and radio.telemetry["packets_flushed"] == 5
    assert radio.figures()["packets_flushed"] == 5 and not _ground(h).received


def test_clear_counters_by_group() -> None:
    """'queues' zeroes packet counters, 'link' frame counters; frame count and V(R) are link state and stay."""
    h = _harness()
    radio = _radio(h)
    h.run(3)
    _forward(h, 2)
    h.run(3)
    h.send("relay", "clear-counters", counters="queues")
    h.run(0.1)
    t = radio.telemetry
    assert (t["packets_downlinked"], t["frames_sent"], t["tm_frame_count"]) == (0, 2, 2)
    h.send("relay", "clear-counters", counters="all")
    h.run(0.1)
    assert (t["frames_sent"], t["link_acquisitions"], t["tm_frame_count"]) == (0, 0, 2)
    assert [e.fields["counters"] for e in _events(h, "counters-cleared")] == ["queues", "all"]
    assert radio.figures()["packets_downlinked"] == 2


def test_writable_parameters_take_effect() -> None:
    """param-set on the queue limit and the link-loss timeout changes the radio's behaviour."""
    h = _harness()
    radio = _radio(h)
    h.run(3)
    h.send("relay", "param-set", param="downlink_queue_limit", value=16)
    h.send("relay", "param-set", param="link_loss_timeout", value=2.0)
    h.run(0.1)
    radio.inject("link-outage", duration_s=10)
    _forward(h, 20)
    h.run(3)
    assert radio.queue_depth == 16 and _events(h, "link-lost")


# failure reports --------------------------------------------------------------------------------------------------
def _failure(h: Procedure, command: str, **args: object) -> str | None:
    record = h.send("relay", command, **args)
    h.run(0.2)
    return record.failure


def test_set_mode_needs_the_transmitter_on() -> None:
    """set-mode relay/store_forward/loopback while off: invalid-state, nothing changes; standby is fine."""
    h = _harness(power="off", mode="standby")
    radio = _radio(h)
    h.run(3)
    for mode in ("relay", "store_forward", "loopback"):
        assert _failure(h, "set-mode", mode=mode) == "INVALID_STATE"
    assert radio.telemetry["radio_mode"] == "standby"
    assert _failure(h, "set-mode", mode="standby") is None


def test_power_on_refused_after_transmitter_failure() -> None:
    """A dead amplifier: hardware-fault on power on, the radio stays off."""
    h = _harness()
    radio = _radio(h)
    h.run(3)
    radio.inject("transmitter-failure")
    assert _failure(h, "power", state="off") is None
    assert _failure(h, "power", state="on") == "HARDWARE_FAULT"
    assert radio.telemetry["radio_power"] == "off"


def test_generic_refusals() -> None:
    """Out-of-range and read-only parameters, and a rate that is not in the table, are refused."""
    h = _harness()
    radio = _radio(h)
    h.run(3)
    limit = RELAY.parameter("downlink_queue_limit")
    data = parameters.encode_values([(limit.id, 8)], lambda pid: RELAY.parameter(pid).raw)
    record = h.send_raw("relay", PusTc(RELAY.apid, 20, 3, data, 100).pack())
    dropped = RELAY.parameter("packets_dropped")
    data = parameters.encode_values([(dropped.id, 5)], lambda pid: RELAY.parameter(pid).raw)
    read_only = h.send_raw("relay", PusTc(RELAY.apid, 20, 3, data, 101).pack())
    rate = h.send_raw("relay", PusTc(RELAY.apid, 8, 1, (0x0102).to_bytes(2, "big") + (100_000).to_bytes(4, "big"),
                            102).pack())
    h.run(0.2)
    assert record.failure == "ARGUMENT_OUT_OF_RANGE"
    assert read_only.failure == "PARAMETER_READ_ONLY"
    assert rate.failure == "ARGUMENT_OUT_OF_RANGE"
    assert radio.telemetry["downlink_queue_limit"] == 1024 and radio.telemetry["downlink_rate"] == RATE


# faults -----------------------------------------------------------------------------------------------------------
def test_fault_list() -> None:
    """The radio's faults by name; unknown ones and bad parameters are configuration errors."""
    h = _harness()
    radio = _radio(h)
    assert set(radio.faults) == {"link-outage", "transmitter-failure", "queue-stuck", "pa-overheat",
                                 "uplink-errors", "frame-loss", "channel-errors", "sdls-attack"}
    with pytest.raises(ConfigurationError, match="faults"):
        radio.inject("meteor")
    for fault, params in (("link-outage", {"duration_s": 0}), ("queue-stuck", {"duration_s": -1}),
                          ("pa-overheat", {"trip_c": 200.0}), ("uplink-errors", {"reason": "gremlins"}),
                          ("uplink-errors", {"count": 0}), ("link-outage", {"hours": 1}),
                          ("frame-loss", {"count": 1})):  # frame faults need the frame link
        with pytest.raises(ConfigurationError):
            radio.inject(fault, **params)


def test_transmitter_failure_stops_downlink_but_not_uplink() -> None:
    """No RF, no downlink, the queue grows; the receiver still locks and delivers TCs."""
    h = _harness()
    radio = _radio(h)
    h.run(3)
    radio.inject("transmitter-failure")
    _forward(h, 5)
    _ground(h).command(SAMPLER, "ping")
    h.run(5)
    h.send("relay", "hk-now", sid="radio-health")
    h.run(0.1)
    assert not _ground(h).received and radio.queue_depth == 5
    assert h.latest("relay", "rf_output_power") == 0.0 and h.latest("relay", "pa_current") < 0.2
    assert radio.telemetry["link_state"] == "locked" and len(_uplinked(h)) == 1


def test_queue_stuck_until_flushed() -> None:
    """A stuck queue grows while the link is up; flush-queue clears it and new TM flows again."""
    h = _harness()
    radio = _radio(h)
    h.run(3)
    radio.inject("queue-stuck")
    _forward(h, 5)
    h.run(5)
    assert radio.queue_depth == 5 and radio.telemetry["packets_downlinked"] == 0
    h.send("relay", "flush-queue", queue="downlink")
    h.run(0.1)
    _forward(h, 2, first=5)
    h.run(3)
    assert _seqs(h) == [5, 6] and radio.telemetry["packets_flushed"] == 5


def test_queue_stuck_for_a_while_loses_nothing() -> None:
    """A stuck queue with a duration resumes by itself and sends its backlog."""
    h = _harness()
    radio = _radio(h)
    h.run(3)
    radio.inject("queue-stuck", duration_s=20)
    _forward(h, 5)
    h.run(10)
    assert not _ground(h).received
    h.run(15)
    assert _seqs(h) == list(range(5))


def test_pa_overheat_trips_the_transmitter_off() -> None:
    """The amplifier heats; at 85 °C overtemperature and power off; power on refused until it has cooled."""
    h = _harness()
    radio = _radio(h)
    _quiet(h)
    h.run(3)
    radio.inject("pa-overheat")
    h.wait_until(lambda: bool(_events(h, "overtemperature")), timeout_s=600)
    assert 85.0 <= _events(h, "overtemperature")[0].fields["temperature"] < 90.0
    assert (radio.telemetry["radio_power"], radio.telemetry["radio_mode"]) == ("off", "standby")
    assert _failure(h, "power", state="on") == "INVALID_STATE"
    h.run(600)
    assert _failure(h, "power", state="on") is None
    assert radio.telemetry["radio_power"] == "on"


def test_uplink_errors_reject_frames() -> None:
    """A damaged uplink frame is rejected (frame-rejected with the reason); the next TC gets through."""
    h = _harness()
    radio = _radio(h)
    h.run(3)
    radio.inject("uplink-errors", count=1, reason="sequence")
    _ground(h).command(SAMPLER, "ping")
    second = _ground(h).command(SAMPLER, "ping")
    h.run(5)
    assert _uplinked(h) == [PusTc.unpack(second).seq_count]
    assert _events(h, "frame-rejected")[0].fields | {"severity": None} == {"reason": "sequence", "count": 1,
                                                                          "severity": None}
    assert radio.telemetry["frames_rejected"] == 1 and radio.telemetry["frames_received"] == 1


# configuration, telemetry, determinism --------------------------------------------------------------------------
def test_options_are_checked() -> None:
    """Unknown options and impossible values are configuration errors naming the option."""
    for options, match in (({"visibility": "sometimes"}, "visibility"), ({"colour": "red"}, "colour"),
                           ({"downlink_rate": 2_000_000}, "downlink_rate"), ({"queue_limit": 4}, "queue_limit"),
                           ({"power": "off"}, "standby"), ({"orbit": {"tilt": 3}}, "orbit")):
        with pytest.raises(ConfigurationError, match=match):
            RadioSettings.from_options(options)
    settings = RadioSettings.from_options({"downlink_rate": "280k", "orbit": {"raan_deg": 10.0}})
    assert settings.downlink_rate == 280_000 and settings.orbit.raan_deg == 10.0


def test_housekeeping_carries_link_geometry_and_health() -> None:
    """The link set reports state, rates, light time and look angles; health reports the amplifier."""
    h = _harness(visibility="geometry")
    h.run(11)
    assert h.latest("relay", "link_state") == "locked" and h.latest("relay", "relay_visible") == "visible"
    assert h.latest("relay", "downlink_rate") == RATE and h.latest("relay", "uplink_rate") == 125
    assert 1.21 <= h.latest("relay", "light_time") <= 1.40
    assert 15_000 < h.latest("relay", "relay_range") < 16_500 and 50 < h.latest("relay", "relay_elevation") < 80
    assert -125 < h.latest("relay", "rx_signal_level") < -110
    assert 9.5 < h.latest("relay", "rf_output_power") < 10.5 and 27 < h.latest("relay", "bus_voltage") < 29


def test_a_different_ground_station_can_be_connected() -> None:
    """Connecting another station to the space link swaps the station the radio downlinks to."""
    h = _harness()
    radio = _radio(h)
    mine = GroundStation(h.bench.scheduler, keep=10)
    _space_link(h).connect(radio, mine)
    mine.attach(_space_link(h))
    h.run(3)
    _forward(h, 2)
    h.run(3)
    assert [p.seq_count for p in mine.received] == [0, 1]


def test_same_seed_same_bytes() -> None:
    """Two runs with one seed give identical packets to flight software and to the ground."""
    def run() -> tuple[list[tuple[int, str, bytes]], list[tuple[bytes, int]]]:
        h = _harness(seed=7, visibility="geometry")
        on_the_wire: list[tuple[int, str, bytes]] = []
        h.bench.links["relay"].taps.append(lambda t, _name, direction, packet:
                                           on_the_wire.append((t, direction, packet)))
        h.run(3)
        _forward(h, 5)
        _ground(h).command(SAMPLER, "ping")
        h.run(12)
        return on_the_wire, [(p.raw, p.arrival_ns) for p in _ground(h).received]

    assert run() == run()
