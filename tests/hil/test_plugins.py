"""Device plugins seen from the outside: the example drill camera installed in its own venv and driven there by
the CLI (dict, tc, inspect, decode, run, plot, serve), the pytest fixture and ``emu://`` from pyserial code.

The venv gets farside from the development environment (a .pth naming its site-packages: pip cannot build
farside offline with the setuptools there, and a second editable install would rewrite the source tree's
metadata) and the plugin from ``tests/plugins/farside-drillcam`` by ``pip install`` (non-editable, as a team
would install theirs). ``python -m hil.cli`` in that venv is the ``farside`` command.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

from firmware_sim.devices import model_classes, resolve_model
from firmware_sim.devices.sampler import SamplerModel
from firmware_sim.errors import ConfigurationError
from protocols.dictionary import GROUP, DevicePlugin
from protocols.dictionary.sampler import SAMPLER
from protocols.pus import PusTc

PLUGIN_SOURCE = Path(__file__).parents[1] / "plugins" / "farside-drillcam"
FARSIDE = [str(Path(sys.executable).with_name("farside"))]
"""The development environment's ``farside`` command."""
TIMEOUT_S = 120
STARTUP_TIMEOUT_S = 60.0
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

SCENARIO = """
[scenario]
name = "drill camera"
seed = 5
duration = "T+2m"

[bench.devices.drillcam]          # naming the plugin device puts it on this bench
dark_level = 10

[[timeline]]
at = "T+10s"
device = "drillcam"
command = "power"
args = { state = "on" }

[[timeline]]
after = "1s"
device = "drillcam"
command = "set-exposure"
args = { exposure_ms = 40, gain = 2 }

[[timeline]]
after = "1s"
device = "drillcam"
command = "capture-image"
args = { binning = "1x1" }
timeout = "10s"

[[faults]]
at = "T+1m"
target = "drillcam"
fault = "shutter-stuck"

[[timeline]]
at = "T+70s"
device = "drillcam"
command = "capture-image"
args = { binning = "2x2" }
timeout = "10s"

[[expect]]
name = "image sent"
condition = "drillcam.event:image-captured"
before = "T+1m"

[[expect]]
name = "one image counted"
condition = "drillcam.images_captured == 1"

[[expect]]
name = "stuck shutter reported"
condition = "drillcam.event:shutter-fault"
"""

BENCH = """
[scenario]
name = "camera bench"

[bench.devices.drillcam]          # a bench file names the plugin device as a scenario does
"""

PING_CLIENT = """
import sys, time
import serial
import hil.emu
from protocols.dictionary import default_dictionary
from protocols.framing.asm import AsmDeframer
from protocols.pus import PusTm

hil.emu.register()                                    # emu:// for serial_for_url, as docs/hil.md says
camera = default_dictionary().device("drillcam")      # the plugin's dictionary, found by farside
port = serial.serial_for_url(sys.argv[1], timeout=0.1)
try:
    port.write(bytes.fromhex("1ACFFC1D") + camera.telecommand("ping", {}, 0, 1, 0xF))
    deframer, deadline = AsmDeframer(require_crc=True), time.monotonic() + 30
    while time.monotonic() < deadline:
        for packet in deframer.feed(port.read(256)).packets:
            tm = PusTm.unpack(packet)
            if (tm.service, tm.subtype) == (17, 2):
                print(f"TM[17,2] APID 0x{tm.apid:03x}")
                sys.exit(0)
    sys.exit("no TM[17,2] within 30 s")
finally:
    port.close()
"""
"""Flight software's part as a team writes it with pyserial: one framed ping to the drill camera, then its pong.
``argv[1]`` is any URL pyserial opens: a pty path or ``emu://drillcam``."""

