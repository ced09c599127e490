"""Files of CADUs: recognised by their sync markers, coding worked out, replayed one CADU per datagram."""

from __future__ import annotations

from pathlib import Path

import pytest
from replay_packets import SAMPLER_APID, T0_NS, tm
from test_replay_cli import run

from hil.cli import main
from hil.packetfile import read_packet_file
from protocols.spacelink import CaduCodec, TmFramer

FRAME_LENGTH = 223
PACKETS = [tm(seq, T0_NS + seq * 250_000_000, SAMPLER_APID, size=16 + seq % 90) for seq in range(120)]


def cadu_file(path: Path, randomize: bool = True, rs_interleave: int | None = None) -> list[bytes]:
    """Write the packets as CADUs of ``FRAME_LENGTH``-octet frames; returns the CADUs."""
    framer = TmFramer(91, 0, FRAME_LENGTH)
    frames = [f for packet in PACKETS for f in framer.push(packet)] + framer.flush()
    codec = CaduCodec(FRAME_LENGTH, randomize=randomize, rs_interleave=rs_interleave)
    cadus = [codec.encode(frame) for frame in frames]
    path.write_bytes(b"".join(cadus))
    return cadus


@pytest.mark.parametrize(("randomize", "rs"), [(True, None), (False, None), (True, 1)])
def test_the_coding_is_recognised_and_every_packet_comes_out(tmp_path: Path, randomize: bool, rs: int | None) -> None:
    path = tmp_path / "downlink.cadu"
    cadus = cadu_file(path, randomize, rs)
    read = read_packet_file(path)
    assert read.kind == "cadu" and read.problems == []
    assert [r.packet for r in read.records] == PACKETS
    assert [u.packet for u in read.units] == cadus
    assert ("randomized" if randomize else "not randomized") in str(read.header["coding"])


def test_replay_sends_one_cadu_per_datagram_at_the_packets_pace(tmp_path: Path, udp_receiver) -> None:
    path = tmp_path / "downlink.cadu"
    cadus = cadu_file(path)
    receiver = udp_receiver(len(cadus))
    assert run([str(path), "--to", receiver.url, "--speed", "100"]) == 0
    assert receiver.wait() and receiver.packets == cadus


def test_unpack_sends_the_packets_and_filters_need_it(tmp_path: Path, udp_receiver, capsys) -> None:
    path = tmp_path / "downlink.cadu"
    cadu_file(path)
    assert run([str(path), "--to", "udp://127.0.0.1:9", "--apid", str(SAMPLER_APID)]) == 2
    assert "--unpack" in capsys.readouterr().err
    receiver = udp_receiver(len(PACKETS))
    assert run([str(path), "--to", receiver.url, "--asap", "--unpack"]) == 0
    assert receiver.wait() and receiver.packets == PACKETS


def test_damaged_cadus_are_reported_and_the_rest_decodes(tmp_path: Path, capsys) -> None:
    path = tmp_path / "downlink.cadu"
    cadus = cadu_file(path, randomize=True)
    damaged = bytearray(b"".join(cadus))
    damaged[len(cadus[0]) * 5 + 40] ^= 0x10
    path.write_bytes(bytes(damaged) + b"\x1a\xcf")
    read = read_packet_file(path)
    assert any("bad FECF" in p for p in read.problems) and any("torn tail" in p for p in read.problems)
    assert 0 < len(read.records) < len(PACKETS)
    raw = tmp_path / "packets.raw"
    assert main(["export", str(path), "-o", str(raw)]) == 0
    assert raw.read_bytes() == b"".join(r.packet for r in read.records)
