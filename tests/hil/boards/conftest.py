"""Shared fixtures for emulated boards: the Arm tools installed when missing, the reference firmware built once."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from firmware.build import build_firmware

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "serve"))  # serial_fsw: the ASM reader test peers use
TOOLS = {"arm-none-eabi-gcc": "gcc-arm-none-eabi", "qemu-system-arm": "qemu-system-arm"}
NEWLIB_HEADER = Path("/usr/lib/arm-none-eabi/include/string.h")

Firmware = Callable[[str, tuple[str, ...]], Path]


@pytest.fixture(scope="session")
def arm_tools() -> None:
    """The cross-compiler and QEMU, installed with apt-get when missing; the test fails when that cannot be done."""
    missing = [package for tool, package in TOOLS.items() if shutil.which(tool) is None]
    if not NEWLIB_HEADER.exists():
        missing.append("libnewlib-arm-none-eabi")
    if not missing:
        return
    if os.geteuid() != 0:
        pytest.fail(f"{', '.join(missing)} missing and apt-get needs root: run `make test` as root or install them")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *missing]):
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False, timeout=900)
        if done.returncode != 0:
            pytest.fail(f"`{' '.join(command)}` failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    still = [tool for tool in TOOLS if shutil.which(tool) is None]
    if still:
        pytest.fail(f"apt-get ran but {', '.join(still)} is still missing")


@pytest.fixture(scope="session")
def firmware(arm_tools: None, tmp_path_factory: pytest.TempPathFactory) -> Firmware:
    """``firmware(machine, devices)``: the reference flight software's ELF, built once per session and request."""
    out = tmp_path_factory.mktemp("firmware")
    built: dict[tuple[str, tuple[str, ...]], Path] = {}

    def get(machine: str, devices: tuple[str, ...]) -> Path:
        if (machine, devices) not in built:
            built[machine, devices] = build_firmware(machine, devices, out)
        return built[machine, devices]

    return get
