"""`farside decode --format parquet`: one typed table per housekeeping set, with the same values as CSV and JSON
lines, in a directory a later decode may replace."""

from __future__ import annotations

import csv
import io
import json
import math
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hil.cli import main
from hil.recording.writer import Recorder
from protocols.dictionary import default_dictionary
from protocols.pus import PusTm
from protocols.timecode import NS_PER_S

DICTIONARY = default_dictionary()
T0 = 2_100_000_000
SETS = [(d, hk) for d in DICTIONARY for hk in d.housekeeping]


def _values(device, names, rng: np.random.Generator) -> list[object]:
    values: list[object] = []
    for name in names:
        field = device.parameter(name)
        if field.enum:
            values.append(list(field.enum)[int(rng.integers(len(field.enum)))])
            continue
        low, high = field.engineering_limits
        low, high = (-1e3 if low is None else max(low, -1e3)), (1e3 if high is None else min(high, 1e3))
        values.append(float(low + (high - low) * rng.random()))
    return values


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every housekeeping set of every device, interleaved, with events between, as a recording."""
    rng = np.random.default_rng(4)
    path = tmp_path_factory.mktemp("parquet") / "mixed.pcapng"
    with Recorder().open(path, {"seed": 4}) as recorder:
        for k in range(600):
            device, hk = SETS[k % len(SETS)] if k < len(SETS) else SETS[int(rng.integers(len(SETS)))]
            time_ns = (T0 + k) * NS_PER_S + int(rng.integers(NS_PER_S))
            packet = device.hk_codec(hk.sid).encode(_values(device, hk.parameters, rng), k, k, time_ns)
            recorder.tap(k * NS_PER_S, device.name, "b>a", packet)
            if k % 50 == 0:
                recorder.tap(k * NS_PER_S, device.name, "b>a", PusTm(device.apid, 17, 2, b"", k, k, time_ns).pack())
    return path


def _decode(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["decode", *args])
    return code, out.getvalue(), err.getvalue()


def _as_csv_text(value: object) -> str:
    """How the CSV writes a value: repr for floats, str otherwise, empty for null and NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return repr(value) if isinstance(value, float) else str(value)


def _wide(directory: Path) -> pa.Table:
    """Every table of a decode, schemas unified, sorted by time: the wide table."""
    tables = [pq.read_table(path) for path in sorted(directory.iterdir())]
    table = pa.concat_tables(tables, promote_options="default")
    return table.take(pa.array(np.argsort(table.column("time").to_numpy(), kind="stable")))


def _records(table: pa.Table) -> list[dict[str, object]]:
    """The rows of a table, ``utc`` as ns since 1970 (datetime holds no ns)."""
    return table.set_column(1, "utc", table.column("utc").cast(pa.int64())).to_pylist()


def test_one_table_per_set_named_after_it(recording: Path, tmp_path: Path) -> None:
    target = tmp_path / "hk"
    code, out, err = _decode(str(recording), "--format", "parquet", "-o", str(target))
    assert code == 0 and out == "" and "600 housekeeping decoded" in err
    assert f"{len(SETS)} Parquet table(s) in {target}/" in err
    assert sorted(p.name for p in target.iterdir()) == sorted(f"{d.name}.{hk.name}.parquet" for d, hk in SETS)
    drill = pq.read_table(target / "sampler.drill.parquet")
    assert drill.column_names[:6] == ["time", "utc", "device", "apid", "seq_count", "set"]
    assert drill.column_names[6:] == [f"sampler.{p}" for p in DICTIONARY.device("sampler").hk_set("drill")
                                      .parameters]
    assert set(drill.column("set").to_pylist()) == {"drill"} and drill.schema.field("apid").type == pa.uint16()
    assert str(drill.schema.field("utc").type) == "timestamp[ns, tz=UTC]"
    assert str(drill.schema.field("sampler.drill_depth").type) == "double"
    assert all(column.null_count == 0 for column in drill.columns)


def test_the_tables_together_hold_the_csv_values_typed(recording: Path, tmp_path: Path) -> None:
    target = tmp_path / "hk"
    assert _decode(str(recording), "--format", "parquet", "-o", str(target))[0] == 0
    _, text, _ = _decode(str(recording), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    table = _wide(target)
    assert set(table.column_names) == set(rows[0]) and table.num_rows == len(rows) == 600
    for row, record in zip(rows, _records(table), strict=True):
        utc = np.datetime64(record.pop("utc"), "ns")
        assert row.pop("utc") == f"{np.datetime_as_string(utc, unit='ms')}Z"
        assert row == {name: _as_csv_text(value) for name, value in record.items()}


def test_parquet_values_match_json_lines(recording: Path, tmp_path: Path) -> None:
    target = tmp_path / "hk"
    assert _decode(str(recording), "--format", "parquet", "-o", str(target))[0] == 0
    _, text, _ = _decode(str(recording), "--format", "jsonl")
    lines = [json.loads(line) for line in text.splitlines()]
    hk = [line for line in lines if line["service"] == 3]
    assert len(lines) == 612 and len(hk) == 600
    for line, record in zip(hk, _records(_wide(target)), strict=True):
        assert (line["device"], line["name"], line["seq_count"]) == (record["device"], f"hk:{record['set']}",
                                                                     record["seq_count"])
        assert line["time"] == record["time"]
        for name, value in line["fields"].items():
            assert record[f"{line['device']}.{name}"] == value


def test_parquet_needs_an_output_directory(recording: Path) -> None:
    code, out, err = _decode(str(recording), "--format", "parquet")
    assert code == 2 and out == "" and "-o DIR" in err


def test_filters_apply_to_parquet(recording: Path, tmp_path: Path) -> None:
    target = tmp_path / "relay"
    assert _decode(str(recording), "--format", "parquet", "--param", "relay.bus_voltage", "-o", str(target))[0] == 0
    (path,) = target.iterdir()
    table = pq.read_table(path)
    assert table.column_names[6:] == ["relay.bus_voltage"] and set(table.column("device").to_pylist()) == {"relay"}


def test_a_later_decode_replaces_the_tables(recording: Path, tmp_path: Path) -> None:
    target = tmp_path / "hk"
    assert _decode(str(recording), "--format", "parquet", "-o", str(target))[0] == 0
    assert _decode(str(recording), "--format", "parquet", "--device", "relay", "-o", str(target))[0] == 0
    assert {p.name.split(".")[0] for p in target.iterdir()} == {"relay"}  # no stale sampler or ascender table


@pytest.mark.parametrize("stranger", ["notes.txt", "nested"])
def test_a_directory_holding_other_things_is_refused_untouched(recording: Path, tmp_path: Path,
                                                               stranger: str) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    (target / "old.parquet").write_bytes(b"PAR1")
    (target / stranger).mkdir() if stranger == "nested" else (target / stranger).write_text("keep me")
    code, out, err = _decode(str(recording), "--format", "parquet", "-o", str(target))
    assert code == 2 and out == "" and len(err.splitlines()) == 1
    assert f"{target} holds other things than Parquet tables ({stranger})" in err
    assert sorted(p.name for p in target.iterdir()) == sorted(["old.parquet", stranger])


def test_a_file_is_not_a_directory_of_tables(recording: Path, tmp_path: Path) -> None:
    target = tmp_path / "hk.parquet"
    target.write_bytes(b"an older single-table decode")
    code, _, err = _decode(str(recording), "--format", "parquet", "-o", str(target))
    assert code == 2 and "is a file: --format parquet writes a directory" in err
    assert target.read_bytes() == b"an older single-table decode"
