"""The one scripting driver: any bench (default, scenario, one device), commanded by name, with a packet log."""

from __future__ import annotations

from pathlib import Path

import pytest

from firmware_sim.devices.sampler import SamplerModel
from firmware_sim.errors import ConfigurationError, ScenarioError, SimError, UnknownNameError
from hil.procedure import FROM_DEVICE, TO_DEVICE, NotReportedError, Procedure, ProcedureError
from protocols.dictionary.sampler import SAMPLER
from protocols.framing import ASM
from protocols.pus import PusTc


def test_latest_before_any_report_is_a_typed_error_naming_device_and_parameter() -> None:
    p = Procedure.for_device("sampler")
    with pytest.raises(NotReportedError, match=r"sampler\.drill_depth has not been reported") as caught:
        p.latest("sampler", "drill_depth")
    assert isinstance(caught.value, SimError) and isinstance(caught.value, LookupError)
    assert (caught.value.device, caught.value.parameter) == ("sampler", "drill_depth")
    p.run(2)
    assert p.latest("sampler", "drill_depth") == 0.0


def test_the_packet_log_holds_every_delivered_packet_with_time_link_and_direction() -> None:
    p = Procedure.default(seed=3)
    p.run(3)
    ping = p.complete("ascender", "ping")
    tc, *answers = [e for e in p.log if e.link == "ascender" and (
        (e.view.type == "TC" and e.view.seq_count == ping.seq_count)
        or e.view.fields.get("request_seq_count") == ping.seq_count)]
    assert (tc.direction, tc.view.name, tc.view.type) == (TO_DEVICE, "ping", "TC")
    assert [a.view.name for a in answers] == ["acceptance-ok", "start-ok", "completion-ok"]
    assert all(a.direction == FROM_DEVICE and a.time_ns > tc.time_ns for a in answers)
    assert tc.time_ns > ping.sent_ns  # logged on arrival, after the UART carried it
    assert {e.link for e in p.log} == {"sampler", "ascender", "relay"}
    assert p.packets("ascender", "pong") and not p.packets("sampler", "pong")
    assert p.hk("sampler", "drill") and all(v.name == "hk:drill" for v in p.hk("sampler", "drill"))


def test_a_dropped_frame_never_reaches_the_log_and_the_wait_fails_typed() -> None:
    p = Procedure.for_device("sampler")
    p.inject("link.sampler", "drop", count=1, direction="to-device")
    lost = p.send("sampler", "ping")
    with pytest.raises(ProcedureError, match="sampler ping: no completion within 5 s"):
        p.wait_for(lost, timeout_s=5)
    assert not p.packets("sampler", "ping", direction=TO_DEVICE)
    assert p.wait_for(p.send("sampler", "ping"), stage="acceptance").accepted


def test_raw_octets_and_tracked_reports() -> None:
    p = Procedure.for_device("sampler")
    bad = bytearray(PusTc(SAMPLER.apid, 17, 1, b"", 40).pack())
    bad[-1] ^= 1
    record = p.track("sampler", 40)
    p.write("sampler", ASM + bytes(bad), framed=False)
    raw = p.send_raw("sampler", PusTc(SAMPLER.apid, 17, 1, b"", 41).pack())
    p.run(1)
    assert record.stage_names == ["acceptance-failed"] and record.failure == "BAD_CHECKSUM"
    assert raw.command == "ping" and raw.completed


