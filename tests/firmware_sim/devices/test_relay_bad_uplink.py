"""Whatever the ground uplinks, the radio never stops the bench: malformed or flooding TCs are refused and counted."""

from __future__ import annotations

from firmware_sim.bench import Bench
from firmware_sim.devices.relay import UPLINK_QUEUE_LIMIT, RelayRadioModel
from firmware_sim.scenario.model import BenchSettings
from firmware_sim.spacelink.ground import HOLD_LIMIT
from protocols.dictionary.sampler import SAMPLER
from protocols.pus import PusTc
from protocols.spacelink.cltu import encode_cltu
from protocols.spacelink.tc_frame import TcFrame

CUT_TC = bytes.fromhex("1910c013000c2f08017f")
"""A sampler TC cut after 10 octets: the fuzz finding that stopped `farside serve` from the ground port."""


def _bench() -> tuple[Bench, RelayRadioModel]:
    bench = Bench(BenchSettings(devices={"relay": {"visibility": "always"}}))
    radio = bench.devices["relay"]
    assert isinstance(radio, RelayRadioModel)
    bench.run(5)
    return bench, radio


def _uplink_frame(bench: Bench, radio: RelayRadioModel, data: bytes) -> None:
    link = radio.space_link
    settings = link.settings  # type: ignore[attr-defined]
    cltu = encode_cltu(TcFrame.bd(settings.spacecraft_id, settings.tc_vcid, data).pack())
    link.uplink_cltu(cltu, bench.scheduler.now_ns)  # type: ignore[attr-defined]


BAD_VERSION_TC = bytes.fromhex("7920c02100102e0801159a040342a3893143aab3e6b493")
"""Version bits 011 with a right CRC: the second fuzz finding on the ground uplink."""


def test_a_frame_whose_data_is_not_one_packet_is_refused_counted_and_the_bench_runs_on() -> None:
    bench, radio = _bench()
    _uplink_frame(bench, radio, CUT_TC)
    _uplink_frame(bench, radio, BAD_VERSION_TC)
    bench.run(30)
    assert radio.figures()["uplink_malformed"] == 2
    assert [e for _, name, e in radio.event_log if name == "frame-rejected"][-1]["reason"] == "length"
    good = PusTc(SAMPLER.apid, 17, 1, b"", 1, ack_flags=0xF).pack()
    _uplink_frame(bench, radio, good)
    bench.run(30)
    assert radio.figures()["tcs_delivered"] == 1
    assert bench.devices["sampler"].counters.commands_completed == 1


def test_an_uplink_flood_beyond_the_uplink_rate_is_bounded() -> None:
    bench, radio = _bench()
    ping = PusTc(SAMPLER.apid, 17, 1, b"", 1).pack()
    for _ in range(UPLINK_QUEUE_LIMIT + 50):
        radio.receive_uplink(ping, bench.scheduler.now_ns)
    assert radio.figures()["uplink_overflow"] == 50
    assert len(radio._uplinks) == UPLINK_QUEUE_LIMIT


def test_the_ground_holds_at_most_its_limit_while_the_link_is_down() -> None:
    bench = Bench(BenchSettings(devices={"relay": {"visibility": "always", "space_link": "packets"}}))
    ground = bench.ground
    assert ground is not None
    ping = PusTc(SAMPLER.apid, 17, 1, b"", 1).pack()
    for _ in range(HOLD_LIMIT + 3):
        ground.uplink(ping)
    assert len(ground.held) == HOLD_LIMIT and ground.counters.tcs_held_dropped == 3
