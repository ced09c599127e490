"""A QEMU board as a bench node: `farside run` starts it, wires its UART, keeps its log, ends with its verdict,
reports it dying, and leaves no QEMU behind."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from firmware.bench import ONE_BUS, SAMPLER_ONLY, write_bench

FARSIDE = [sys.executable, "-m", "hil.cli"]
SPEED = 4
"""Virtual seconds per wall second: the 0.1 m drill (about 31 s of drilling) takes about 8 s."""
RUN_TIMEOUT_S = 150
Firmware = Callable[[str, tuple[str, ...]], Path]
"""The ``firmware`` fixture: the reference flight software's ELF for (machine, devices)."""


def qemu_pids(text: str) -> list[int]:
    """The QEMU processes farside printed as endpoints."""
    return [int(pid) for pid in re.findall(r"QEMU \S+ pid (\d+)", text)]


def assert_gone(pid: int) -> None:
    """No process ``pid`` any more (farside reaped it, so not even a zombie)."""
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def farside(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run farside to its end (bounded)."""
    return subprocess.run([*FARSIDE, *map(str, args)], capture_output=True, text=True, timeout=RUN_TIMEOUT_S,
                          cwd=cwd)


@pytest.mark.parametrize(("machine", "devices", "expose"), [
    ("lm3s6965evb", ("sampler",), SAMPLER_ONLY),
    ("mps2-an385", ("sampler", "ascender", "relay"), ONE_BUS),
], ids=["lm3s6965evb-sampler-on-uart0", "mps2-an385-one-bus"])
def test_the_firmware_flies_its_sequence_and_the_run_passes(firmware: Firmware, tmp_path: Path, machine: str,
                                                            devices: tuple[str, ...], expose: str) -> None:
    elf = firmware(machine, devices)
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / elf.name).write_bytes(elf.read_bytes())
    bench = write_bench(tmp_path, machine, f"build/{elf.name}", expose)
    done = farside("run", bench, "--speed", SPEED, "--report", tmp_path / "report", "--record",
                   tmp_path / "run.pcapng", cwd=Path("/"))  # the kernel is found beside the bench, not in cwd
    log = tmp_path / "report" / f"board-{'fsw' if len(devices) > 1 else 'sampler'}.log"
    assert done.returncode == 0, done.stderr + done.stdout + (log.read_text() if log.exists() else "")
    lines = log.read_text().splitlines()
    assert lines[-1] == "VERDICT PASS"
    assert json.loads((tmp_path / "report" / "summary.json").read_text())["passed"] is True
    assert (tmp_path / "report" / "drill.png").read_bytes().startswith(b"\x89PNG")  # the key plots, as in virtual time
    assert any(line.startswith("RTT_SUMMARY n=") for line in lines)
    assert "expectations: 2/2 passed" in done.stdout
    for device in devices:
        assert any(re.match(rf"STEP \d+/\d+ {device} ping ok", line) for line in lines), device
    [pid] = qemu_pids(done.stderr)
    assert_gone(pid)


def test_a_board_that_never_prints_its_end_line_fails_the_run(firmware: Firmware, tmp_path: Path) -> None:
    """pass= asks for a verdict: a run bounded before the firmware's end line (it needs about 33 s) fails."""
    elf = firmware("lm3s6965evb", ("sampler",))
    bench = write_bench(tmp_path, "lm3s6965evb", elf, SAMPLER_ONLY)
    bench.write_text(bench.read_text().replace('duration = "T+5m"', 'duration = "T+8s"'))
    done = farside("run", bench, "--speed", SPEED, "--report", tmp_path / "report", cwd=tmp_path)
    assert done.returncode == 1, done.stderr + done.stdout
    [verdict] = [line for line in done.stderr.splitlines() if "end line" in line]
    assert verdict.startswith("farside: sampler: the board never printed its end line 'VERDICT' before the run "
                              "stopped"), verdict
    assert "VERDICT" not in (tmp_path / "report" / "board-sampler.log").read_text()
    assert json.loads((tmp_path / "report" / "summary.json").read_text())["passed"] is False  # drill not at 0.1 m
    [pid] = qemu_pids(done.stderr)
    assert_gone(pid)


def test_a_report_directory_that_cannot_be_made_is_refused_before_qemu_starts(firmware: Firmware,
                                                                               tmp_path: Path) -> None:
    elf = firmware("lm3s6965evb", ("sampler",))
    bench = write_bench(tmp_path, "lm3s6965evb", elf, SAMPLER_ONLY)
    done = farside("run", bench, "--report", f"{elf}/report", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [f"farside: error: cannot write the report to {elf}/report: Not a directory"]
    assert qemu_pids(done.stdout + done.stderr) == []


@pytest.mark.parametrize("how", ["qemu killed", "farside SIGTERM", "farside Ctrl-C"])
def test_a_run_stopped_midway_leaves_no_qemu_and_a_dead_board_is_an_error(firmware: Firmware, tmp_path: Path,
                                                                          how: str) -> None:
    elf = firmware("lm3s6965evb", ("sampler",))
    bench = write_bench(tmp_path, "lm3s6965evb", elf, SAMPLER_ONLY)
    log = tmp_path / "report" / "board-sampler.log"
    process = subprocess.Popen([*FARSIDE, "run", str(bench), "--report", str(log.parent)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        seen = ""
        while not qemu_pids(seen) and process.poll() is None:
            seen += process.stderr.readline()  # the endpoints come first
        [pid] = qemu_pids(seen)
        deadline = time.monotonic() + 30
        while "DEPTH mm=" not in (log.read_text() if log.exists() else "") and time.monotonic() < deadline:
            time.sleep(0.05)  # QEMU runs in real time: a bounded poll until the firmware is drilling
        if how == "qemu killed":
            os.kill(pid, signal.SIGKILL)
        else:
            process.send_signal(signal.SIGTERM if how == "farside SIGTERM" else signal.SIGINT)
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    err = seen + err
    if how == "qemu killed":
        assert process.returncode == 2, err
        [error] = [line for line in err.splitlines() if line.startswith("farside: error:")]
        assert "QEMU exited (killed by SIGKILL) while the bench still needed it" in error
        assert "last log lines:" in error  # what the board said last
    else:
        assert process.returncode == 1, err  # interrupted: the drill had not reached its depth
        assert "error" not in err
    assert log.read_text().startswith("FSW ")
    assert_gone(pid)


@pytest.mark.parametrize(("url", "message"), [
    ("qemu:lm3s6965evb?kernel=missing.elf", "missing.elf: No such file or directory"),
    ("qemu:lm3s6965evb?kernel=bench.toml", "bench.toml: not an ELF file"),
    ("qemu:raspi9?kernel=fsw.elf", "unknown QEMU machine 'raspi9'; known: lm3s6965evb, mps2-an385"),
    ("qemu:lm3s6965evb?kernel=fsw.elf&uart=3", "uart=3: lm3s6965evb has UART0 to UART2"),
    ("qemu:mps2-an385?kernel=fsw.elf&log=5", "log=5: mps2-an385 has UART0 to UART4"),
])
def test_a_board_that_cannot_start_is_one_error_line(tmp_path: Path, url: str, message: str) -> None:
    bench = tmp_path / "bench.toml"
    bench.write_text(f'[scenario]\nname = "x"\n[bench.nodes]\nfsw = "{url}"\n[bench.expose]\nsampler = "bus"\n'
                     f'ascender = "none"\nrelay = "none"\n')
    done = farside("run", bench, cwd=tmp_path)
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"farside: error: cannot open fsw ({url}): ")
    assert message in line


def test_a_missing_qemu_is_named_with_how_to_install_it(tmp_path: Path) -> None:
    bench = tmp_path / "bench.toml"
    bench.write_text('[scenario]\nname = "x"\n[bench.nodes]\nfsw = "qemu:lm3s6965evb?kernel=fsw.elf"\n'
                     '[bench.expose]\nascender = "none"\nrelay = "none"\n')
    (tmp_path / "fsw.elf").write_bytes(b"\x7fELF")
    done = subprocess.run([*FARSIDE, "run", str(bench)], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PATH": str(tmp_path)})
    assert done.returncode == 2
    assert "qemu-system-arm is not installed (not on PATH); install it, e.g. apt-get install qemu-system-arm" \
        in done.stderr
