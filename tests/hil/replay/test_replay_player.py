"""The replay player and schedule: asap, fixed rate, loops, filters, untimed records and the timing report."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from replay_packets import ASCENDER_APID, SAMPLER_APID, T0_NS, tc, tm, write

from hil.errors import InputFileError
from hil.packetfile import PacketRecord, read_packet_file, tm_time_ns
from hil.progress import LineProgress
from hil.replay import Player, Selection, build_schedule, drift, percentile
from hil.transports import TransportBase

MS = 1_000_000


class Sink(TransportBase):
    """Collects what was sent, with the monotonic time of each send."""

    url = "memory:"

    def __init__(self) -> None:
        self.sent: list[tuple[int, bytes]] = []

    def send(self, octets: bytes) -> None:
        self.sent.append((time.monotonic_ns(), octets))

    @property
    def packets(self) -> list[bytes]:
        return [p for _, p in self.sent]


def _records(packets: list[bytes], link: str | None = None) -> list[PacketRecord]:
    return [PacketRecord(p, tm_time_ns(p), link) for p in packets]


def test_asap_sends_everything_quickly_in_order() -> None:
    packets = [tm(i, T0_NS + i * 10**9) for i in range(1000)]  # 1000 s of recording
    sink = Sink()
    report = Player(sink, build_schedule(_records(packets), asap=True)).run()
    assert sink.packets == packets
    assert report.mode == "asap" and report.lateness is None
    assert report.duration_ns < 2 * 10**9
    assert report.packets == 1000 and report.octets == sum(map(len, packets))


def test_rate_paces_an_untimed_file(tmp_path: Path) -> None:
    packets = [tc(i) for i in range(11)]
    path = write(tmp_path / "tcs.bin", packets)
    schedule = build_schedule(read_packet_file(path).records, rate=50)
    assert schedule.mode == "rate" and schedule.offsets_ns[-1] == 200 * MS
    sink = Sink()
    report = Player(sink, schedule).run()
    assert sink.packets == packets
    span = sink.sent[-1][0] - sink.sent[0][0]
    assert 195 * MS <= span < 260 * MS
    assert report.lateness is not None and report.lateness.p50 < 5 * MS


def test_untimed_file_needs_rate_or_asap(tmp_path: Path) -> None:
    path = write(tmp_path / "tcs.bin", [tc(0), tc(1)])
    with pytest.raises(InputFileError, match="--rate"):
        build_schedule(read_packet_file(path).records)
    assert len(build_schedule(read_packet_file(path).records, asap=True)) == 2


def test_untimed_record_in_a_timed_file_goes_right_after_the_previous() -> None:
    later = T0_NS + 30 * MS
    records = [PacketRecord(tm(0, T0_NS), T0_NS), PacketRecord(tc(1)), PacketRecord(tm(2, later), later)]
    schedule = build_schedule(records)
    assert schedule.offsets_ns == [0, 0, 30 * MS]


def test_times_running_backwards_are_clamped_and_counted() -> None:
    times = [T0_NS, T0_NS + 20 * MS, T0_NS + 5 * MS, T0_NS + 40 * MS]
    schedule = build_schedule([PacketRecord(tm(i, t), t) for i, t in enumerate(times)])
    assert schedule.offsets_ns == [0, 20 * MS, 20 * MS, 40 * MS]
    assert schedule.reordered == 1


def test_speed_scales_the_schedule() -> None:
    packets = [tm(i, T0_NS + i * 100 * MS) for i in range(5)]  # 400 ms of recording
    sink = Sink()
    report = Player(sink, build_schedule(_records(packets)), speed=4).run()
    span = sink.sent[-1][0] - sink.sent[0][0]
    assert 98 * MS <= span < 150 * MS
    assert report.speed == 4 and report.mode == "timed"


def test_loop_2_sends_twice_with_one_period_between_passes() -> None:
    packets = [tm(i, T0_NS + i * 10 * MS) for i in range(4)]
    schedule = build_schedule(_records(packets))
    assert abs(schedule.period_ns - 40 * MS) < MS // 10  # CUC times are quantised to 2⁻¹⁶ s
    sink = Sink()
    report = Player(sink, schedule, loops=2).run()
    assert sink.packets == packets * 2
    assert report.passes == 2 and report.packets == 8
    assert 69 * MS <= sink.sent[-1][0] - sink.sent[0][0] < 110 * MS  # 40 ms period + 30 ms


def test_loop_forever_stops_cleanly_on_ctrl_c() -> None:
    class Interrupting(Sink):
        def send(self, octets: bytes) -> None:
            super().send(octets)
            if len(self.sent) == 7:
                raise KeyboardInterrupt

    sink = Interrupting()
    report = Player(sink, build_schedule(_records([tm(0, T0_NS), tm(1, T0_NS)]), asap=True), loops=0).run()
    assert report.interrupted and report.packets == 6 and len(sink.sent) == 7
    assert "interrupted" in report.to_text()


def test_filters_by_apid_device_link_and_time_range() -> None:
    packets = [tm(i, T0_NS + i * 10**9, SAMPLER_APID if i % 2 else ASCENDER_APID) for i in range(10)]
    records = _records(packets, "uart0")
    sampler_only = build_schedule(records, Selection.build(devices=["sampler"]), asap=True)
    assert sampler_only.packets == packets[1::2]
    by_apid = build_schedule(records, Selection.build(apids=[ASCENDER_APID]), asap=True)
    assert by_apid.packets == packets[0::2]
    ranged = build_schedule(records, Selection.build(start_s=2.5, stop_s=6.0))
    assert ranged.packets == packets[3:7]
    assert ranged.offsets_ns == [0, 10**9, 2 * 10**9, 3 * 10**9]
    with pytest.raises(InputFileError, match="nothing to send"):
        build_schedule(records, Selection.build(links=["uart1"]))
    with pytest.raises(InputFileError, match="sampler"):
        Selection.build(devices=["toaster"])


def test_statistics() -> None:
    values = list(range(1, 101))
    assert percentile(values, 0.5) == 50 and percentile(values, 0.99) == 99 and percentile([], 0.5) == 0
    assert drift([0] * 10 + [5] * 80 + [100] * 10) == 100
    assert drift([7] * 50) == 0


def test_line_progress_prints_every_few_seconds(tmp_path: Path) -> None:
    with (tmp_path / "err.txt").open("w") as stream:
        progress = LineProgress("replay", 10, stream, every_ns=0)
        progress.update(3)
    assert (tmp_path / "err.txt").read_text() == "farside: replay: 3/10 packets\n"


def test_bar_progress_runs_without_a_terminal() -> None:
    import io

    from hil.progress import BarProgress, NoProgress, progress_for

    with BarProgress("replay", 5, io.StringIO()) as bar:
        bar.update(5)
    assert isinstance(progress_for("replay", 5, io.StringIO(), enabled=False), NoProgress)
    assert isinstance(progress_for("replay", None, io.StringIO()), LineProgress)
