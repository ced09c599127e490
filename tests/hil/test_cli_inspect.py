"""`farside inspect`: headers, PUS fields, named engineering values and the CRC verdict, as text or JSON."""

import json
from pathlib import Path

import pytest

from hil.cli import main
from protocols.dictionary import default_dictionary
from protocols.framing import AsmFramer
from protocols.pus import PusTc, PusTm
from protocols.services import verification
from protocols.timecode import NS_PER_S

SAMPLER = default_dictionary().device("sampler")
HK = SAMPLER.housekeeping[0]


def _hk_packet(seq: int = 1) -> bytes:
    values = []
    for name in HK.parameters:
        p = SAMPLER.parameter(name)
        values.append(next(iter(p.enum)) if p.enum else 1)
    return PusTm(SAMPLER.apid, 3, 25, SAMPLER.encode_hk(HK.sid, values), seq, 0, 2_100_000_000 * NS_PER_S).pack()


def _json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_json_has_the_promised_keys(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", _hk_packet().hex(), "--json"]) == 0
    (view,) = _json_lines(capsys.readouterr().out)
    assert {"type", "apid", "seq_count", "service", "subtype", "crc_ok", "device", "time", "fields"} <= set(view)
    assert (view["type"], view["device"], view["service"], view["subtype"], view["crc_ok"]) == (
        "TM", "sampler", 3, 25, True)
    assert view["time"] == 2_100_000_000.0
    assert list(view["fields"]) == list(HK.parameters)


def test_telecommand_arguments_are_named(capsys: pytest.CaptureFixture[str]) -> None:
    raw = PusTc(SAMPLER.apid, 17, 1, seq_count=3).pack()
    assert main(["inspect", raw.hex(" "), "--json"]) == 0
    (view,) = _json_lines(capsys.readouterr().out)
    assert (view["type"], view["name"], view["seq_count"], view["time"]) == ("TC", "ping", 3, None)


def test_bad_crc_is_a_verdict_not_a_failure(capsys: pytest.CaptureFixture[str]) -> None:
    raw = bytearray(_hk_packet())
    raw[-1] ^= 0xFF
    assert main(["inspect", bytes(raw).hex(), "--json"]) == 0
    (view,) = _json_lines(capsys.readouterr().out)
    assert view["crc_ok"] is False and view["device"] == "sampler"


def test_verification_report_names_the_request(capsys: pytest.CaptureFixture[str]) -> None:
    request = PusTc(SAMPLER.apid, 8, 1, seq_count=41).request_id
    data = verification.encode_failure(request, verification.FailureCode.INVALID_STATE)
    raw = PusTm(SAMPLER.apid, 1, verification.START_FAIL, data, 2).pack()
    assert main(["inspect", raw.hex()]) == 0
    out = capsys.readouterr().out
    assert "start-failed" in out and "INVALID_STATE" in out and "request_seq_count = 41" in out


def test_text_output_shows_units_and_utc_time(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", _hk_packet().hex()]) == 0
    out = capsys.readouterr().out
    assert "crc=ok" in out and "2024-" in out
    unit = next(SAMPLER.parameter(p).unit for p in HK.parameters if SAMPLER.parameter(p).unit)
    assert f" {unit}" in out


def test_file_of_packets_raw_and_asm_framed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    packets = [_hk_packet(i) for i in range(5)]
    raw_file = tmp_path / "stream.bin"
    raw_file.write_bytes(b"".join(packets))
    assert main(["inspect", "--file", str(raw_file), "--json"]) == 0
    assert [v["seq_count"] for v in _json_lines(capsys.readouterr().out)] == [0, 1, 2, 3, 4]
    framed = tmp_path / "framed.bin"
    framed.write_bytes(b"\x00garbage" + b"".join(AsmFramer().frame(p) for p in packets))
    assert main(["inspect", "--file", str(framed), "--framing", "asm", "--json"]) == 2
    captured = capsys.readouterr()
    assert len(_json_lines(captured.out)) == 5 and "skipped" in captured.err


@pytest.mark.parametrize("argv,fragment", [
    (["inspect", "zz"], "not hexadecimal"),
    (["inspect", "1801"], "no packet decoded"),
    (["inspect", "e0" * 20], "no packet decoded"),
    (["inspect", "1910c00000002f"], "need 11 octets, have 7: service/subtype/source_id missing"),
    (["inspect", "--file", "/nonexistent/x.bin"], "cannot read"),
    (["inspect"], "HEX"),
])
def test_undecodable_input_is_one_line_and_exit_2(argv: list[str], fragment: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err


def test_truncated_tail_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stream = tmp_path / "cut.bin"
    stream.write_bytes(_hk_packet(0) + _hk_packet(1)[:-3])
    assert main(["inspect", "--file", str(stream), "--json"]) == 2
    captured = capsys.readouterr()
    assert len(_json_lines(captured.out)) == 1 and "announces" in captured.err


def _recorded(path: Path, packets: list[bytes]) -> Path:
    from hil.recording.writer import Recorder

    with Recorder().open(path, {"seed": 3}) as recorder:
        for index, packet in enumerate(packets):
            recorder.tap(index * NS_PER_S, "sampler" if index % 2 else "relay", "b>a", packet)
    return path


def test_file_that_is_a_recording_shows_its_packets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    packets = [_hk_packet(i) for i in range(6)]
    assert main(["inspect", "--file", str(_recorded(tmp_path / "run.pcapng", packets)), "--json"]) == 0
    views = _json_lines(capsys.readouterr().out)
    assert [v["seq_count"] for v in views] == list(range(6)) and {v["device"] for v in views} == {"sampler"}
    assert [v["link"] for v in views[:2]] == ["relay", "sampler"] and views[3]["record_time_ns"] == 3 * NS_PER_S
    assert main(["inspect", "--file", str(tmp_path / "run.pcapng")]) == 0
    assert "link = relay b>a at 0.000000 s since T0" in capsys.readouterr().out


def test_file_that_is_a_damaged_recording_shows_the_rest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _recorded(tmp_path / "run.pcapng", [_hk_packet(i) for i in range(6)])
    data = bytearray(path.read_bytes())
    third = data.index(_hk_packet(2)) - 44  # the packet block holding packet 2 (28 octets and 16 of tags before it)
    data[third + 4] ^= 0x04
    path.write_bytes(bytes(data))
    assert main(["inspect", "--file", str(path), "--json"]) == 2
    captured = capsys.readouterr()
    assert [v["seq_count"] for v in _json_lines(captured.out)] == [0, 1, 3, 4, 5]
    assert f"offset {third}" in captured.err and "1 damaged range" in captured.err


def _nan_packet() -> bytes:
    arm = SAMPLER.hk_set("arm")
    values = [next(iter(SAMPLER.parameter(p).enum)) if SAMPLER.parameter(p).enum else 0 for p in arm.parameters]
    values[arm.parameters.index("arm_reach")] = float("nan")
    return SAMPLER.hk_codec("arm").encode(values, 1, 1, 2_100_000_000 * NS_PER_S)


def _strict(line: str) -> dict:
    def refuse(constant: str) -> None:
        raise ValueError(f"bare {constant} is not JSON")
    return json.loads(line, parse_constant=refuse)


def test_json_never_writes_a_bare_nan(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", _nan_packet().hex(), "--json"]) == 0
    view = _strict(capsys.readouterr().out)
    assert view["fields"]["arm_reach"] is None and view["device"] == "sampler"