def test_one_device_bench_takes_link_clock_seed_epoch_and_a_model_override() -> None:
    class Quiet(SamplerModel):
        """A sampler that never reports housekeeping."""

        def report_hk(self, sid: int) -> None:
            return None

    p = Procedure.for_device("sampler", seed=5, options={"ambient_c": -30.0}, model=Quiet, baud=9600,
                             framing="cobs", clock_hz=100, start_utc="2024-06-02T00:00:00Z")
    assert p.bench.members == ("sampler",) and set(p.bench.links) == {"sampler"}
    assert (p.bench.links["sampler"].baud, p.bench.links["sampler"].a.framing) == (9600, "cobs")
    assert p.bench.clock.rate_hz == 100 and p.bench.seed == 5
    assert isinstance(p.model("sampler"), Quiet)
    assert p.model("sampler").telemetry["drill_motor_temp"] == pytest.approx(-30.0)
    assert p.complete("sampler", "ping").completed
    p.run(10)
    assert not [v for v in p.packets("sampler") if (v.name or "").startswith("hk:")]
    with pytest.raises(ConfigurationError, match="no model of 'relay'"):
        p.model("relay")


def test_a_scenario_with_a_replay_node_is_loaded_by_the_driver(tmp_path: Path) -> None:
    source = Procedure.for_device("sampler", seed=2)
    source.run(30)
    recording = tmp_path / "sampler.bin"
    recording.write_bytes(b"".join(e.raw for e in source.log if e.direction == FROM_DEVICE))
    scenario = tmp_path / "replayed.toml"
    scenario.write_text(f'[scenario]\nname = "replayed"\n[bench.nodes]\nsampler = "replay://{recording}"\n')
    p = Procedure.from_scenario(scenario)
    p.wait_until("sampler.electronics_temp > -100", timeout_s=30)
    assert p.packets("sampler") and p.complete("ascender", "ping").completed


@pytest.mark.parametrize(("lookup", "message"), [
    (lambda p: p.latest("sampler", "nonexistent"),
     r"latest\('sampler', 'nonexistent'\): sampler has no parameter 'nonexistent'; parameters: drill_depth, "),
    (lambda p: p.latest("foo", "drill_depth"), r"no device 'foo'; devices: sampler, ascender, relay"),
    (lambda p: p.history("sampler", "nope"), r"sampler has no parameter 'nope'; parameters: drill_depth"),
    (lambda p: p.events("sampler", "drill-stal"), r"sampler has no event 'drill-stal'; events: drill-started"),
    (lambda p: p.events(None, "drill-stal"), r"no device on the bench has an event 'drill-stal'; events: "),
    (lambda p: p.hk("sampler", "nope"), r"sampler has no housekeeping set 'nope'; sets: platform, drill"),
    (lambda p: p.packets("samplr", "pong"), r"no device 'samplr'; devices: sampler"),
    (lambda p: p.packets("sampler", "pongg"), r"sampler sends or receives no packet 'pongg'; packets: ping, .*"
                                              r"farside dict DEVICE lists them"),
    (lambda p: p.packets("sampler", direction="up"), r"no direction 'up'; directions: to-device, from-device"),
    (lambda p: p.wait_for(p.send("sampler", "ping"), stage="acceptence"),
     r"wait_for\(stage='acceptence'\): no stage 'acceptence'; stages: acceptance, completion"),
])
def test_a_wrong_name_is_the_unknown_name_error_wait_until_raises(lookup, message: str) -> None:
    p = Procedure.default()
    p.run(5)
    with pytest.raises(UnknownNameError, match=message) as caught:
        lookup(p)
    assert isinstance(caught.value, LookupError) and isinstance(caught.value, ScenarioError)
    with pytest.raises(UnknownNameError, match="sampler has no parameter 'nope'; parameters: drill_depth"):
        p.wait_until("sampler.nope > 1", timeout_s=5)


def test_right_names_still_filter() -> None:
    p = Procedure.default()
    p.complete("sampler", "ping")
    assert p.packets("sampler", "pong") and p.packets("sampler", "acceptance-ok")
    assert p.packets("sampler", "ping", direction=TO_DEVICE) and p.packets(None, "tm[9,9]") == []
    assert p.events("sampler", "drill-stall") == [] and p.history("sampler", "drill_depth") == []


