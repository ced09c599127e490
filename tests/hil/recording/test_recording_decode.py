"""Round trip: a recorded run, decoded in bulk, shows the same values as the run's summary."""

import json
from pathlib import Path

import pytest

from hil.cli import main

SCENARIO = """
[scenario]
name = "drill-record"
seed = 12
duration = "T+1h30m"

[bench.devices.relay]
visibility = "always"

[[timeline]]
at = "T+1m"
device = "sampler"
command = "mode-set"
args = { mode = "operate" }

[[timeline]]
after = "10s"
device = "sampler"
command = "drill-start"
args = { target_depth = 1.0, rotation_rate = 120, percussion = "high", feed_rate = 60 }
timeout = "1h"
"""


def test_decoded_recording_matches_the_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario, recording, csv = tmp_path / "s.toml", tmp_path / "run.pcapng", tmp_path / "hk.csv"
    scenario.write_text(SCENARIO)
    assert main(["run", str(scenario), "--quiet", "--json", "--record", str(recording)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert main(["decode", str(recording), "--device", "sampler", "--param", "sampler.drill_depth",
                 "--format", "csv", "-o", str(csv)]) == 0
    rows = csv.read_text().splitlines()
    header = rows[0].split(",")
    depths = [float(r.split(",")[header.index("sampler.drill_depth")]) for r in rows[1:]]
    assert max(depths) == pytest.approx(summary["figures"]["drill_depth_m"], abs=1e-3)
    assert len(depths) > 100
