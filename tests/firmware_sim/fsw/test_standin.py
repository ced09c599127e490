"""The flight-software stand-in: routing, telemetry, uplink from the ground, store and forward."""

from firmware_sim.bench import Bench
from firmware_sim.scenario.model import BenchSettings
from protocols.dictionary import default_dictionary

SAMPLER = default_dictionary().device("sampler")


def _bench(**relay: object) -> Bench:
    return Bench(BenchSettings(devices={"relay": {"visibility": "always", **relay}}), seed=3)


def test_commands_get_verified_and_telemetry_is_decoded() -> None:
    bench = _bench()
    record = bench.fsw.send("sampler", "ping")
    bench.run(5)  # the radio needs a couple of seconds to lock on the relay
    assert [s for _, s in record.stages] == ["acceptance-ok", "start-ok", "completion-ok"]
    assert bench.store.get("sampler", "drill_state") is not None
    assert bench.store.get("relay", "link_state") == "locked"
    assert bench.fsw.counters.tm_undecodable == 0


def test_every_tm_packet_reaches_the_ground_in_order() -> None:
    bench = _bench()
    bench.run(120)
    ground = bench.ground
    assert bench.fsw.counters.tm_received > 300
    assert ground.gaps == 0 and ground.missing == 0
    delivered = bench.fsw.counters.tm_forwarded
    assert delivered - 20 <= ground.counters.packets_received <= delivered  # the last few are still in flight


def test_uplinked_command_is_routed_to_its_device_and_answered_to_the_ground() -> None:
    bench = _bench()
    bench.run(5)
    ground = bench.ground
    raw = ground.command(SAMPLER, "ping")
    seq = ((raw[2] & 0x3F) << 8) | raw[3]
    bench.run(30)  # 125 bit/s uplink plus light time both ways
    assert bench.fsw.counters.tc_uplinked == 1
    pongs = [p for p in ground.packets(SAMPLER.apid) if p.raw[7:9] == bytes((17, 2))]
    reports = [p for p in ground.packets(SAMPLER.apid) if p.raw[7] == 1 and p.raw[19:23] == raw[:4]]
    assert len(pongs) == 1 and len(reports) == 3
    assert ((reports[0].raw[21] & 0x3F) << 8 | reports[0].raw[22]) == seq


def test_outage_is_stored_and_forwarded_without_loss() -> None:
    bench = _bench()
    bench.run(10)
    bench.inject("relay", "link-outage", {"duration_s": 300})
    bench.run(200)
    assert bench.fsw.stored > 100  # held on board while the radio has no lock
    bench.run(600)
    ground = bench.ground
    assert bench.fsw.stored == 0
    assert bench.fsw.counters.tm_store_dropped == 0
    assert ground.gaps == 0 and ground.missing == 0


def test_unroutable_uplink_is_counted_not_fatal() -> None:
    bench = _bench()
    bench.run(1)
    assert not bench.fsw.route(bytes.fromhex("1FFEC0000000"))  # APID 0x7FE belongs to no device
    assert bench.fsw.counters.tc_unroutable == 1


def test_the_stand_in_knows_the_link_state_the_radio_last_reported() -> None:
    bench = _bench()
    assert not bench.fsw.link_up()
    bench.run(5)
    assert bench.fsw.link_up() and bench.store.get("relay", "link_state") == "locked"
    bench.inject("relay", "link-outage", {"duration_s": 300})
    bench.run(30)
    assert not bench.fsw.link_up() and bench.store.get("relay", "link_state") != "locked"
