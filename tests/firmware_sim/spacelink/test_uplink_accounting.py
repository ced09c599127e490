"""Every CLTU radiated is accounted for: delivered, rejected by reason or lost on the channel, never missing."""

from __future__ import annotations

from typing import Any

import pytest
from frame_bench import FakeRadio, frame_bench, radio_of, scheduler, uplinked_tcs

from firmware_sim.spacelink import FrameGroundNode, FrameLinkSettings, FramesLink
from firmware_sim.spacelink.report import link_summary
from hil.report.text import space_link_lines
from protocols.dictionary import default_dictionary
from protocols.spacelink import TcFrame, encode_cltu

SAMPLER = default_dictionary().device("sampler")
SCID = 91


def _ping(seq: int) -> bytes:
    return SAMPLER.telecommand("ping", {}, seq, 1, 0)


def _accounted(outcomes: dict[str, Any]) -> int:
    return (outcomes["accepted"] + sum(outcomes["rejected"].values()) + sum(outcomes["lost"].values())
            + outcomes["in_flight"])


def _uplink_line(link: dict[str, Any]) -> str:
    return next(line for line in space_link_lines(link) if line.startswith("  up "))


@pytest.mark.parametrize("seed", [1, 2])
def test_under_channel_errors_every_cltu_sent_is_delivered_rejected_or_lost(seed: int) -> None:
    bench = frame_bench(seed=seed, frames={"uplink_ber": 4e-3})
    delivered = uplinked_tcs(bench)
    bench.run(5)
    link = radio_of(bench).frames_link
    assert link is not None
    for seq in range(300):
        link.uplink_cltu(encode_cltu(TcFrame.bd(SCID, 0, _ping(seq)).pack()), bench.scheduler.now_ns)
    bench.run(900)
    summary = link_summary(bench.radio, bench.space_link, bench.ground)
    assert summary is not None
    outcomes = summary["cltu_outcomes"]
    assert summary["cltus_sent"] == outcomes["sent"] == 300 == _accounted(outcomes)
    assert outcomes["lost"]["no-start-sequence"] > 0  # errors in the start sequence: lost, not missing
    assert outcomes["rejected"]["bch"] + outcomes["rejected"]["crc"] + outcomes["rejected"]["length"] > 0
    assert outcomes["accepted"] == summary["tc_frames_accepted"] == len(delivered) == summary["tcs_delivered"]
    line = _uplink_line(summary)
    lost = sum(outcomes["lost"].values())
    rejected = sum(outcomes["rejected"].values())
    assert f"in 300 CLTUs: {outcomes['accepted']} accepted, {rejected} rejected (" in line
    assert f"{lost} lost (no-start-sequence {outcomes['lost']['no-start-sequence']})" in line


def _bare_link() -> tuple[Any, FramesLink, FakeRadio]:
    """A frame link between a radio that takes every TC and a ground node: its scheduler, the link, the radio."""
    sched = scheduler()
    link = FramesLink(sched, lambda t: 1_300_000_000, FrameLinkSettings())
    ground, radio = FrameGroundNode(sched), FakeRadio()
    link.connect(radio, ground)
    ground.attach(link)
    return sched, link, radio


def test_a_cltu_whose_start_sequence_is_hit_is_counted_lost() -> None:
    sched, link, radio = _bare_link()
    good = encode_cltu(TcFrame.bd(SCID, 0, _ping(1)).pack())
    hit = bytes([good[0] ^ 0x04]) + good[1:]  # one bit error in EB90: the decoder never finds this CLTU
    link.uplink_cltu(hit, sched.now_ns)
    link.uplink_cltu(good, sched.now_ns)
    sched.run(until_cycle=sched.clock.cycles(10))
    outcomes = link.figures()["cltu_outcomes"]
    assert outcomes["sent"] == 2 and outcomes["accepted"] == 1 and _accounted(outcomes) == 2
    assert outcomes["lost"]["no-start-sequence"] == 1 and len(radio.uplinked) == 1


def test_a_cltu_still_on_its_way_when_the_run_ends_is_in_flight() -> None:
    bench = frame_bench()
    bench.run(5)
    link = radio_of(bench).frames_link
    assert link is not None
    link.uplink_cltu(encode_cltu(TcFrame.bd(SCID, 0, _ping(1)).pack()), bench.scheduler.now_ns)
    bench.run(0.5)  # the light time alone is 1.2 s
    outcomes = link.figures()["cltu_outcomes"]
    assert outcomes["in_flight"] == 1 and _accounted(outcomes) == outcomes["sent"] == 1
    assert "1 in flight" in _uplink_line(link_summary(bench.radio, bench.space_link, bench.ground) or {})


def test_a_start_sequence_in_junk_before_a_cltu_does_not_hide_the_cltu() -> None:
    sched, link, radio = _bare_link()
    good = encode_cltu(TcFrame.bd(SCID, 0, _ping(1)).pack())
    link.uplink_cltu(bytes.fromhex("EB90") + bytes(range(16)) + good, sched.now_ns)  # junk that starts like a CLTU
    sched.run(until_cycle=sched.clock.cycles(10))
    outcomes = link.figures()["cltu_outcomes"]
    assert outcomes["sent"] == 1 and outcomes["accepted"] == 1 and _accounted(outcomes) == 1
    assert len(radio.uplinked) == 1 and link.tc.stats.false_starts == 1
