"""`--rt-priority`: a real-time bench's loop runs at SCHED_FIFO while it serves, and only when asked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from serve_driver import start_serve

from hil.serve.rt_priority import raise_rt_priority


def _may_raise() -> bool:
    """Whether this process may take a SCHED_FIFO priority (root, CAP_SYS_NICE or an rtprio limit)."""
    probe = raise_rt_priority(1)
    probe.restore()
    return probe.problem == ""


def test_serve_runs_its_loop_at_the_priority_asked(tmp_path: Path) -> None:
    served = start_serve(tmp_path, "--quiet", "--rt-priority", "12")
    if _may_raise():  # root, as in CI: the scheduler reports the policy of the loop's thread
        served.wait_for_stderr("runs at SCHED_FIFO priority 12")
        pid = served.process.pid
        policy, priority = os.sched_getscheduler(pid), os.sched_getparam(pid).sched_priority
        code, _, _ = served.terminate()
        assert (policy, priority, code) == (os.SCHED_FIFO, 12, 0)
    else:  # anyone else is told why, and the bench serves on at normal priority
        served.wait_for_stderr("SCHED_FIFO priority 12 not taken")
        code, _, _ = served.terminate()
        assert code == 0


def test_by_default_the_loop_runs_at_normal_priority(tmp_path: Path) -> None:
    served = start_serve(tmp_path)
    served.wait_for_stderr("T+00:00:00 | late")  # serving: the status line is up
    policy = os.sched_getscheduler(served.process.pid)
    code, _, err = served.terminate()
    assert (policy, code) == (os.SCHED_OTHER, 0) and "SCHED_FIFO" not in err


def test_raising_and_restoring_in_process() -> None:
    before = (os.sched_getscheduler(0), os.sched_getparam(0).sched_priority)
    raised = raise_rt_priority(3)
    during = os.sched_getscheduler(0)
    raised.restore()
    raised.restore()
    assert (os.sched_getscheduler(0), os.sched_getparam(0).sched_priority) == before
    assert during == (os.SCHED_FIFO if raised.problem == "" else before[0])


def test_a_priority_out_of_range_is_a_usage_error() -> None:
    for bad in ("0", "100", "high"):
        done = subprocess.run([sys.executable, "-m", "hil.cli", "serve", "--rt-priority", bad],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 2 and "--rt-priority" in done.stderr
