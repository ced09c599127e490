"""Builds the reference flight software: a C header generated from farside's dictionary, then arm-none-eabi-gcc.

Usage: ``python tests/hil/boards/firmware/build.py MACHINE DEVICE... [--out DIR] [--pings N]``; from Python,
``build_firmware("lm3s6965evb", ("sampler",), out_dir)`` returns the ELF's path.
"""

from __future__ import annotations

import argparse
import math
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from protocols.dictionary import default_dictionary
from protocols.dictionary.calibration import Linear
from protocols.dictionary.model import Device
from protocols.errors import FarsideError
from protocols.services import events, housekeeping, parameters, test, verification

FIRMWARE_DIR = Path(__file__).resolve().parent
SOURCE_DIR = FIRMWARE_DIR / "src"
LINKER_DIR = FIRMWARE_DIR / "ld"
COMPILER = "arm-none-eabi-gcc"
HEADER_NAME = "farside_dictionary.h"


class FirmwareBuildError(FarsideError, RuntimeError):
    """The firmware cannot be built: a tool is missing, a machine or device is unknown, or the compiler failed."""


@dataclass(frozen=True)
class Machine:
    """A QEMU machine the firmware runs on: its board support file and linker script."""

    board_source: str
    linker_script: str


MACHINES: Mapping[str, Machine] = {
    "lm3s6965evb": Machine("board_lm3s6965evb.c", "lm3s6965evb.ld"),
    "mps2-an385": Machine("board_mps2_an385.c", "mps2-an385.ld"),
}
"""QEMU ``-M`` names the firmware is built for."""

COMMON_SOURCES = ("startup.c", "main.c", "flight.c", "sequencer.c", "link.c", "pus.c", "crc16.c", "uart.c",
                  "ring.c", "clock.c", "log.c", "text.c", "libc.c")

CFLAGS = ("-mcpu=cortex-m3", "-mthumb", "-Os", "-g", "-std=c11", "-Wall", "-Wextra", "-Werror", "-ffreestanding",
          "-fno-tree-loop-distribute-patterns", "-ffunction-sections", "-fdata-sections", "-nostdlib",
          "-Wl,--gc-sections", "-Wl,--build-id=none")

# The flight, in engineering values; the dictionary turns them into octets. -------------------------------------
DRILL_SET = "drill"
DRILL_HK_INTERVAL_MS = 200
DRILL_TARGET_M = 0.1
"""The shallowest target drill-start accepts: about 31 s of drilling at the fastest feed (see README)."""
DRILL_FEED_MM_MIN = 200.0
SAMPLER_COMMANDS: tuple[tuple[str, str, Mapping[str, Any]], ...] = (
    ("MODE_OPERATE", "mode-set", {"mode": "operate"}),
    ("HK_INTERVAL_DRILL", "hk-interval", {"sid": DRILL_SET, "interval": DRILL_HK_INTERVAL_MS}),
    ("HK_ENABLE_DRILL", "hk-enable", {"sid": DRILL_SET}),
    ("DRILL_START", "drill-start", {"target_depth": DRILL_TARGET_M, "rotation_rate": 120, "percussion": "high",
                                    "feed_rate": DRILL_FEED_MM_MIN}),
    ("DRILL_STOP", "drill-stop", {"stop": "ramp"}),
    ("GET_COMMANDS_ACCEPTED", "param-get", {"param": "commands_accepted"}),
    ("GET_COMMANDS_REJECTED", "param-get", {"param": "commands_rejected"}),
    ("HK_DISABLE_DRILL", "hk-disable", {"sid": DRILL_SET}),
)
"""The sampler's commands after the pings: (C name, dictionary command, arguments)."""
WATCHED = ("drill_depth", "drill_state")
"""Parameters of the drill set the firmware reads from housekeeping."""
STATE_AT_TARGET = "holding"
"""The drill's state once at its target (depth alone may round up to the target a tick early)."""
COUNTERS = ("commands_accepted", "commands_rejected")


def _c_name(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text).upper()


def _octets(data: bytes) -> str:
    return ", ".join(f"0x{b:02x}" for b in data) or "0"


def _drill_timeout_ms() -> int:
    """Four times the drilling time at real time (the bench may run faster), at least a minute."""
    drilling_s = DRILL_TARGET_M * 1000.0 / DRILL_FEED_MM_MIN * 60.0
    return max(60_000, math.ceil(4 * drilling_s * 1000))


