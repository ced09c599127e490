"""The one scripting driver: any bench (default, scenario, one device), commanded by name, with a packet log."""

from __future__ import annotations

from pathlib import Path

import pytest

from firmware_sim.devices.sampler import SamplerModel
from firmware_sim.errors import ConfigurationError, SimError
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
