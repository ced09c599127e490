"""A ground system in another process on loopback: CADUs from `farside serve --ground udp://…`, a CLTU back."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

GROUND = Path(__file__).with_name("ground_system.py")


def test_an_outside_ground_system_reads_cadus_and_commands_the_sampler(serve, tmp_path: Path) -> None:
    endpoints, result = tmp_path / "endpoints.json", tmp_path / "ground.json"
    ground = subprocess.Popen([sys.executable, str(GROUND), str(endpoints), str(result)], stdout=subprocess.PIPE,
                              text=True)
    assert ground.stdout is not None
    port = int(ground.stdout.readline())
    served = serve("--ground", f"udp://127.0.0.1:{port}", "--relay", "always", "--speed", "5", "--quiet")
    assert ground.wait(timeout=90) == 0
    code, _, err = served.terminate()
    assert code == 0, err
    assert "space link (frames)" in err and "1 TCs delivered" in err
    link_keys = {"ground", "ground_tc", "spacecraft_id", "tm_frame_length", "randomized", "virtual_channels"}
    assert link_keys <= set(served.endpoints)
    seen = json.loads(result.read_text())
    assert seen["cadus"] > 0 and seen["fecf_errors"] == 0
    assert {0x110, 0x120, 0x130} <= set(seen["apids"])
    assert seen["ping_reply"] and seen["completed"]


KEY = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"


def test_an_outside_ground_system_commands_the_lander_through_a_secured_link(serve, tmp_path: Path) -> None:
    """The same outside process secures its TC with SDLS from the endpoints file and the key file alone."""
    keys = tmp_path / "keys.toml"
    keys.write_text(f'[[association]]\nspi = 7\nvcid = 0\nservice = "auth-enc"\nkey = "{KEY}"\narsn_length = 2\n')
    keys.chmod(0o600)
    bench = tmp_path / "bench.toml"
    bench.write_text('[scenario]\nname = "secured ground"\n\n[bench.security]\nkeys = "keys.toml"\n')
    endpoints, result = tmp_path / "endpoints.json", tmp_path / "ground.json"
    ground = subprocess.Popen([sys.executable, str(GROUND), str(endpoints), str(result), str(keys)],
                              stdout=subprocess.PIPE, text=True)
    assert ground.stdout is not None
    port = int(ground.stdout.readline())
    served = serve(str(bench), "--ground", f"udp://127.0.0.1:{port}", "--relay", "always", "--speed", "5",
                   "--quiet")
    assert ground.wait(timeout=90) == 0
    code, _, err = served.terminate()
    assert code == 0, err
    assert "1 TCs delivered" in err and KEY not in err
    sdls = served.endpoints["tc"]["sdls"]
    assert sdls["associations"][0]["spi"] == 7 and KEY not in json.dumps(served.endpoints)
    seen = json.loads(result.read_text())
    assert seen["ping_reply"] and seen["completed"]