def _sampler_lines(sampler: Device) -> list[str]:
    """The drill set's layout, the depth's calibration and target in counts, and the counters' IDs and sizes."""
    hk = sampler.hk_set(DRILL_SET)
    fields = [sampler.parameter(name) for name in hk.parameters]
    offsets, offset = {}, 2  # app data starts with the 16-bit SID
    for field in fields:
        offsets[field.name] = offset
        offset += field.raw.sizeof()
    lines = [
        "/* sampler: the drill housekeeping set (TM[3,25] app data: SID, then the values) */",
        f"#define FS_SAMPLER_HK_DRILL_SID {hk.sid}u",
        f"#define FS_SAMPLER_HK_DRILL_SIZE {offset}u",
    ]
    for name in WATCHED:
        parameter = sampler.parameter(name)
        if name not in offsets or parameter.is_float or parameter.type_name.startswith("int"):
            raise FirmwareBuildError(f"{name} must be an unsigned integer in the {DRILL_SET} set")
        lines += [f"#define FS_SAMPLER_{_c_name(name)}_OFFSET {offsets[name]}u",
                  f"#define FS_SAMPLER_{_c_name(name)}_SIZE {parameter.raw.sizeof()}u"]
    depth, state = sampler.parameter("drill_depth"), sampler.parameter("drill_state")
    if state.enum is None or STATE_AT_TARGET not in state.enum:
        raise FirmwareBuildError(f"drill_state has no state {STATE_AT_TARGET!r}")
    calibration = depth.calibration
    um_per_count = calibration.scale * 1e6 if isinstance(calibration, Linear) else math.nan
    if depth.unit != "m" or not isinstance(calibration, Linear) or calibration.offset \
            or abs(um_per_count - round(um_per_count)) > 1e-6:
        raise FirmwareBuildError(f"drill_depth must be a whole number of micrometres per count, not {calibration}")
    lines += [
        f"#define FS_SAMPLER_DRILL_DEPTH_UM_PER_COUNT {round(um_per_count)}u",
        f"#define FS_SAMPLER_DRILL_DEPTH_TARGET_RAW {round(depth.to_raw(DRILL_TARGET_M))}u"
        f" /* {DRILL_TARGET_M} m */",
        f"#define FS_SAMPLER_DRILL_STATE_AT_TARGET {state.enum[STATE_AT_TARGET]}u /* {STATE_AT_TARGET} */",
        f"#define FS_DRILL_TIMEOUT_MS {_drill_timeout_ms()}u",
    ]
    for name in COUNTERS:
        parameter = sampler.parameter(name)
        lines += [f"#define FS_SAMPLER_{_c_name(name)}_ID 0x{parameter.id:04x}u",
                  f"#define FS_SAMPLER_{_c_name(name)}_SIZE {parameter.raw.sizeof()}u"]
    return lines


def generate_header(devices: Sequence[str], pings: int = 3) -> str:
    """The C header: report types, APIDs, every TC's service, subtype and app data, and the sampler's layouts."""
    dictionary = default_dictionary()
    chosen = [dictionary.device(name) for name in devices]
    commands: list[tuple[str, Device, str, Mapping[str, Any]]] = [
        (f"FS_CMD_{_c_name(d.name)}_PING", d, "ping", {}) for d in chosen]
    sampler = next((d for d in chosen if d.name == "sampler"), None)
    if sampler is not None:
        commands += [(f"FS_CMD_SAMPLER_{key}", sampler, name, args) for key, name, args in SAMPLER_COMMANDS]
    lines = [
        f"/* {HEADER_NAME}: generated by tests/hil/boards/firmware/build.py from farside's dictionary."
        " Do not edit. */",
        "#ifndef FARSIDE_DICTIONARY_H",
        "#define FARSIDE_DICTIONARY_H",
        "",
        '#include "command.h"',
        "",
        f'#define FS_DEVICES "{",".join(devices)}"',
        f"#define FS_PINGS_PER_DEVICE {pings}u",
        "",
        "/* report types */",
        f"#define FS_TM_VERIFICATION_SERVICE {verification.SERVICE}u",
        f"#define FS_TM_TEST_SERVICE {test.SERVICE}u",
        f"#define FS_TM_PONG {test.PONG}u",
        f"#define FS_TM_HOUSEKEEPING_SERVICE {housekeeping.SERVICE}u",
        f"#define FS_TM_HOUSEKEEPING_REPORT {housekeeping.REPORT}u",
        f"#define FS_TM_EVENT_SERVICE {events.SERVICE}u",
        f"#define FS_TM_PARAMETER_SERVICE {parameters.SERVICE}u",
        f"#define FS_TM_PARAMETER_REPORT {parameters.REPORT}u",
        "",
        "/* devices */",
    ]
    for device in chosen:
        lines += [f"#define FS_HAVE_{_c_name(device.name)} 1", f"#define FS_{_c_name(device.name)}_APID "
                                                                f"0x{device.apid:03x}u"]
    lines += ["", "/* the TCs the flight sends; app data encoded by the dictionary */", "enum {"]
    lines += [f"    {c_name}," for c_name, *_ in commands]
    lines += ["    FS_CMD_COUNT", "};", ""]
    table = []
    for c_name, device, name, args in commands:
        command, app_data = device.encode_command(name, args)
        shown = " ".join(f"{k}={v}" for k, v in args.items())
        label = f"{device.name} {name} {shown}".strip()
        lines.append(f"static const uint8_t {c_name.lower()}_data[] = {{{_octets(app_data)}}}; /* {label} */")
        table.append(f'    [{c_name}] = {{"{label}", 0x{device.apid:03x}u, {command.service}u, '
                     f"{command.subtype}u, {c_name.lower()}_data, {len(app_data)}u}},")
    lines += ["", "static const command_t fs_commands[FS_CMD_COUNT] = {", *table, "};", ""]
    lines += [f"#define FS_PING_COUNT {len(chosen)}u",
              "static const int16_t fs_ping_commands[FS_PING_COUNT] = {"
              + ", ".join(f"FS_CMD_{_c_name(d.name)}_PING" for d in chosen) + "};", ""]
    if sampler is not None:
        lines += [*_sampler_lines(sampler), ""]
    lines += ["#endif", ""]
    return "\n".join(lines)


