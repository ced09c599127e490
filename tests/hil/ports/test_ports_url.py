"""Port URLs: every accepted form parses to its scheme's class; every bad one says what would have been accepted."""

from __future__ import annotations

import pytest

from hil.errors import HilError, TransportError
from hil.ports import DuplexPort
from hil.schemes import Role, expected, open_port, parse_url
from hil.schemes.net import TcpUrl, UdpUrl
from hil.schemes.pty import PtyUrl
from hil.schemes.serial import DeviceUrl, PyserialUrl

PORT_FORMS = expected(Role.PORT)


@pytest.mark.parametrize(("url", "kind", "fields"), [
    ("pty://", PtyUrl, {"link": ""}),
    ("pty://?link=/tmp/sampler", PtyUrl, {"link": "/tmp/sampler"}),
    ("tcp://127.0.0.1:5000?listen", TcpUrl, {"host": "127.0.0.1", "port": 5000, "listen": True}),
    ("tcp://:0?listen", TcpUrl, {"host": "127.0.0.1", "port": 0, "listen": True}),
    ("tcp://[::1]:5000?listen", TcpUrl, {"host": "::1", "port": 5000, "listen": True}),
    ("tcp://localhost:5000", TcpUrl, {"host": "localhost", "port": 5000, "listen": False}),
    ("udp://10.0.0.2:5000", UdpUrl, {"host": "10.0.0.2", "port": 5000, "listen": False}),
    ("udp://:5001?listen", UdpUrl, {"host": "127.0.0.1", "port": 5001, "listen": True}),
    ("/dev/ttyUSB0", DeviceUrl, {"path": "/dev/ttyUSB0"}),
    ("COM3", DeviceUrl, {"path": "COM3"}),
    ("loop://", PyserialUrl, {}),
    ("socket://127.0.0.1:7000", PyserialUrl, {}),
    ("rfc2217://10.0.0.9:2217?ign_set_control", PyserialUrl, {}),
])
def test_accepted_forms(url: str, kind: type, fields: dict[str, object]) -> None:
    parsed = parse_url(url)
    assert type(parsed) is kind and Role.PORT in parsed.roles
    assert {name: getattr(parsed, name) for name in fields} == fields


def test_options_are_parsed_and_typed() -> None:
    assert parse_url("udp://127.0.0.1:5000?bind=127.0.0.1:6000").bind == ("127.0.0.1", 6000)
    parsed = parse_url("/dev/serial/by-id/usb-FTDI?baudrate=921600&bytesize=7&parity=even&stopbits=1.5"
                       "&rtscts=1&xonxoff=off")
    assert isinstance(parsed, DeviceUrl) and parsed.path == "/dev/serial/by-id/usb-FTDI"
    assert parsed.options == {"baudrate": 921600, "bytesize": 7, "parity": "E", "stopbits": 1.5,
                              "rtscts": True, "xonxoff": False}
    assert parse_url("loop://?logging=debug").text == "loop://?logging=debug", "pyserial parses its own"


@pytest.mark.parametrize(("url", "why", "form"), [
    ("", "empty", PORT_FORMS),
    ("sampler", "names a file", PORT_FORMS),
    ("localhost:5000", "names a file", PORT_FORMS),
    ("pty://somewhere", "takes nothing but", PtyUrl.form),
    ("pty://?link=", "only ?link", PtyUrl.form),
    ("pty://?echo=1", "only ?link", PtyUrl.form),
    ("tcp://host", "needs a port", TcpUrl.form),
    ("tcp://:5000", "needs a host", TcpUrl.form),
    ("tcp://host:0", "needs a host", TcpUrl.form),
    ("tcp://host:99999", "out of range", TcpUrl.form),
    ("tcp://host:http", "Port could not be cast", TcpUrl.form),
    ("tcp://host:5000/path", "takes nothing but", TcpUrl.form),
    ("tcp://host:5000?listen=no", "listen takes no value", TcpUrl.form),
    ("tcp://host:5000?nodelay", "takes only ?listen", TcpUrl.form),
    ("udp://host:5000?listen&bind=127.0.0.1:1", "takes no ?bind", UdpUrl.form),
    ("udp://host:5000?bind=127.0.0.1", "is not HOST:PORT", UdpUrl.form),
    ("udp://host:5000?ttl=3", "takes only ?listen or ?bind", UdpUrl.form),
    ("/dev/ttyUSB0?baudrate=fast", "baudrate='fast' is not valid", DeviceUrl.form),
    ("/dev/ttyUSB0?baudrate=0", "is not valid", DeviceUrl.form),
    ("/dev/ttyUSB0?parity=Q", "parity='Q' is not valid", DeviceUrl.form),
    ("/dev/ttyUSB0?bytesize=9", "is not valid", DeviceUrl.form),
    ("/dev/ttyUSB0?stopbits=3", "is not valid", DeviceUrl.form),
    ("/dev/ttyUSB0?speed=9600", "unknown serial option 'speed'", DeviceUrl.form),
])
def test_bad_urls_name_the_accepted_forms(url: str, why: str, form: str) -> None:
    with pytest.raises(TransportError) as info:
        open_port(url, "sampler")
    assert isinstance(info.value, HilError) and isinstance(info.value, OSError)
    assert why in str(info.value)
    assert form in str(info.value)


def test_the_port_forms_name_every_kind() -> None:
    for form in ("pty://", "?link=", "?listen", "tcp://HOST:PORT", "udp://HOST:PORT", "?bind=", "/dev/ttyUSB0",
                 "baudrate", "parity", "COM3", "socket://", "rfc2217://", "loop://", "spy://", "emu://DEVICE"):
        assert form in PORT_FORMS
    assert "file:" not in PORT_FORMS and "replay://" not in PORT_FORMS


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
