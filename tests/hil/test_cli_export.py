"""``farside export``: each packet once (where it originates) by default, copies on request, TM or TC only."""

from __future__ import annotations

import contextlib
import io
import json
from collections import Counter
from pathlib import Path

import pytest

from hil.cli import main
from hil.packetfile import read_packet_file

SCENARIO = """
[scenario]
name = "export"
seed = 4
duration = "T+5m"

[bench.devices.relay]
visibility = "always"

[[timeline]]
at = "T+1m"
device = "sampler"
command = "ping"

[[timeline]]
after = "10s"
device = "relay"
command = "ping"
"""


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A short recorded run and its JSON summary."""
    tmp = tmp_path_factory.mktemp("export")
    scenario = tmp / "export.toml"
    scenario.write_text(SCENARIO)
    record = tmp / "export.pcapng"
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["run", str(scenario), "--quiet", "--json", "--record", str(record)]) == 0
    return record, json.loads(buffer.getvalue())


def export(record: Path, out: Path, *args: str) -> list[bytes]:
    """Run ``farside export`` and read back what it wrote."""
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["export", str(record), "-o", str(out), *args]) == 0
    back = read_packet_file(out)
    assert back.kind == "packets" and not back.problems
    return [r.packet for r in back]


def apid(packet: bytes) -> int:
    """The packet's APID."""
    return ((packet[0] & 0x07) << 8) | packet[1]


def is_tc(packet: bytes) -> bool:
    """True for a telecommand."""
    return bool(packet[0] & 0x10)


def test_each_packet_is_written_once_as_the_run_counted_it(recorded: tuple[Path, dict], tmp_path: Path) -> None:
    record, summary = recorded
    every = [r.packet for r in read_packet_file(record)]
    once = export(record, tmp_path / "once.raw")
    counted = {int(key.split(":")[1], 16): count for key, count in summary["packets"].items()}
    assert Counter(map(apid, once)) == counted  # the run's packets per APID: each where it originates
    assert len(once) < len(every)  # the relay link's forwarded copies are left out
    # in recorded order, each at its first sighting: here every packet is seen where it originates before any copy
    assert once == list(dict.fromkeys(every))


def test_copies_and_link_give_every_sighting(recorded: tuple[Path, dict], tmp_path: Path) -> None:
    record, _ = recorded
    records = read_packet_file(record).records
    assert export(record, tmp_path / "all.raw", "--copies") == [r.packet for r in records]
    relay = [r.packet for r in records if r.link == "relay"]
    assert export(record, tmp_path / "relay.raw", "--link", "relay") == relay
    assert {apid(p) for p in relay} == {0x110, 0x120, 0x130}  # the relay link carries every device's downlink


def test_only_tm_or_tc(recorded: tuple[Path, dict], tmp_path: Path) -> None:
    record, _ = recorded
    once = export(record, tmp_path / "once.raw")
    tm = export(record, tmp_path / "tm.raw", "--only", "tm")
    tc = export(record, tmp_path / "tc.raw", "--only", "tc")
    assert tm == [p for p in once if not is_tc(p)]
    assert tc == [p for p in once if is_tc(p)]
    assert [apid(p) for p in tc] == [0x110, 0x130]  # the two pings, each once (the relay's not twice)
    sampler_tc = export(record, tmp_path / "s.raw", "--only", "tc", "--apid", str(0x110))
    assert sampler_tc == tc[:1]


def test_a_bad_only_value_is_a_usage_error(recorded: tuple[Path, dict], tmp_path: Path) -> None:
    record, _ = recorded
    assert main(["export", str(record), "-o", str(tmp_path / "x.raw"), "--only", "hk"]) == 2


def test_the_default_output_is_never_the_input(recorded: tuple[Path, dict], tmp_path: Path) -> None:
    record, _ = recorded
    once = export(record, tmp_path / "once.raw")
    stream = tmp_path / "asm.raw"
    stream.write_bytes(b"".join(once))
    with contextlib.redirect_stdout(io.StringIO()) as said:
        assert main(["export", str(stream)]) == 0
    assert stream.read_bytes() == b"".join(once)  # untouched
    assert (tmp_path / "asm.packets.raw").read_bytes() == b"".join(once)
    assert said.getvalue().endswith(f"wrote {len(once)} packets to {tmp_path / 'asm.packets.raw'}\n")


def test_an_output_that_is_the_input_is_refused(recorded: tuple[Path, dict], tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    record, _ = recorded
    copy = tmp_path / "copy.pcapng"
    copy.write_bytes(record.read_bytes())
    alias = tmp_path / "alias.pcapng"
    alias.symlink_to(copy)
    for target in (copy, alias):
        assert main(["export", str(copy), "-o", str(target)]) == 2
        err = capsys.readouterr().err
        assert err == f"farside: error: {target} is the input file {copy}: writing it would destroy it; " \
                      "give another output\n"
    assert copy.read_bytes() == record.read_bytes()


def test_an_unknown_link_is_an_error_naming_the_links(recorded: tuple[Path, dict], tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    record, _ = recorded
    assert main(["export", str(record), "--link", "nosuch", "-o", str(tmp_path / "x.raw")]) == 2
    err = capsys.readouterr().err
    assert err == f"farside: error: {record}: no packet on link 'nosuch'; its links: sampler, ascender, relay\n"
    assert not (tmp_path / "x.raw").exists()
