"""pty:// ports: down until a reader opens the slave, binary-clean both ways, readers leaving and returning."""

from __future__ import annotations

import os
import termios
import threading
import time
from pathlib import Path

import pytest
from ports_driver import Bench, fill, read_fd

from hil.errors import TransportError
from hil.ports import DuplexPort

ALL_OCTETS = bytes(range(256)) * 4
"""Every value, including CR, LF, ^C, ^D, XON/XOFF and DEL, which a cooked tty would act on."""


def open_reader(port: DuplexPort) -> int:
    """Open the slave the way a program opens a serial port."""
    return os.open(port.endpoint, os.O_RDWR | os.O_NOCTTY)


def test_starts_down_until_a_reader_opens_the_slave(bench: Bench) -> None:
    port = bench.open("pty://")
    assert (port.kind, port.up, port.fileno()) == ("pty", False, None)
    assert port.endpoint.startswith("/dev/")
    assert not port.write(b"nobody there")
    assert port.stats.writes_dropped == len(b"nobody there")
    reader = open_reader(port)
    try:
        assert bench.until(lambda: port.up)
        assert port.fileno() is not None
        assert bench.events == [("port", True, f"a reader opened {port.endpoint}")]
        assert read_fd(reader, 1, timeout_s=0.1) == b""
    finally:
        os.close(reader)


def test_octets_cross_both_ways_untranslated(bench: Bench) -> None:
    port = bench.open("pty://")
    reader = open_reader(port)
    try:
        assert bench.until(lambda: port.up)
        assert port.write(ALL_OCTETS)
        assert read_fd(reader, len(ALL_OCTETS)) == ALL_OCTETS
        os.write(reader, ALL_OCTETS)
        assert bench.wait_bytes("port", len(ALL_OCTETS)) == ALL_OCTETS
        assert (port.stats.octets_in, port.stats.octets_out) == (len(ALL_OCTETS), len(ALL_OCTETS))
    finally:
        os.close(reader)


def test_reader_leaves_and_returns_without_stale_octets(bench: Bench) -> None:
    port = bench.open("pty://", name="sampler")
    reader = open_reader(port)
    assert bench.until(lambda: port.up)
    assert port.write(b"seen") and read_fd(reader, 4) == b"seen"
    assert port.write(b"left unread by the first reader")
    attributes = termios.tcgetattr(reader)
    attributes[3] |= termios.ICANON | termios.ECHO
    termios.tcsetattr(reader, termios.TCSANOW, attributes)
    os.close(reader)

    assert bench.until(lambda: not port.up)
    assert bench.events[-1] == ("sampler", False, f"the reader closed {port.endpoint}")
    assert port.fileno() is None
    dropped = port.stats.writes_dropped
    assert not port.write(b"written while down")
    assert port.stats.writes_dropped == dropped + len(b"written while down")

    reader = open_reader(port)
    try:
        assert bench.until(lambda: port.up)
        assert bench.transitions("sampler") == [True, False, True]
        assert termios.tcgetattr(reader)[3] & (termios.ICANON | termios.ECHO) == 0, "the slave is raw again"
        assert port.write(b"fresh")
        assert read_fd(reader, 5) == b"fresh", "nothing from before the reader returned"
        os.write(reader, b"\r\nback\x04")
        assert bench.wait_bytes("sampler", 7) == b"\r\nback\x04"
        assert (port.stats.connects, port.stats.disconnects) == (2, 1)
    finally:
        os.close(reader)


def test_a_writer_nobody_reads_never_blocks(bench: Bench) -> None:
    port = bench.open("pty://")
    reader = open_reader(port)
    try:
        assert bench.until(lambda: port.up)
        started = time.monotonic()
        accepted = fill(port)
        assert time.monotonic() - started < 2.0
        assert port.stats.writes_dropped == 4096
        expected = b"".join(accepted)
        got = bytearray()
        deadline = time.monotonic() + 5.0
        while len(got) < len(expected) and time.monotonic() < deadline:
            got += read_fd(reader, len(expected) - len(got), timeout_s=0.05)
            bench.step(0)
        assert bytes(got) == expected, "every accepted write arrives whole, in order"
        assert port.stats.octets_out == len(expected)
    finally:
        os.close(reader)


def test_link_names_the_slave_and_goes_away_on_close(bench: Bench, tmp_path: Path) -> None:
    link = tmp_path / "sampler-tty"
    link.symlink_to("/dev/stale-from-a-crashed-run")
    port = bench.open(f"pty://?link={link}")
    assert os.readlink(link) == port.endpoint
    reader = os.open(link, os.O_RDWR | os.O_NOCTTY)
    try:
        assert bench.until(lambda: port.up)
    finally:
        os.close(reader)
    port.close()
    port.close()
    assert not link.exists() and not link.is_symlink()
    assert (port.up, port.fileno(), port.service(), port.write(b"x")) == (False, None, b"", False)


def test_link_never_replaces_a_real_file(bench: Bench, tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.write_text("keep me")
    with pytest.raises(TransportError, match="not a symlink"):
        bench.open(f"pty://?link={precious}")
    with pytest.raises(TransportError, match="cannot create"):
        bench.open(f"pty://?link={tmp_path / 'no-such-dir' / 'tty'}")
    assert precious.read_text() == "keep me"


def test_a_burst_larger_than_one_read_arrives_whole_and_in_order(bench: Bench) -> None:
    port = bench.open("pty://")
    reader = open_reader(port)
    burst = bytes(range(251)) * 1000  # 251 kB: many reads of the master, each turn of the loop takes one
    try:
        assert bench.until(lambda: port.up)
        writer = threading.Thread(target=os.write, args=(reader, burst))  # blocks until the bench has read it
        writer.start()
        assert bench.wait_bytes("port", len(burst)) == burst
        writer.join()
        assert port.stats.octets_in == len(burst)
    finally:
        os.close(reader)