def _check_request(machine: str, devices: Sequence[str], pings: int) -> None:
    if machine not in MACHINES:
        raise FirmwareBuildError(f"unknown machine {machine!r}; known: {', '.join(MACHINES)}")
    if not devices or len(set(devices)) != len(devices):
        raise FirmwareBuildError(f"devices {tuple(devices)!r}: name each device once, at least one")
    dictionary = default_dictionary()
    for name in devices:
        try:
            dictionary.device(name)
        except FarsideError as error:
            raise FirmwareBuildError(f"unknown device {name!r}: {error}") from None
    if not 1 <= pings <= 8:
        raise FirmwareBuildError(f"pings={pings}: allowed 1..8")


def build_firmware(machine: str, devices: tuple[str, ...], out_dir: Path, *, pings: int = 3) -> Path:
    """Generate the dictionary header for ``devices`` and compile the firmware for QEMU ``machine``; the ELF's path."""
    _check_request(machine, devices, pings)
    compiler = shutil.which(COMPILER)
    if compiler is None:
        raise FirmwareBuildError(f"{COMPILER} not found: `make test` installs it (Debian packages gcc-arm-none-eabi "
                                 "and libnewlib-arm-none-eabi, with apt-get)")
    out_dir = Path(out_dir).resolve()
    stem = f"fsw-{machine}-{'+'.join(devices)}"
    generated = out_dir / stem
    generated.mkdir(parents=True, exist_ok=True)
    (generated / HEADER_NAME).write_text(generate_header(devices, pings))
    board = MACHINES[machine]
    elf = out_dir / f"{stem}.elf"
    command = [
        compiler, *CFLAGS,
        f"-fdebug-prefix-map={SOURCE_DIR}=firmware/src", f"-fdebug-prefix-map={generated}=generated",
        f"-I{SOURCE_DIR}", f"-I{generated}", f"-L{LINKER_DIR}", f"-T{board.linker_script}",
        *(str(SOURCE_DIR / name) for name in (*COMMON_SOURCES, board.board_source)),
        "-lgcc", "-o", str(elf),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=generated)
    if result.returncode != 0:
        raise FirmwareBuildError(f"{COMPILER} failed for {machine} {'+'.join(devices)} (exit {result.returncode}):\n"
                                 f"{result.stderr.strip()}")
    return elf


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: build one ELF and print its path."""
    parser = argparse.ArgumentParser(description="Build farside's reference flight software for a QEMU machine.")
    parser.add_argument("machine", choices=sorted(MACHINES))
    parser.add_argument("devices", nargs="+", help="devices to fly against (the drill part needs sampler)")
    parser.add_argument("--out", type=Path, default=Path("build"), help="output folder (default: build)")
    parser.add_argument("--pings", type=int, default=3, help="pings per device (default 3)")
    options = parser.parse_args(argv)
    try:
        print(build_firmware(options.machine, tuple(options.devices), options.out, pings=options.pings))
    except FarsideError as error:
        print(f"build.py: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
