"""COSMOS export: openc3's own parser loads the targets, decodes farside's packets to farside's values, and builds
commands byte for byte as `farside tc` does."""

from __future__ import annotations

import importlib
import math
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import construct as cs
import numpy as np
import pytest

from hil.cli import main
from hil.recording.reader import read_recording
from protocols.dictionary import Device, Field, Function, Linear, Table, default_dictionary
from protocols.dictionary.cosmos import TARGET_FILES, cosmos_name, target_name, write_cosmos
from protocols.framing import AsmFramer
from protocols.pus import PusTc, PusTm, decode_packet
from protocols.services import verification
from protocols.services.verification import FailureCode

OPENC3 = "openc3>=7.4.1,<8"
"""What the test extra installs; the set-up installs it when missing."""
DICTIONARY = default_dictionary()
TARGETS = [target_name(d) for d in DICTIONARY]


OPENC3_ENVIRONMENT = {"OPENC3_NO_STORE": "1", "OPENC3_LOG_LEVEL": "WARN"}
"""Read by openc3 when imported: log to stdout only, never to its Redis store (which would be a network lookup)."""


def _import_openc3() -> Any:
    """openc3's System class, pip-installing openc3 first when it is missing (a loud failure when that fails)."""
    for key, value in OPENC3_ENVIRONMENT.items():
        os.environ.setdefault(key, value)
    try:
        return importlib.import_module("openc3.system.system").System
    except ImportError:
        done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", OPENC3], capture_output=True,
                              text=True, timeout=600, check=False)
        if done.returncode:
            pytest.fail(f"cannot install {OPENC3}: {done.stderr.strip()[-2000:]}")
        importlib.invalidate_caches()
        return importlib.import_module("openc3.system.system").System


@pytest.fixture(scope="session")
def cosmos_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The targets `farside dict --format cosmos DIR` writes."""
    directory = tmp_path_factory.mktemp("cosmos")
    assert main(["dict", "--format", "cosmos", str(directory)]) == 0
    return directory


@pytest.fixture(scope="session")
def system(cosmos_dir: Path) -> Any:
    """openc3's System loaded from the generated target directories (target.txt, cmd_tlm/*.txt)."""
    return _import_openc3()(TARGETS, str(cosmos_dir))


