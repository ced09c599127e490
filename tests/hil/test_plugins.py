"""Device plugins seen from the outside: the example drill camera installed in its own venv and driven by the CLI.

The venv gets farside from the development environment (a .pth naming its site-packages: pip cannot build
farside offline with the setuptools there, and a second editable install would rewrite the source tree's
metadata) and the plugin from ``tests/plugins/farside-drillcam`` by ``pip install`` (non-editable, as a team
would install theirs). ``python -m hil.cli`` in that venv is the ``farside`` command.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
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


# broken or clashing plugins, from the development environment -----------------------------------------------
def fake_distribution(root: Path, name: str, **entries: str) -> dict[str, str]:
    """The environment of a ``farside`` process that finds one more distribution (its metadata only)."""
    info = root / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{GROUP}]\n" + "".join(f"{k} = {v}\n" for k, v in entries.items()))
    return {**os.environ, "PYTHONPATH": str(root)}


def test_a_plugin_that_fails_to_import_is_one_warning_line_and_the_rest_work(tmp_path: Path) -> None:
    env = fake_distribution(tmp_path, "farside-broken", broken="farside_broken_missing:PLUGIN")
    result = run([*FARSIDE, "tc", "sampler", "ping"], env)
    assert result.returncode == 0 and result.stdout.strip()
    assert result.stderr.splitlines() == [
        "farside: warning: device plugin 'broken' (farside_broken_missing:PLUGIN) from farside-broken cannot be "
        "imported (ModuleNotFoundError: No module named 'farside_broken_missing'); left out"]


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
