"""The vectorised recording walk: blocks it takes in bulk and blocks it reads one by one give the same records."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hil.decode.split import read_buffer
from hil.recording.reader import read_recording
from hil.recording.writer import Recorder
from protocols.pus import PusTc, PusTm

T0 = 2_100_000_000 * 10**9
PACKETS = [PusTm(0x110, 3, 25, bytes([i % 251]) * (5 + i % 40), i, 0, T0 + i * 10**9).pack() for i in range(300)]
PACKETS += [PusTc(0x120, 8, 1, bytes(i % 7), i).pack() for i in range(30)]


def _record(path: Path, wall_every: int) -> Path:
    """PACKETS on three links, every ``wall_every``-th with a wall-clock comment (0: none), a phase halfway."""
    with Recorder().open(path, {"seed": 3}) as recorder:
        for k, packet in enumerate(PACKETS):
            recorder.wall_clock = bool(wall_every) and k % wall_every == 0
            if k == len(PACKETS) // 2:
                recorder.mark_phase("halfway", k * 1000)
            recorder.tap(k * 1000, ("sampler", "ascender", "relay")[k % 3], ("a>b", "b>a")[k % 2], packet)
    return path


def test_blocks_read_one_by_one_agree_with_blocks_read_in_bulk(tmp_path: Path) -> None:
    plain = read_recording(_record(tmp_path / "plain.pcapng", 0))
    mixed = read_recording(_record(tmp_path / "mixed.pcapng", 3))
    assert not plain.problems and not mixed.problems and plain.phases == mixed.phases == [("halfway", 165_000)]
    assert [(r.packet, r.time_ns, r.link, r.direction) for r in plain.records] == \
        [(r.packet, r.time_ns, r.link, r.direction) for r in mixed.records]
    assert [r.packet for r in plain.records] == PACKETS
    assert [r.wall_ns is not None for r in mixed.records] == [k % 3 == 0 for k in range(len(PACKETS))]
    assert all(r.wall_ns is None for r in plain.records)


def test_the_bulk_buffer_of_a_recording_points_into_the_file(tmp_path: Path) -> None:
    path = _record(tmp_path / "mixed.pcapng", 4)
    buffer = read_buffer(path)
    assert buffer.kind == "recording" and [buffer.packet(i) for i in range(len(buffer))] == PACKETS
    assert buffer.time_ns is not None and buffer.time_ns.tolist() == [k * 1000 for k in range(len(PACKETS))]
    assert buffer.phases == [("halfway", 165_000)]
    assert np.array_equal(buffer.sizes, [len(p) for p in PACKETS])
