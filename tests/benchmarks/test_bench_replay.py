"""Benchmark: replay timing of a ~60 s recording to UDP on loopback at --speed 1, 10 and 100.

Run with ``python tests/benchmarks/test_bench_replay.py`` (about 70 s). Prints the sender's lateness
p50/p99/max and drift per speed, the receiver-side p99 arrival error, and the baseline measured in the same run:
the bare cost of one UDP send in an unpaced loop; the ratio is p99 lateness / that cost. Never asserts timing.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from tempfile import TemporaryDirectory

from hil.packetfile import read_packet_file, tm_time_ns
from hil.replay import Player, build_schedule, percentile
from hil.schemes import open_transport
from protocols.pus import PusTm

T0_NS = 2_100_000_000 * 1_000_000_000
GAPS_MS = (20, 35, 50, 65, 80, 0, 50)
SPEEDS = (1, 10, 100)


def _recording(path: Path, span_s: float = 60.0) -> list[bytes]:
    packets, t, seq = [], T0_NS, 0
    while t - T0_NS < span_s * 1e9:
        packets.append(PusTm(0x10, 3, 25, bytes(8 + seq % 64), seq & 0x3FFF, 0, t).pack())
        t += GAPS_MS[seq % len(GAPS_MS)] * 1_000_000
        seq += 1
    path.write_bytes(b"".join(packets))
    return packets


def _receive(sock: socket.socket, count: int, stamps: list[int]) -> None:
    while len(stamps) < count:
        try:
            sock.recv(70_000)
        except OSError:
            return
        stamps.append(time.monotonic_ns())


def _baseline_send_ns(url: str, packets: list[bytes], rounds: int = 5) -> float:
    """Best per-packet cost of a bare, unpaced UDP send loop."""
    best = float("inf")
    with open_transport(url) as transport:
        for _ in range(rounds):
            start = time.perf_counter_ns()
            for packet in packets:
                transport.send(packet)
            best = min(best, (time.perf_counter_ns() - start) / len(packets))
    return best


def test_bench_replay() -> None:
    """Replay at every speed and print the figures."""
    with TemporaryDirectory() as folder:
        path = Path(folder) / "rec.bin"
        packets = _recording(path)
        times = [tm_time_ns(p) for p in packets]
        schedule = build_schedule(read_packet_file(path).records)
        sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sink.bind(("127.0.0.1", 0))
        sink.settimeout(0.2)
        url = f"udp://127.0.0.1:{sink.getsockname()[1]}"
        baseline = _baseline_send_ns(url, packets)
        sink.close()
        print(f"\n{len(packets)} packets over {(times[-1] - times[0]) / 1e9:.1f} s of recording")
        print(f"baseline: bare UDP send {baseline / 1e3:.1f} µs/packet")
        for speed in SPEEDS:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as rx:
                rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
                rx.bind(("127.0.0.1", 0))
                rx.settimeout(2.0)
                stamps: list[int] = []
                thread = threading.Thread(target=_receive, args=(rx, len(packets), stamps), daemon=True)
                thread.start()
                with open_transport(f"udp://127.0.0.1:{rx.getsockname()[1]}") as transport:
                    report = Player(transport, schedule, speed=speed).run()
                thread.join(5.0)
            errors = [abs(round((s - stamps[0]) - (t - times[0]) / speed)) for s, t in zip(stamps, times, strict=False)]
            late = report.lateness
            assert late is not None
            print(f"speed {speed:>3}: {report.duration_ns / 1e9:6.2f} s  lateness p50 {late.p50 / 1e3:6.1f} µs  "
                  f"p99 {late.p99 / 1e3:7.1f} µs  max {late.max / 1e3:7.1f} µs  drift {late.drift / 1e3:+6.1f} µs  "
                  f"p99/baseline {late.p99 / baseline:5.1f}×  receiver p99 {percentile(errors, 0.99) / 1e3:7.1f} µs  "
                  f"({len(stamps)}/{len(packets)} received)")


if __name__ == "__main__":
    test_bench_replay()
