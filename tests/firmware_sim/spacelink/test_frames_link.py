"""The frame link between a radio and the built-in ground node: frames, timing, virtual channels, losses, FARM-1."""

from __future__ import annotations

import pytest
from frame_bench import LIGHT_NS, FakeRadio, scheduler

from firmware_sim.spacelink import VC_IDLE, FrameGroundNode, FrameLinkSettings, FramesLink
from protocols.pus import PusTc, PusTm
from protocols.spacelink import ASM, Clcw, TcFrame, TmFrame, encode_cltu, tm_randomize

NS_PER_S = 1_000_000_000
SCID = 91


def _link(radio: FakeRadio | None = None, **settings: object) -> tuple[FramesLink, FrameGroundNode, FakeRadio]:
    sched = scheduler()
    link = FramesLink(sched, lambda t: LIGHT_NS, FrameLinkSettings(**settings))  # type: ignore[arg-type]
    ground = FrameGroundNode(sched)
    radio = radio or FakeRadio()
    link.connect(radio, ground)
    ground.attach(link)
    return link, ground, radio


def _hk(seq: int, size: int = 40, apid: int = 0x110) -> bytes:
    return PusTm(apid, 3, 25, bytes(size), seq, 0, 0).pack()


def _event(seq: int, apid: int = 0x110) -> bytes:
    return PusTm(apid, 5, 1, bytes(6), seq, 0, 0).pack()


def _run(link: FramesLink, seconds: float) -> None:
    sched = link.scheduler
    sched.run(until_cycle=sched.cycle + sched.clock.cycles(seconds))


def _send(link: FramesLink, packets: list[bytes], spacing_s: float = 0.01) -> None:
    """The radio finishes one packet every ``spacing_s``."""
    sched = link.scheduler
    for packet in packets:
        link.downlink(packet, sched.now_ns)
        _run(link, spacing_s)


def test_packets_reach_the_ground_in_frames_in_the_order_they_were_sent() -> None:
    link, ground, radio = _link()
    sent = [_hk(i) if i % 50 else _event(i) for i in range(200)]
    _send(link, sent)
    _run(link, 10)
    got = [p.raw for p in ground.received]
    assert got == sent  # housekeeping on VC 0, the rest on VC 1, and still in order
    assert link.stats.frames_sent < len(sent) / 10
    assert radio.frames == [n & 0xFF for n in range(len(radio.frames))]  # master-channel count, no gap
    vcs = ground.receiver.stats.vcs
    assert vcs[0].packets == 196 and vcs[1].packets == 4
    assert ground.gaps == 0 and ground.frame_gaps == 0 and ground.receiver.stats.frame_errors == 0


def test_each_packet_is_charged_its_share_of_the_cadu_on_the_air() -> None:
    link, _, _ = _link()
    cadu = link.cadu_length
    assert cadu == len(ASM) + 1115
    packet = _hk(0, size=1103 - 21)  # exactly one data field (1103 octets)
    assert len(packet) == link.data_size
    assert link.air_octets(packet) == cadu
    assert link.air_octets(_hk(1)) > len(_hk(1))
    rs = _link(rs_interleave=5)[0]
    assert rs.cadu_length == len(ASM) + 1275 and rs.air_octets(packet) > cadu


