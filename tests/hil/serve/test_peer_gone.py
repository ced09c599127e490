"""A reader that leaves mid-frame: the half frame it left is dropped, so the next reader's first command is answered."""

from __future__ import annotations

import os
import select
import socket
import struct
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from serial_fsw import ASM, SerialFlightSoftware

from protocols.dictionary import default_dictionary
from protocols.pus import PusTc

if TYPE_CHECKING:
    from hil.serve.pacing import WallClockIo

SAMPLER = default_dictionary().device("sampler")
HANDED_OVER_S = 0.5
"""How long the half frame stays on the line before its writer leaves: farside serve, another process, reads it."""
RESET_WAIT_S = 5.0
RESET_ON_CLOSE = struct.pack("ii", 1, 0)
"""SO_LINGER on, 0 s: closing the client sends a reset, so the bench's next write fails."""


def half_frame() -> bytes:
    """ASM and the first 40 octets of a 230-octet sampler TC: the bench waits for 190 octets that never come."""
    packet = PusTc(SAMPLER.apid, 8, 1, bytes(200), 0, 1, 0xF).pack()
    return ASM + packet[:40]


def test_next_reader_gets_an_answer_after_a_reader_left_mid_frame(serve, commands) -> None:
    served = serve("--speed", "5", "--quiet")
    path = served.endpoints["sampler"]
    leaving = os.open(path, os.O_RDWR | os.O_NOCTTY)
    try:
        os.write(leaving, half_frame())
        time.sleep(HANDED_OVER_S)  # another process reads the pty: there is no virtual time to wait on here
    finally:
        os.close(leaving)
    served.wait_for_stderr("sampler down")
    fsw = SerialFlightSoftware({"sampler": path})
    try:
        ping = commands("sampler", "ping")
        fsw.send("sampler", ping)
        fsw.wait_for("sampler", (17, 2), timeout=5.0)
    finally:
        fsw.close()
    code, _, err = served.terminate()
    assert code == 0, err


class Boundary:
    """A bench boundary with an ASM deframer that drops a half frame when told its peer is gone."""

    def __init__(self) -> None:
        from protocols.framing import make_framing

        self.deframer = make_framing("asm")[1]
        self.packets: list[bytes] = []
        self.log: list[str] = []

    def inject(self, octets: bytes) -> None:
        """Octets from the port: deframe them."""
        self.log.append("octets")
        self.packets += self.deframer.feed(octets).packets

    def expire(self) -> None:
        """The reader left: give up the frame it was sending."""
        self.log.append("gone")
        self.packets += self.deframer.expire().packets


def watched_port(url: str) -> tuple[WallClockIo, Any, Boundary, Callable[[Callable[[], bool]], None]]:
    """The sampler's port at ``url`` watched by a started pacing, its boundary, and ``bench_loop``'s run_until."""
    from hil.schemes import open_port
    from hil.serve.pacing import WallClockIo

    pacing = WallClockIo(retry_s=0.02)
    port = open_port(url, "sampler")
    boundary = Boundary()
    pacing.watch(port, boundary.inject, boundary.expire)
    pacing.start(0)
    return pacing, port, boundary, bench_loop(pacing, boundary)


def bench_loop(pacing: WallClockIo, boundary: Boundary) -> Callable[[Callable[[], bool]], None]:
    """``run_until(condition)``: the pacing's waits of 20 ms each, input dispatched, until ``condition()`` holds."""

    def run_until(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not condition():
            assert time.monotonic() < deadline, f"gave up waiting; boundary saw {boundary.log}"
            if pacing.wait_until(pacing.virtual_now() + 20_000_000) is not None:
                pacing.dispatch()

    return run_until


def test_pacing_tells_the_boundary_after_the_last_octets_of_a_reader_that_left(commands) -> None:
    pacing, port, boundary, run_until = watched_port("pty://")

    try:
        leaving = os.open(port.endpoint, os.O_RDWR | os.O_NOCTTY)
        os.write(leaving, half_frame())
        run_until(lambda: "octets" in boundary.log)
        os.close(leaving)
        run_until(lambda: "gone" in boundary.log)
        assert boundary.log[-1] == "gone" and set(boundary.log[:-1]) == {"octets"} and not port.up
        coming = os.open(port.endpoint, os.O_RDWR | os.O_NOCTTY)
        try:
            ping = commands("sampler", "ping")
            os.write(coming, ASM + ping)
            run_until(lambda: boundary.packets == [ping])
        finally:
            os.close(coming)
    finally:
        port.close()
        pacing.close()


def test_a_port_that_closed_its_fd_on_a_failed_write_is_not_waited_on_and_takes_its_next_client() -> None:
    pacing, port, boundary, run_until = watched_port("tcp://127.0.0.1:0?listen")
    host, number = port.endpoint.rsplit(":", 1)
    try:
        client = socket.create_connection((host, int(number)))
        run_until(lambda: port.up)
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, RESET_ON_CLOSE)
        client.close()
        assert select.select([port.fileno()], [], [], RESET_WAIT_S)[0], "the reset never arrived"
        assert not port.write(b"housekeeping") and not port.up, "a write after the reset takes the port down"
        successor = socket.create_connection((host, int(number)))  # the bench waits next: on the listener only
        try:
            successor.sendall(b"ping")
            run_until(lambda: "octets" in boundary.log)
        finally:
            successor.close()
        assert boundary.log == ["gone", "octets"] and port.stats.disconnects == 1 and port.stats.connects == 2
    finally:
        port.close()
        pacing.close()