def test_a_device_not_on_a_one_device_bench_is_refused_at_once() -> None:
    p = Procedure.for_device("ascender")
    with pytest.raises(UnknownNameError, match="sampler is not on this bench; devices on it: ascender"):
        p.wait_until("sampler.drill_depth >= 1", timeout_s=3600)
    with pytest.raises(UnknownNameError, match="sampler is not on this bench"):
        p.latest("sampler", "drill_depth")
    assert p.now_s == 0


def _drilled(target_depth: float) -> Procedure:
    p = Procedure.for_device("sampler")
    p.complete("sampler", "mode-set", mode="operate")
    p.complete("sampler", "drill-start", target_depth=target_depth, rotation_rate=120, percussion="high",
               feed_rate=60, timeout_s=3 * 3600)
    return p


def test_an_event_wait_counts_events_after_the_call_unless_told_to_count_earlier_ones() -> None:
    p = _drilled(0.3)
    assert len(p.events("sampler", "drill-target-reached")) == 1
    with pytest.raises(ProcedureError, match=r"sampler.event:drill-target-reached not met within 60 s of virtual "
                                             r"time \(raised 1 time before; new_only=False counts those\)"):
        p.wait_until("sampler.event:drill-target-reached", timeout_s=60)
    assert p.wait_until("sampler.event:drill-target-reached", timeout_s=60, new_only=False) == 0.0
    assert p.wait_until("sampler.drill_depth >= 0.29", timeout_s=60) == 0.0  # a state that holds: at once


def test_an_event_raised_during_the_wait_ends_it() -> None:
    p = Procedure.for_device("sampler")
    p.complete("sampler", "mode-set", mode="operate")
    p.send("sampler", "drill-start", target_depth=0.3, rotation_rate=120, percussion="high", feed_rate=60)
    took = p.wait_until("sampler.event:drill-target-reached", timeout_s=3 * 3600)
    assert 0 < took < 3 * 3600 and p.events("sampler", "drill-target-reached")[0].time_ns == p.bench.scheduler.now_ns


@pytest.mark.parametrize("framing", ["asm", "cobs"])
def test_a_malformed_tc_goes_out_as_given_and_the_device_answers_bad_length(framing: str) -> None:
    p = Procedure.for_device("sampler", framing=framing)
    ping = PusTc(SAMPLER.apid, 17, 1, b"", 42).pack()
    record = p.send_raw("sampler", ping[:-3])
    assert p.fsw.counters.tc_sent == 1
    p.run(2)
    assert record.stage_names == ["acceptance-failed"] and record.failure == "INCOMPLETE_OR_BAD_LENGTH"
    assert p.model("sampler").counters.bad_packets == 1
    assert p.complete("sampler", "ping").completed  # the link carries on


def test_a_send_raw_that_is_not_bytes_registers_nothing() -> None:
    p = Procedure.for_device("sampler")
    with pytest.raises(TypeError, match="a TC is bytes, not str"):
        p.send_raw("sampler", "ping")  # type: ignore[arg-type]
    assert p.fsw.counters.tc_sent == 0 and not p.fsw.verifications


@pytest.mark.parametrize("seconds", [float("nan"), float("inf"), -5, "5"])
def test_run_takes_a_finite_non_negative_number_of_seconds(seconds: object) -> None:
    p = Procedure.for_device("sampler")
    with pytest.raises(ValueError, match=r"run\(seconds=.*\): a number of virtual seconds, finite and not negative"):
        p.run(seconds)  # type: ignore[arg-type]
    assert p.now_s == 0


def test_bad_seeds_and_model_options_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="seed=-1: a seed is a whole number from 0 to 18_446_744_073_709_551_615"):
        Procedure.default(seed=-1)
    with pytest.raises(ValueError, match="seed=-1"):
        Procedure.for_device("sampler", seed=-1)
    with pytest.raises(ConfigurationError, match="relay='always': model options are a dict per device"):
        Procedure.default(relay="always")  # type: ignore[arg-type]
