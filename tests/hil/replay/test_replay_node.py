"""``replay://FILE?link=DEVICE`` as a device node: recorded telemetry stands in for the sampler in virtual time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hil.cli import main
from hil.recording.reader import read_recording

SCENARIO = """[scenario]
name = "recorded sampler"
seed = 11
duration = "T+20m"
[bench.nodes]
sampler = "{node}"
[[timeline]]
at = "T+5m"
device = "ascender"
command = "ping"
[[expect]]
condition = "sampler.electronics_temp > -100"
"""


def sampler_telemetry(path: Path) -> list[tuple[int, bytes]]:
    """Every packet the sampler (or what stood in for it) sent, with its virtual time."""
    return [(r.time_ns, r.packet) for r in read_recording(path).records if r.link == "sampler" and r.direction == "b>a"]


@pytest.fixture
def original(tmp_path: Path) -> Path:
    """A 20-minute run of the modelled bench, recorded."""
    scenario = tmp_path / "original.toml"
    scenario.write_text(SCENARIO.format(node="model"))
    recording = tmp_path / "original.pcapng"
    assert main(["run", str(scenario), "--quiet", "--record", str(recording)]) == 0
    return recording


def test_a_recording_stands_in_for_the_sampler_with_the_same_packets_at_the_same_times(original, tmp_path) -> None:
    scenario = tmp_path / "replayed.toml"
    scenario.write_text(SCENARIO.format(node=f"replay://{original}?link=sampler"))
    again = tmp_path / "replayed.pcapng"
    assert main(["run", str(scenario), "--quiet", "--record", str(again)]) == 0
    recorded, replayed = sampler_telemetry(original), sampler_telemetry(again)
    assert len(recorded) > 100
    assert replayed == recorded


def test_a_missing_recording_is_a_clear_error(tmp_path, capsys) -> None:
    scenario = tmp_path / "replayed.toml"
    scenario.write_text(SCENARIO.format(node=f"replay://{tmp_path}/nothing.pcapng"))
    assert main(["run", str(scenario), "--quiet"]) == 2
    assert "nothing.pcapng" in capsys.readouterr().err


def test_device_faults_on_a_recorded_device_are_reported_not_fatal(original, tmp_path, capsys) -> None:
    scenario = tmp_path / "faulted.toml"
    scenario.write_text(SCENARIO.format(node=f"replay://{original}") + '[[faults]]\nat = "T+1m"\ntarget = "sampler"\n'
                        'fault = "rock"\n')
    capsys.readouterr()
    assert main(["run", str(scenario), "--quiet", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert any("played from a recording" in error for error in summary["errors"])