FIXTURE_TESTS = """
import pytest

from hil.procedure import NotReportedError


@pytest.mark.farside(device="drillcam", options={"dark_level": 10})
def test_a_capture_is_counted_in_housekeeping(farside):
    with pytest.raises(NotReportedError, match="drillcam.images_captured"):
        farside.latest("drillcam", "images_captured")
    farside.complete("drillcam", "power", state="on")
    farside.complete("drillcam", "set-exposure", exposure_ms=40, gain=2)
    farside.complete("drillcam", "capture-image", binning="2x2", timeout_s=30)
    farside.complete("drillcam", "hk-now", sid="camera")
    assert farside.latest("drillcam", "images_captured") == 1
    assert farside.latest("drillcam", "camera_state") == "idle"
    chunks = farside.hk("drillcam", "image-chunk")
    assert [c.fields["chunk_index"] for c in chunks] == [0, 1, 2, 3]
    assert {c.fields["chunk_count"] for c in chunks} == {4}
    assert len(farside.events("drillcam", "image-captured")) == 1
    assert farside.packets("drillcam", "pong") == []


@pytest.mark.farside(drillcam={"dark_level": 10})
def test_the_default_bench_takes_the_camera_when_named(farside):
    assert farside.complete("drillcam", "ping").stage_names[-1] == "completion-ok"
    assert farside.packets("drillcam", "pong")
    farside.complete("sampler", "ping")
"""
"""A team's pytest file: the ``farside`` fixture on a one-device bench of the plugin device, and on the default
bench with the camera named."""


def run(command: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, env=env, check=False)


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with farside (shared from this environment) and farside-drillcam installed non-editable."""
    root = tmp_path_factory.mktemp("plugin-venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")], check=True,
                   timeout=TIMEOUT_S)
    python = root / "venv" / "bin" / "python"
    site = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
    shared = sysconfig.get_paths()["purelib"]
    Path(site, "farside-development.pth").write_text(f"import site; site.addsitedir({shared!r})\n")
    source = shutil.copytree(PLUGIN_SOURCE, root / "farside-drillcam")  # the build leaves files beside its source
    installed = run([str(python), "-m", "pip", "install", "--no-deps", "--quiet", str(source)])
    assert installed.returncode == 0, installed.stderr
    return python


def farside(venv: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The venv's ``farside`` command."""
    return run([str(venv), "-m", "hil.cli", *args])


# the plugin venv ------------------------------------------------------------------------------------------------
def test_dict_lists_the_plugin_device_after_the_builtins(venv: Path) -> None:
    shown = farside(venv, "dict", "drillcam")
    assert shown.returncode == 0 and shown.stderr == ""
    assert "drillcam  APID 0x140  (from farside-drillcam)" in shown.stdout
    for name in ("power", "set-exposure", "capture-image", "images_captured", "image-captured", "shutter-fault"):
        assert name in shown.stdout
    listed = json.loads(farside(venv, "dict", "--format", "json").stdout)
    assert [d["name"] for d in listed["devices"]] == ["sampler", "ascender", "relay", "drillcam"]


def test_tc_encodes_a_plugin_command_and_checks_its_ranges(venv: Path) -> None:
    encoded = farside(venv, "tc", "drillcam", "set-exposure", "exposure_ms=40", "gain=2", "--seq", "5")
    assert encoded.returncode == 0, encoded.stderr
    tc = PusTc.unpack(bytes.fromhex(encoded.stdout.strip()))
    assert (tc.apid, tc.service, tc.subtype, tc.seq_count) == (0x140, 8, 1, 5)
    assert tc.app_data == bytes.fromhex("0102") + (40).to_bytes(2, "big") + bytes([2])
    refused = farside(venv, "tc", "drillcam", "set-exposure", "exposure_ms=5000", "gain=2")
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == ["farside: error: exposure_ms=5000: allowed 1..2000 ms"]


def test_inspect_and_decode_know_the_plugin_apid(venv: Path, tmp_path: Path) -> None:
    hex_tc = farside(venv, "tc", "drillcam", "capture-image", "binning=2x2").stdout.strip()
    inspected = farside(venv, "inspect", hex_tc)
    assert inspected.returncode == 0 and "TC drillcam apid=0x140" in inspected.stdout
    assert "capture-image" in inspected.stdout
    stream = tmp_path / "camera.bin"
    make_hk = ("import sys; from farside_drillcam import DRILLCAM; from protocols.pus import PusTm; "
               "data = DRILLCAM.encode_hk('camera', ['on', 'idle', 40, 2, 3, 21.5]); "
               "open(sys.argv[1], 'wb').write(PusTm(DRILLCAM.apid, 3, 25, data, 0, 0, 10**9).pack())")
    assert run([str(venv), "-c", make_hk, str(stream)]).returncode == 0
    decoded = farside(venv, "decode", str(stream), "--format", "csv")
    assert decoded.returncode == 0, decoded.stderr
    assert "drillcam" in decoded.stdout and "images_captured" in decoded.stdout


