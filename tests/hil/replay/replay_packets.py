"""Helpers for the replay tests: TM/TC packets, packet files and a loopback UDP receiver that stops by itself."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from protocols.dictionary import default_dictionary
from protocols.pus import PusTc, PusTm

T0_NS = 2_100_000_000 * 1_000_000_000
SAMPLER_APID = default_dictionary().device("sampler").apid
ASCENDER_APID = default_dictionary().device("ascender").apid


def tm(seq: int, time_ns: int, apid: int = SAMPLER_APID, size: int = 16) -> bytes:
    """A TM packet with a recognisable body."""
    return PusTm(apid, 3, 25, bytes([seq & 0xFF]) * size, seq & 0x3FFF, 0, time_ns).pack()


def tc(seq: int, apid: int = SAMPLER_APID) -> bytes:
    """A TC packet (no time field)."""
    return PusTc(apid, 17, 1, b"", seq & 0x3FFF).pack()


def write(path: Path, packets: Sequence[bytes]) -> Path:
    """Write a plain stream of concatenated packets."""
    path.write_bytes(b"".join(packets))
    return path


class UdpReceiver:
    """Receives datagrams on 127.0.0.1, stamping each with time.monotonic_ns, until ``count`` or ``idle_s``."""

    def __init__(self, count: int, idle_s: float = 2.0) -> None:
        self.count = count
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(idle_s)
        self.items: list[tuple[int, bytes]] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        """Where to send."""
        return f"udp://127.0.0.1:{self.sock.getsockname()[1]}"

    def _run(self) -> None:
        while len(self.items) < self.count:
            try:
                data = self.sock.recv(70_000)
            except OSError:
                return
            self.items.append((time.monotonic_ns(), data))

    def wait(self, timeout_s: float = 10.0) -> list[tuple[int, bytes]]:
        """Wait for the thread to stop (count reached or idle), then close; the received items."""
        self.thread.join(timeout_s)
        self.sock.close()
        return self.items

    @property
    def packets(self) -> list[bytes]:
        """The datagrams received so far."""
        return [data for _, data in self.items]
