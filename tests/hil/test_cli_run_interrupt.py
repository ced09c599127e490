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
    assert "checked at the end  — not judged: the run was interrupted at T+" in out  # the orbit checks: open
    assert "Traceback" not in err


def test_ctrl_c_on_a_bench_with_real_nodes_marks_the_run_interrupted_and_exits_1(tmp_path: Path) -> None:
    bench = tmp_path / "bench.toml"
    bench.write_text('[scenario]\nname = "real"\nduration = "T+1h"\n[bench.nodes]\nfsw = "pty://"\n')
    process = subprocess.Popen([sys.executable, "-m", "hil.cli", "run", str(bench), "--quiet", "--wake-latency", "off"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # the endpoints are printed once the ports are open: it is serving
        if process.stderr.readline().startswith("sampler"):
            break
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert "(interrupted)" in out and "Traceback" not in err
