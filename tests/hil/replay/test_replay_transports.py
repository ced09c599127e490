"""Transports by URL: UDP, TCP, files and pyserial ports on loopback; framing; clear errors for bad URLs."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
from replay_packets import T0_NS, tm

from hil.errors import HilError, TransportError
from hil.schemes import Role, default_framing, expected, open_transport, parse_url
from hil.schemes.emu import EmuUrl
from hil.schemes.files import FileUrl
from hil.schemes.net import TcpUrl, UdpUrl
from hil.schemes.serial import DeviceUrl, PyserialUrl
from hil.transports import FileTransport, FramedTransport, SerialTransport, UdpTransport
from protocols.framing import AsmDeframer, CobsDeframer

PACKETS = [tm(i, T0_NS + i, size=4 + 3 * i) for i in range(5)]


@pytest.mark.parametrize(("url", "kind"), [
    ("udp://127.0.0.1:5000", UdpUrl),
    ("udp://[::1]:5000", UdpUrl),
    ("tcp://localhost:7", TcpUrl),
    ("file:/tmp/out.bin", FileUrl),
    ("file:///tmp/out.bin", FileUrl),
    ("out.bin", FileUrl),
    ("/dev/ttyUSB0?baudrate=115200", DeviceUrl),
    ("COM3", DeviceUrl),
    ("loop://", PyserialUrl),
    ("socket://127.0.0.1:9", PyserialUrl),
    ("emu://sampler", EmuUrl),
])
def test_parse_url_kinds(url: str, kind: type) -> None:
    parsed = parse_url(url)
    assert type(parsed) is kind and Role.TARGET in parsed.roles


@pytest.mark.parametrize(("url", "form"), [
    ("", expected(None)), ("udp://127.0.0.1", UdpUrl.form), ("udp://:5000", UdpUrl.form),
    ("tcp://host:99999", TcpUrl.form), ("udp://h:1/path", UdpUrl.form), ("file:", FileUrl.form), ("x?y", FileUrl.form),
    ("pty://", expected(Role.TARGET)), ("replay://x.pcapng", expected(Role.TARGET)),
    ("tcp://:0?listen", TcpUrl.form),
])
def test_bad_urls_name_the_expected_forms(url: str, form: str) -> None:
    with pytest.raises(TransportError) as info:
        open_transport(url)
    assert isinstance(info.value, HilError) and isinstance(info.value, OSError)
    assert form in str(info.value)


def test_default_framing_is_none_on_sockets_and_files_asm_on_serial() -> None:
    assert default_framing("udp://127.0.0.1:1") == "none"
    assert default_framing("out.bin") == "none"
    assert default_framing("loop://") == "asm"
    assert default_framing("/dev/ttyUSB0") == "asm"
    with pytest.raises(TransportError, match="framing"):
        open_transport("loop://", framing="hdlc")


def test_udp_sends_one_datagram_per_packet() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as rx:
        rx.bind(("127.0.0.1", 0))
        rx.settimeout(2.0)
        with open_transport(f"udp://127.0.0.1:{rx.getsockname()[1]}") as transport:
            assert isinstance(transport, UdpTransport)
            for packet in PACKETS:
                transport.send(packet)
        assert [rx.recv(70_000) for _ in PACKETS] == PACKETS


def test_udp_with_asm_framing_is_deframed_on_the_other_side() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as rx:
        rx.bind(("127.0.0.1", 0))
        rx.settimeout(2.0)
        with open_transport(f"udp://127.0.0.1:{rx.getsockname()[1]}", framing="asm") as transport:
            assert isinstance(transport, FramedTransport)
            for packet in PACKETS:
                transport.send(packet)
        deframer = AsmDeframer()
        got = [p for _ in PACKETS for p in deframer.feed(rx.recv(70_000)).packets]
    assert got == PACKETS


def test_tcp_streams_the_packets() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(5.0)
        received = bytearray()

        def accept() -> None:
            conn, _ = listener.accept()
            with conn:
                conn.settimeout(5.0)
                while chunk := conn.recv(65536):
                    received.extend(chunk)

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        with open_transport(f"tcp://127.0.0.1:{listener.getsockname()[1]}") as transport:
            for packet in PACKETS:
                transport.send(packet)
        thread.join(5.0)
    assert bytes(received) == b"".join(PACKETS)


def test_tcp_refused_is_a_transport_error() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(TransportError, match="cannot connect"):
        open_transport(f"tcp://127.0.0.1:{port}")


@pytest.mark.parametrize("form", ["file:{}", "{}"])
def test_file_transport_writes_the_octets(tmp_path: Path, form: str) -> None:
    path = tmp_path / "out.bin"
    with open_transport(form.format(path)) as transport:
        assert isinstance(transport, FileTransport)
        for packet in PACKETS:
            transport.send(packet)
    assert path.read_bytes() == b"".join(PACKETS)


def test_file_in_a_missing_directory_is_a_transport_error(tmp_path: Path) -> None:
    with pytest.raises(TransportError, match="cannot write"):
        open_transport(str(tmp_path / "missing" / "out.bin"))


def test_pyserial_loop_url_with_default_asm_framing() -> None:
    transport = open_transport("loop://")
    assert isinstance(transport, FramedTransport) and isinstance(transport.inner, SerialTransport)
    port = transport.inner.port
    deframer = AsmDeframer()
    got = []
    for packet in PACKETS:
        transport.send(packet)
        got += deframer.feed(port.read(port.in_waiting)).packets
    transport.close()
    transport.close()  # harmless twice
    assert got == PACKETS
    with pytest.raises(TransportError, match="closed"):
        transport.send(PACKETS[0])


def test_pyserial_loop_url_with_cobs_framing() -> None:
    with open_transport("loop://", framing="cobs") as transport:
        port = transport.inner.port
        deframer = CobsDeframer()
        got = []
        for packet in PACKETS:
            transport.send(packet)
            got += deframer.feed(port.read(port.in_waiting)).packets
    assert got == PACKETS


def test_missing_serial_device_is_a_transport_error() -> None:
    with pytest.raises(TransportError, match="cannot open serial port"):
        open_transport("/dev/ttyfarside-missing?baudrate=115200")
    with pytest.raises(TransportError, match="parity='Q' is not valid"):
        open_transport("/dev/ttyfarside-missing?parity=Q")