def test_a_partly_filled_frame_leaves_flush_s_after_its_first_packet() -> None:
    link, ground, _ = _link(flush_s=2.0)
    t0 = link.scheduler.now_ns
    _send(link, [_hk(0)], spacing_s=0.5)
    link.downlink(_hk(1), link.scheduler.now_ns)
    _run(link, 1.4)
    assert link.stats.frames_sent == 0
    _run(link, 0.2)
    assert link.stats.frames_sent == 1
    _run(link, 2)
    first, second = ground.received
    fill_ns = (link.data_size - 2 * len(_hk(0))) * link.cadu_length // link.data_size * 8 * NS_PER_S // 50_000
    assert first.sent_ns == second.sent_ns  # the frame's last bit goes once its idle fill is on the air
    assert abs(first.sent_ns - (t0 + NS_PER_S // 2 + fill_ns)) <= 1_000_000
    assert first.arrival_ns - first.sent_ns == LIGHT_NS
    assert link.figures()["latency_max_s"] < 2.0 + 0.2 + 1.3 + 0.01


def test_a_steady_trickle_does_not_hold_a_frame_back() -> None:
    link, ground, _ = _link(flush_s=2.0)
    _send(link, [_hk(i) for i in range(20)], spacing_s=0.5)
    _run(link, 5)
    assert len(ground.received) == 20
    assert link.stats.frames_sent >= 4
    assert link.figures()["latency_max_s"] < 2.0 + 0.2 + 1.3 + 0.01


def test_at_a_low_rate_the_idle_fill_sets_the_pace() -> None:
    link, ground, _ = _link(FakeRadio(downlink_bps=1_400), flush_s=0.1)
    link.downlink(_hk(0), link.scheduler.now_ns)
    _run(link, 5)
    assert link.stats.frames_sent == 0  # the fill of a 1119-octet CADU takes about 6 s at 1.4 kbit/s
    _run(link, 10)
    (packet,) = ground.received
    assert 6 * NS_PER_S < packet.sent_ns < 7 * NS_PER_S


def test_lost_frames_are_reported_as_gaps_never_hidden() -> None:
    link, ground, _ = _link()
    big = [_hk(i, size=500) for i in range(40)]  # about two packets a frame
    _send(link, big[:10])
    link.frame_loss("downlink", count=2)
    _send(link, big[10:])
    _run(link, 10)
    assert link.stats.frames_lost == 2
    assert ground.frame_gaps == 1 and ground.receiver.frames_lost == 2
    (gap,) = ground.gap_log
    assert gap.vcid == 0 and gap.frames_lost == 2
    seqs = [p.seq_count for p in ground.received]
    missing = sorted(set(range(40)) - set(seqs))
    assert missing and ground.missing == len(missing) and ground.gaps == 1
    assert seqs == sorted(seqs)


def test_a_frame_waits_while_the_transmitter_is_off_and_goes_when_the_link_is_lost() -> None:
    link, ground, radio = _link()
    link.downlink(_hk(0), 0)
    radio.transmitting = False
    _run(link, 10)
    assert link.stats.frames_sent == 0 and link.tm.packets_pending == 1
    radio.transmitting = True
    link.link_changed(True)
    _run(link, 5)
    assert len(ground.received) == 1
    link.downlink(_hk(1), link.scheduler.now_ns)
    radio.transmitting = radio.link_up = False
    link.link_changed(False)  # the transmitter completes the frame it is on
    assert link.stats.frames_sent == 2
    _run(link, 3)
    assert [p.seq_count for p in ground.received] == [0, 1]


def test_idle_frames_carry_the_clcw_while_nothing_else_goes() -> None:
    link, ground, _ = _link(idle_frame_s=1.0)
    _run(link, 10.5)
    assert 8 <= link.stats.idle_frames <= 10 and link.stats.vc_frames[VC_IDLE] == link.stats.idle_frames
    vc = ground.receiver.stats.vcs[VC_IDLE]
    assert vc.frames == vc.idle_frames == link.stats.frames_arrived and not ground.received


def test_a_cltu_goes_through_farm_1_and_its_clcw_comes_down_at_once() -> None:
    link, _, radio = _link(idle_frame_s=0)
    tc = PusTc(0x110, 17, 1, b"", 5).pack()
    frames: list[bytes] = []
    link.ground = type("Ground", (), {"receive_cadu": lambda self, c, s, a: frames.append(c),
                                      "link_changed": lambda self, up: None})()
    sent = link.scheduler.now_ns
    arrival = link.uplink_cltu(encode_cltu(TcFrame.ad(SCID, 0, 0, tc).pack()), sent)
    cltu_bits = len(encode_cltu(TcFrame.ad(SCID, 0, 0, tc).pack())) * 8
    assert arrival == sent + cltu_bits * NS_PER_S // 125 + LIGHT_NS
    _run(link, arrival / NS_PER_S + 2)
    assert radio.uplinked and radio.uplinked[0][0] == tc and radio.tc_results == [(True, None, 1)]
    (cadu,) = frames  # the CLCW report: an idle frame, sent within 100 ms, here one light time later
    frame = TmFrame.unpack(tm_randomize(cadu[4:]))
    assert frame.header.vcid == VC_IDLE and Clcw.from_int(frame.ocf).report_value == 1
    link.uplink_cltu(encode_cltu(TcFrame.bd(SCID, 0, tc).pack()), link.scheduler.now_ns)
    link.uplink_cltu(encode_cltu(TcFrame.ad(SCID, 0, 3, tc).pack()), link.scheduler.now_ns)
    _run(link, 20)
    assert radio.tc_results[1:] == [(True, None, 1), (False, "sequence", 1)]
    assert len(radio.uplinked) == 2


@pytest.mark.parametrize("reason", ["crc", "length", "sequence", "lockout"])
def test_the_uplink_errors_fault_spoils_frames_for_its_reason(reason: str) -> None:
    link, _, radio = _link()
    link.tc.damage(reason)
    tc = PusTc(0x110, 17, 1, b"", 5).pack()
    link.uplink_cltu(encode_cltu(TcFrame.ad(SCID, 0, 0, tc).pack()), 0)
    _run(link, 10)
    assert radio.tc_results == [(False, reason, 0)] and not radio.uplinked
    assert link.tc.farm.lockout is (reason == "lockout")


def test_a_cltu_arriving_without_lock_is_lost() -> None:
    link, _, radio = _link()
    radio.link_up = False
    link.uplink_cltu(encode_cltu(TcFrame.bd(SCID, 0, PusTc(0x110, 17, 1).pack()).pack()), 0)
    _run(link, 10)
    assert radio.lost == 1 and not radio.uplinked and link.stats.cltus_no_lock == 1


def test_something_that_is_not_a_packet_is_refused_not_framed() -> None:
    link, ground, _ = _link()
    link.downlink(b"\x08\x10\xc0\x00\x00\x09abc", 0)
    link.downlink(_hk(0), 0)
    _run(link, 5)
    assert link.stats.packets_refused == 1 and [p.seq_count for p in ground.received] == [0]


def test_reed_solomon_repairs_a_noisy_downlink() -> None:
    link, ground, _ = _link(rs_interleave=5, downlink_ber=2e-4)
    sent = [_hk(i, size=300) for i in range(100)]
    _send(link, sent)
    _run(link, 10)
    stats = ground.receiver.stats
    assert link.down_channel.stats.bit_errors > 20
    assert stats.rs_corrected > 20 and stats.frame_errors == 0
    assert [p.raw for p in ground.received] == sent
