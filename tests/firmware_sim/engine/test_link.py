"""Links: UART timing, framing at the ports, and the fault hooks."""

import numpy as np
import pytest

from firmware_sim.engine.link import Link, Port
from firmware_sim.engine.scheduler import Scheduler
from firmware_sim.errors import ConfigurationError
from protocols.pus import PusTm


def _pair(baud: int = 115_200, framing: str = "asm") -> tuple[Scheduler, Link, list[tuple[int, bytes]]]:
    scheduler = Scheduler()
    a, b = Port("a", framing), Port("b", framing)
    link = Link("test", scheduler, a, b, baud, np.random.default_rng(1))
    received: list[tuple[int, bytes]] = []
    b.handler = lambda packet: received.append((scheduler.now_ns, packet))
    return scheduler, link, received


def _packet(seq: int, size: int = 40) -> bytes:
    return PusTm(apid=0x110, service=3, subtype=25, app_data=bytes(size), seq_count=seq).pack()


@pytest.mark.parametrize("framing", ["asm", "cobs"])
def test_packets_arrive_after_their_uart_time(framing: str) -> None:
    scheduler, link, received = _pair(9600, framing)
    packet = _packet(0)
    link.a.send(packet)
    scheduler.run()
    frame_octets = link.a.stats.octets_out
    assert received == [(received[0][0], packet)]
    wire_ns = frame_octets * 10 * 1_000_000_000 // 9600
    assert wire_ns <= received[0][0] < wire_ns + 1_000_000  # delivered at the first cycle after the last bit


def test_back_to_back_frames_queue_on_the_wire() -> None:
    scheduler, link, received = _pair(9600)
    for seq in range(5):
        link.a.send(_packet(seq))
    scheduler.run()
    times = [t for t, _ in received]
    assert [p for _, p in received] == [_packet(s) for s in range(5)]
    gaps = np.diff(times)
    assert all(gap >= link.octet_time_ns(len(_packet(0)) + 4) - 1_000_000 for gap in gaps)


def test_drop_corrupt_cut_and_delay() -> None:
    scheduler, link, received = _pair()
    link.faults.drop_next = 1
    link.a.send(_packet(0))
    link.faults.corrupt_next = 1
    link.a.send(_packet(1))
    link.faults.cut = True
    link.a.send(_packet(2))
    link.faults.cut = False
    link.faults.extra_delay_ns = 50_000_000
    link.a.send(_packet(3))
    scheduler.run()
    assert [p for _, p in received] == [_packet(3)]
    assert received[0][0] >= 50_000_000
    assert link.faults.frames_dropped == 1 and link.faults.frames_corrupted == 1
    assert link.faults.octets_lost_to_cut > 0
    assert link.b.deframer_stats.crc_errors + link.b.deframer_stats.header_errors >= 1


def test_bit_error_rate_is_seeded() -> None:
    def run() -> list[bytes]:
        scheduler, link, received = _pair()
        link.faults.bit_error_rate = 1e-3
        for seq in range(200):
            link.a.send(_packet(seq))
        scheduler.run()
        return [p for _, p in received]

    first, second = run(), run()
    assert first == second and 0 < len(first) < 200


def test_taps_see_every_packet_sent() -> None:
    _scheduler, link, _ = _pair()
    seen: list[tuple[str, bytes]] = []
    link.taps.append(lambda t, name, direction, packet: seen.append((direction, packet)))
    link.a.send(_packet(0))
    link.b.send(_packet(1))
    assert seen == [("a>b", _packet(0)), ("b>a", _packet(1))]


def test_unconnected_port_and_bad_baud_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError):
        Port("lonely").send(_packet(0))
    with pytest.raises(ConfigurationError, match="baud"):
        Link("x", Scheduler(), Port("a"), Port("b"), 0)
