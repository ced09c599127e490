"""A damaged recording block is skipped and reported, and reading resumes at the next good block."""

from __future__ import annotations

import random
import struct
from pathlib import Path

import pytest

from hil.cli import main
from hil.recording.format import EPB_TYPE, IDB_TYPE, ISB_TYPE
from hil.recording.reader import read_recording
from hil.recording.writer import Recorder
from hil.records import Damage, PacketFile

SHORT = """
[scenario]
name = "short"
seed = 9
duration = "T+10m"

[bench.devices.relay]
visibility = "always"

[[timeline]]
phase = "sampler checks"
at = "T+1m"
device = "sampler"
command = "ping"
"""


@pytest.fixture(scope="module")
def run_recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A recording made by ``farside run --record`` of a ten-minute scenario."""
    tmp = tmp_path_factory.mktemp("resync")
    scenario, record = tmp / "short.toml", tmp / "short.pcapng"
    scenario.write_text(SHORT)
    assert main(["run", str(scenario), "--quiet", "--record", str(record)]) == 0
    return record


@pytest.fixture(scope="module")
def compact(run_recording: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The same kind of recording, short: the run's header and its first 240 packets, a phase marked halfway."""
    source = read_recording(run_recording)
    path = tmp_path_factory.mktemp("compact") / "compact.pcapng"
    with Recorder().open(path, dict(source.header)) as recorder:
        for link in ("sampler", "ascender", "relay"):
            recorder.interface(link)
        for index, record in enumerate(source.records[:240]):
            if index == 120:
                recorder.mark_phase("sampler checks", record.time_ns or 0)
            recorder.tap(record.time_ns or 0, record.link or "", record.direction or "", record.packet)
    return path.read_bytes()


