"""Serial ports: device paths (a test pty behind a symlink plays the board) and pyserial URLs."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from ports_driver import WAIT_S, Bench, fill, read_fd, recv_sock

from hil.errors import TransportError
from hil.schemes import Role, open_port, parse_url
from hil.schemes.serial import DeviceUrl

PAYLOAD = bytes(range(256)) * 4


class Board:
    """The far end of a serial cable: a pty master whose slave is reached through a symlink (like udev's)."""

    def __init__(self, link: Path) -> None:
        self.link = link
        self.master = -1
        self.plug()

    def plug(self) -> None:
        """A fresh pty, and the symlink re-pointed at its slave."""
        self.master, slave = os.openpty()
        target = os.ttyname(slave)
        os.close(slave)
        temporary = self.link.with_name("link.tmp")
        temporary.symlink_to(target)
        temporary.replace(self.link)

    def unplug(self) -> None:
        """Close the master: the slave hangs up and its path vanishes."""
        os.close(self.master)
        self.master = -1

    def close(self) -> None:
        if self.master >= 0:
            self.unplug()


@pytest.fixture
def board(tmp_path: Path) -> Iterator[Board]:
    """A board plugged in at tmp_path/ttyBOARD."""
    made = Board(tmp_path / "ttyBOARD")
    yield made
    made.close()


def test_device_path_carries_octets_both_ways(bench: Bench, board: Board) -> None:
    port = bench.open(f"{board.link}?baudrate=115200&bytesize=8&parity=N&stopbits=1&rtscts=0&xonxoff=0")
    assert (port.kind, port.endpoint, port.up) == ("serial", str(board.link), True)
    assert bench.events == [("port", True, f"opened {board.link}")]
    assert port.write(PAYLOAD) and read_fd(board.master, len(PAYLOAD)) == PAYLOAD
    os.write(board.master, PAYLOAD)
    assert bench.wait_bytes("port", len(PAYLOAD)) == PAYLOAD


def test_board_unplugged_then_replugged_at_the_same_path(bench: Bench, board: Board) -> None:
    port = bench.open(f"{board.link}?baudrate=115200", name="sampler")
    assert port.write(b"before") and read_fd(board.master, 6) == b"before"

    board.unplug()
    assert bench.until(lambda: not port.up)
    assert bench.events[-1][:2] == ("sampler", False) and str(board.link) in bench.events[-1][2]
    assert port.fileno() is None
    assert not port.write(b"while unplugged") and port.stats.writes_dropped == 15

    board.plug()
    assert bench.until(lambda: port.up)
    assert bench.events[-1] == ("sampler", True, f"reopened {board.link}")
    assert port.write(b"after") and read_fd(board.master, 5) == b"after"
    os.write(board.master, b"from the new board")
    assert bench.wait_bytes("sampler", 18) == b"from the new board"
    assert (port.stats.connects, port.stats.disconnects) == (2, 1)


def test_a_device_nobody_reads_never_blocks(bench: Bench, board: Board) -> None:
    port = bench.open(str(board.link))
    started = time.monotonic()
    accepted = fill(port)
    assert time.monotonic() - started < 2.0 and port.stats.writes_dropped == 4096
    expected = b"".join(accepted)
    got = bytearray()
    deadline = time.monotonic() + WAIT_S
    while len(got) < len(expected) and time.monotonic() < deadline:
        got += read_fd(board.master, len(expected) - len(got), timeout_s=0.05)
        bench.step(0)
    assert bytes(got) == expected


def test_loop_url_echoes_through_a_real_fd(bench: Bench) -> None:
    port = bench.open("loop://")
    assert (port.up, port.endpoint) == (True, "loop://")
    assert isinstance(port.fileno(), int)
    assert port.write(PAYLOAD[:300]) and port.write(PAYLOAD[300:])
    assert bench.wait_bytes("port", len(PAYLOAD)) == PAYLOAD


def test_loop_url_with_nobody_reading_refuses_writes_and_closes_promptly(bench: Bench) -> None:
    port = bench.open("loop://")
    started = time.monotonic()
    accepted = fill(port)
    assert time.monotonic() - started < 2.0 and port.stats.writes_dropped == 4096
    expected = b"".join(accepted)
    assert bench.wait_bytes("port", len(expected)) == expected
    fill(port)
    started = time.monotonic()
    port.close()
    assert time.monotonic() - started < 2.0


def test_spy_url_goes_through_pyserial_and_follows_the_board(bench: Bench, board: Board, tmp_path: Path) -> None:
    log = tmp_path / "spy.txt"
    port = bench.open(f"spy://{board.link}?file={log}")
    assert port.write(b"TX!") and read_fd(board.master, 3) == b"TX!"
    os.write(board.master, b"RX!")
    assert bench.wait_bytes("port", 3) == b"RX!"
    board.unplug()
    assert bench.until(lambda: not port.up)
    board.plug()
    assert bench.until(lambda: port.up)
    os.write(board.master, b"again")
    assert bench.wait_bytes("port", 8) == b"RX!again"
    port.close()
    assert "TX" in log.read_text() and "RX" in log.read_text()


def test_socket_url_reconnects_in_the_background(bench: Bench) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(WAIT_S)
        port = bench.open(f"socket://127.0.0.1:{listener.getsockname()[1]}")
        link, _ = listener.accept()
        with link:
            link.sendall(b"ser2net says hi")
            assert bench.wait_bytes("port", 15) == b"ser2net says hi"
            assert port.write(b"ack") and recv_sock(link, 3) == b"ack"
        assert bench.until(lambda: not port.up)
        assert bench.until(lambda: port.up)
        link, _ = listener.accept()
        with link:
            assert port.write(b"back") and recv_sock(link, 4) == b"back"
    assert bench.transitions() == [True, False, True]


def test_unopenable_devices_are_errors(tmp_path: Path) -> None:
    with pytest.raises(TransportError, match="cannot open serial port") as info:
        open_port("/dev/ttyUSB-farside-missing9", "sampler")
    assert "ttyUSB-farside-missing9" in str(info.value)
    with pytest.raises(TransportError, match="cannot open serial port"):
        open_port("/dev/urandom", "sampler")  # a device, but no tty
    with pytest.raises(TransportError) as info:
        open_port("nope://thing", "sampler")
    assert str(info.value).startswith("unknown URL scheme 'nope' in 'nope://thing'; known: emu, file, ")


def test_a_path_that_is_no_character_device_is_a_file_and_no_port(tmp_path: Path) -> None:
    not_a_tty = tmp_path / "plain-file"
    not_a_tty.write_bytes(b"")
    for path in (not_a_tty, tmp_path / "ttyUSB9"):
        with pytest.raises(TransportError, match=r"names a file, which can be a replay target, not a port; "
                                                 r"a port is pty://.*a serial device path"):
            open_port(str(path), "sampler")


def test_a_symlink_to_a_tty_outside_dev_is_a_serial_device(board: Board) -> None:
    parsed = parse_url(f"{board.link}?baudrate=9600")
    assert isinstance(parsed, DeviceUrl) and parsed.roles == {Role.PORT, Role.TARGET}
    assert parsed.path == str(board.link) and parsed.options == {"baudrate": 9600}
