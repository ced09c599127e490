"""One URL grammar: a URL means the same to ``serve``, ``run``, ``replay --to``, bench nodes and ``emu://``.

Each test here failed before the URL table: four parsers disagreed about paths, serial options, unknown schemes
and ``replay://``. Schemes from other distributions come from the entry-point group ``farside.transports``.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import hil.emu
from hil.cli import main
from hil.errors import TransportError
from hil.schemes import GROUP, Role, expected, open_port, parse_url
from hil.schemes.files import FileUrl
from hil.schemes.replay import ReplayUrl
from hil.schemes.serial import DeviceUrl
from protocols.framing import AsmDeframer
from protocols.pus import PusTc, PusTm

PACKETS = [PusTm(0x110, 3, 25, bytes([i]) * 8, i, 0, 10**18 + i * 10**6).pack() for i in range(4)]
FARSIDE = [sys.executable, "-m", "hil.cli"]
UNKNOWN = ("unknown URL scheme 'tpc' in 'tpc://127.0.0.1:4000'; known: emu, file, hwgrep, loop, pty, qemu, replay, "
           "rfc2217, socket, spy, tcp, udp, or a device path /dev/…, COMn, or a file path")


@pytest.fixture
def packets(tmp_path: Path) -> Path:
    """A file of four TM packets."""
    path = tmp_path / "stream.bin"
    path.write_bytes(b"".join(PACKETS))
    return path


@pytest.fixture
def tty() -> Iterator[Callable[[], tuple[int, str]]]:
    """Serial lines with nothing behind them but this test: each a pty master and its slave's device path."""
    masters: list[int] = []

    def make() -> tuple[int, str]:
        master, slave = os.openpty()
        path = os.ttyname(slave)
        os.close(slave)
        os.set_blocking(master, False)
        masters.append(master)
        return master, path

    yield make
    for master in masters:
        os.close(master)


def bench_file(tmp_path: Path, node: str) -> Path:
    """A bench whose sampler is ``node``."""
    path = tmp_path / "bench.toml"
    path.write_text(f'[scenario]\nname = "urls"\nduration = "2s"\n[bench.nodes]\nsampler = "{node}"\n')
    return path


def one_error(capsys: pytest.CaptureFixture[str]) -> str:
    """The single ``farside: error:`` line the command printed, without its prefix."""
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("farside: error: "), lines
    return lines[0].removeprefix("farside: error: ")


def read_master(master: int, count: int, timeout_s: float = 5.0) -> bytes:
    """At least ``count`` octets from a pty master."""
    data = b""
    deadline = time.monotonic() + timeout_s
    while len(data) < count and time.monotonic() < deadline:
        if select.select([master], [], [], 0.1)[0]:
            data += os.read(master, 65536)
    return data


# a path: one rule everywhere -------------------------------------------------------------------------------------
def test_a_plain_path_is_a_file_to_replay_and_no_port_to_run(packets: Path, tmp_path: Path, capsys) -> None:
    capture = tmp_path / "capture.bin"
    assert parse_url(str(capture)) == FileUrl(str(capture), str(capture))
    assert main(["replay", str(packets), "--to", str(capture), "--asap", "--no-progress"]) == 0
    assert capture.read_bytes() == b"".join(PACKETS)
    capsys.readouterr()
    assert main(["run", str(bench_file(tmp_path, str(capture))), "--quiet"]) == 2
    assert one_error(capsys) == (f"cannot open sampler ({capture}): '{capture}' names a file, which can be a replay "
                                 f"target, not a port; a port is {expected(Role.PORT)}")


def test_a_device_path_with_line_settings_opens_for_serve_and_for_replay(packets: Path, tty, capsys) -> None:
    for_replay, for_serve = tty(), tty()  # (a pty takes parity once: each open gets its own)
    master, path = for_replay
    url = f"{path}?baudrate=9600&parity=E"
    assert parse_url(url) == DeviceUrl(url, path, {"baudrate": 9600, "parity": "E"})
    assert main(["replay", str(packets), "--to", url, "--asap", "--no-progress"]) == 0, capsys.readouterr().err
    assert AsmDeframer().feed(read_master(master, len(b"".join(PACKETS)) + 16)).packets == PACKETS
    master, path = for_serve
    port = open_port(f"{path}?baudrate=9600&parity=E", "sampler")
    try:
        assert port.up and port.kind == "serial" and port.endpoint == path
        assert port.write(b"both ways")
        assert read_master(master, 9) == b"both ways"
    finally:
        port.close()


