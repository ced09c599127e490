"""The space link lines of the run summary say what the ground sent and read well when a figure is missing."""

from __future__ import annotations

from firmware_sim.bench import Bench
from firmware_sim.scenario.model import BenchSettings
from firmware_sim.spacelink import FrameGroundGateway
from firmware_sim.spacelink.report import link_summary
from hil.report.text import space_link_lines
from protocols.dictionary import default_dictionary
from protocols.spacelink import TcFrame

SAMPLER = default_dictionary().device("sampler")


def _lines(bench: Bench) -> list[str]:
    return space_link_lines(link_summary(bench.radio, bench.space_link, bench.ground))


def _bench(ground: str | None = None, **relay: object) -> Bench:
    nodes = {"ground": ground} if ground else {}
    return Bench(BenchSettings(devices={"relay": {"visibility": "always", **relay}}, nodes=nodes), seed=5)


def test_a_ground_that_sends_bare_tc_frames_is_reported_in_tc_frames() -> None:
    bench = _bench("udp://127.0.0.1:0", frames={"ground_format": "frames"})
    gateway = bench.ground
    assert isinstance(gateway, FrameGroundGateway) and gateway.tc_format == "frames"
    bench.run(5)
    for seq in range(3):
        gateway.inject(TcFrame.bd(91, 0, SAMPLER.telecommand("ping", {}, seq, 1, 0)).pack())
    bench.run(30)
    up = next(line for line in _lines(bench) if line.startswith("  up "))
    assert up.startswith("  up 3 TCs delivered in 3 TC frames: 3 accepted;"), up
    assert "CLTU" not in up


def test_a_ground_that_sends_cltus_is_reported_in_cltus() -> None:
    bench = _bench()
    bench.run(5)
    bench.ground.command(SAMPLER, "ping")
    bench.run(30)
    assert any(line.startswith("  up 1 TCs delivered in 1 CLTUs: 1 accepted;") for line in _lines(bench))


def test_with_no_packet_down_yet_the_latency_reads_as_a_dash() -> None:
    bench = _bench(downlink_rate=1)  # 1 bit/s: nothing reaches the ground in a minute
    bench.run(60)
    down = next(line for line in _lines(bench) if line.startswith("  down "))
    assert down.endswith("; latency —") and "— mean" not in down
