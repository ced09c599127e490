"""`farside serve` with a ``replay://`` device node: the recording plays to a real flight computer on its pty."""

from __future__ import annotations

import time
from pathlib import Path

from serial_fsw import SerialFlightSoftware

from hil.cli import main
from hil.recording.reader import read_recording


def test_serve_plays_a_recorded_sampler_to_flight_software_and_answers_nothing(serve, commands,
                                                                               tmp_path: Path) -> None:
    original = tmp_path / "original.toml"
    original.write_text('[scenario]\nname = "original"\nseed = 5\nduration = "T+2m"\n')
    recording = tmp_path / "original.pcapng"
    assert main(["run", str(original), "--quiet", "--record", str(recording)]) == 0
    recorded = [r.packet for r in read_recording(recording).records if r.link == "sampler" and r.direction == "b>a"]
    bench = tmp_path / "replayed.toml"
    bench.write_text(f'[scenario]\nname = "replayed"\n[bench.nodes]\nsampler = "replay://{recording}"\n')
    served = serve(str(bench), "--speed", "20", "--quiet", "--wake-latency", "off")
    fsw = SerialFlightSoftware({"sampler": served.endpoints["sampler"]})
    try:
        fsw.send("sampler", commands("sampler", "ping"))
        ping = commands("sampler", "ping")
        fsw.send("sampler", ping[:-1] + bytes([ping[-1] ^ 0xFF]))  # a bad CRC: the link refuses it
        deadline = time.monotonic() + 20
        while len(fsw.received["sampler"]) < 12 and time.monotonic() < deadline:
            fsw.poll(0.2)
    finally:
        fsw.close()
    code, _out, err = served.terminate()
    assert code == 0, err
    played = [item.packet for item in fsw.received["sampler"]]
    assert len(played) >= 12
    first = recorded.index(played[0])  # what was sent before the pty was opened is not there to read
    assert played == recorded[first:first + len(played)]  # the recording, octet for octet, and no replies