# unknown schemes: one line naming the known ones ----------------------------------------------------------------
def test_an_unknown_scheme_is_one_line_listing_the_known_ones(packets: Path, tmp_path: Path, capsys) -> None:
    url = "tpc://127.0.0.1:4000"
    assert main(["replay", str(packets), "--to", url, "--asap", "--no-progress"]) == 2
    assert one_error(capsys) == UNKNOWN
    assert main(["run", str(bench_file(tmp_path, url)), "--quiet"]) == 2
    assert one_error(capsys) == f"cannot open sampler ({url}): {UNKNOWN}"
    assert main(["serve", "--ground", url, "--duration", "1", "--quiet"]) == 2
    assert one_error(capsys) == f"cannot open ground ({url}): {UNKNOWN}"


# replay:// is a scheme like the others --------------------------------------------------------------------------
def test_replay_urls_are_bench_nodes_only(packets: Path, capsys) -> None:
    node = parse_url("replay://runs/day.pcapng?link=sampler&loop=1")
    assert node == ReplayUrl("replay://runs/day.pcapng?link=sampler&loop=1", Path("runs/day.pcapng"), "sampler", True)
    assert node.roles == {Role.RECORDING}
    with pytest.raises(TransportError, match=r"names a recording the bench plays in virtual time, which can be a "
                                             r"recording node, not a port; a port is pty://"):
        open_port("replay://runs/day.pcapng", "sampler")
    assert main(["replay", str(packets), "--to", f"replay://{packets}", "--asap", "--no-progress"]) == 2
    assert "not a replay target; a replay target is tcp://HOST:PORT" in one_error(capsys)


def test_a_bad_replay_node_is_one_line_with_its_form(tmp_path: Path, capsys) -> None:
    assert main(["run", str(bench_file(tmp_path, f"replay://{tmp_path}/x.pcapng?loop=maybe")), "--quiet"]) == 2
    assert one_error(capsys) == (f"bad URL 'replay://{tmp_path}/x.pcapng?loop=maybe': loop='maybe' is neither 1 "
                                 f"nor 0; expected {ReplayUrl.form}")


# emu:// through the same table ----------------------------------------------------------------------------------
@pytest.fixture
def emu_unregistered() -> Iterator[None]:
    """Whatever the test registers, the handler is gone afterwards (importing farside never registers it)."""
    yield
    hil.emu.unregister()


def test_emu_is_a_port_of_the_table_too(emu_unregistered) -> None:
    with pytest.raises(TransportError, match=r"bad URL 'emu://sampler\?seed=x': seed is a whole number"):
        open_port("emu://sampler?seed=x", "fsw")
    port = open_port("emu://sampler?speed=10&seed=4", "fsw")
    try:
        assert port.up and port.kind == "serial"
        ping = PusTc(0x110, 17, 1, b"", 0, 1, 0xF).pack()
        assert port.write(bytes.fromhex("1ACFFC1D") + ping)
        deframer, services = AsmDeframer(), []
        deadline = time.monotonic() + 10
        while (17, 2) not in services and time.monotonic() < deadline:
            fd = port.fileno()
            if fd is not None:
                select.select([fd], [], [], 0.1)
            services += [(p[7], p[8]) for p in deframer.feed(port.service()).packets]
        assert (17, 2) in services
    finally:
        port.close()
    from hil.emu import bench

    assert bench._shared is None, "the emulated bench stops with its last port"


# schemes from other distributions -------------------------------------------------------------------------------
HEXDUMP = '''
"""A scheme from another distribution: ``hexdump:PATH`` writes one line of hex per packet."""

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from hil.schemes import Role, Url
from hil.transports import TransportBase


class HexdumpTransport(TransportBase):
    def __init__(self, path: str, url: str) -> None:
        self.url = url
        self.stream = Path(path).open("w")

    def send(self, octets: bytes) -> None:
        self.stream.write(octets.hex() + "\\n")

    def close(self) -> None:
        self.stream.close()


@dataclass(frozen=True)
class HexdumpUrl(Url):
    form: ClassVar[str] = "hexdump:PATH"
    what: ClassVar[str] = "a hex dump file"
    roles: ClassVar[frozenset[Role]] = frozenset({Role.TARGET})

    path: str = ""

    @classmethod
    def from_url(cls, url: str) -> "HexdumpUrl":
        return cls(url, url.partition(":")[2].removeprefix("//"))

    def open_target(self) -> HexdumpTransport:
        return HexdumpTransport(self.path, self.text)
'''


