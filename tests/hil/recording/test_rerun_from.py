"""``farside run --from REC``: a recording's header makes the run again, byte for byte, without the scenario file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from firmware_sim.scenario import parse_scenario
from hil.cli import main
from hil.recording.format import SPACE_PACKET_DISSECTOR, exported_pdu_tags
from hil.recording.header import run_header, serve_header
from hil.recording.reader import read_recording
from hil.recording.writer import Recorder

SHORT = """[scenario]
name = "short"
seed = 9
duration = "T+30m"

[bench.devices.relay]
visibility = "always"

[[timeline]]
phase = "checks"
at = "T+1m"
device = "sampler"
command = "ping"

[[expect]]
name = "relay locked"
condition = "relay.link_state == locked"
before = "T+5m"
"""


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of one ``farside`` command."""
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def _record(tmp_path: Path, capsys: pytest.CaptureFixture[str], *options: str, text: str = SHORT,
            name: str = "short") -> tuple[Path, dict]:
    """Record a run of ``text`` (the scenario file is deleted afterwards); the recording and the run's summary."""
    scenario, recording = tmp_path / f"{name}.toml", tmp_path / f"{name}.pcapng"
    scenario.write_text(text)
    code, out, _ = _run(["run", str(scenario), "--quiet", "--json", "--record", str(recording), *options], capsys)
    assert code == 0
    scenario.unlink()
    return recording, json.loads(out)


def _one_error(code: int, out: str, err: str) -> str:
    """The one error line of a refused command (exit 2, nothing run)."""
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("farside: error: "), err
    return lines[0]


def _write(path: Path, header: dict) -> Path:
    """A recording holding only ``header`` (no packets)."""
    with Recorder().open(path, header) as recorder:
        recorder.interface("sampler")
    return path


def test_a_recording_reruns_without_its_scenario_file(tmp_path, capsys) -> None:
    recording, first = _record(tmp_path, capsys, "--until", "T+10m")
    again, report = tmp_path / "again.pcapng", tmp_path / "report"
    code, out, err = _run(["run", "--from", str(recording), "--quiet", "--json", "--record", str(again),
                           "--report", str(report)], capsys)
    assert code == 0, err
    summary = json.loads(out)
    assert summary["digest"] == first["digest"] and summary["seed"] == 9
    assert summary["virtual_time_s"] == 600.0  # the recorded --until, not the scenario's 30 minutes
    assert f"digest matches the recording ({recording}, " in err
    assert json.loads((report / "summary.json").read_text())["digest"] == first["digest"]
    original, remade = read_recording(recording), read_recording(again)
    assert [r.packet for r in remade] == [r.packet for r in original] and len(original) == first["packets_total"]
    assert remade.header["scenario_text"] == SHORT and remade.header["until"] == "T+10m"
    assert remade.header["scenario_file"] == original.header["scenario_file"]


def test_the_text_summary_ends_with_the_verdict(tmp_path, capsys) -> None:
    recording, first = _record(tmp_path, capsys, "--until", "T+6m")
    code, out, _ = _run(["run", "--from", str(recording), "--quiet"], capsys)
    assert code == 0
    assert f"digest {first['digest']}" in out and out.splitlines()[-1].startswith("digest matches the recording")


def test_a_recording_of_another_seed_reproduces_its_own_digest(tmp_path, capsys) -> None:
    nine = _record(tmp_path, capsys, "--until", "T+10m", name="nine")
    five = _record(tmp_path, capsys, "--until", "T+10m", "--seed", "5", name="five")
    assert five[1]["digest"] != nine[1]["digest"]
    for recording, summary in (five, nine):
        code, out, _ = _run(["run", "--from", str(recording), "--quiet", "--json"], capsys)
        assert code == 0 and json.loads(out)["digest"] == summary["digest"]
        assert json.loads(out)["seed"] == summary["seed"]


def test_a_changed_packet_makes_the_digest_differ_and_exit_1(tmp_path, capsys) -> None:
    recording, first = _record(tmp_path, capsys, "--until", "T+6m")
    data = bytearray(recording.read_bytes())
    packet_at = read_recording(recording).records[3].offset + 28 + len(exported_pdu_tags(SPACE_PACKET_DISSECTOR))
    data[packet_at + 9] ^= 0x01  # in the packet: no reader can see it
    recording.write_bytes(bytes(data))
    code, out, err = _run(["run", "--from", str(recording), "--quiet"], capsys)
    assert code == 1
    assert out.splitlines()[-1].startswith("digest differs from the recording: recorded "), err
    assert f"this run {first['digest']}" in out


