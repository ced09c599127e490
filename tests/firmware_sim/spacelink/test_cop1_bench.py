"""COP-1 end to end in the bench: FOP-1 on the ground, FARM-1 in the radio, CLTUs lost, corrupted, locked out."""

from __future__ import annotations

import pytest
from frame_bench import frame_bench, radio_of, uplinked_tcs

from firmware_sim.bench import Bench
from firmware_sim.spacelink import FrameGroundNode
from protocols.dictionary import default_dictionary
from protocols.pus import PusTc

SAMPLER = default_dictionary().device("sampler")


def _ground(bench: Bench) -> FrameGroundNode:
    ground = bench.ground
    assert isinstance(ground, FrameGroundNode)
    return ground


def _seq(raw: bytes) -> int:
    return PusTc.unpack(raw).seq_count


def _pings(bench: Bench, count: int) -> list[bytes]:
    ground = _ground(bench)
    return [ground.command(SAMPLER, "ping") for _ in range(count)]


def _completed(bench: Bench, sent: list[bytes]) -> list[int]:
    """Sequence counts of the sent TCs whose completion report (TM[1,7]) reached the ground."""
    ids = {raw[:4]: _seq(raw) for raw in sent}
    return [ids[p.raw[19:23]] for p in _ground(bench).packets(SAMPLER.apid)
            if p.raw[7:9] == bytes((1, 7)) and p.raw[19:23] in ids]


@pytest.mark.parametrize("seed", [3, 4])
def test_with_a_tenth_of_the_cltus_lost_or_corrupted_every_tc_arrives_once_in_order(seed: int) -> None:
    bench = frame_bench(seed=seed)
    delivered = uplinked_tcs(bench)
    bench.run(5)
    bench.inject("relay", "frame-loss", {"direction": "uplink", "probability": 0.1, "mode": "mixed"})
    sent = _pings(bench, 30)
    bench.run(900)
    assert [_seq(p) for p in delivered] == [_seq(p) for p in sent]
    assert delivered == sent
    assert _completed(bench, sent) == [_seq(p) for p in sent]  # the sampler executed each exactly once
    link, ground = radio_of(bench).frames_link, _ground(bench)
    assert link is not None
    assert link.up_faults.lost + link.up_faults.corrupted > 0
    assert ground.cop.retransmissions > 0 and ground.cop.tcs_confirmed == 30 and ground.idle
    assert radio_of(bench).telemetry["tc_frame_vr"] == link.tc.farm.vr == 30


def test_a_lockout_is_recovered_and_nothing_is_lost_or_doubled() -> None:
    bench = frame_bench()
    delivered = uplinked_tcs(bench)
    bench.run(5)
    bench.inject("relay", "uplink-errors", {"count": 1, "reason": "lockout"})
    sent = _pings(bench, 8)
    bench.run(600)
    ground = _ground(bench)
    assert delivered == sent
    assert ground.cop.alert_codes == {"lockout": 1} and ground.cop.recoveries == 1 and ground.cop.bc_frames >= 1
    assert radio_of(bench).frames_link.tc.farm.stats.lockouts == 1  # type: ignore[union-attr]
    events = [e for e in bench.store.events if e.name == "frame-rejected"]
    assert events and events[0].data["reason"] == "lockout"


def test_tcs_sent_across_an_outage_arrive_once_in_order_afterwards() -> None:
    bench = frame_bench()
    delivered = uplinked_tcs(bench)
    bench.run(5)
    sent = _pings(bench, 6)
    bench.run(8)
    bench.inject("relay", "link-outage", {"duration_s": 300})
    sent += _pings(bench, 6)
    bench.run(1200)
    assert delivered == sent
    assert _ground(bench).idle


def test_bd_frames_are_accepted_even_in_lockout() -> None:
    bench = frame_bench()
    delivered = uplinked_tcs(bench)
    bench.run(5)
    link = radio_of(bench).frames_link
    assert link is not None
    link.tc.farm.state = type(link.tc.farm.state).LOCKOUT
    ground = _ground(bench)
    raw = PusTc(SAMPLER.apid, 17, 1, b"", 77, 0, 0xF).pack()
    assert ground.uplink_expedited(raw)
    bench.run(30)
    assert delivered == [raw] and ground.cop.bd_frames == 1


def test_the_radio_reports_real_frame_counts() -> None:
    bench = frame_bench()
    bench.run(5)
    _pings(bench, 3)
    bench.run(120)
    radio = radio_of(bench)
    link = radio.frames_link
    assert link is not None
    t = radio.telemetry
    assert 0 < t["frames_sent"] == link.stats.frames_sent < t["packets_downlinked"]
    assert t["tm_frame_count"] == (link.stats.frames_sent - 1) & 0xFF
    assert t["frames_received"] == 3 and t["tc_frame_vr"] == 3
    assert radio.figures()["space_link"] == "frames"
