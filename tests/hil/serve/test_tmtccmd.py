"""tmtccmd, a real ground-software package, pings devices and reads housekeeping through `farside serve`.

tmtccmd 8.2.0 pins spacepackets 0.28, farside's tests use 0.32: it gets a virtual environment of its own, made
once in the pytest cache (``.pytest_cache/d/tmtccmd-8.2.0``) and reused (made per session without the cache
plugin). Its client script uses tmtccmd's own com interfaces: the serial COBS one on the pty `farside serve`
prints, and the UDP one against a link in raw framing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hil.recording.reader import read_recording
from hil.records import PacketRecord
from protocols.dictionary import default_dictionary
from protocols.dictionary.model import Device
from protocols.pus import PusTm

TMTCCMD = "tmtccmd==8.2.0"
"""The pinned version the client script is written against."""
CLIENT = Path(__file__).with_name("tmtccmd_client.py")
CLIENT_TIMEOUT_S = 60.0
BENCH = """
[scenario]
name = "tmtccmd"

[bench.nodes]
fsw = "pty://"                          # tmtccmd is the flight computer's ground-software side here

[bench.expose]
ascender = "udp://127.0.0.1:0?listen"   # tmtccmd's UdpClient: one packet per datagram

[bench.links.sampler]
framing = "cobs"                        # tmtccmd's SerialCobsComIF

[bench.links.ascender]
framing = "raw"
"""
LINKS = {"serial": "sampler", "udp": "ascender"}
"""The tmtccmd com interface each device is reached with."""
SID = "platform"
DICTIONARY = default_dictionary()


def _has_tmtccmd(python: Path) -> bool:
    """True when ``python`` imports the pinned tmtccmd."""
    if not python.exists():
        return False
    version = TMTCCMD.split("==")[1]
    check = subprocess.run([str(python), "-c", f"import importlib.metadata as m; "
                            f"assert m.version('tmtccmd') == {version!r}; import tmtccmd.com.serial_cobs"],
                           capture_output=True, timeout=120)
    return check.returncode == 0


@pytest.fixture(scope="session")
def tmtccmd_python(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a virtual environment holding the pinned tmtccmd: made once, reused; fails loudly if pip cannot."""
    name = TMTCCMD.replace("==", "-")
    cache = getattr(request.config, "cache", None)  # absent under -p no:cacheprovider: a venv for this session only
    home = Path(cache.mkdir(name)) if cache is not None else tmp_path_factory.mktemp(name)
    python = home / "bin" / "python"
    if _has_tmtccmd(python):
        return python
    steps = [[sys.executable, "-m", "venv", "--clear", str(home)],
             [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", TMTCCMD]]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            pytest.fail(f"cannot install {TMTCCMD} for the tmtccmd interop test: {' '.join(step)} exited "
                        f"{done.returncode}: {done.stderr.strip() or done.stdout.strip()}", pytrace=False)
    if not _has_tmtccmd(python):
        pytest.fail(f"{TMTCCMD} installed in {home} but does not import", pytrace=False)
    return python


def run_client(python: Path, kind: str, endpoint: str) -> dict[str, Any]:
    """Run the tmtccmd client against ``endpoint``; what it sent and received."""
    device = DICTIONARY.device(LINKS[kind])
    _, hk_data = device.encode_command("hk-now", {"sid": SID})
    command = [str(python), str(CLIENT), kind, endpoint, "--apid", hex(device.apid), "--hk-data", hk_data.hex(),
               "--sid", str(device.hk_set(SID).sid), "--timeout", "20"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=CLIENT_TIMEOUT_S)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def check_ping(result: dict[str, Any], device: Device) -> None:
    """tmtccmd's TC[17,1] was accepted, started and completed, and answered with TM[17,2]."""
    assert result["pinged"], result
    received = result["received"]
    assert not [p for p in received if "error" in p]  # spacepackets reads every packet, CRC included
    assert {p["apid"] for p in received} == {device.apid}
    ping = [(p["service"], p["subtype"]) for p in received if p["source_data"].startswith(result["ping_request"])]
    assert ping == [(1, 1), (1, 3), (1, 7)]  # the verification reports name tmtccmd's TC
    assert (17, 2) in [(p["service"], p["subtype"]) for p in received]
    assert received[0]["service"] == 1  # the first frame is read: nothing before the first reply was lost


def check_housekeeping(result: dict[str, Any], device: Device, sent: dict[bytes, PacketRecord]) -> None:
    """tmtccmd's TC[3,27] got its TM[3,25], which spacepackets and farside read alike, as the device sent it."""
    sid = device.hk_set(SID).sid
    assert result["reported"], result
    verification = [(p["service"], p["subtype"]) for p in result["received"]
                    if p["source_data"].startswith(result["hk_request"])]
    assert verification == [(1, 1), (1, 3), (1, 7)]
    reports = [p for p in result["received"] if (p["service"], p["subtype"]) == (3, 25)
               and int(p["source_data"][:4], 16) == sid]
    assert reports
    for report in reports:
        raw = bytes.fromhex(report["hex"])
        assert raw in sent  # octet for octet what the device model put on its link
        ours = PusTm.unpack(raw)
        assert (ours.apid, ours.service, ours.subtype, ours.seq_count) == \
               (report["apid"], report["service"], report["subtype"], report["seq_count"])
        assert ours.app_data.hex() == report["source_data"]
        decoded = device.decode_hk_packet(raw)
        assert decoded.sid == sid
        assert decoded.values == device.decode_hk(bytes.fromhex(report["source_data"]))[1]
        assert len(decoded.values) == len(device.hk_set(SID).parameters)


@pytest.mark.parametrize("kind", sorted(LINKS))
def test_tmtccmd_pings_a_device_and_reads_its_housekeeping(serve: Any, tmtccmd_python: Path, tmp_path: Path,
                                                           kind: str) -> None:
    bench = tmp_path / "bench.toml"
    bench.write_text(BENCH)
    recording = tmp_path / "session.pcapng"
    device = DICTIONARY.device(LINKS[kind])
    served = serve(str(bench), "--quiet", "--speed", "4", "--record", str(recording))
    result = run_client(tmtccmd_python, kind, served.endpoints[device.name])
    code, _, err = served.terminate()
    assert code == 0, err
    records = read_recording(recording).records
    check_ping(result, device)
    check_housekeeping(result, device, {r.packet: r for r in records
                                        if r.link == device.name and r.direction == "b>a"})
    arrived = [r.packet for r in records if r.link == device.name and r.direction == "a>b"]
    assert arrived == [bytes.fromhex(tc) for tc in result["sent"]]  # each TC arrived once, none lost or doubled