def fake_distribution(root: Path, name: str, **entries: str) -> dict[str, str]:
    """The environment of a ``farside`` process that finds one more distribution with these transport schemes."""
    info = root / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{GROUP}]\n" + "".join(f"{k} = {v}\n" for k, v in entries.items()))
    (root / "farside_hexdump.py").write_text(textwrap.dedent(HEXDUMP))
    return {**os.environ, "PYTHONPATH": str(root)}


def farside(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``farside`` in a fresh process that sees ``env``."""
    return subprocess.run([*FARSIDE, *args], env=env, capture_output=True, text=True, timeout=120, check=False)


def test_a_plugin_scheme_is_used_like_a_built_in_one(packets: Path, tmp_path: Path) -> None:
    env = fake_distribution(tmp_path / "site", "farside-hexdump", hexdump="farside_hexdump:HexdumpUrl")
    dump = tmp_path / "out.hex"
    result = farside(["replay", str(packets), "--to", f"hexdump:{dump}", "--asap", "--no-progress"], env)
    assert result.returncode == 0, result.stderr
    assert dump.read_text().split() == [packet.hex() for packet in PACKETS]
    result = farside(["replay", str(packets), "--to", "tpc://x", "--asap"], env)
    assert result.returncode == 2 and "known: emu, file, hexdump, hwgrep," in result.stderr
    result = farside(["serve", "--ground", f"hexdump:{dump}", "--duration", "1", "--quiet"], env)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].startswith(f"farside: error: cannot open ground (hexdump:{dump}): "
                                                     f"'hexdump:{dump}' names a hex dump file, which can be a "
                                                     f"replay target, not a port; a port is pty://")


def test_a_plugin_scheme_clashing_with_a_built_in_one_is_one_error_line(packets: Path, tmp_path: Path) -> None:
    env = fake_distribution(tmp_path / "site", "farside-fork", udp="farside_hexdump:HexdumpUrl")
    result = farside(["replay", str(packets), "--to", "udp://127.0.0.1:9", "--asap", "--no-progress"], env)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == ["farside: error: URL scheme 'udp' is declared by farside and by farside-fork"]


def test_a_plugin_scheme_that_fails_to_import_is_named_and_the_rest_work(packets: Path, tmp_path: Path) -> None:
    env = fake_distribution(tmp_path / "site", "farside-broken", broken="farside_broken_missing:Url")
    out = tmp_path / "out.bin"
    result = farside(["replay", str(packets), "--to", str(out), "--asap", "--no-progress"], env)
    assert result.returncode == 0 and result.stderr == "" and out.read_bytes() == b"".join(PACKETS)
    result = farside(["replay", str(packets), "--to", "broken://x", "--asap", "--no-progress"], env)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "farside: error: URL scheme 'broken' (farside_broken_missing:Url) from farside-broken cannot be imported "
        "(ModuleNotFoundError: No module named 'farside_broken_missing')"]
    result = farside(["replay", str(packets), "--to", "pty://", "--asap", "--no-progress"], env)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        "farside: warning: URL scheme 'broken' (farside_broken_missing:Url) from farside-broken cannot be imported "
        "(ModuleNotFoundError: No module named 'farside_broken_missing'); left out")
    assert len(result.stderr.splitlines()) == 2 and "not a replay target" in result.stderr.splitlines()[1]


def test_an_unknown_emu_device_leaves_no_bench_running(emu_unregistered) -> None:
    from hil.emu import bench

    with pytest.raises(TransportError, match="emu://toaster: no such device; devices: sampler, ascender, relay"):
        open_port("emu://toaster?seed=2", "fsw")
    assert bench._shared is None


def test_an_emu_client_gone_while_the_bench_writes_is_noticed_by_service_not_by_write() -> None:
    from hil.emu.socketpair_port import SocketPairPort

    changes: list[bool] = []
    port = SocketPairPort("emu://", "sampler", lambda name, up, reason: changes.append(up))
    client = port.connect()
    fd = port.fileno()
    client.close()
    assert not port.write(b"housekeeping") and port.fileno() == fd, "the fd a selector watches stays open"
    assert port.service() == b"" and port.fileno() is None and changes == [True, False]
