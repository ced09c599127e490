"""`farside serve` on the network: a port other machines can reach is announced, strangers' datagrams are refused."""

from __future__ import annotations

import re
import socket

STRANGER = "127.0.0.2"
"""Another loopback address: on Linux the whole of 127.0.0.0/8 reaches this machine, so it plays another host."""


def test_listening_on_every_interface_prints_one_warning(serve) -> None:
    served = serve("--ground", "tcp://0.0.0.0:0?listen", "--quiet", "--speed", "5")
    port = served.endpoints["ground"].rsplit(":", 1)[1]
    served.wait_for_stderr("reachable from other machines")
    code, _, err = served.terminate()
    assert code == 0, err
    warnings = [line for line in err.splitlines() if line.startswith("farside: warning:")]
    assert warnings == [f"farside: warning: ground listens on 0.0.0.0:{port}, reachable from other machines"]


def test_a_ground_on_loopback_hears_only_its_host_and_warns_of_nothing(serve) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as ground, \
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as stranger:
        ground.bind(("127.0.0.1", 0))
        stranger.bind((STRANGER, 0))
        served = serve("--ground", f"udp://127.0.0.1:{ground.getsockname()[1]}", "--speed", "20")
        tc_port = served.endpoints["ground_tc"]
        ground.settimeout(20.0)
        ground.recv(65535)  # the bench is sending CADUs: it is running
        for _ in range(3):
            stranger.sendto(bytes.fromhex("EB90") + bytes(8) + bytes.fromhex("C5C5C5C5C5C5C579"),
                            ("127.0.0.1", tc_port))
        served.wait_for_stderr("refused 3")  # a status line once the bench has read them (at its next wait)
        code, _, err = served.terminate()
    assert code == 0, err
    assert "warning" not in err
    final = re.findall(r"ground (?:up|DOWN) in (\d+) out \d+ drop \d+ err \d+ refused (\d+)", err)
    assert final and final[-1] == ("0", "3"), err
