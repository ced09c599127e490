"""The gateway's two directions chosen apart (bare TM frames down, CLTUs up) and the VC map a ground system sees."""

from __future__ import annotations

from typing import Any

import pytest
from frame_bench import radio_of
from test_frame_gateway import FRAME, SAMPLER, SCID, OutsideGround

from firmware_sim.bench import Bench
from firmware_sim.errors import ConfigurationError
from firmware_sim.scenario.model import BenchSettings
from firmware_sim.spacelink import FrameGroundGateway, FrameLinkSettings, FramesLink
from protocols.pus import PusTc
from protocols.spacelink import Fop1, TcFrame, TmDeframer, encode_cltu

CLTU_UPLINK = {"ground_format": "frames", "ground_tc_format": "cltu", "tc_randomize": True}
"""What `farside ground yamcs` benches use: bare TM frames to Yamcs, randomized CLTUs from it."""


def _bench(**frames: Any) -> tuple[Bench, FrameGroundGateway, OutsideGround]:
    devices = {"relay": {"visibility": "always", "frames": frames}}
    bench = Bench(BenchSettings(devices=devices, nodes={"ground": "udp://127.0.0.1:0"}), seed=5)
    gateway = bench.external["ground"].boundary
    assert isinstance(gateway, FrameGroundGateway)
    outside = OutsideGround(frames=frames.get("ground_format") == "frames")
    gateway.outlet = outside.outlet
    return bench, gateway, outside


def _ping(seq: int) -> bytes:
    return PusTc(SAMPLER.apid, 17, 1, b"", seq, 0, 0xF).pack()


def _link(bench: Bench) -> dict[str, Any]:
    assert isinstance(bench.space_link, FramesLink)
    return bench.space_link.figures()


def _broken(cltu: bytes) -> bytes:
    """``cltu`` with two bit errors in its first codeblock: the BCH code detects them and cannot correct them."""
    out = bytearray(cltu)
    out[3] ^= 0x81
    return bytes(out)


def test_bare_frames_go_down_while_randomized_cltus_come_up() -> None:
    bench, gateway, outside = _bench(**CLTU_UPLINK)
    bench.run(5)
    tc = _ping(1)
    gateway.inject(encode_cltu(TcFrame.bd(SCID, 0, tc).pack(), randomize=True))
    bench.run(30)
    assert outside.units and all(len(unit) == FRAME for unit in outside.units)  # bare frames, no ASM
    assert outside.replies(tc, 7)
    figures = _link(bench)
    assert figures["tc_frames_accepted"] == 1 and figures["cltus_rejected"] == 0 and gateway.errors == 0


def test_an_outside_fop_commands_through_farm_1_with_cltus_as_a_byte_stream() -> None:
    bench, gateway, outside = _bench(**CLTU_UPLINK)
    bench.run(5)
    fop = Fop1(SCID, 0, t1_ns=30_000_000_000)
    fop.initiate_ad(now=bench.scheduler.now_ns)
    tcs = [_ping(n) for n in range(3)]
    stream = b"".join(encode_cltu(frame, randomize=True)
                      for tc in tcs for frame in fop.request_ad(tc, now=bench.scheduler.now_ns).frames)
    for at in range(0, len(stream), 13):  # a TCP ground: CLTUs cut anywhere
        gateway.inject(stream[at:at + 13])
    bench.run(60)
    assert all(outside.replies(tc, 7) for tc in tcs)
    assert radio_of(bench).telemetry["tc_frame_vr"] == 3


def test_a_broken_codeblock_is_counted_and_the_next_cltu_still_goes_through() -> None:
    bench, gateway, outside = _bench(**CLTU_UPLINK)
    bench.run(5)
    lost, kept = _ping(20), _ping(21)
    gateway.inject(_broken(encode_cltu(TcFrame.bd(SCID, 0, lost).pack(), randomize=True)))
    gateway.inject(encode_cltu(TcFrame.bd(SCID, 0, kept).pack(), randomize=True))
    bench.run(30)
    assert not outside.replies(lost, 1) and outside.replies(kept, 7)
    figures = _link(bench)
    assert figures["cltus_sent"] == 2 and figures["cltus_rejected"] == 1 and figures["tc_frames_accepted"] == 1