def _flipped(data: bytes, bit: int) -> bytes:
    damaged = bytearray(data)
    damaged[bit // 8] ^= 1 << (bit % 8)
    return bytes(damaged)


def _changed(original: list, got: list) -> int:
    """How many items of ``original`` did not come back as they were (order kept); a large number otherwise."""
    if got == original:
        return 0
    first = next((i for i, (a, b) in enumerate(zip(original, got, strict=False)) if a != b), min(len(original),
                                                                                               len(got)))
    if got[first + 1:] == original[first + 1:] or got[first:] == original[first + 1:]:
        return 1
    return 1_000_000


def _items(read: PacketFile, with_links: bool = True) -> tuple[list, list, list]:
    packets = [(r.packet, r.direction, r.time_ns, r.link if with_links else None) for r in read.records]
    return packets, [r.link for r in read.records], list(read.phases)


def _check_one_flip(data: bytes, bit: int, clean: PacketFile, interfaces: range) -> None:
    read = read_recording("flipped.pcapng", _flipped(data, bit))
    in_interface = bit // 8 in interfaces
    original, got = _items(clean, not in_interface), _items(read, not in_interface)
    lost = _changed(original[0], got[0]) + _changed(original[2], got[2])
    assert lost <= 1, f"bit {bit}: {lost} packets or phases lost or changed; {read.problems}"
    if in_interface:  # a damaged interface block may lose or garble its one name, never its packets
        renamed = {(a, b) for a, b in zip(original[1], got[1], strict=False) if a != b}
        assert len({a for a, _ in renamed}) <= 1, f"bit {bit}: {renamed}; {read.problems}"
    for damage in read.damage:
        assert isinstance(damage, Damage) and 0 <= damage.offset < len(data) and damage.size > 0


def test_every_flipped_bit_loses_at_most_the_damaged_block(compact: bytes) -> None:
    clean = read_recording("clean.pcapng", compact)
    assert not clean.problems and len(clean) == 240 and clean.phases
    blocks = _blocks(compact)
    head_end = blocks[4][0]  # section header and three interface blocks
    phases_idb, phases_size = next((o, t) for o, k, t in blocks if k == IDB_TYPE and o >= head_end)
    interfaces = range(blocks[1][0], head_end)
    marker, marker_size = next((o, t) for o, k, t in blocks if k == ISB_TYPE)
    bits = list(range(0, head_end * 8, 5)) + list(range(phases_idb * 8, (phases_idb + phases_size) * 8, 2))
    bits += list(range(marker * 8, (marker + marker_size) * 8, 3))
    rng = random.Random(5)
    bits += [rng.randrange(len(compact) * 8) for _ in range(200)]
    phase_interface = range(phases_idb, phases_idb + phases_size)
    for bit in bits:
        _check_one_flip(compact, bit, clean, interfaces if bit // 8 not in phase_interface else range(0))


def test_flipped_bits_in_a_run_recording(run_recording: Path) -> None:
    data = run_recording.read_bytes()
    clean = read_recording(run_recording)
    rng = random.Random(11)
    for _ in range(25):
        _check_one_flip(data, rng.randrange(500 * 8, len(data) * 8), clean, range(0))


def _blocks(data: bytes) -> list[tuple[int, int, int]]:
    """(offset, type, total length) of every block of a sound recording."""
    found, offset = [], 0
    while offset < len(data):
        kind, total = struct.unpack_from("<II", data, offset)
        found.append((offset, kind, total))
        offset += total
    return found


def _epb(data: bytes, which: int) -> tuple[int, int]:
    return next((o, t) for o, k, t in _blocks(data) if k == EPB_TYPE and (which := which - 1) < 0)


@pytest.mark.parametrize(("what", "field", "value", "reason"), [
    ("bad block type", 0, 0x0BAD0BAD, "unknown block type"),
    ("bad length", 4, 0xFFFF0, "block announces"),
    ("odd length", 4, 61, "invalid"),
    ("lengths disagree", -4, 4, "disagree"),
    ("captured too long", 20, 5000, "holds 5000 octets"),
    ("captured and original disagree", 24, 7, "captured"),
    ("a packet on the phases interface", 8, 3, "phases interface"),
    ("another dissector", 32, 0x63637364, "names dissector"),
])
def test_each_kind_of_damage_is_reported_with_its_offset(compact: bytes, what: str, field: int, value: int,
                                                          reason: str) -> None:
    offset, total = _epb(compact, 200)
    damaged = bytearray(compact)
    struct.pack_into("<I", damaged, offset + (field % total), value)
    read = read_recording("damaged.pcapng", bytes(damaged))
    clean = read_recording("clean.pcapng", compact)
    assert [d.offset for d in read.damage] == [offset], what
    assert read.damage[0].size == total and reason in read.damage[0].reason and not read.damage[0].torn
    assert [r.packet for r in read.records] == [r.packet for r in clean.records if r.offset != offset]
    assert read.phases == clean.phases


def test_garbage_between_blocks_is_skipped_and_reading_resumes(compact: bytes) -> None:
    offset, _ = _epb(compact, 50)
    junk = bytes(random.Random(3).randrange(256) for _ in range(1000))
    read = read_recording("junk.pcapng", compact[:offset] + junk + compact[offset:])
    assert len(read) == 240 and read.damage == [Damage(offset, 1000, read.damage[0].reason)]


def test_a_torn_tail_is_reported_as_such(compact: bytes) -> None:
    read = read_recording("torn.pcapng", compact[:-30])
    assert len(read) == 239 and len(read.damage) == 1 and read.damage[0].torn
    assert read.problems[0].startswith("torn tail at offset")


def test_export_of_a_damaged_recording_reports_one_line_and_keeps_the_rest(
        compact: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    offset, _ = _epb(compact, 7)
    path, out = tmp_path / "hit.pcapng", tmp_path / "out.raw"
    path.write_bytes(_flipped(compact, (offset + 5) * 8))  # the block's length
    assert main(["export", str(path), "--copies", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert err.count("farside: warning:") == 1 and f"offset {offset}" in err and "1 damaged range" in err
    clean = read_recording("clean.pcapng", compact)
    assert out.read_bytes() == b"".join(r.packet for r in clean.records if r.offset != offset)
