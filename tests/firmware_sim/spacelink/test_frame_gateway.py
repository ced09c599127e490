"""The frame-level gateway a real ground system plugs into: CADUs out, CLTUs in, BD any time, AD through FARM-1."""

from __future__ import annotations

import pytest
from frame_bench import radio_of

from firmware_sim.bench import Bench
from firmware_sim.errors import ConfigurationError
from firmware_sim.scenario.model import BenchSettings
from firmware_sim.spacelink import FrameGroundGateway, FrameLinkSettings
from protocols.dictionary import default_dictionary
from protocols.pus import PusTc
from protocols.spacelink import (
    ASM,
    CaduSplitter,
    Fop1,
    TcFrame,
    TmDeframer,
    TmFrame,
    encode_cltu,
    tm_randomize,
)

SAMPLER = default_dictionary().device("sampler")
SCID = 91
FRAME = 1115


class OutsideGround:
    """What a real ground system does with the gateway, written only with protocols' codecs."""

    def __init__(self, frames: bool = False) -> None:
        self.frames = frames
        self.splitter = CaduSplitter(FRAME)
        self.deframer = TmDeframer(FRAME, scid=SCID)
        self.units: list[bytes] = []
        self.packets: list[bytes] = []
        self.clcw: int | None = None

    def outlet(self, unit: bytes) -> bool:
        self.units.append(unit)
        if self.frames:
            bodies = [unit]
        else:
            assert unit[:4] == ASM and len(unit) == 4 + FRAME  # one whole CADU per call
            bodies = [tm_randomize(body) for body in self.splitter.feed(unit)]
        for frame in bodies:
            result = self.deframer.feed(frame)
            self.packets += result.packets
            if result.ocf is not None:
                self.clcw = result.ocf
        return True

    def replies(self, tc: bytes, subtype: int) -> list[bytes]:
        """Verification reports TM[1,subtype] about ``tc``."""
        return [p for p in self.packets if p[7:9] == bytes((1, subtype)) and p[19:23] == tc[:4]]


def _bench(fmt: str = "cadu", seed: int = 3) -> tuple[Bench, FrameGroundGateway, OutsideGround]:
    devices = {"relay": {"visibility": "always", "frames": {"ground_format": fmt}}}
    bench = Bench(BenchSettings(devices=devices, nodes={"ground": "udp://127.0.0.1:0"}), seed=seed)
    gateway = bench.external["ground"].boundary
    assert isinstance(gateway, FrameGroundGateway)
    outside = OutsideGround(frames=fmt == "frames")
    gateway.outlet = outside.outlet
    return bench, gateway, outside


def _ping(seq: int) -> bytes:
    return PusTc(SAMPLER.apid, 17, 1, b"", seq, 0, 0xF).pack()


def test_cadus_out_decode_to_every_packet_the_ground_recorded() -> None:
    bench, gateway, outside = _bench()
    bench.run(60)
    assert outside.units and gateway.external.packets_to_outside == len(outside.units)
    assert outside.packets == [p.raw for p in gateway.received]
    assert len(outside.packets) > 100 and outside.clcw is not None
    assert gateway.errors == 0


def test_a_cltu_in_is_executed_by_the_sampler() -> None:
    bench, gateway, outside = _bench()
    bench.run(5)
    tc = _ping(1)
    gateway.inject(encode_cltu(TcFrame.bd(SCID, 0, tc).pack()))
    bench.run(30)
    assert outside.replies(tc, 7)  # completion, read from the CADUs
    assert gateway.external.packets_from_outside == 1


def test_the_outside_fop_commands_through_farm_1_in_sequence() -> None:
    bench, gateway, outside = _bench()
    bench.run(5)
    fop = Fop1(SCID, 0, t1_ns=30_000_000_000)
    fop.initiate_ad(now=bench.scheduler.now_ns)
    tcs = [_ping(n) for n in range(3)]
    for tc in tcs:
        out = fop.request_ad(tc, now=bench.scheduler.now_ns)
        for frame in out.frames:
            gateway.inject(encode_cltu(frame))
    bench.run(60)
    assert all(outside.replies(tc, 7) for tc in tcs)
    fop.clcw(outside.clcw or 0, now=bench.scheduler.now_ns)
    assert fop.outstanding == 0
    assert radio_of(bench).telemetry["tc_frame_vr"] == 3


def test_cltus_in_a_byte_stream_with_noise_between_them() -> None:
    bench, gateway, outside = _bench()
    bench.run(5)
    tcs = [_ping(10), _ping(11)]
    stream = b"\x00noise" + encode_cltu(TcFrame.bd(SCID, 0, tcs[0]).pack()) + b"\xff\xff"
    stream += encode_cltu(TcFrame.bd(SCID, 0, tcs[1]).pack())
    for at in range(0, len(stream), 5):
        gateway.inject(stream[at:at + 5])
    bench.run(60)
    assert all(outside.replies(tc, 7) for tc in tcs)
    assert gateway.external.packets_from_outside == 2 and gateway.errors == 2


def test_cltus_wait_at_the_ground_until_the_radio_has_lock() -> None:
    bench, gateway, outside = _bench()
    tc = _ping(5)
    gateway.inject(encode_cltu(TcFrame.bd(SCID, 0, tc).pack()))  # before acquisition (2 s)
    assert gateway.cltus_held == 1
    bench.run(40)
    assert outside.replies(tc, 7) and not gateway.held_cltus


def test_bare_frames_both_ways() -> None:
    bench, gateway, outside = _bench("frames")
    bench.run(5)
    tc = _ping(3)
    gateway.inject(TcFrame.bd(SCID, 0, tc).pack())
    bench.run(30)
    assert all(len(unit) == FRAME for unit in outside.units)
    assert TmFrame.unpack(outside.units[0], frame_length=FRAME).header.scid == SCID
    assert outside.replies(tc, 7)


def test_describe_gives_what_a_ground_system_needs() -> None:
    _, gateway, _ = _bench()
    described = gateway.describe()
    assert {"spacecraft_id": 91, "tm_frame_length": 1115, "randomized": True}.items() <= described.items()
    assert [vc["vcid"] for vc in described["virtual_channels"]] == [0, 1, 7]
    assert described["format"] == "cadu" and described["asm"] == "1ACFFC1D" and described["cadu_length"] == 1119
    custom = FrameGroundGateway(_bench()[0].scheduler, FrameLinkSettings(spacecraft_id=7, rs_interleave=5,
                                                                         tm_frame_length=1115))
    assert custom.describe()["spacecraft_id"] == 7 and custom.describe()["cadu_length"] == 1279
    with pytest.raises(ConfigurationError, match="format"):
        FrameGroundGateway(custom.scheduler, format="packets")


def test_on_the_packet_link_the_ground_system_gets_packets() -> None:
    devices = {"relay": {"visibility": "always", "space_link": "packets"}}
    bench = Bench(BenchSettings(devices=devices, nodes={"ground": "tcp://127.0.0.1:0?listen"}), seed=1)
    assert not isinstance(bench.external["ground"].boundary, FrameGroundGateway)
