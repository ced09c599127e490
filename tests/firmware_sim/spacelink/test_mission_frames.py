"""The reference mission through the CCSDS frame link; gaps when frames are lost; same seed, same link."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest
from frame_bench import frame_bench, radio_of, uplinked_tcs

from firmware_sim.runner import RunResult, ScenarioRun
from firmware_sim.scenario import load_scenario
from firmware_sim.spacelink import FrameGroundNode, FramesLink
from firmware_sim.summary import build_summary
from hil.report.text import summary_lines
from protocols.dictionary import default_dictionary

SAMPLER = default_dictionary().device("sampler")
REFERENCE = "firmware_sim/missions/reference.toml"


@pytest.fixture(scope="module")
def mission() -> RunResult:
    scenario = load_scenario(REFERENCE)
    assert "space_link" not in scenario.bench.devices.get("relay", {})  # the default link
    return ScenarioRun(scenario).run()


def test_the_reference_mission_passes_through_the_frame_link(mission: RunResult) -> None:
    assert mission.passed and len(mission.expectations) == 8
    radio = radio_of(mission.bench)
    assert isinstance(radio.space_link, FramesLink) and isinstance(mission.bench.ground, FrameGroundNode)
    assert radio.figures()["passes"] >= 2  # the relay set and rose again: outages on the way


def test_the_ground_recorded_every_packet_the_radio_sent(mission: RunResult) -> None:
    radio = radio_of(mission.bench)
    link, ground = radio.space_link, mission.bench.ground
    assert isinstance(link, FramesLink) and isinstance(ground, FrameGroundNode)
    sent = radio.fig.packets_downlinked
    on_the_way = link.stats.packets_in_flight + link.tm.packets_pending
    assert sent > 150_000
    assert ground.counters.packets_received + on_the_way == sent
    assert ground.receiver is not None
    stats = ground.receiver.stats
    assert stats.frame_errors == 0 and ground.frame_gaps == 0 and not ground.gap_log
    assert stats.frames_good == link.stats.frames_arrived < sent / 2
    assert stats.vcs[0].packets > stats.vcs[1].packets > 0


def test_the_summary_reports_the_link(mission: RunResult) -> None:
    summary = build_summary(mission)
    link = summary["space_link"]
    assert link["mode"] == "frames" and link["spacecraft_id"] == 91 and link["frame_error_rate"] == 0.0
    assert link["frames_sent"] > 0 and link["passes"] >= 2 and link["cop1_retransmissions"] == 0
    assert 1.2 < link["latency_mean_s"] < link["latency_max_s"] < 5.0
    lines = summary_lines(summary)
    assert any(line.startswith("space link (frames):") for line in lines)
    assert any("frame error rate" in line and "latency" in line for line in lines)
    assert any("COP-1 retransmissions" in line for line in lines)


def test_the_packet_link_is_one_setting_away() -> None:
    scenario = load_scenario(REFERENCE)
    devices = {**scenario.bench.devices, "relay": {**scenario.bench.devices["relay"], "space_link": "packets"}}
    scenario = replace(scenario, bench=replace(scenario.bench, devices=devices), duration_ns=3600 * 10**9)
    result = ScenarioRun(scenario).run()
    summary = build_summary(result)
    assert summary["space_link"]["mode"] == "packets" and summary["space_link"]["frames_sent"] is None
    assert not isinstance(radio_of(result.bench).space_link, FramesLink)


def test_lost_frames_show_up_as_gaps_at_the_ground() -> None:
    bench = frame_bench(frames={"flush_s": 0.5})
    bench.run(60)
    bench.inject("relay", "frame-loss", {"direction": "downlink", "count": 3})
    bench.run(60)
    radio = radio_of(bench)
    link, ground = radio.frames_link, bench.ground
    assert link is not None and isinstance(ground, FrameGroundNode)
    assert link.stats.frames_lost == 3 and ground.receiver is not None
    assert ground.receiver.frames_lost == 3 and ground.frame_gaps >= 1
    assert sum(gap.frames_lost for gap in ground.gap_log) == 3
    assert ground.missing >= link.stats.packets_lost > 0 and ground.gaps > 0
    on_the_way = link.stats.packets_in_flight + link.tm.packets_pending
    assert ground.counters.packets_received + ground.missing + on_the_way >= radio.fig.packets_downlinked


def _fingerprint(seed: int) -> str:
    bench = frame_bench(seed=seed, frames={"downlink_ber": 2e-6, "uplink_ber": 1e-3, "burst_bits": 20})
    tcs = uplinked_tcs(bench)
    bench.run(5)
    bench.inject("relay", "frame-loss", {"direction": "uplink", "probability": 0.2, "mode": "mixed"})
    ground = bench.ground
    assert ground is not None
    for _ in range(5):
        ground.command(SAMPLER, "ping")
    bench.run(600)
    digest = hashlib.sha256()
    for packet in ground.received:
        digest.update(packet.raw + packet.arrival_ns.to_bytes(8, "big"))
    for tc in tcs:
        digest.update(tc)
    digest.update(repr(sorted(radio_of(bench).space_link.figures().items())).encode())  # type: ignore[attr-defined]
    return digest.hexdigest() + bench.digest.hexdigest()


def test_same_seed_same_link_other_seed_other_link() -> None:
    first, again, other = _fingerprint(5), _fingerprint(5), _fingerprint(6)
    assert first == again != other
