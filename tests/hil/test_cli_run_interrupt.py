"""`farside run` as a separate process: plain progress lines off a terminal, and Ctrl-C stops it cleanly."""

import signal
import subprocess
import sys
import time


def test_ctrl_c_prints_the_summary_and_exits_1() -> None:
    process = subprocess.Popen([sys.executable, "-m", "hil.cli", "run"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
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
