"""`farside replay`: end to end to UDP and files, the timing report as text or JSON, one-line errors with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from replay_packets import ASCENDER_APID, SAMPLER_APID, T0_NS, tc, tm, write

from hil.cli import main
from protocols.framing import AsmDeframer

MS = 1_000_000
PACKETS = [tm(i, T0_NS + i * 10 * MS, SAMPLER_APID if i % 2 else ASCENDER_APID) for i in range(10)]


def run(args: list[str]) -> int:
    """``farside replay ARGS`` in process, through the CLI's one error handler: the exit code."""
    return main(["replay", *args])


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    return write(tmp_path / "rec.bin", PACKETS)


def test_replay_to_udp_prints_the_report(recording: Path, udp_receiver, capsys) -> None:
    receiver = udp_receiver(len(PACKETS))
    assert run([str(recording), "--to", receiver.url, "--speed", "10", "--no-progress"]) == 0
    assert [p for _, p in receiver.wait()] == PACKETS
    out = capsys.readouterr().out
    assert "sent 10 packets" in out and "lateness p50" in out and "drift" in out


def test_json_report(recording: Path, tmp_path: Path, capsys) -> None:
    assert run([str(recording), "--to", str(tmp_path / "out.bin"), "--speed", "5", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["packets"] == 10 and report["passes"] == 1 and report["mode"] == "timed"
    assert set(report["lateness_us"]) == {"p50", "p99", "max"} and "drift_us" in report
    assert 0.017 <= report["duration_s"] < 0.5


def test_asap_loop_and_filters_to_a_file(recording: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.bin"
    assert run([str(recording), "--to", f"file:{out}", "--asap", "--loop", "2", "--device", "sampler"]) == 0
    assert out.read_bytes() == b"".join(PACKETS[1::2]) * 2
    assert run([str(recording), "--to", str(out), "--asap", "--apid", hex(ASCENDER_APID), "--to-time", "0.045"]) == 0
    assert out.read_bytes() == b"".join(PACKETS[0:5:2])


def test_rate_for_an_untimed_file_and_asm_framing(tmp_path: Path) -> None:
    tcs = [tc(i) for i in range(5)]
    path = write(tmp_path / "tcs.bin", tcs)
    out = tmp_path / "out.asm"
    assert run([str(path), "--to", str(out), "--rate", "200", "--framing", "asm"]) == 0
    assert AsmDeframer().feed(out.read_bytes()).packets == tcs


@pytest.mark.parametrize(("args", "message"), [
    (["--to", "udp://127.0.0.1"], "bad URL 'udp://127.0.0.1': needs a port; expected udp://HOST:PORT"),
    (["--to", "nope://x"],
     "unknown URL scheme 'nope' in 'nope://x'; known: emu, file, hwgrep, loop, pty, qemu, replay, "),
    (["--to", "udp://127.0.0.1:9", "--link", "nowhere"], "nothing to send"),
    (["--to", "udp://127.0.0.1:9", "--from", "99"], "nothing to send"),
    (["--to", "udp://127.0.0.1:9", "--device", "toaster"], "unknown device"),
    (["--to", "udp://127.0.0.1:9", "--asap", "--speed", "2"], "--asap excludes"),
])
def test_errors_are_one_line_with_exit_2(recording: Path, args: list[str], message: str, capsys) -> None:
    assert run([str(recording), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("farside: error: ") and message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_missing_file_and_untimed_file(tmp_path: Path, capsys) -> None:
    assert run([str(tmp_path / "missing.bin"), "--to", "udp://127.0.0.1:9"]) == 2
    assert capsys.readouterr().err.startswith("farside: error: cannot read")
    path = write(tmp_path / "tcs.bin", [tc(0)])
    assert run([str(path), "--to", "udp://127.0.0.1:9"]) == 2
    assert "--rate" in capsys.readouterr().err


def test_bad_option_values_are_usage_errors(recording: Path, capsys) -> None:
    assert run([str(recording), "--to", "udp://127.0.0.1:9", "--apid", "zz"]) == 2
    assert run([str(recording), "--to", "udp://127.0.0.1:9", "--speed", "0"]) == 2
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("form", ["{}", "file:{}"])
def test_replay_into_its_own_file_is_refused_and_the_file_kept(recording: Path, form: str, capsys) -> None:
    before = recording.read_bytes()
    assert run([str(recording), "--to", form.format(recording), "--asap"]) == 2
    assert "writing it would destroy it" in capsys.readouterr().err
    assert recording.read_bytes() == before
