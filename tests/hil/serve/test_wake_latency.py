"""`--wake-latency`: a real-time bench holds Linux's CPU wake-up latency request while it runs, and only then."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

from serve_driver import start_serve

from hil.serve.wake_latency import DEVICE, hold_wake_latency


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
    assert hold.held and target.read_bytes() == struct.pack("=i", 125)
    hold.release()
    hold.release()
    assert not hold.held


def test_a_missing_device_is_reported_not_raised(tmp_path: Path) -> None:
    hold = hold_wake_latency(0, tmp_path / "absent")
    assert not hold.held and "No such file" in hold.describe()
