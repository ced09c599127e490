"""``emu://DEVICE`` from plain pyserial code: an emulated device opened in-process with no farside API."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import serial
from serial_fsw import AsmReader

import hil.emu
from firmware_sim.scenario.model import BenchSettings, Scenario
from hil.emu.bench import EMU_URL
from hil.emu.socketpair_port import SocketPairPort
from hil.serve.session import ServeSession
from protocols.pus import PusTc

ASM = bytes.fromhex("1ACFFC1D")
SAMPLER_APID = 0x110
ROUNDS = 1000
"""Opens and closes of a port while the bench runs flat out: each one a chance for the client to leave while the
bench is between reading its ports' fds and waiting on them."""
BENCHES = 20
"""Benches started and stopped by a first open and a last close."""
JOIN_S = 10.0


class Inbox:
    """Packets read off a pyserial port, taken out in order by what they are."""

    def __init__(self, port: serial.SerialBase) -> None:
        self.port = port
        self.reader = AsmReader()
        self.packets: list[bytes] = []

    def take(self, service: tuple[int, int], limit: int = 50) -> bytes:
        """The first unread packet of ``service``, reading more (``limit`` reads of the port's timeout) if needed."""
        for _ in range(limit):
            for index, packet in enumerate(self.packets):
                if (packet[7], packet[8]) == service:
                    return self.packets.pop(index)
            self.packets += self.reader.feed(self.port.read(256))
        raise AssertionError(f"no TM{list(service)}")


@pytest.fixture
def emu_registered():
    """Register the handler for one test and forget it afterwards."""
    hil.emu.register()
    yield
    hil.emu.unregister()


@pytest.fixture
def thread_errors(monkeypatch) -> Iterator[list[BaseException]]:
    """What escaped any thread during the test (the bench's loop thread included), for the test to assert on."""
    escaped: list[BaseException] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: escaped.append(args.exc_value))
    yield escaped


def test_pyserial_code_pings_the_emulated_sampler(emu_registered) -> None:
    port = serial.serial_for_url("emu://sampler?speed=10&seed=3", timeout=0.2)
    try:
        inbox = Inbox(port)
        ping = PusTc(SAMPLER_APID, 17, 1, b"", 0, 1, 0xF).pack()
        port.write(ASM + ping)
        assert inbox.take((1, 1))[19:23] == ping[:4]
        assert int.from_bytes(inbox.take((17, 2))[:2], "big") & 0x7FF == SAMPLER_APID
        assert inbox.take((1, 7))[19:23] == ping[:4]
        assert inbox.take((3, 25))  # housekeeping keeps coming as on a real line
    finally:
        port.close()


def test_the_bench_stops_with_its_last_port_and_restarts_on_the_next_open(emu_registered) -> None:
    from hil.emu import bench

    first = serial.serial_for_url("emu://relay", timeout=0.2)
    running = bench._shared
    assert running is not None
    first.close()
    assert bench._shared is None
    second = serial.serial_for_url("emu://ascender?seed=9", timeout=0.2)
    try:
        assert bench._shared is not None and bench._shared is not running and bench._shared.seed == 9
    finally:
        second.close()


def test_bad_emu_urls_name_the_expected_form(emu_registered) -> None:
    with pytest.raises(serial.SerialException, match="emu://DEVICE"):
        serial.serial_for_url("emu://sampler?colour=red")
    with pytest.raises(serial.SerialException, match="no such device"):
        serial.serial_for_url("emu://toaster")


def test_the_handler_is_not_registered_by_importing_farside() -> None:
    import hil.emu.protocol_emu  # noqa: F401

    with pytest.raises(ValueError, match="not known"):
        serial.serial_for_url("emu://sampler")


@pytest.mark.parametrize("speed", ["nan", "inf", "-1", "0", "1e-9", "1001"])
def test_a_speed_outside_what_farside_serve_takes_is_refused_by_serial_for_url(emu_registered, speed: str) -> None:
    from hil.emu import bench

    with pytest.raises(serial.SerialException, match=rf"bad URL 'emu://sampler\?speed={speed}': speed={speed} is "
                                                     rf"outside 0\.01\.\.1000 \(virtual seconds per wall-clock second"):
        serial.serial_for_url(f"emu://sampler?speed={speed}")
    assert bench._shared is None  # no bench thread was started for it


def test_a_second_port_on_one_device_is_refused_and_the_first_keeps_working(emu_registered) -> None:
    first = serial.serial_for_url("emu://sampler?speed=10", timeout=0.2)
    try:
        with pytest.raises(serial.SerialException, match="emu://sampler is already open in this process"):
            serial.serial_for_url("emu://sampler", timeout=0.2)
        inbox = Inbox(first)
        first.write(ASM + PusTc(SAMPLER_APID, 17, 1, b"", 0, 1, 0xF).pack())
        assert inbox.take((17, 2))
        other = serial.serial_for_url("emu://ascender", timeout=0.2)
        first.close()
        again = serial.serial_for_url("emu://sampler", timeout=0.2)  # closing frees the device at once
        again.close()
        other.close()
    finally:
        first.close()


def test_a_port_whose_bench_end_went_away_raises_serial_exceptions(emu_registered) -> None:
    from hil.emu import bench

    port = serial.serial_for_url("emu://sampler", timeout=0.2)
    try:
        assert bench._shared is not None
        bench._shared.stop()  # the bench thread closes its ends of every port as it leaves
        with pytest.raises(serial.SerialException, match="emu:// bench closed the port"):
            port.write(ASM + PusTc(SAMPLER_APID, 17, 1, b"", 0, 1, 0xF).pack())
        with pytest.raises(serial.SerialException, match="emu:// bench closed the port"):
            port.read(10)
    finally:
        port.close()


def test_a_client_leaving_just_before_the_bench_waits_is_a_disconnect_not_a_dead_loop(thread_errors) -> None:
    session = ServeSession(Scenario(name="emu", path="<emu>", bench=BenchSettings(nodes={"fsw": EMU_URL})))
    session.open(opener=SocketPairPort)
    port = session.ports["sampler"]
    client = port.connect()
    left = threading.Event()

    def leave_once() -> None:
        """The loop's chores, after it read its ports' fds and just before it waits on them: the client leaves."""
        if not left.is_set():
            client.close()
            port.release()
            left.set()

    serving = threading.Thread(target=session.serve, kwargs={"tick": leave_once}, name="farside-emu")
    serving.start()
    try:
        assert left.wait(JOIN_S), "the loop never reached its first wait"
    finally:
        session.stop("test over")
        serving.join(JOIN_S)
        session.close()
    assert thread_errors == [] and not serving.is_alive()
    assert session.stop_reason == "test over" and port.stats.disconnects == 1 and port.fileno() is None


def test_opening_and_closing_emu_ports_over_and_over_leaves_every_bench_stopped_cleanly(emu_registered,
                                                                                        thread_errors) -> None:
    from hil.emu import bench

    kept = serial.serial_for_url("emu://ascender?speed=1000", timeout=0.2)
    running = bench._shared
    try:
        for _ in range(ROUNDS):
            serial.serial_for_url("emu://sampler", timeout=0.2).close()
    finally:
        kept.close()
    benches = [running]
    for _ in range(BENCHES):
        port = serial.serial_for_url("emu://sampler?speed=1000", timeout=0.2)
        benches.append(bench._shared)
        port.close()
    assert thread_errors == []
    assert all(not each._thread.is_alive() and each.session.stop_reason == "last emu:// port closed"
               for each in benches)