@pytest.fixture(scope="session")
def recording(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """Every packet of the first ten minutes of the reference mission, as recorded."""
    path = tmp_path_factory.mktemp("rec") / "mission.pcapng"
    assert main(["run", "--until", "T+10m", "--quiet", "--record", str(path)]) in (0, 1)
    return [r.packet for r in read_recording(path).records]


def _crc_protocol() -> Any:
    """openc3's CrcProtocol set up as docs/cosmos.md tells an interface to use it."""
    module = importlib.import_module("openc3.interfaces.protocols.crc_protocol")
    return module.CrcProtocol("CRC", "FALSE", "ERROR", -16, 16, "BIG_ENDIAN", "0x1021", "0xFFFF", "FALSE", "FALSE")


def _identify(system: Any, raw: bytes, device: Device) -> Any:
    packet = system.telemetry.identify(raw, [target_name(device)])
    assert packet is not None, f"COSMOS did not identify {raw.hex()}"
    packet = packet.clone()
    packet.buffer = raw
    return packet


def _assert_same(cosmos: Any, farside: Any, f: Field, where: str) -> None:
    if f.enum is not None and isinstance(farside, str):
        assert cosmos == cosmos_name(farside), where
    elif isinstance(farside, float) and math.isnan(farside):
        assert math.isnan(cosmos), where
    else:
        assert cosmos == pytest.approx(farside, rel=1e-12, abs=1e-12), where


def _sample_values(f: Field, rng: np.random.Generator) -> Iterator[Any]:
    """Engineering values across a field's range: its ends, zero when inside, and random ones."""
    if f.enum is not None:
        yield from f.enum
        return
    low, high = f.engineering_limits
    low = -1e6 if low is None else max(low, -1e30)
    high = 1e6 if high is None else min(high, 1e30)
    yield from (low, high, (low + high) / 2, *rng.uniform(low, high, 3))
    if low < 0 < high:
        yield 0


# the targets ---------------------------------------------------------------------------------------------------
def test_every_device_gets_a_target_that_openc3_loads_without_warnings(cosmos_dir: Path, system: Any) -> None:
    for device in DICTIONARY:
        for relative in TARGET_FILES:
            assert (cosmos_dir / target_name(device) / relative).is_file()
    assert system.packet_config.warnings == []
    assert sorted(system.targets) == sorted(TARGETS)
    assert "CCSDS_SEQ_COUNT" in system.targets["SAMPLER"].ignored_parameters


def test_every_dictionary_element_has_its_packet(system: Any) -> None:
    for device in DICTIONARY:
        target = target_name(device)
        commands = set(system.commands.packets(target))
        telemetry = set(system.telemetry.packets(target))
        for command in device.commands:
            if command.name == "param-set":
                assert {f"PARAM_SET_{cosmos_name(p.name)}" for p in device.parameters if p.writable} <= commands
            else:
                assert cosmos_name(command.name) in commands
        assert {f"HK_{cosmos_name(s.name)}" for s in device.housekeeping} <= telemetry
        assert {f"EVENT_{cosmos_name(e.name)}" for e in device.events} <= telemetry
        assert {f"PARAM_{cosmos_name(p.name)}" for p in device.parameters} <= telemetry
        assert {"PING_REPLY", "VERIFY_ACCEPTANCE_OK", "VERIFY_COMPLETION_FAIL"} <= telemetry


def test_units_states_and_limits_come_from_the_dictionary(system: Any) -> None:
    hk = system.telemetry.packet("SAMPLER", "HK_DRILL")
    depth = hk.get_item("DRILL_DEPTH")
    param = DICTIONARY.device("sampler").parameter("drill_depth")
    assert depth.units == param.unit
    assert depth.limits.values["DEFAULT"] == [param.minimum, param.minimum, param.maximum, param.maximum]
    assert hk.get_item("DRILL_STATE").states["DRILLING"] == param_state("sampler", "drill_state", "drilling")
    start = system.commands.packet("SAMPLER", "DRILL_START")
    arg = start.get_item("TARGET_DEPTH")
    assert (arg.minimum, arg.maximum, arg.units, arg.required) == (0.1, 2.5, "m", True)


def param_state(device: str, name: str, label: str) -> int:
    """The raw value of an enumerated parameter's label."""
    enum = DICTIONARY.device(device).parameter(name).enum
    assert enum is not None
    return enum[label]


# telemetry ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("device", DICTIONARY.devices, ids=DICTIONARY.names)
def test_every_hk_parameter_of_every_set_decodes_to_farside_values(system: Any, device: Device) -> None:
    rng = np.random.default_rng(2024)
    for hk in device.housekeeping:
        fields = [device.parameter(name) for name in hk.parameters]
        columns = [list(_sample_values(f, rng)) for f in fields]
        rows = max(len(c) for c in columns)
        for row in range(rows):
            values = [c[row % len(c)] for c in columns]
            raw = device.hk_codec(hk.sid).encode(values, seq_count=row, msg_counter=row, time_ns=10**9 * row)
            expected = device.decode_hk_packet(raw)
            packet = _identify(system, raw, device)
            assert packet.packet_name == f"HK_{cosmos_name(hk.name)}"
            assert packet.read("CCSDS_SEQ_COUNT") == expected.seq_count
            for f, value in zip(fields, expected.values, strict=True):
                _assert_same(packet.read(cosmos_name(f.name)), value, f, f"{device.name}.{hk.name}.{f.name}")


def test_recorded_mission_packets_decode_to_farside_values(system: Any, recording: list[bytes]) -> None:
    seen: set[str] = set()
    for raw in recording:
        tm = decode_packet(raw)
        device = DICTIONARY.find_apid(tm.apid)
        if device is None or not isinstance(tm, PusTm):
            continue
        packet = _identify(system, raw, device)
        seen.add(packet.packet_name)
        if (tm.service, tm.subtype) == (3, 25):
            report = device.decode_hk_packet(raw)
            hk = device.hk_set(report.sid)
            assert packet.packet_name == f"HK_{cosmos_name(hk.name)}"
            for name, value in zip(hk.parameters, report.values, strict=True):
                _assert_same(packet.read(cosmos_name(name)), value, device.parameter(name), f"{device.name}.{name}")
        elif tm.service == 5:
            event, data = device.decode_event(tm.app_data)
            assert packet.packet_name == f"EVENT_{cosmos_name(event.name)}"
            for f in event.data:
                _assert_same(packet.read(cosmos_name(f.name)), data[f.name], f, f"{event.name}.{f.name}")
        elif tm.service == verification.SERVICE:
            report = verification.decode(tm.subtype, tm.app_data)
            assert packet.packet_name.startswith(f"VERIFY_{report.stage.upper()}_OK")
            assert packet.read("REQUEST_APID") == int.from_bytes(report.request_id[:2]) & 0x7FF
            assert packet.read("REQUEST_SEQ_COUNT") == int.from_bytes(report.request_id[2:]) & 0x3FFF
    assert {"HK_PLATFORM", "HK_LINK", "VERIFY_COMPLETION_OK", "PING_REPLY"} <= seen
    assert any(name.startswith("EVENT_") for name in seen)


def test_events_failures_and_parameter_reports_decode(system: Any) -> None:
    rng = np.random.default_rng(7)
    for device in DICTIONARY:
        for event in device.events:
            values = [next(iter(_sample_values(f, rng))) for f in event.data]
            _, app_data = device.encode_event(event.id, values)
            raw = PusTm(device.apid, 5, int(event.severity), app_data).pack()
            packet = _identify(system, raw, device)
            assert packet.packet_name == f"EVENT_{cosmos_name(event.name)}"
            _, data = device.decode_event(app_data)
            for f in event.data:
                _assert_same(packet.read(cosmos_name(f.name)), data[f.name], f, f"{event.name}.{f.name}")
        request = PusTc(device.apid, 8, 1, seq_count=1234).request_id
        raw = PusTm(device.apid, 1, 8, verification.encode_failure(request, FailureCode.BUSY, b"\x01\x02")).pack()
        packet = _identify(system, raw, device)
        assert packet.packet_name == "VERIFY_COMPLETION_FAIL"
        assert (packet.read("FAILURE_CODE"), packet.read("FAILURE_DATA")) == ("BUSY", b"\x01\x02")
        assert packet.read("REQUEST_SEQ_COUNT") == 1234
        param = device.parameters[-1]
        value = next(iter(_sample_values(param, rng)))
        raw = PusTm(device.apid, 20, 2, bytes([1]) + param.id.to_bytes(2, "big")
                    + param.raw.build(param.to_raw_saturating(value))).pack()
        packet = _identify(system, raw, device)
        assert packet.packet_name == f"PARAM_{cosmos_name(param.name)}"
        _assert_same(packet.read("VALUE"), param.to_engineering(param.raw.parse(raw[22:-2])), param, param.name)


# commands -------------------------------------------------------------------------------------------------------
COMMANDS = [
    ("sampler", "ping", {}, 22),
    ("sampler", "drill-start", {"target_depth": "2.0", "rotation_rate": "120", "percussion": "high",
                                "feed_rate": "50"}, 7),
    ("sampler", "arm-move", None, 300),
    ("sampler", "hk-interval", {"sid": "drill", "interval": "250"}, 1),
    ("ascender", "hk-now", {"sid": "propulsion"}, 16383),
    ("relay", "param-get", {"param": None}, 5),
    ("sampler", "param-set", None, 9),
]


def _arguments(device: Device, name: str, args: dict[str, str | None] | None) -> dict[str, str]:
    """The command's arguments: as given, or for functions given None a negative or mid-range value each."""
    command = device.command(name)
    if name == "param-get":
        return {"param": device.parameters[0].name}
    if name == "param-set":
        param = next(p for p in device.parameters if p.writable and p.enum is None)
        low, high = param.engineering_limits
        return {"param": param.name, "value": repr(((low or 0) + (high or 0)) / 3)}
    if args is not None:
        return {k: v for k, v in args.items() if v is not None}
    out = {}
    for f in command.args:
        low, high = f.engineering_limits
        out[f.name] = next(iter(f.enum)) if f.enum else repr(low * 0.3711 if low and low < 0 else (high or 0) * 0.6113)
    return out


def _farside_tc(device: str, name: str, args: dict[str, str], seq: int, capsys: pytest.CaptureFixture[str]) -> bytes:
    assert main(["tc", device, name, *(f"{k}={v}" for k, v in args.items()), "--seq", str(seq)]) == 0
    return bytes.fromhex(capsys.readouterr().out.strip())


@pytest.mark.parametrize(("device_name", "name", "args", "seq"), COMMANDS, ids=[f"{d}-{c}" for d, c, _, _ in COMMANDS])
def test_cosmos_builds_the_bytes_farside_tc_builds(system: Any, capsys: pytest.CaptureFixture[str], device_name: str,
                                                  name: str, args: dict[str, str | None] | None, seq: int) -> None:
    device = DICTIONARY.device(device_name)
    arguments = _arguments(device, name, args)
    expected = _farside_tc(device_name, name, arguments, seq, capsys)
    packet_name = cosmos_name(name)
    params: dict[str, Any] = {"CCSDS_SEQ_COUNT": seq}
    for key, text in arguments.items():
        f = next(a for a in device.command(name).args if a.name == key)
        if name == "param-set" and key == "param":
            packet_name = f"PARAM_SET_{cosmos_name(text)}"
        elif name == "param-set":
            params["VALUE"] = float(text)
        else:
            params[cosmos_name(key)] = cosmos_name(text) if f.enum else f.from_text(text)
    command = system.commands.build_cmd(target_name(device), packet_name, params)
    built = bytes(_crc_protocol().write_packet(command).buffer)
    assert built == expected, f"COSMOS {built.hex()} != farside {expected.hex()}"
    identified = system.commands.identify(expected, [target_name(device)])
    assert identified is not None and identified.packet_name == packet_name


def _asm_length_protocol() -> Any:
    """openc3's LengthProtocol set up as docs/cosmos.md tells an interface to read farside's ASM framing."""
    module = importlib.import_module("openc3.interfaces.protocols.length_protocol")
    return module.LengthProtocol(64, 16, 11, 1, "BIG_ENDIAN", 4, "0x1ACFFC1D", "NONE", "TRUE")


def test_documented_interface_protocols_split_asm_frames_and_frame_commands(system: Any,
                                                                           recording: list[bytes]) -> None:
    packets = [raw for raw in recording if isinstance(decode_packet(raw), PusTm)][:200]
    stream = b"\x55\x00" + b"".join(AsmFramer().frame(raw) for raw in packets)  # line noise first
    reader, got = _asm_length_protocol(), []
    for start in range(0, len(stream), 37):  # arbitrary chunks, as a socket delivers them
        data, _ = reader.read_data(bytearray(stream[start:start + 37]))
        while isinstance(data, bytes | bytearray) and data:
            got.append(bytes(data))
            data, _ = reader.read_data(bytearray())
    assert got == packets
    command = system.commands.build_cmd("SAMPLER", "PING", {"CCSDS_SEQ_COUNT": 3})
    _crc_protocol().write_packet(command)
    writer = _asm_length_protocol()
    framed, _ = writer.write_data(writer.write_packet(command).buffer)
    assert bytes(framed) == AsmFramer().frame(DICTIONARY.device("sampler").telecommand("ping", seq_count=3))


def test_table_and_signed_calibrations_round_as_farside_does(tmp_path: Path) -> None:
    """Write conversions (inverse tables split at raw zero, half-count bias) encode exactly what farside encodes."""
    args = (
        Field(name="bend", raw=cs.Int16sb, unit="deg", minimum=-40.0, maximum=30.0,
              calibration=Table(((-3000, 35.0), (-100, 2.0), (250, -4.5), (4000, -41.0)))),
        Field(name="level", raw=cs.Int8sb, unit="V", minimum=-2.5, maximum=2.2, calibration=Linear(0.02, -0.3)),
        Field(name="gain", raw=cs.Float32b, unit="dB", minimum=-6.0, maximum=6.0, calibration=Linear(0.5, 1.0)),
    )
    device = Device(name="bench-rig", apid=0x321, description="a rig with awkward calibrations",
                    functions=(Function(name="point", function_id=9, args=args),), parameters=(), housekeeping=(),
                    events=())
    write_cosmos([device], tmp_path)
    rig = _import_openc3()(["BENCH_RIG"], str(tmp_path))
    assert rig.packet_config.warnings == []
    rng = np.random.default_rng(3)
    for bend, level, gain in zip(rng.uniform(-40, 30, 300), rng.uniform(-2.5, 2.2, 300), rng.uniform(-6, 6, 300),
                                 strict=True):
        values = {"bend": float(bend), "level": float(level), "gain": float(gain)}
        command = rig.commands.build_cmd("BENCH_RIG", "POINT", {k.upper(): v for k, v in values.items()})
        built = bytes(_crc_protocol().write_packet(command).buffer)
        assert built == device.telecommand("point", values), values


def test_out_of_range_arguments_are_refused_by_cosmos_as_by_farside(system: Any) -> None:
    with pytest.raises(ValueError, match="not in valid range"):
        system.commands.build_cmd("SAMPLER", "DRILL_START", {"TARGET_DEPTH": 3.0, "ROTATION_RATE": 120,
                                                             "PERCUSSION": "HIGH", "FEED_RATE": 50})
    with pytest.raises(RuntimeError, match="Required command parameter"):
        system.commands.build_cmd("SAMPLER", "DRILL_START", {"TARGET_DEPTH": 1.0})


def test_cli_needs_a_directory_and_reports_unwritable_ones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dict", "--format", "cosmos"]) == 2
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["dict", "--format", "cosmos", str(blocker)]) == 2
    assert "cannot write" in capsys.readouterr().err
    assert main(["dict", "relay", str(tmp_path / "one"), "--format", "cosmos"]) == 0
    assert sorted(p.name for p in (tmp_path / "one").iterdir()) == ["RELAY"]


def test_cli_refuses_a_device_name_alone_as_the_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["dict", "sampler", "--format", "cosmos"]) == 2
    assert "give the directory after the device" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
