"""`farside decode --format parquet`: the wide table, typed, with the same values as CSV and JSON lines."""

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
    sets = [(d, hk) for d in DICTIONARY for hk in d.housekeeping]
    with Recorder().open(path, {"seed": 4}) as recorder:
        for k in range(600):
            device, hk = sets[int(rng.integers(len(sets)))]
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


def _records(path: Path) -> list[dict[str, object]]:
    """The rows of a Parquet file, ``utc`` as ns since 1970 (datetime holds no ns)."""
    table = pq.read_table(path)
    table = table.set_column(1, "utc", table.column("utc").cast(pa.int64()))
    return table.to_pylist()


def test_parquet_holds_the_csv_values_typed(recording: Path, tmp_path: Path) -> None:
    target = tmp_path / "hk.parquet"
    code, out, err = _decode(str(recording), "--format", "parquet", "-o", str(target))
    assert code == 0 and out == "" and "600 housekeeping decoded" in err
    table = pq.read_table(target)
    _, text, _ = _decode(str(recording), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert table.column_names == list(rows[0]) and table.num_rows == len(rows) == 600
    assert str(table.schema.field("utc").type) == "timestamp[ns, tz=UTC]"
    assert str(table.schema.field("sampler.drill_depth").type) == "double"
    for row, record in zip(rows, _records(target), strict=True):
        utc = np.datetime64(record.pop("utc"), "ns")
        assert row.pop("utc") == f"{np.datetime_as_string(utc, unit='ms')}Z"
        assert row == {name: _as_csv_text(value) for name, value in record.items()}


def test_parquet_values_match_json_lines(recording: Path, tmp_path: Path) -> None:
    target = tmp_path / "hk.parquet"
    assert _decode(str(recording), "--format", "parquet", "-o", str(target))[0] == 0
    _, text, _ = _decode(str(recording), "--format", "jsonl")
    lines = [json.loads(line) for line in text.splitlines()]
    hk = [line for line in lines if line["service"] == 3]
    assert len(lines) == 612 and len(hk) == 600
    for line, record in zip(hk, _records(target), strict=True):
        assert (line["device"], line["name"], line["seq_count"]) == (record["device"], f"hk:{record['set']}",
                                                                     record["seq_count"])
        assert line["time"] == record["time"]
        for name, value in line["fields"].items():
            assert record[f"{line['device']}.{name}"] == value


def test_parquet_needs_an_output_file(recording: Path) -> None:
    code, out, err = _decode(str(recording), "--format", "parquet")
    assert code == 2 and out == "" and "-o FILE" in err


def test_filters_apply_to_parquet(recording: Path, tmp_path: Path) -> None:
    target = tmp_path / "relay.parquet"
    assert _decode(str(recording), "--format", "parquet", "--param", "relay.bus_voltage", "-o", str(target))[0] == 0
    table = pq.read_table(target)
    assert table.column_names[6:] == ["relay.bus_voltage"] and set(table.column("device").to_pylist()) == {"relay"}