def test_what_is_not_a_cltu_is_skipped_and_counted() -> None:
    bench, gateway, outside = _bench(**CLTU_UPLINK)
    bench.run(5)
    bare, plain = _ping(30), _ping(31)
    gateway.inject(TcFrame.bd(SCID, 0, bare).pack())  # a bare frame: no start sequence to find
    gateway.inject(encode_cltu(TcFrame.bd(SCID, 0, plain).pack()))  # not randomized: garbage once derandomized
    bench.run(30)
    assert not outside.replies(bare, 1) and not outside.replies(plain, 1)
    assert gateway.cltus.ranges_skipped == 1 and gateway.errors == 1
    assert _link(bench)["tc_frames_rejected"] == 1


def test_the_uplink_format_follows_the_downlink_unless_set() -> None:
    assert FrameLinkSettings().tc_format == "cltu"
    assert FrameLinkSettings(ground_format="frames").tc_format == "frames"
    assert FrameLinkSettings(ground_format="cadu", ground_tc_format="frames").tc_format == "frames"
    with pytest.raises(ConfigurationError, match="ground_tc_format='cadu': cltu or frames"):
        FrameLinkSettings.from_options({"ground_tc_format": "cadu"})
    _, gateway, _ = _bench(ground_format="frames")
    assert gateway.tc_format == "frames"
    assert FrameGroundGateway(gateway.scheduler, format="cadu").tc_format == "cltu"
    with pytest.raises(ConfigurationError, match="tc_format"):
        FrameGroundGateway(gateway.scheduler, tc_format="cadus")


def test_the_endpoints_say_exactly_what_each_direction_carries() -> None:
    tc = _bench(**CLTU_UPLINK)[1].describe()
    assert tc["format"] == "frames" and tc["randomized"] is False and tc["asm"] is None
    assert {"format": "cltu", "randomized": True, "bch": "BCH(63,56)", "start_sequence": "EB90",
            "tail_sequence": "C5C5C5C5C5C5C579"}.items() <= tc["tc"].items()
    frames = _bench(ground_format="frames")[1].describe()["tc"]
    assert (frames["format"], frames["bch"], frames["randomized"], frames["start_sequence"]) == (
        "frames", None, False, None)
    cadus = _bench()[1].describe()
    assert cadus["randomized"] is True and cadus["tc"]["format"] == "cltu" and cadus["tc"]["randomized"] is False


def _packets_per_vc(vc_map: str) -> tuple[dict[int, set[tuple[int, int]]], list[int]]:
    """(VC → the (service, subtype) of every packet seen on it, the VCs the endpoints list) after a ping."""
    bench, gateway, outside = _bench(ground_format="frames", vc_map=vc_map)
    bench.run(5)
    gateway.inject(TcFrame.bd(SCID, 0, _ping(1)).pack())
    bench.run(30)
    deframer, seen = TmDeframer(FRAME, scid=SCID), {}
    for frame in outside.units:
        result = deframer.feed(frame)
        for packet in result.packets:
            seen.setdefault(result.vcid, set()).add((packet[7], packet[8]))
    return seen, [vc["vcid"] for vc in gateway.describe()["virtual_channels"]]


def test_a_single_vc_map_puts_every_packet_on_vc_0() -> None:
    seen, listed = _packets_per_vc("single")
    assert list(seen) == [0] and {(3, 25), (1, 1), (17, 2), (1, 7)} <= seen[0]
    assert listed == [0, 7]


def test_the_split_vc_map_puts_housekeeping_on_vc_0_and_the_rest_on_vc_1() -> None:
    seen, listed = _packets_per_vc("split")
    assert seen[0] == {(3, 25)} and {(1, 1), (17, 2), (1, 7)} <= seen[1] and (3, 25) not in seen[1]
    assert listed == [0, 1, 7]
