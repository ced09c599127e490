"""The ground station and the propagation link: arrival times, sequence gaps, held and refused uplink."""

from __future__ import annotations

import pytest

from firmware_sim.engine.scheduler import Scheduler
from firmware_sim.errors import ConfigurationError
from firmware_sim.spacelink.ground import GroundStation, ReceivedPacket
from firmware_sim.spacelink.propagation import PropagationLink
from protocols.dictionary.sampler import SAMPLER
from protocols.pus import PusTc, PusTm

LIGHT_NS = 1_300_000_000


class FakeRadio:
    """A radio end that records what the link hands it."""

    def __init__(self, up: bool = True) -> None:
        self.up = up
        self.received: list[tuple[bytes, int]] = []

    @property
    def link_up(self) -> bool:
        """Lock as set by the test."""
        return self.up

    def receive_uplink(self, packet: bytes, first_bit_ns: int) -> None:
        """Record the TC and its first bit's arrival."""
        self.received.append((packet, first_bit_ns))


def _wired(up: bool = True, hold: bool = True) -> tuple[Scheduler, PropagationLink, GroundStation, FakeRadio]:
    scheduler = Scheduler()
    link = PropagationLink(scheduler, lambda t: LIGHT_NS, overhead_octets=12)
    ground = GroundStation(scheduler, hold_uplink=hold)
    radio = FakeRadio(up)
    link.connect(radio, ground)
    ground.attach(link)
    return scheduler, link, ground, radio


def _tm(apid: int, seq: int) -> bytes:
    return PusTm(apid, 3, 25, bytes(10), seq, 0, 0).pack()


def test_downlinked_packets_arrive_one_light_time_later() -> None:
    """The link delivers each packet at sent + light time, and the ground keeps both times."""
    scheduler, link, ground, _ = _wired()
    assert link.air_octets(b"\x00" * 30) == 42
    assert link.downlink(_tm(0x100, 0), 500_000) == 500_000 + LIGHT_NS
    scheduler.run(until_cycle=1000)
    assert not ground.received
    scheduler.run(until_cycle=2000)
    (packet,) = ground.received
    assert (packet.sent_ns, packet.arrival_ns, packet.apid, packet.seq_count) == (500_000, 1_300_500_000, 0x100, 0)
    assert packet.delay_s == pytest.approx(1.3)
    assert link.stats.downlinked == 1 and ground.counters.packets_received == 1


def test_gaps_are_counted_per_apid_and_type() -> None:
    """A skipped count is a gap; wrap-around is not; a late packet fills its place; TM and TC count apart."""
    scheduler = Scheduler()
    ground = GroundStation(scheduler)
    for apid, seq in ((0x100, 0), (0x100, 1), (0x100, 4), (0x120, 16383), (0x120, 0), (0x100, 2), (0x100, 5)):
        ground.receive_downlink(_tm(apid, seq), 0, 0)
    ground.receive_downlink(PusTc(0x100, 17, 1, b"", 9).pack(), 0, 0)
    ground.receive_downlink(PusTm(0x7FF, 1, 1, b"", 3).pack(), 0, 0)
    ground.receive_downlink(b"\x01\x02", 0, 0)
    tm_100 = ground.apids[(False, 0x100)]
    assert (tm_100.received, tm_100.gaps, tm_100.missing, tm_100.out_of_order) == (5, 1, 1, 1)  # 3 never came
    assert ground.apids[(False, 0x120)].gaps == 0
    assert ground.apids[(True, 0x100)].received == 1
    assert (ground.gaps, ground.missing, ground.counters.undecodable) == (1, 1, 1)
    assert len(ground.packets(0x100)) == 6 and len(ground.received) == 10


def test_packets_sent_out_of_order_are_not_reported_lost_and_repeats_change_nothing() -> None:
    ground = GroundStation(Scheduler())
    for seq in (0, 2, 1, 1, 5, 3, 4, 7):
        ground.receive_downlink(_tm(0x100, seq), 0, 0)
    stats = ground.apids[(False, 0x100)]
    assert (stats.gaps, stats.missing, stats.out_of_order) == (1, 1, 4)  # only 6 is missing


def test_uplink_goes_out_at_once_while_the_link_is_up() -> None:
    """A TC reaches the radio's antenna one light time after the ground sends it."""
    _scheduler, link, ground, radio = _wired(up=True)
    raw = ground.command(SAMPLER, "ping")
    assert radio.received == [(raw, LIGHT_NS)]
    assert ground.counters.tcs_sent == 1 and link.stats.uplinked == 1
    assert PusTc.unpack(raw).apid == SAMPLER.apid


def test_uplink_is_held_at_the_ground_until_lock() -> None:
    """While the link is down TCs wait at the ground and go out in order when the radio locks."""
    _scheduler, _link, ground, radio = _wired(up=False)
    first, second = PusTc(0x100, 17, 1, b"", 1).pack(), PusTc(0x100, 17, 1, b"", 2).pack()
    assert not ground.uplink(first) and not ground.uplink(second)
    assert ground.counters.tcs_held == 2 and not radio.received
    radio.up = True
    ground.link_changed(True)
    assert [p for p, _ in radio.received] == [first, second]
    ground.link_changed(False)
    assert (ground.counters.link_ups, ground.counters.link_downs, ground.counters.tcs_sent) == (1, 1, 2)


def test_uplink_can_be_refused_instead_of_held() -> None:
    """With hold_uplink=False a TC sent without a link is refused and counted, never silently lost."""
    _, link, ground, radio = _wired(up=False, hold=False)
    assert not ground.uplink(PusTc(0x100, 17, 1).pack())
    assert ground.counters.tcs_refused == 1 and not ground.held and not radio.received
    assert link.uplink(b"x", 0) is None and link.stats.uplink_refused == 1


def test_bounded_history_and_listeners() -> None:
    """``keep`` bounds the history; listeners see every packet."""
    ground = GroundStation(Scheduler(), keep=2)
    seen = []
    ground.listeners.append(seen.append)
    for seq in range(5):
        ground.receive_downlink(_tm(0x100, seq), 0, 0)
    assert [p.seq_count for p in ground.received] == [3, 4] and len(seen) == 5
    with pytest.raises(ConfigurationError, match="keep"):
        GroundStation(Scheduler(), keep=0)
    unattached = GroundStation(Scheduler(), hold_uplink=False)
    assert not unattached.uplink(b"") and unattached.counters.tcs_refused == 1


def test_a_frames_packets_are_recorded_as_one_by_one() -> None:
    """``receive_packets`` (a frame's packets at once) records and accounts exactly as ``receive_downlink`` does."""
    packets = [_tm(0x100, 0), _tm(0x100, 2), PusTm(0x7FF, 1, 1, b"", 3).pack(), b"\x01\x02", _tm(0x100, 1)]
    together, single = GroundStation(Scheduler()), GroundStation(Scheduler())
    seen: list[ReceivedPacket] = []
    together.listeners.append(seen.append)
    together.receive_packets(packets, 5, 9)
    for packet in packets:
        single.receive_downlink(packet, 5, 9)
    assert list(together.received) == list(single.received) == seen
    assert together.counters == single.counters and together.apids == single.apids
