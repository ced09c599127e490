"""A separate flight-software process on farside's ptys: pings every device, drills, reads reports and housekeeping."""

from __future__ import annotations

import itertools
import re
import signal

from serial_fsw import SerialFlightSoftware

from hil.recording.reader import read_recording
from protocols.dictionary import default_dictionary

DICTIONARY = default_dictionary()
SAMPLER = DICTIONARY.device("sampler")
DEVICES = ("sampler", "ascender", "relay")


def drill_values(fsw: SerialFlightSoftware, since: int = 0) -> list[dict[str, object]]:
    """Every drill housekeeping report from the sampler so far, as engineering values by parameter."""
    names = SAMPLER.hk_set("drill").parameters
    reports = []
    for item in fsw.received["sampler"][since:]:
        if item.service == (3, 25) and SAMPLER.hk_set(int.from_bytes(item.packet[19:21], "big")).name == "drill":
            reports.append(dict(zip(names, SAMPLER.decode_hk_packet(item.packet).values, strict=True)))
    return reports


def test_flight_software_process_pings_drills_and_reads_housekeeping(serve, commands, tmp_path) -> None:
    recording = tmp_path / "serve.pcapng"
    served = serve("--speed", "20", "--seed", "7", "--record", str(recording))
    assert set(DEVICES) <= set(served.endpoints)
    assert all(served.endpoints[d].startswith("/dev/pts/") for d in DEVICES)
    fsw = SerialFlightSoftware({d: served.endpoints[d] for d in DEVICES})
    try:
        for device in DEVICES:
            ping = commands(device, "ping")
            fsw.command(device, ping)
            reply = fsw.wait_for(device, (17, 2))
            assert int.from_bytes(reply.packet[:2], "big") & 0x7FF == DICTIONARY.device(device).apid
        fsw.command("sampler", commands("sampler", "mode-set", mode="operate"))
        fsw.command("sampler", commands("sampler", "hk-interval", sid="drill", interval=1000))
        started = len(fsw.received["sampler"])
        drill = commands("sampler", "drill-start", target_depth=0.1, rotation_rate=120, percussion="off",
                         feed_rate=200)
        fsw.command("sampler", drill, timeout=30)
        fsw.command("sampler", commands("sampler", "drill-retract", retract_rate=500), timeout=30)
        fsw.poll(0.3)
        reports = drill_values(fsw, started)
        assert len(reports) >= 5
        deepest = max(float(r["drill_depth"]) for r in reports)
        assert 0.09 <= deepest <= 0.11
        assert "drilling" in {r["drill_state"] for r in reports}
        assert float(reports[-1]["drill_depth"]) < deepest
        assert fsw.readers["sampler"].crc_errors == 0
    finally:
        fsw.close()
    code, _out, err = served.terminate()
    assert code == 0, err
    assert "terminated (SIGTERM)" in err
    status = re.findall(r"sampler (?:up|DOWN) in (\d+) out (\d+) drop \d+ err (\d+)", err)
    assert status, err
    packets_in, packets_out, errors = status[-1]  # the final status line
    assert int(packets_in) == 5 and int(packets_out) > 20 and errors == "0"
    recorded = read_recording(recording)
    assert recorded.problems == []
    assert recorded.header["mode"] == "serve" and recorded.header["seed"] == 7 and recorded.header["speed"] == 20.0
    packets = recorded.records
    assert any(r.link == "sampler" and r.packet[7:9] == bytes([17, 2]) for r in packets)
    assert all(r.wall_ns is not None for r in packets)
    assert all(a.wall_ns <= b.wall_ns for a, b in itertools.pairwise(packets))


def test_reader_closing_its_pty_is_reported_and_reopening_resumes(serve, commands) -> None:
    served = serve("--speed", "5", "--quiet")
    path = served.endpoints["sampler"]
    first = SerialFlightSoftware({"sampler": path})
    first.command("sampler", commands("sampler", "ping"))
    first.close()
    served.wait_for_stderr("sampler down")
    second = SerialFlightSoftware({"sampler": path})
    try:
        second.command("sampler", commands("sampler", "ping"))
    finally:
        second.close()
    code, _, err = served.stop(signal.SIGINT)
    assert code == 0, err
    assert "sampler up" in err.split("sampler down", 1)[1]
    assert "interrupted (Ctrl-C)" in err


def test_port_that_cannot_be_opened_exits_2_with_a_clear_message(tmp_path) -> None:
    import subprocess
    import sys

    bench = tmp_path / "bench.toml"
    bench.write_text('[scenario]\nname = "bad"\n[bench.nodes]\nsampler = "/dev/ttyDOESNOTEXIST0"\n')
    done = subprocess.run([sys.executable, "-m", "hil.cli", "serve", str(bench)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    assert "sampler" in done.stderr and "/dev/ttyDOESNOTEXIST0" in done.stderr
    assert "Traceback" not in done.stderr
