"""`farside decode`: output shapes, filters, counts of corrupt and unknown packets, bad files without tracebacks."""

from __future__ import annotations

import csv
import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from hil.cli import main
from hil.cli.decode_cmd import parse_time
from protocols.dictionary import Device, default_dictionary
from protocols.pus import PusTm
from protocols.timecode import NS_PER_S

DICTIONARY = default_dictionary()
SAMPLER = DICTIONARY.device("sampler")
RELAY = DICTIONARY.device("relay")
T0 = 2_100_000_000


def _hk(device: Device, sid: int, seq: int, second: int) -> bytes:
    hk = device.hk_set(sid)
    values = []
    for name in hk.parameters:
        p = device.parameter(name)
        values.append(next(iter(p.enum)) if p.enum else 1)
    return device.hk_codec(sid).encode(values, seq, seq, (T0 + second) * NS_PER_S)


def _recording(tmp_path: Path) -> Path:
    packets = [_hk(SAMPLER, 1, i, i) for i in range(5)] + [_hk(RELAY, 3, i, i) for i in range(3)]
    packets.append(PusTm(SAMPLER.apid, 17, 2, b"", 9, 9, T0 * NS_PER_S).pack())
    bad = bytearray(_hk(SAMPLER, 2, 7, 1))
    bad[-1] ^= 0xFF
    packets.append(bytes(bad))
    packets.append(PusTm(0x555, 3, 25, b"\x00\x01", 1, 1, T0 * NS_PER_S).pack())
    path = tmp_path / "rec.bin"
    path.write_bytes(b"".join(packets))
    return path