def test_a_scenario_over_64k_travels_in_the_header(tmp_path) -> None:
    text = SHORT.replace('name = "short"', f'name = "short"\ndescription = "{"x" * 100_000}"')
    scenario = parse_scenario(text, "big.toml")
    header = run_header(scenario, "big.toml", 3, 60_000_000_000, text)
    read = read_recording(_write(tmp_path / "big.pcapng", header))
    assert not read.problems and read.header["scenario_text"] == text and read.header["until_ns"] == 60_000_000_000


def _damaged_json(tmp_path: Path, recording: Path) -> Path:
    data = bytearray(recording.read_bytes())
    data[data.index(b'"seed"') - 2] = ord("#")
    return _rewritten(tmp_path, data)


def _damaged_text(tmp_path: Path, recording: Path) -> Path:
    data = bytearray(recording.read_bytes())
    data[data.index(b"relay.link_state")] ^= 0x01
    return _rewritten(tmp_path, data)


def _rewritten(tmp_path: Path, data: bytearray) -> Path:
    path = tmp_path / "damaged.pcapng"
    path.write_bytes(bytes(data))
    return path


def _old_format(tmp_path: Path, recording: Path) -> Path:
    header = dict(read_recording(recording).header)
    for key in ("scenario_text", "until_ns", "until", "mode", "reproducible", "userappl"):
        header.pop(key, None)
    return _write(tmp_path / "old.pcapng", {**header, "farside_version": "0.9.0"})


def _serve(tmp_path: Path, recording: Path) -> Path:
    bench = tmp_path / "bench.toml"
    bench.write_text(SHORT)
    return _write(tmp_path / "serve.pcapng", serve_header(parse_scenario(SHORT, str(bench)), str(bench), 9, 1.0))


@pytest.mark.parametrize(("make", "says"), [
    (_damaged_json, "its section header is damaged (section header comment is not JSON)"),
    (_damaged_text, "its section header is damaged (the scenario text does not match its SHA-256)"),
    (_old_format, "made by farside 0.9.0, whose recordings do not carry the scenario file; run it again with: "
                  "farside run "),
    (_serve, "a recording of a real-time session (farside serve, real nodes on the wall clock), which cannot be "
             "reproduced byte for byte"),
])
def test_a_recording_that_cannot_be_rerun_gives_one_line(tmp_path, capsys, make, says) -> None:
    recording, _ = _record(tmp_path, capsys, "--until", "T+2m")
    path = make(tmp_path, recording)
    line = _one_error(*_run(["run", "--from", str(path), "--quiet"], capsys))
    assert line.startswith(f"farside: error: {path}: ") and says in line


def test_an_old_recording_names_the_command_that_remakes_it(tmp_path, capsys) -> None:
    recording, _ = _record(tmp_path, capsys, "--until", "T+2m", "--seed", "77")
    line = _one_error(*_run(["run", "--from", str(_old_format(tmp_path, recording))], capsys))
    assert line.endswith(f"farside run {tmp_path / 'short.toml'} --seed 77")


def test_a_bad_scenario_in_the_header_names_the_recording_and_the_line(tmp_path, capsys) -> None:
    bad = SHORT.replace('condition = "relay.link_state == locked"', 'condition = "relay.no_such_thing == 1"')
    header = run_header(parse_scenario(SHORT, "mine.toml"), "mine.toml", 9, None, bad)
    path = _write(tmp_path / "bad.pcapng", header)
    number = bad.splitlines().index('condition = "relay.no_such_thing == 1"') + 1
    line = _one_error(*_run(["run", "--from", str(path)], capsys))
    assert line.startswith(f"farside: error: {path}[mine.toml]:{number}: ")


@pytest.mark.parametrize("extra", [["short.toml"], ["--seed", "3"], ["--until", "T+1m"]])
def test_from_with_a_scenario_seed_or_until_is_a_usage_error(tmp_path, capsys, extra) -> None:
    line = _one_error(*_run(["run", "--from", str(tmp_path / "any.pcapng"), *extra], capsys))
    assert "give no SCENARIO, --seed or --until" in line


REPLAYED = SHORT.replace("[[timeline]]", '[bench.nodes]\nsampler = "replay://{node}?link=sampler"\n\n[[timeline]]', 1)


def test_a_replayed_node_is_read_from_its_file_and_a_missing_one_named(tmp_path, capsys) -> None:
    source, _ = _record(tmp_path, capsys, "--until", "T+6m", name="source")
    recording, first = _record(tmp_path, capsys, "--until", "T+6m", text=REPLAYED.format(node=source),
                               name="replayed")
    code, out, err = _run(["run", "--from", str(recording), "--quiet", "--json"], capsys)
    assert code == 0 and json.loads(out)["digest"] == first["digest"]
    assert f"{source} back (replay://), which a recording does not carry: using {source} as it is now" in err
    source.unlink()
    line = _one_error(*_run(["run", "--from", str(recording), "--quiet"], capsys))
    assert line.endswith(f"which a recording does not carry, and {source} is not there")