def test_installing_a_plugin_leaves_the_reference_mission_unchanged(venv: Path) -> None:
    digests = [json.loads(run([*command, "run", "--until", "T+20m", "--quiet", "--json"]).stdout)["digest"]
               for command in (FARSIDE, [str(venv), "-m", "hil.cli"])]
    assert digests[0] == digests[1]


def test_a_scenario_commands_the_plugin_device_and_checks_expectations(venv: Path, tmp_path: Path) -> None:
    scenario = tmp_path / "drillcam.toml"
    scenario.write_text(SCENARIO)
    result = farside(venv, "run", str(scenario), "--quiet", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout)
    assert [(e["name"], e["passed"]) for e in summary["expectations"]] == [
        ("image sent", True), ("one image counted", True), ("stuck shutter reported", True)]


def test_plot_draws_a_plugin_parameter_from_a_recording(venv: Path, tmp_path: Path) -> None:
    scenario, recording, png = tmp_path / "drillcam.toml", tmp_path / "camera.pcapng", tmp_path / "camera.png"
    scenario.write_text(SCENARIO)
    recorded = farside(venv, "run", str(scenario), "--quiet", "--json", "--record", str(recording))
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    plotted = farside(venv, "plot", str(recording), "--param", "drillcam.images_captured",
                      "--param", "drillcam.ccd_temp", "-o", str(png))
    assert plotted.returncode == 0, plotted.stderr
    assert plotted.stderr == f"wrote {png}\n"  # every packet decoded: no warning line
    assert png.read_bytes().startswith(PNG_SIGNATURE) and png.stat().st_size > 1000


