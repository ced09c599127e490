"""The reference flight software in C, cross-compiled for two QEMU boards, flies the sampling sequence through
`farside serve` (the sampler exposed on TCP, QEMU's UART0 connected to it) and reports its verdict on UART1."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from firmware.build import (
    DRILL_TARGET_M,
    FirmwareBuildError,
    build_firmware,
    generate_header,
)
from serve_driver import start_serve

from hil.recording.reader import read_recording
from protocols.dictionary import default_dictionary

MACHINES = ("lm3s6965evb", "mps2-an385")
SPEED = 4
"""Virtual seconds per wall second: the 0.1 m drill (about 31 s of drilling) takes about 8 s."""
VERDICT_TIMEOUT_S = 90.0
SAMPLER_TCS = 11
"""3 pings, mode-set, hk-interval, hk-enable, drill-start, drill-stop, 2 param-get, hk-disable."""
BENCH = """\
[scenario]
name = "reference flight software on QEMU"

[bench.nodes]
fsw = "pty://"

[bench.expose]
{device} = "tcp://127.0.0.1:0?listen"

[bench.devices.sampler]
rock_density_per_m = 0
"""


@pytest.fixture(scope="session")
def sampler_firmware(firmware: Callable[[str, tuple[str, ...]], Path]) -> dict[str, Path]:
    """The sampler-only firmware, built once per machine."""
    return {machine: firmware(machine, ("sampler",)) for machine in MACHINES}


class Qemu:
    """A QEMU board running an ELF: UART0 a TCP client of ``bus``, UART1 written to a log file."""

    def __init__(self, machine: str, elf: Path, bus: str, log: Path) -> None:
        self.log = log
        command = ["qemu-system-arm", "-M", machine, "-display", "none", "-monitor", "none", "-no-reboot",
                   "-kernel", str(elf), "-serial", f"tcp:{bus},nodelay=on", "-serial", f"file:{log}"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                        start_new_session=True)

    def verdict(self, timeout: float = VERDICT_TIMEOUT_S) -> list[str]:
        """The log's lines once a VERDICT line is there (AssertionError after ``timeout`` s or if QEMU exits)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log.read_text(errors="replace") if self.log.exists() else ""
            if re.search(r"^VERDICT .*\n", text, re.MULTILINE):
                return text.splitlines()
            if self.process.poll() is not None:
                raise AssertionError(f"QEMU exited {self.process.returncode}: {self.process.stderr.read()}\n{text}")
            time.sleep(0.1)  # QEMU runs in real time: a bounded poll of its log file
        raise AssertionError(f"no verdict within {timeout} s:\n{text}")

    def stop(self) -> None:
        """Kill QEMU's whole process group and reap it."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        if self.process.stderr is not None:
            self.process.stderr.close()


@pytest.fixture
def qemu(tmp_path: Path) -> Iterator[Callable[[str, Path, str], Qemu]]:
    """A factory for QEMU boards, every one stopped at the end of the test."""
    started: list[Qemu] = []

    def start(machine: str, elf: Path, bus: str) -> Qemu:
        board = Qemu(machine, elf, bus, tmp_path / f"{machine}-uart1.log")
        started.append(board)
        return board

    yield start
    for board in started:
        board.stop()


def _serve(tmp_path: Path, device: str, *args: str) -> Any:
    """`farside serve` at SPEED with ``device`` exposed on a TCP port of its choosing (every other device on a pty)."""
    bench = tmp_path / "bench.toml"
    bench.write_text(BENCH.format(device=device))
    return start_serve(tmp_path, str(bench), "--speed", str(SPEED), *args)


def _field(lines: list[str], prefix: str, name: str) -> int:
    line = next(line for line in lines if line.startswith(prefix + " "))
    return int(re.search(rf"\b{name}=(\d+)", line).group(1))


@pytest.mark.parametrize("machine", MACHINES)
def test_the_firmware_flies_the_sampling_sequence_and_reports_pass(machine, sampler_firmware, qemu,
                                                                   tmp_path) -> None:
    recording = tmp_path / "session.pcapng"
    served = _serve(tmp_path, "sampler", "--record", str(recording))
    try:
        board = qemu(machine, sampler_firmware[machine], served.endpoints["sampler"])
        lines = board.verdict()
        board.stop()
    finally:
        code, _, stderr = served.stop()
    log = "\n".join(lines)
    assert lines[-1] == "VERDICT PASS", log
    assert lines[0].startswith(f"FSW farside reference flight software machine={machine} devices=sampler"), log
    rtts = [int(line.split()[1]) for line in lines if re.fullmatch(r"RTT \d+", line)]
    assert len(rtts) == SAMPLER_TCS, log  # one round trip per TC, each measured by the firmware's own timer
    assert _field(lines, "RTT_SUMMARY", "n") == SAMPLER_TCS
    assert _field(lines, "RTT_SUMMARY", "p50_us") <= _field(lines, "RTT_SUMMARY", "p99_us") == max(rtts)
    depths = [float(m.group(1)) for line in lines if (m := re.fullmatch(r"DEPTH mm=([\d.]+) state=\d+", line))]
    assert len(depths) > 3 and depths == sorted(depths), log  # the depth, watched in housekeeping as it grew
    assert any(line.startswith("STEP ") and "watch drill_depth" in line and line.split()[-2] == "ok"
               for line in lines), log
    assert f"COUNTERS sampler commands_accepted={SAMPLER_TCS - 2} commands_rejected=0" in lines, log
    assert _field(lines, "LINK", "bad_crc") == 0 and _field(lines, "LINK", "bad_header") == 0
    assert code == 0, stderr
    assert "sampler up: client" in stderr

    # farside's own record of the session agrees: every TC reached the sampler, none was refused
    packets = [r.packet for r in read_recording(recording).records if r.link == "sampler"]
    tcs = [p for p in packets if p[0] & 0x10]
    reports = [(p[7], p[8]) for p in packets if not p[0] & 0x10]
    assert len(tcs) == SAMPLER_TCS
    assert reports.count((1, 1)) == reports.count((1, 7)) == SAMPLER_TCS
    assert not {(1, 2), (1, 4), (1, 6), (1, 8)} & set(reports)
    sampler = default_dictionary().device("sampler")
    hk_depths = [values[1] for hk, values in (sampler.decode_hk(p[19:-2]) for p in packets if (p[7], p[8]) == (3, 25))
                 if hk.name == "drill"]
    assert max(hk_depths) >= DRILL_TARGET_M - 1e-6


def test_a_firmware_without_the_sampler_pings_its_device_and_passes(arm_tools, qemu, tmp_path) -> None:
    elf = build_firmware("mps2-an385", ("ascender",), tmp_path / "build")
    served = _serve(tmp_path, "ascender")
    try:
        lines = qemu("mps2-an385", elf, served.endpoints["ascender"]).verdict()
    finally:
        served.stop()
    assert lines[-1] == "VERDICT PASS", lines
    assert sum(line.startswith("STEP ") and " ascender ping ok " in line for line in lines) == 3
    assert _field(lines, "RTT_SUMMARY", "n") == 3
    assert not any(line.startswith(("DEPTH", "COUNTERS")) for line in lines)


def test_failure_reports_give_a_fail_verdict_naming_the_command(sampler_firmware, qemu, tmp_path) -> None:
    served = _serve(tmp_path, "ascender")  # the sampler's firmware wired to the ascender: every TC has the wrong APID
    try:
        board = qemu("lm3s6965evb", sampler_firmware["lm3s6965evb"], served.endpoints["ascender"])
        lines = board.verdict()
    finally:
        served.stop()
    assert any(line.startswith("FAILURE sampler ping TM[1,2] failure code 1") for line in lines), lines
    assert lines[-1] == "VERDICT FAIL sampler ping: TM[1,2] failure code 1"


def test_builds_are_deterministic_for_every_device_set(arm_tools, tmp_path) -> None:
    for machine in MACHINES:
        for devices in (("sampler",), ("sampler", "ascender", "relay")):
            first = build_firmware(machine, devices, tmp_path / "a")
            second = build_firmware(machine, devices, tmp_path / "elsewhere" / "b")
            assert first.read_bytes() == second.read_bytes(), (machine, devices)


def test_the_header_locates_the_depth_where_the_sampler_puts_it() -> None:
    header = generate_header(("sampler",))
    defines = {m.group(1): int(m.group(2), 0) for m in re.finditer(r"#define (\w+) (0x[0-9a-f]+|\d+)u", header)}
    sampler = default_dictionary().device("sampler")
    hk = sampler.hk_set("drill")
    values = [0.1234 if name == "drill_depth" else "holding" if name == "drill_state" else
              "ready" if name == "coring_bag_state" else "off" if name == "drill_percussion" else 0
              for name in hk.parameters]
    app_data = sampler.encode_hk("drill", values)
    assert len(app_data) == defines["FS_SAMPLER_HK_DRILL_SIZE"]
    assert int.from_bytes(app_data[:2], "big") == defines["FS_SAMPLER_HK_DRILL_SID"]
    offset, size = defines["FS_SAMPLER_DRILL_DEPTH_OFFSET"], defines["FS_SAMPLER_DRILL_DEPTH_SIZE"]
    depth_um = int.from_bytes(app_data[offset:offset + size], "big") * defines["FS_SAMPLER_DRILL_DEPTH_UM_PER_COUNT"]
    assert depth_um == 123_400
    state = app_data[defines["FS_SAMPLER_DRILL_STATE_OFFSET"]]
    assert state == sampler.parameter("drill_state").enum["holding"]
    drill_start = sampler.telecommand("drill-start", {"target_depth": 0.1, "rotation_rate": 120,
                                                      "percussion": "high", "feed_rate": 200})
    assert ", ".join(f"0x{b:02x}" for b in drill_start[11:-2]) in header  # the app data farside itself builds


def test_a_missing_compiler_is_an_error_naming_make_test(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(FirmwareBuildError, match=r"arm-none-eabi-gcc not found: `make test` installs it"):
        build_firmware("lm3s6965evb", ("sampler",), tmp_path)


@pytest.mark.parametrize(("machine", "devices", "message"), [
    ("versatilepb", ("sampler",), r"unknown machine 'versatilepb'; known: lm3s6965evb, mps2-an385"),
    ("lm3s6965evb", ("toaster",), r"unknown device 'toaster'"),
    ("lm3s6965evb", (), r"at least one"),
])
def test_bad_requests_are_refused_before_compiling(machine, devices, message, tmp_path) -> None:
    with pytest.raises(FirmwareBuildError, match=message):
        build_firmware(machine, devices, tmp_path)
