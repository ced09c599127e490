"""Plain packet streams: a damaged packet is skipped and reported, and the walk resumes at the next trusted packet."""

from __future__ import annotations

from pathlib import Path

from hil.streamfile import read_plain
from protocols.pus import PusTm

PACKETS = [PusTm(0x110, 3, 25, bytes([i]) * (12 + i % 20), i, 0, 2_100_000_000 * 10**9 + i).pack() for i in range(40)]
STREAM = b"".join(PACKETS)


def _offset(index: int) -> int:
    return sum(len(p) for p in PACKETS[:index])


def test_a_clean_stream_is_read_whole() -> None:
    read = read_plain(Path("s.bin"), STREAM)
    assert [r.packet for r in read.records] == PACKETS and not read.damage
    assert [r.offset for r in read.records] == [_offset(i) for i in range(40)]


def test_a_damaged_length_loses_only_its_packet() -> None:
    damaged = bytearray(STREAM)
    damaged[_offset(10) + 4] ^= 0x40  # the length of packet 10 now runs far past it
    read = read_plain(Path("s.bin"), bytes(damaged))
    assert [r.packet for r in read.records] == PACKETS[:10] + PACKETS[11:]
    assert [(d.offset, d.size) for d in read.damage] == [(_offset(10), len(PACKETS[10]))]


def test_garbage_between_packets_is_reported_with_its_offset() -> None:
    junk = bytes(range(0xE0, 0x100)) * 3
    read = read_plain(Path("s.bin"), STREAM[:_offset(5)] + junk + STREAM[_offset(5):])
    assert [r.packet for r in read.records] == PACKETS
    assert [(d.offset, d.size, d.torn) for d in read.damage] == [(_offset(5), len(junk), False)]


def test_a_cut_last_packet_is_a_torn_tail() -> None:
    read = read_plain(Path("s.bin"), STREAM[:-3])
    assert len(read.records) == 39 and read.damage[0].torn and "announces" in read.damage[0].reason
