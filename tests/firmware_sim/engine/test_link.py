"""Links: UART timing, framing at the ports, and the fault hooks."""

import numpy as np
import pytest

from firmware_sim.engine.external import ExternalPort
from firmware_sim.engine.link import Link, Port
from firmware_sim.engine.scheduler import Scheduler
from firmware_sim.errors import ConfigurationError
from protocols.pus import PusTc, PusTm
from protocols.syncmarker import ASM


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


def test_faults_are_armed_while_any_hook_is_set_however_it_is_set() -> None:
    _, link, _ = _pair()
    faults = link.faults
    assert not faults.armed
    faults.drop_next = 2
    assert faults.armed
    link.a.send(_packet(0))
    link.a.send(_packet(1))
    assert not faults.armed and faults.frames_dropped == 2
    link.inject("delay", seconds=0.5, direction="to-device")
    assert faults.armed
    link.inject("clear")
    assert not faults.armed and faults.frames_dropped == 2


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


def _bench_edge() -> tuple[Scheduler, Link, ExternalPort, list[str]]:
    """A device port behind a link whose other end is a real wire (an external port, so the link is untimed)."""
    scheduler = Scheduler()
    outside, device = ExternalPort("fsw.sampler"), Port("sampler")
    link = Link("sampler", scheduler, outside, device, rng=np.random.default_rng(1))
    link.timed = False
    heard: list[str] = []
    link.taps.append(lambda ns, name, direction, packet: heard.append(f"tap {direction} {packet[7]},{packet[8]}"))
    outside.outlet = lambda octets: heard.append(f"wire {octets[11]},{octets[12]}") is None
    return scheduler, link, outside, heard


def test_a_command_from_a_real_wire_is_answered_in_the_call_that_brought_it() -> None:
    scheduler, link, outside, heard = _bench_edge()
    answer = PusTm(apid=0x110, service=1, subtype=1, app_data=b"\x18\x10\xc0\x00").pack()
    link.b.handler = lambda packet: (heard.append(f"device {packet[7]},{packet[8]}"), link.b.send(answer))
    outside.inject(ASM + PusTc(0x110, 17, 1, b"", 0, 1, 0xF).pack())
    assert heard == ["tap a>b 17,1", "device 17,1", "wire 1,1", "tap b>a 1,1"]  # nothing left for the scheduler
    assert scheduler.next_due is None


def test_a_timed_link_still_delivers_a_command_after_its_wire_time() -> None:
    scheduler, link, outside, heard = _bench_edge()
    link.timed = True
    link.b.handler = lambda packet: heard.append(f"device {packet[7]},{packet[8]}")
    outside.inject(ASM + PusTc(0x110, 17, 1, b"", 0, 1, 0xF).pack())
    assert heard == ["tap a>b 17,1"]
    scheduler.run()
    assert heard == ["tap a>b 17,1", "device 17,1"] and scheduler.now_ns > 0
