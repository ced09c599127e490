"""`farside tc`: encode telecommands from the dictionary; bad input is one line and exit code 2."""

import subprocess
import sys
from pathlib import Path

import pytest

from hil.cli import main
from protocols.dictionary import default_dictionary
from protocols.pus import PusTc


def _sample_text(field) -> str:
    if field.enum:
        return next(iter(field.enum))
    low, high = field.engineering_limits
    value = (low + high) / 2 if low is not None and high is not None else 1
    return str(round(value)) if not field.is_float and field.calibration is None else f"{value:g}"


def test_ping_prints_the_packet_as_hex(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tc", "sampler", "ping", "--seq", "22"]) == 0
    raw = bytes.fromhex(capsys.readouterr().out.strip())
    tc = PusTc.unpack(raw)
    assert (tc.apid, tc.service, tc.subtype, tc.seq_count) == (default_dictionary().device("sampler").apid, 17, 1, 22)


@pytest.mark.parametrize("device", ["sampler", "ascender", "relay"])
def test_every_function_encodes_and_decodes_back(device: str, capsys: pytest.CaptureFixture[str]) -> None:
    target = default_dictionary().device(device)
    for function in target.functions:
        words = [f"{a.name}={_sample_text(a)}" for a in function.args]
        assert main(["tc", device, function.name, *words]) == 0, function.name
        tc = PusTc.unpack(bytes.fromhex(capsys.readouterr().out.strip()))
        command = target.command_for(tc.service, tc.subtype, tc.app_data)
        assert command.name == function.name
        assert set(command.decode(target, tc.app_data)) == {a.name for a in function.args}


def test_standard_commands_take_set_and_parameter_names(capsys: pytest.CaptureFixture[str]) -> None:
    sampler = default_dictionary().device("sampler")
    hk = sampler.housekeeping[0]
    assert main(["tc", "sampler", "hk-interval", f"sid={hk.name}", "interval=250"]) == 0
    tc = PusTc.unpack(bytes.fromhex(capsys.readouterr().out.strip()))
    assert (tc.service, tc.subtype) == (3, 31)
    assert sampler.command("hk-interval").decode(sampler, tc.app_data) == {"sid": hk.name, "interval": 250}
    param = sampler.parameters[0]
    assert main(["tc", "sampler", "param-get", f"param={param.name}"]) == 0
    tc = PusTc.unpack(bytes.fromhex(capsys.readouterr().out.strip()))
    assert (tc.service, tc.subtype, tc.app_data) == (20, 1, b"\x01" + param.id.to_bytes(2, "big"))


@pytest.mark.parametrize("argv,fragment", [
    (["tc", "lander", "ping"], "devices: sampler, ascender, relay"),
    (["tc", "sampler", "fly"], "sampler commands: ping"),
    (["tc", "sampler", "hk-now", "sid=nonesuch"], "sid='nonesuch'"),
    (["tc", "sampler", "hk-interval", "sid=1"], "missing argument interval"),
    (["tc", "sampler", "ping", "x=1"], "x='1': unexpected"),
    (["tc", "sampler", "hk-interval", "interval"], "NAME=VALUE"),
])
def test_bad_input_is_one_line_and_exit_2(argv: list[str], fragment: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("farside: error:") and "\n" not in err and fragment in err


def test_out_of_range_argument_names_the_allowed_range(capsys: pytest.CaptureFixture[str]) -> None:
    sampler = default_dictionary().device("sampler")
    function = next(f for f in sampler.functions if any(a.maximum is not None for a in f.args))
    words = [f"{a.name}={_sample_text(a)}" for a in function.args]
    ranged = next(i for i, a in enumerate(function.args) if a.maximum is not None)
    words[ranged] = f"{function.args[ranged].name}={function.args[ranged].maximum * 2 + 1:g}"
    assert main(["tc", "sampler", function.name, *words]) == 2
    err = capsys.readouterr().err
    assert function.args[ranged].name in err and "allowed" in err


def test_out_writes_bytes_and_framing_wraps_them(tmp_path: Path) -> None:
    out = tmp_path / "ping.bin"
    assert main(["tc", "relay", "ping", "--out", str(out), "--framing", "asm"]) == 0
    data = out.read_bytes()
    assert data[:4] == bytes.fromhex("1ACFFC1D") and PusTc.unpack(data[4:]).service == 17


def test_console_script_runs_as_a_user_would() -> None:
    done = subprocess.run([sys.executable, "-m", "hil.cli", "tc", "ascender", "ping"], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0 and PusTc.unpack(bytes.fromhex(done.stdout.strip())).service == 17
    bad = subprocess.run([sys.executable, "-m", "hil.cli", "tc", "ascender", "nope"], capture_output=True,
                         text=True, check=False)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and bad.stderr.count("\n") == 1
