"""A tmtccmd ground script, run with the tmtccmd virtual environment's python: ping a device, ask for housekeeping.

It talks through tmtccmd's own com interfaces (``SerialCobsComIF`` on a serial port or pty, ``UdpClient`` to a UDP
address) and builds every telecommand with spacepackets' ``PusTc``; it knows nothing of farside. It prints one JSON
object: the telecommands it sent (hex) and every telemetry packet it received, as spacepackets read it.

    python tmtccmd_client.py serial /dev/pts/7 --apid 0x110 --hk-data 0101 --sid 1
    python tmtccmd_client.py udp 127.0.0.1:40000 --apid 0x120 --hk-data 0101 --sid 1
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from spacepackets.ecss.tc import PusTc
from spacepackets.ecss.tm import PusTm
from tmtccmd.com import ComInterface
from tmtccmd.com.serial_base import SerialCfg
from tmtccmd.com.serial_cobs import SerialCobsComIF
from tmtccmd.com.tcpip_utils import EthAddr
from tmtccmd.com.udp import UdpClient

TIMESTAMP_LEN = 6
"""The PUS TM time field the device uses: CUC, 4 coarse and 2 fine octets, no P-field."""
POLL_S = 0.05


def open_com(kind: str, where: str) -> ComInterface:
    """tmtccmd's serial COBS interface on a port, or its UDP client to HOST:PORT, opened."""
    if kind == "serial":
        com: ComInterface = SerialCobsComIF(SerialCfg(com_if_id="cobs", serial_port=where, baud_rate=115200,
                                                      serial_timeout=0.1))
    else:
        host, port = where.rsplit(":", 1)
        com = UdpClient("udp", EthAddr(host, int(port)))
    com.open()
    return com


def describe(raw: bytes) -> dict[str, Any]:
    """What spacepackets reads in one telemetry packet (``error`` when it cannot)."""
    try:
        tm = PusTm.unpack(raw, TIMESTAMP_LEN)
    except Exception as exc:  # anything spacepackets refuses is reported, not fatal
        return {"hex": raw.hex(), "error": f"{type(exc).__name__}: {exc}"}
    return {"hex": raw.hex(), "apid": tm.apid, "service": tm.service, "subtype": tm.subservice,
            "seq_count": tm.seq_count, "source_data": tm.source_data.hex()}


class Session:
    """Sends telecommands and collects every packet that comes back."""

    def __init__(self, com: ComInterface, apid: int) -> None:
        self.com = com
        self.apid = apid
        self.seq = 0
        self.sent: list[str] = []
        self.received: list[dict[str, Any]] = []

    def send(self, service: int, subtype: int, app_data: bytes = b"") -> bytes:
        """One telecommand built by spacepackets, all acknowledgements asked for."""
        tc = PusTc(service=service, subservice=subtype, apid=self.apid, app_data=app_data, seq_count=self.seq)
        self.seq += 1
        raw = tc.pack()
        self.com.send(raw)
        self.sent.append(raw.hex())
        return raw

    def wait_for(self, found: Any, timeout: float) -> bool:
        """Collect packets until ``found(received)`` holds or ``timeout`` s pass."""
        deadline = time.monotonic() + timeout
        while not found(self.received):
            if time.monotonic() > deadline:
                return False
            for raw in self.com.receive(POLL_S) if isinstance(self.com, UdpClient) else self.com.receive():
                self.received.append(describe(bytes(raw)))
            time.sleep(POLL_S)
        return True


def has(service: int, subtype: int, data_prefix: str = "") -> Any:
    """A predicate: a packet of this type whose source data starts with ``data_prefix`` was received."""
    return lambda received: any(p.get("service") == service and p.get("subtype") == subtype
                                and p.get("source_data", "").startswith(data_prefix) for p in received)


def main() -> int:
    """Ping, then one-shot housekeeping; print what came back as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=["serial", "udp"])
    parser.add_argument("where", help="serial port path, or HOST:PORT")
    parser.add_argument("--apid", type=lambda text: int(text, 0), required=True)
    parser.add_argument("--hk-data", required=True, help="application data of TC[3,27] (hex)")
    parser.add_argument("--sid", type=int, required=True, help="the housekeeping set asked for")
    parser.add_argument("--timeout", type=float, default=20.0)
    args = parser.parse_args()
    com = open_com(args.kind, args.where)
    session = Session(com, args.apid)
    try:
        ping = session.send(17, 1)
        pinged = session.wait_for(has(17, 2), args.timeout)
        hk = session.send(3, 27, bytes.fromhex(args.hk_data))
        request = hk[:4].hex()
        reported = session.wait_for(lambda r: has(1, 7, request)(r) and has(3, 25, f"{args.sid:04x}")(r),
                                    args.timeout)
    finally:
        com.close()
    json.dump({"sent": session.sent, "ping_request": ping[:4].hex(), "hk_request": request, "pinged": pinged,
               "reported": reported, "received": session.received}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
