"""`farside run` as a separate process: plain progress lines off a terminal, and Ctrl-C stops it cleanly."""

import signal
import subprocess
import sys
import time
from pathlib import Path

from firmware_sim.missions import REFERENCE, builtin_path

REFERENCE_DURATION = 'duration = "T+49h30m"'


def endless_reference(folder: Path) -> Path:
    """The reference mission lasting a hundred times longer: still running whenever the signal arrives."""
    text = builtin_path(REFERENCE).read_text()
    assert REFERENCE_DURATION in text
    scenario = folder / "long.toml"
    scenario.write_text(text.replace(REFERENCE_DURATION, 'duration = "T+4950h"'))
    return scenario


def test_ctrl_c_prints_the_summary_and_exits_1(tmp_path: Path) -> None:
    process = subprocess.Popen([sys.executable, "-m", "hil.cli", "run", str(endless_reference(tmp_path))],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    progress = ""
    assert process.stderr is not None
    while time.monotonic() < deadline:  # wait for the first progress line: the run is under way
        line = process.stderr.readline()
        if line.startswith("farside: T+"):
            progress = line
            break
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert "× real time" in progress
    assert process.returncode == 1
    assert "(interrupted)" in out and "digest " in out and "phases:" in out
    assert "Traceback" not in err
