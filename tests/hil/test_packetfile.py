"""The one file reader: every kind recognised by content; a file with nothing recognised is an error."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from hil.cli import main
from hil.errors import InputFileError
from hil.packetfile import read_packet_file
from hil.recording.writer import Recorder
from hil.records import PacketRecord
from protocols.framing import AsmFramer, CobsFramer
from protocols.pus import PusTc, PusTm
from protocols.spacelink import CaduCodec, TmFramer

T0 = 2_100_000_000 * 10**9
PACKETS = [PusTm(0x110, 3, 25, bytes([i]) * (10 + i % 30), i, 0, T0 + i * 10**9).pack() for i in range(60)]
PACKETS += [PusTc(0x120, 17, 1, b"", 3).pack()]
RANDOM_MB = np.random.default_rng(0).bytes(1 << 20)


def _recording(path: Path) -> Path:
    with Recorder().open(path, {"seed": 1}) as recorder:
        for index, packet in enumerate(PACKETS):
            recorder.tap(index * 1000, "sampler", "b>a", packet)
    return path


def _cadus(path: Path) -> Path:
    framer = TmFramer(91, 0, 223)
    frames = [f for packet in PACKETS[:-1] for f in framer.push(packet)] + framer.flush()
    path.write_bytes(b"".join(CaduCodec(223, randomize=True).encode(frame) for frame in frames))
    return path


@pytest.mark.parametrize(("name", "write", "kind"), [
    ("plain.pcapng", lambda p: p.write_bytes(b"".join(PACKETS)), "packets"),
    ("asm.cadu", lambda p: p.write_bytes(b"".join(AsmFramer().frame(x) for x in PACKETS)), "asm"),
    ("cobs.raw", lambda p: p.write_bytes(b"\x00" + b"".join(CobsFramer().frame(x) for x in PACKETS)), "cobs"),
    ("recording.bin", _recording, "recording"),
])
def test_every_kind_is_recognised_by_content_not_name(tmp_path: Path, name: str, write, kind: str) -> None:
    path = tmp_path / name
    write(path)
    read = read_packet_file(path)
    assert read.kind == kind and not read.problems
    assert [r.packet for r in read.records] == PACKETS
    assert all(type(r) is PacketRecord for r in read.records)
    assert read.records[3].time_ns is not None


def test_a_cadu_file_named_like_a_recording_is_read_as_cadus(tmp_path: Path) -> None:
    read = read_packet_file(_cadus(tmp_path / "downlink.pcapng"))
    assert read.kind == "cadu" and [r.packet for r in read.records] == PACKETS[:-1]


@pytest.mark.parametrize("content", [RANDOM_MB, bytes(100_000), b"\xff" * 5000])
def test_nothing_recognised_is_an_input_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "noise.bin"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match="nothing recognised"):
        read_packet_file(path)


def test_a_few_good_packets_in_a_sea_of_noise_are_not_a_stream(tmp_path: Path) -> None:
    path = tmp_path / "mostly-noise.bin"
    path.write_bytes(RANDOM_MB[:100_000] + b"".join(PACKETS[:5]))
    with pytest.raises(InputFileError, match="do not hold packets"):
        read_packet_file(path)


@pytest.mark.parametrize("command", [["export", "-o", "{out}"], ["decode"], ["inspect", "--file"],
                                     ["plot", "--param", "sampler.drill_depth", "-o", "{out}.png"],
                                     ["replay", "--asap", "--to", "file:{out}"]])
def test_every_command_refuses_a_random_megabyte(tmp_path: Path, command: list[str],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path, out = tmp_path / "random.bin", tmp_path / "out"
    path.write_bytes(RANDOM_MB)
    argv = [command[0], *(["--file"] if "--file" in command else []), str(path),
            *(a.format(out=out) for a in command[1:] if a != "--file")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("farside: error:") and "nothing recognised" in err and err.count("\n") == 1
    assert not out.exists() or out.stat().st_size == 0


def _hil_imports(module: Path) -> set[str]:
    """Every ``hil`` module ``module`` imports, at the top or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("hil."):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("hil."))
    return found


def test_the_reader_modules_import_no_cycle() -> None:
    root = Path(__file__).resolve().parents[2]
    names = ["hil.packetfile", "hil.records", "hil.filekind", "hil.streamfile", "hil.cadufile",
             "hil.recording.reader", "hil.recording.format", "hil.recording", "hil.decode.split"]
    path = {n: root / (n.replace(".", "/") + ("/__init__.py" if n == "hil.recording" else ".py")) for n in names}
    graph = {n: {m for m in _hil_imports(path[n]) if m in path} for n in names}
    for name in names:  # importing hil.recording.x first runs hil/recording/__init__.py
        if any(m.startswith("hil.recording.") for m in graph[name]) and name != "hil.recording":
            graph[name].add("hil.recording")
    seen: dict[str, int] = {}

    def visit(node: str, trail: tuple[str, ...]) -> None:
        assert node not in trail, f"import cycle: {' -> '.join((*trail, node))}"
        if seen.get(node):
            return
        for following in graph[node]:
            visit(following, (*trail, node))
        seen[node] = 1

    for name in names:
        visit(name, ())
    assert "hil.recording.reader" not in graph["hil.records"] and "hil.filekind" not in graph["hil.records"]
