"""Recordings by older farside versions (link type USER0, phase markers as packets) read as before, and rerun."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from hil.cli import main
from hil.packetfile import read_packet_file
from hil.recording.format import (
    EPB_TYPE,
    IDB_TYPE,
    IF_NAME,
    IF_TSRESOL,
    ISB_TYPE,
    LINKTYPE_UPPER_PDU,
    LINKTYPE_USER0,
    OPT_COMMENT,
    OPT_END,
    block,
    option,
    parse_options,
)

SHORT = Path(__file__).with_name("short.toml").read_text()
"""A short two-phase scenario, shared with the other recording tests."""


def _legacy_block(kind: int, body: bytes) -> bytes:
    """One block as farside wrote it before link type 252 (the section header is kept as it is)."""
    if kind == IDB_TYPE:
        linktype = struct.unpack_from("<H", body)[0]
        assert linktype == LINKTYPE_UPPER_PDU
        name = next(v for c, v in parse_options(body[8:]) if c == IF_NAME)
        options = option(IF_NAME, name) + option(IF_TSRESOL, b"\x09") + option(OPT_END, b"")
        return block(IDB_TYPE, struct.pack("<HHI", LINKTYPE_USER0, 0, 0) + options)
    if kind == EPB_TYPE:
        head, size = body[:20], struct.unpack_from("<I", body, 12)[0]
        packet, tail = body[20 + 16:20 + size], body[20 + size + (-size & 3):]
        return block(EPB_TYPE, head[:12] + struct.pack("<II", len(packet), len(packet)) + packet
                     + b"\0" * (-len(packet) & 3) + tail)
    if kind == ISB_TYPE:  # a phase marker: a packet of its name, no flags
        name = next(v for c, v in parse_options(body[12:]) if c == OPT_COMMENT)
        return block(EPB_TYPE, body[:12] + struct.pack("<II", len(name), len(name)) + name
                     + b"\0" * (-len(name) & 3) + option(OPT_END, b""))
    return block(kind, body)


def _legacy(data: bytes) -> bytes:
    """A recording rewritten in the USER0 layout older farside versions wrote."""
    out, offset = [], 0
    while offset < len(data):
        kind, total = struct.unpack_from("<II", data, offset)
        out.append(_legacy_block(kind, data[offset + 8:offset + total - 4]))
        offset += total
    return b"".join(out)


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The same run recorded now and in the old layout."""
    tmp = tmp_path_factory.mktemp("legacy")
    scenario, record, legacy = tmp / "short.toml", tmp / "now.pcapng", tmp / "old.pcapng"
    scenario.write_text(SHORT)
    assert main(["run", str(scenario), "--quiet", "--record", str(record)]) == 0
    legacy.write_bytes(_legacy(record.read_bytes()))
    return record, legacy


def test_an_old_recording_reads_as_the_new_one(both: tuple[Path, Path]) -> None:
    now, old = (read_packet_file(path) for path in both)
    assert b"ccsds" in both[0].read_bytes() and b"ccsds" not in both[1].read_bytes()
    assert not now.problems and not old.problems and len(now) > 1000
    fields = [(r.packet, r.time_ns, r.link, r.direction) for r in now.records]
    assert fields == [(r.packet, r.time_ns, r.link, r.direction) for r in old.records]
    assert now.phases == old.phases == [("sampler checks", 60 * 10**9), ("ascender checks", 70_026_000_000)]
    assert now.header == old.header


def test_an_old_recording_reruns(both: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--from", str(both[1]), "--quiet"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("digest matches the recording")


def test_both_layouts_decode_the_same(both: tuple[Path, Path], tmp_path: Path) -> None:
    for fmt in ("csv", "parquet"):
        outputs = []
        for path in both:
            target = tmp_path / f"{path.stem}.{fmt}"
            assert main(["decode", str(path), "--format", fmt, "-o", str(target)]) == 0
            outputs.append(_contents(target))
        assert outputs[0] == outputs[1], fmt
    assert all(table.startswith(b"PAR1") for table in outputs[0].values()) and outputs[0]
    assert (tmp_path / "now.csv").read_text().count("\n") > 100


def _contents(target: Path) -> dict[str, bytes]:
    """An output's octets: a file's (under no name), or those of each table in a directory (Parquet, one per set)."""
    if target.is_dir():
        return {path.name: path.read_bytes() for path in sorted(target.iterdir())}
    return {"": target.read_bytes()}
