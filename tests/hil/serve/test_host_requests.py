"""`--wake-latency` and `--rt-priority`: what a real-time bench asks of the host holds while it runs, and only then."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

from serve_driver import start_serve

from hil.serve.host_requests import WAKE_LATENCY_DEVICE as DEVICE
from hil.serve.host_requests import hold_wake_latency, raise_rt_priority


def _kernel_limit_us() -> int:
    """The wake-up latency every CPU is held to now (the least of all requests; 2e9 µs when there are none)."""
    with open(DEVICE, "rb") as device:
        return struct.unpack("=i", device.read(4))[0]


def _holds_the_device(pid: int) -> bool:
    """Whether process ``pid`` has the PM QoS request file open (its request is in force while it does)."""
    fds = Path(f"/proc/{pid}/fd")
    return any(os.readlink(fd) == str(DEVICE) for fd in fds.iterdir())


def test_serve_holds_the_limit_while_it_runs(tmp_path: Path) -> None:
    served = start_serve(tmp_path, "--quiet", "--wake-latency", "7")
    if os.access(DEVICE, os.W_OK):  # root, as in CI: the kernel's limit (the least of all requests) is ≤ 7 µs
        served.wait_for_stderr("CPU wake-up latency held at ≤ 7 µs")
        during, holding = _kernel_limit_us(), _holds_the_device(served.process.pid)
        code, _, _ = served.terminate()
        assert (during <= 7, holding, code) == (True, True, 0)
    else:  # anyone else is told why the request was not made, and the bench serves on
        served.wait_for_stderr("CPU wake-up latency not held")
        code, _, err = served.terminate()
        assert code == 0 and "needs root" in err


def test_off_leaves_power_management_alone(tmp_path: Path) -> None:
    served = start_serve(tmp_path, "--wake-latency", "off")
    served.wait_for_stderr("T+00:00:00 | late")  # serving: the status line is up
    holding = _holds_the_device(served.process.pid)
    code, _, err = served.terminate()
    assert (holding, code) == (False, 0) and "wake-up latency" not in err


def test_a_bad_limit_is_a_usage_error() -> None:
    for bad in ("-1", "fast", "2000000001"):
        done = subprocess.run([sys.executable, "-m", "hil.cli", "serve", "--wake-latency", bad],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 2 and "--wake-latency" in done.stderr and "or off" in done.stderr


def test_the_request_is_the_limit_as_a_32_bit_integer(tmp_path: Path) -> None:
    target = tmp_path / "request"
    target.write_bytes(b"")
    hold = hold_wake_latency(125, target)
    assert hold.in_force and target.read_bytes() == struct.pack("=i", 125)
    hold.release()
    hold.release()
    assert not hold.in_force


def test_a_missing_device_is_reported_not_raised(tmp_path: Path) -> None:
    hold = hold_wake_latency(0, tmp_path / "absent")
    assert not hold.in_force and "No such file" in hold.describe()


def _may_raise() -> bool:
    """Whether this process may take a SCHED_FIFO priority (root, CAP_SYS_NICE or an rtprio limit)."""
    probe = raise_rt_priority(1)
    probe.release()
    return probe.why == ""


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


def test_raising_and_releasing_in_process() -> None:
    before = (os.sched_getscheduler(0), os.sched_getparam(0).sched_priority)
    raised = raise_rt_priority(3)
    during = os.sched_getscheduler(0)
    raised.release()
    raised.release()
    assert (os.sched_getscheduler(0), os.sched_getparam(0).sched_priority) == before
    assert during == (os.SCHED_FIFO if raised.why == "" else before[0])


def test_a_priority_out_of_range_is_a_usage_error() -> None:
    for bad in ("0", "100", "high"):
        done = subprocess.run([sys.executable, "-m", "hil.cli", "serve", "--rt-priority", bad],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 2 and "--rt-priority" in done.stderr