def _run(*args: str) -> tuple[int, str, str]:
    """``farside decode ARGS`` in process, through the CLI's one error handler: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["decode", *args])
    return code, out.getvalue(), err.getvalue()


def test_csv_is_one_row_per_hk_packet_with_a_column_per_parameter(tmp_path: Path) -> None:
    code, out, err = _run(str(_recording(tmp_path)), "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 8
    assert list(rows[0])[:6] == ["time", "utc", "device", "apid", "seq_count", "set"]
    assert rows[0]["sampler.sampler_mode"] == next(iter(SAMPLER.parameter("sampler_mode").enum))
    assert rows[-1]["device"] == "relay" and rows[-1]["sampler.sampler_mode"] == ""
    assert float(rows[1]["time"]) == T0 + 1
    assert "1 packet(s) skipped: bad CRC" in err and "unknown APID" in err and "TM[17,2] 1" in err


def test_long_csv_has_units(tmp_path: Path) -> None:
    code, out, _ = _run(str(_recording(tmp_path)), "--format", "csv", "--long", "--param", "relay.bus_voltage")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 3
    assert {r["parameter"] for r in rows} == {"bus_voltage"} and rows[0]["unit"] == "V"


def test_jsonl_matches_inspect_keys_and_includes_other_packets(tmp_path: Path) -> None:
    code, out, _ = _run(str(_recording(tmp_path)), "--format", "jsonl")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(lines) == 11
    assert lines[0]["name"] == "hk:platform" and list(lines[0]["fields"]) == list(SAMPLER.hk_set(1).parameters)
    assert lines[8]["name"] == "pong" and lines[9]["crc_ok"] is False
    assert set(lines[0]) == set(lines[8])


def test_filters_device_apid_param_time(tmp_path: Path) -> None:
    path = str(_recording(tmp_path))
    _, out, _ = _run(path, "--format", "csv", "--device", "relay")
    assert [r["device"] for r in csv.DictReader(io.StringIO(out))] == ["relay"] * 3
    _, out, _ = _run(path, "--format", "csv", "--apid", "0x110")
    assert {r["device"] for r in csv.DictReader(io.StringIO(out))} == {"sampler"}
    _, out, _ = _run(path, "--format", "csv", "--param", "sampler.bus_voltage", "--param", "relay.bus_voltage")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0])[6:] == ["sampler.bus_voltage", "relay.bus_voltage"] and len(rows) == 8
    _, out, _ = _run(path, "--format", "csv", "--from", str(T0 + 1), "--to", str(T0 + 2))
    assert sorted(float(r["time"]) for r in csv.DictReader(io.StringIO(out))) == [T0 + 1, T0 + 1, T0 + 2, T0 + 2]


def test_iso_times_are_utc() -> None:
    assert parse_time("1972-01-01T00:00:00Z") == 5113 * 86400 + 10  # 1972-01-01 UTC: TAI − UTC = 10 s
    assert parse_time("100.5") == 100.5


def test_table_shows_first_rows_and_a_note(tmp_path: Path) -> None:
    code, out, _ = _run(str(_recording(tmp_path)), "--limit", "2", "--device", "sampler")
    assert code == 0 and "3 more rows" in out and "platform" in out


def test_output_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    code, out, _ = _run(str(_recording(tmp_path)), "--format", "csv", "-o", str(target))
    assert code == 0 and out == "" and len(target.read_text().splitlines()) == 9


@pytest.mark.parametrize("content", [b"", b"\x00\x01", b"\xff" * 1000, bytes(range(256)) * 3])
def test_bad_files_give_one_line_or_counts(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.bin"
    path.write_bytes(content)
    code, _, err = _run(str(path), "--format", "jsonl")
    assert code in (0, 2)
    assert "Traceback" not in err and err.strip()


def test_truncated_file_decodes_what_is_whole(tmp_path: Path) -> None:
    data = _recording(tmp_path).read_bytes()
    path = tmp_path / "cut.bin"
    path.write_bytes(data[:-10])
    code, out, err = _run(str(path), "--format", "csv")
    assert code == 0 and len(out.splitlines()) == 9 and "no whole packet" in err


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    code, _, err = _run(str(tmp_path / "nope.bin"))
    assert code == 2 and "farside: error: cannot read" in err


@pytest.mark.parametrize("fmt", ["csv", "long", "jsonl"])
def test_long_output_reports_its_progress(tmp_path: Path, fmt: str) -> None:
    from hil.decode.bulk import decode_buffer
    from hil.decode.output import PROGRESS_EVERY, write_csv, write_csv_long, write_jsonl
    from hil.decode.split import read_buffer

    path = tmp_path / "many.bin"
    path.write_bytes(b"".join(_hk(SAMPLER, 1, i & 0x3FFF, i) for i in range(2 * PROGRESS_EVERY + 5)))
    buffer = read_buffer(path)
    result = decode_buffer(buffer, DICTIONARY)
    seen: list[int] = []
    out = io.StringIO()
    if fmt == "jsonl":
        write_jsonl(result, buffer, DICTIONARY, out, progress=seen.append)
    else:
        (write_csv if fmt == "csv" else write_csv_long)(result, out, progress=seen.append)
    assert seen == [PROGRESS_EVERY, 2 * PROGRESS_EVERY]


def test_a_recording_is_never_read_as_a_plain_stream(tmp_path: Path) -> None:
    from hil.recording.writer import Recorder

    packets = [_hk(SAMPLER, 1, i, i) for i in range(50)]
    path = tmp_path / "run.pcapng"
    with Recorder().open(path, {"pad": "x" * 198}) as recorder:  # a header whose octets also chain as packets
        for index, packet in enumerate(packets):
            recorder.tap(index * NS_PER_S, "sampler", "b>a", packet)
    code, out, _ = _run(str(path), "--format", "csv")
    assert code == 0 and [int(r["seq_count"]) for r in csv.DictReader(io.StringIO(out))] == list(range(50))


def test_jsonl_never_writes_a_bare_nan(tmp_path: Path) -> None:
    arm = SAMPLER.hk_set("arm")
    values = [next(iter(SAMPLER.parameter(p).enum)) if SAMPLER.parameter(p).enum else 0 for p in arm.parameters]
    values[arm.parameters.index("arm_reach")] = float("nan")
    path = tmp_path / "nan.bin"
    path.write_bytes(SAMPLER.hk_codec("arm").encode(values, 1, 1, T0 * NS_PER_S) + _hk(SAMPLER, 1, 2, 2))

    def refuse(constant: str) -> None:
        raise ValueError(f"bare {constant} is not JSON")

    code, out, _ = _run(str(path), "--format", "jsonl")
    lines = [json.loads(line, parse_constant=refuse) for line in out.splitlines()]
    assert code == 0 and lines[0]["fields"]["arm_reach"] is None and len(lines) == 2


def test_a_random_megabyte_is_an_error_not_packets(tmp_path: Path) -> None:
    import numpy as np

    path = tmp_path / "random.bin"
    path.write_bytes(np.random.default_rng(1).bytes(1 << 20))
    code, out, err = _run(str(path), "--format", "csv")
    assert code == 2 and out == "" and "farside: error:" in err and "nothing recognised" in err


def _relayed_recording(tmp_path: Path) -> tuple[Path, list[bytes]]:
    """A recording as a run makes it: each sampler HK packet from the device, then its copy forwarded to the relay;
    plus a packet of an APID no device owns, seen only on the relay link."""
    from hil.recording.writer import Recorder

    packets = [_hk(SAMPLER, 1, i, i) for i in range(6)]
    stray = PusTm(0x555, 3, 25, b"\x00\x01", 1, 1, T0 * NS_PER_S).pack()
    path = tmp_path / "relayed.pcapng"
    with Recorder().open(path, {}) as recorder:
        for index, packet in enumerate(packets):
            recorder.tap(index * NS_PER_S, "sampler", "b>a", packet)
            recorder.tap(index * NS_PER_S + 1000, "relay", "a>b", packet)
        recorder.tap(10 * NS_PER_S, "relay", "a>b", stray)
    return path, packets


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "table"])
def test_a_recording_decodes_each_packet_once_as_export_writes_it(tmp_path: Path, fmt: str) -> None:
    path, packets = _relayed_recording(tmp_path)
    code, out, err = _run(str(path), "--format", fmt, "--limit", "100")
    exported = tmp_path / "once.raw"
    with redirect_stdout(io.StringIO()):
        assert main(["export", str(path), "-o", str(exported)]) == 0
    assert exported.read_bytes() == b"".join(packets) + PusTm(0x555, 3, 25, b"\x00\x01", 1, 1, T0 * NS_PER_S).pack()
    assert code == 0 and "7 packets" in err  # six HK packets and the stray one, no relay copy
    assert _run(str(exported), "--format", fmt, "--limit", "100")[1] == out  # the same rows as the exported stream
    if fmt == "csv":
        assert [int(r["seq_count"]) for r in csv.DictReader(io.StringIO(out))] == list(range(6))


def test_parquet_of_a_recording_has_one_row_per_packet(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    path, _ = _relayed_recording(tmp_path)
    target = tmp_path / "hk"
    assert _run(str(path), "--format", "parquet", "-o", str(target))[0] == 0
    (table,) = target.iterdir()  # the one housekeeping set the recording holds
    assert pq.read_table(table).column("seq_count").to_pylist() == list(range(6))


@pytest.mark.parametrize(("fmt", "unloaded"), [("csv", ["numpy.ma", "numpy.char", "hil.replay", "serial", "dateutil"]),
                                               ("parquet", ["numpy.ma", "pyarrow.compute"])])
def test_decode_leaves_slow_imports_unloaded(tmp_path: Path, fmt: str, unloaded: list[str]) -> None:
    """Start-up is part of a whole decode's time: modules it does not need stay unimported, in a fresh interpreter."""
    import subprocess
    import sys

    path, _ = _relayed_recording(tmp_path)
    script = ("import json, sys\nfrom hil.cli import main\ncode = main(sys.argv[1:])\n"
              "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\nsys.exit(code)\n")
    done = subprocess.run([sys.executable, "-c", script, "decode", str(path), "--format", fmt, "-o",
                           str(tmp_path / f"hk.{fmt}")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert not set(unloaded) & set(json.loads(done.stderr.splitlines()[-1]))


def test_link_and_copies_pick_sightings(tmp_path: Path) -> None:
    path, _ = _relayed_recording(tmp_path)
    code, out, err = _run(str(path), "--format", "csv", "--link", "relay")
    assert code == 0 and len(list(csv.DictReader(io.StringIO(out)))) == 6 and "7 packets" in err
    code, out, _ = _run(str(path), "--format", "csv", "--copies")
    assert code == 0 and [int(r["seq_count"]) for r in csv.DictReader(io.StringIO(out))] == sorted(2 * list(range(6)))


def test_an_unknown_link_is_an_error_naming_the_links(tmp_path: Path) -> None:
    path, _ = _relayed_recording(tmp_path)
    code, out, err = _run(str(path), "--link", "nosuch")
    assert code == 2 and out == ""
    assert err == f"farside: error: {path}: no packet on link 'nosuch'; its links: sampler, relay\n"
    code, _, err = _run(str(_recording(tmp_path)), "--link", "relay")
    assert code == 2 and "holds no links" in err


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "table", "parquet"])
def test_an_unwritable_output_is_one_line(tmp_path: Path, fmt: str) -> None:
    target = tmp_path / "missing" / "out"
    code, _, err = _run(str(_recording(tmp_path)), "--format", fmt, "-o", str(target))
    assert code == 2 and err.startswith(f"farside: error: cannot write {target}: ") and len(err.splitlines()) == 1
    assert "No such file or directory" in err


def test_the_input_is_never_the_output(tmp_path: Path) -> None:
    path, _ = _relayed_recording(tmp_path)
    before = path.read_bytes()
    alias = tmp_path / "alias.pcapng"
    alias.symlink_to(path)
    for target in (path, alias):
        code, _, err = _run(str(path), "--format", "csv", "-o", str(target))
        assert code == 2 and "is the input file" in err and len(err.splitlines()) == 1
    assert path.read_bytes() == before


def test_a_torn_recording_is_the_readers_own_error(tmp_path: Path) -> None:
    path, _ = _relayed_recording(tmp_path)
    torn = tmp_path / "t30.pcapng"
    torn.write_bytes(path.read_bytes()[:30])  # torn inside the section header block: nothing sound is left
    code, _, err = _run(str(torn))
    assert code == 2 and "nothing recognised" in err and "None" not in err
    with redirect_stderr(io.StringIO()) as exported:
        assert main(["export", str(torn), "-o", str(tmp_path / "x.raw")]) == 2
    assert err == exported.getvalue()