def test_serve_exposes_the_plugin_device_named_by_a_bench_file_on_a_pty(venv: Path, tmp_path: Path) -> None:
    bench, endpoints = tmp_path / "bench.toml", tmp_path / "endpoints.json"
    bench.write_text(BENCH)
    process = subprocess.Popen([str(venv), "-m", "hil.cli", "serve", str(bench), "--endpoints", str(endpoints),
                                "--speed", "5", "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        wait_for_file(endpoints, process)
        ports = json.loads(endpoints.read_text())
        assert list(ports) == ["sampler", "ascender", "relay", "drillcam"]
        assert ports["drillcam"].startswith("/dev/pts/")
        ponged = run([str(venv), "-c", PING_CLIENT, ports["drillcam"]])
        assert ponged.returncode == 0, ponged.stderr
        assert ponged.stdout == "TM[17,2] APID 0x140\n"
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=TIMEOUT_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "drillcam         /dev/pts/" in out
    assert "drillcam up" in err and "terminated (SIGTERM)" in err
    assert "Traceback" not in err


def test_the_pytest_fixture_drives_the_plugin_device(venv: Path, tmp_path: Path) -> None:
    (tmp_path / "test_camera.py").write_text(FIXTURE_TESTS)
    inner = subprocess.run([str(venv), "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_camera.py"],
                           capture_output=True, text=True, timeout=TIMEOUT_S, cwd=tmp_path, check=False)
    assert inner.returncode == 0, inner.stdout + inner.stderr
    assert "2 passed" in inner.stdout


def test_emu_url_opens_the_plugin_device_from_pyserial_code(venv: Path) -> None:
    ponged = run([str(venv), "-c", PING_CLIENT, "emu://drillcam?speed=10"])
    assert ponged.returncode == 0, ponged.stderr
    assert ponged.stdout == "TM[17,2] APID 0x140\n"


def wait_for_file(path: Path, process: subprocess.Popen[str]) -> None:
    """Wait (bounded) until ``process`` has written ``path``; AssertionError if it exits or never does."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not path.exists():
        if process.poll() is not None:
            out, err = process.communicate()
            raise AssertionError(f"farside serve exited {process.returncode}: {err or out}")
        assert time.monotonic() < deadline, f"farside serve wrote no {path.name} within {STARTUP_TIMEOUT_S:g} s"
        time.sleep(0.05)  # another process's startup: no event to wait on but the file itself


# broken or clashing plugins, from the development environment -----------------------------------------------
def fake_distribution(root: Path, name: str, **entries: str) -> dict[str, str]:
    """The environment of a ``farside`` process that finds one more distribution (its metadata only)."""
    info = root / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{GROUP}]\n" + "".join(f"{k} = {v}\n" for k, v in entries.items()))
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}


def test_a_plugin_that_fails_to_import_is_one_warning_line_and_the_rest_work(tmp_path: Path) -> None:
    env = fake_distribution(tmp_path, "farside-broken", broken="farside_broken_missing:PLUGIN")
    result = run([*FARSIDE, "tc", "sampler", "ping"], env)
    assert result.returncode == 0 and result.stdout.strip()
    assert result.stderr.splitlines() == [
        "farside: warning: device plugin 'broken' (farside_broken_missing:PLUGIN) from farside-broken cannot be "
        "imported (ModuleNotFoundError: No module named 'farside_broken_missing'); left out"]


BROKEN_MODEL_PLUGIN = """
import dataclasses
from protocols.dictionary import DevicePlugin
from protocols.dictionary.sampler import SAMPLER
PLUGIN = DevicePlugin(device=dataclasses.replace(SAMPLER, name="badcam", apid=0x150),
                      model="farside_badcam_missing.model:BadCam")
"""

EMU_CLIENT = """
import warnings
import serial
import hil.emu
from protocols.dictionary import PluginWarning

hil.emu.register()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    port = serial.serial_for_url("emu://sampler", timeout=0.1)
print([str(w.message) for w in caught if w.category is PluginWarning])
try:
    serial.serial_for_url("emu://badcam", timeout=0.1)
except serial.SerialException as exc:
    print("SerialException:", exc)
port.close()
"""


def test_emu_url_leaves_a_plugin_whose_model_cannot_be_imported_out_with_a_warning(tmp_path: Path) -> None:
    env = fake_distribution(tmp_path, "farside-badcam", badcam="farside_badcam:PLUGIN")
    (tmp_path / "farside_badcam.py").write_text(BROKEN_MODEL_PLUGIN)
    result = run([sys.executable, "-c", EMU_CLIENT], env)
    problem = ("device badcam: model 'farside_badcam_missing.model:BadCam' cannot be imported "
               "(ModuleNotFoundError: No module named 'farside_badcam_missing')")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [repr([f"{problem}; left out of the emu:// bench"]),
                                          f"SerialException: emu://badcam: {problem}"]


def test_two_devices_with_one_name_are_one_error_line_naming_both_distributions(tmp_path: Path) -> None:
    env = fake_distribution(tmp_path, "farside-fork", sampler="protocols.dictionary.sampler:PLUGIN")
    result = run([*FARSIDE, "dict"], env)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "farside: error: device name 'sampler' is declared by farside and by farside-fork"]


# models, resolved lazily from the same registry ------------------------------------------------------------------
def test_every_bench_gets_farsides_own_models_from_the_registry() -> None:
    classes = model_classes()
    assert list(classes) == ["sampler", "ascender", "relay"]
    assert classes["sampler"] is SamplerModel


@pytest.mark.parametrize("reference,problem", [
    ("no_such_module_for_farside:Model", "cannot be imported (ModuleNotFoundError"),
    ("firmware_sim.devices.sampler:NoSuchModel", "firmware_sim.devices.sampler has no NoSuchModel"),
    ("protocols.dictionary.sampler:SAMPLER", "is not a DeviceModel subclass"),
])
def test_a_model_that_cannot_be_used_is_one_configuration_error(reference: str, problem: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve_model(DevicePlugin(device=SAMPLER, model=reference))
    assert problem in str(info.value) and str(info.value).startswith(f"device sampler: model {reference!r}")
