"""Port URLs: every accepted form parses to its kind; every bad one says what would have been accepted."""

from __future__ import annotations

import pytest

from hil.errors import HilError, TransportError
from hil.ports import EXPECTED, DuplexPort, open_port, parse_port_url


@pytest.mark.parametrize(("url", "kind", "host", "port", "listen"), [
    ("pty://", "pty", "", 0, False),
    ("pty://?link=/tmp/sampler", "pty", "", 0, False),
    ("tcp://127.0.0.1:5000?listen", "tcp-listen", "127.0.0.1", 5000, True),
    ("tcp://:0?listen", "tcp-listen", "127.0.0.1", 0, True),
    ("tcp://[::1]:5000?listen", "tcp-listen", "::1", 5000, True),
    ("tcp://localhost:5000", "tcp-connect", "localhost", 5000, False),
    ("udp://10.0.0.2:5000", "udp", "10.0.0.2", 5000, False),
    ("udp://:5001?listen", "udp", "127.0.0.1", 5001, True),
    ("/dev/ttyUSB0", "serial", "", 0, False),
    ("COM3", "serial", "", 0, False),
    ("loop://", "serial", "", 0, False),
    ("socket://127.0.0.1:7000", "serial", "", 0, False),
    ("rfc2217://10.0.0.9:2217?ign_set_control", "serial", "", 0, False),
])
def test_accepted_forms(url: str, kind: str, host: str, port: int, listen: bool) -> None:
    spec = parse_port_url(url)
    assert (spec.kind, spec.host, spec.port, spec.listen) == (kind, host, port, listen)


def test_options_are_parsed_and_typed() -> None:
    assert parse_port_url("pty://?link=/tmp/sampler").path == "/tmp/sampler"
    assert parse_port_url("udp://127.0.0.1:5000?bind=127.0.0.1:6000").bind == ("127.0.0.1", 6000)
    spec = parse_port_url("/dev/serial/by-id/usb-FTDI?baudrate=921600&bytesize=7&parity=even&stopbits=1.5"
                          "&rtscts=1&xonxoff=off")
    assert (spec.path, spec.device) == ("/dev/serial/by-id/usb-FTDI", True)
    assert spec.options == {"baudrate": 921600, "bytesize": 7, "parity": "E", "stopbits": 1.5,
                            "rtscts": True, "xonxoff": False}
    assert parse_port_url("loop://?logging=debug").path == "loop://?logging=debug", "pyserial parses its own"


@pytest.mark.parametrize(("url", "why"), [
    ("", "empty"),
    ("sampler", "neither a URL nor a device path"),
    ("localhost:5000", "neither a URL nor a device path"),
    ("pty://somewhere", "takes nothing but"),
    ("pty://?link=", "only ?link"),
    ("pty://?echo=1", "only ?link"),
    ("tcp://host", "needs a port"),
    ("tcp://:5000", "needs a host"),
    ("tcp://host:0", "needs a host"),
    ("tcp://host:99999", "out of range"),
    ("tcp://host:http", "Port could not be cast"),
    ("tcp://host:5000/path", "takes nothing but"),
    ("tcp://host:5000?listen=no", "listen takes no value"),
    ("tcp://host:5000?nodelay", "takes only ?listen"),
    ("udp://host:5000?listen&bind=127.0.0.1:1", "takes no ?bind"),
    ("udp://host:5000?bind=127.0.0.1", "is not HOST:PORT"),
    ("udp://host:5000?ttl=3", "takes only ?listen or ?bind"),
    ("/dev/ttyUSB0?baudrate=fast", "baudrate='fast' is not valid"),
    ("/dev/ttyUSB0?baudrate=0", "is not valid"),
    ("/dev/ttyUSB0?parity=Q", "parity='Q' is not valid"),
    ("/dev/ttyUSB0?bytesize=9", "is not valid"),
    ("/dev/ttyUSB0?stopbits=3", "is not valid"),
    ("/dev/ttyUSB0?speed=9600", "unknown serial option 'speed'"),
])
def test_bad_urls_name_every_accepted_form(url: str, why: str) -> None:
    with pytest.raises(TransportError) as info:
        open_port(url, "sampler")
    assert isinstance(info.value, HilError) and isinstance(info.value, OSError)
    assert why in str(info.value)
    assert EXPECTED in str(info.value)


def test_expected_names_every_kind() -> None:
    for form in ("pty://", "?link=", "?listen", "tcp://HOST:PORT", "udp://HOST:PORT", "?bind=", "/dev/ttyUSB0",
                 "baudrate", "parity", "COM3", "socket://", "rfc2217://", "loop://", "spy://"):
        assert form in EXPECTED


@pytest.mark.parametrize("url", ["pty://", "tcp://:0?listen", "tcp://127.0.0.1:9", "udp://127.0.0.1:9",
                                 "udp://:0?listen", "loop://"])
def test_every_kind_is_a_duplex_port(url: str) -> None:
    port = open_port(url, "any")
    try:
        assert isinstance(port, DuplexPort)
        assert (port.url, port.name, port.retry_s) == (url, "any", 0.2)
        assert port.endpoint
    finally:
        port.close()
        port.close()
    assert not port.up and port.fileno() is None
