"""Device plugins: built-ins and plugins through one entry-point group, a fixed order, clashes and broken plugins."""

import importlib.metadata
import warnings
from pathlib import Path

import pytest

from protocols.dictionary import GROUP, DevicePlugin, DeviceRegistry, PluginWarning, default_dictionary, device_registry
from protocols.dictionary.plugins import builtin_entry_points, installed_entry_points
from protocols.dictionary.sampler import SAMPLER
from protocols.entrypoints import PluginEntry, scan
from protocols.errors import DictionaryError, UnknownDeviceError

BUILTINS = ("sampler", "ascender", "relay")


def installed(root: Path, distribution: str, **entries: str) -> list[PluginEntry]:
    """The farside.devices entry points of a distribution installed under ``root`` (its metadata only)."""
    site = root / distribution
    info = site / f"{distribution.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{GROUP}]\n" + "".join(f"{k} = {v}\n" for k, v in entries.items()))
    return scan([str(site)])[GROUP]


def farside_entry_points() -> list[PluginEntry]:
    return [ep for ep in installed_entry_points() if ep.name in BUILTINS]


def test_builtins_are_registered_by_farside_through_the_entry_point_group() -> None:
    found = {ep.name: ep for ep in importlib.metadata.entry_points(group=GROUP)}
    assert set(BUILTINS) <= set(found)
    assert {found[name].dist.name for name in BUILTINS} == {"farside"}  # type: ignore[union-attr]
    registry = device_registry()
    assert default_dictionary().names == BUILTINS == registry.default_members
    assert registry.plugin("sampler").model == "firmware_sim.devices.sampler:SamplerModel"
    assert registry.distribution("relay") == "farside"


def test_plugin_devices_follow_the_builtins_sorted_by_name_whatever_the_discovery_order(tmp_path: Path) -> None:
    zoo = installed(tmp_path, "farside-zoo", zeta="plugin_samples:ZETA", camera="plugin_samples:CAMERA")
    for found in ([*farside_entry_points(), *zoo], [*reversed(zoo), *reversed(farside_entry_points())]):
        registry = DeviceRegistry.from_entry_points(found)
        assert registry.dictionary.names == (*BUILTINS, "camera", "zeta")
        assert registry.default_members == BUILTINS
        assert registry.distribution("camera") == "farside-zoo"
        assert registry.dictionary.by_apid(0x150).name == "camera"


def test_same_device_name_is_one_error_naming_both_distributions(tmp_path: Path) -> None:
    fork = installed(tmp_path, "farside-fork", sampler="plugin_samples:SAMPLER_TWIN")
    with pytest.raises(DictionaryError) as info:
        DeviceRegistry.from_entry_points([*farside_entry_points(), *fork])
    assert str(info.value) == "device name 'sampler' is declared by farside and by farside-fork"


def test_same_apid_is_one_error_naming_both_distributions(tmp_path: Path) -> None:
    fork = installed(tmp_path, "farside-fork", twin="plugin_samples:APID_TWIN")
    with pytest.raises(DictionaryError) as info:
        DeviceRegistry.from_entry_points([*farside_entry_points(), *fork])
    assert str(info.value) == "APID 0x110 is declared by farside (sampler) and by farside-fork (twin)"


@pytest.mark.parametrize("reference,problem", [
    ("no_such_module_for_farside:PLUGIN", "cannot be imported (ModuleNotFoundError"),
    ("plugin_samples:MISSING", "cannot be imported (AttributeError"),
    ("plugin_samples:NOT_A_PLUGIN", "gives a int, not a DevicePlugin"),
    ("plugin_bad_dictionary:PLUGIN", "cannot be imported (DictionaryError: broken: event charged: severity='info' "
                                     "must be a Severity: Severity.INFO, Severity.LOW, Severity.MEDIUM, "
                                     "Severity.HIGH); left out"),
    ("plugin_samples:ZETA", "declares device 'zeta', but the entry point must have the device's name; left out"),
])
def test_a_broken_plugin_is_one_warning_naming_it_and_the_rest_keep_working(tmp_path: Path, reference: str,
                                                                              problem: str) -> None:
    broken = installed(tmp_path, "farside-broken", broken=reference)
    good = installed(tmp_path, "farside-zoo", camera="plugin_samples:CAMERA")
    with pytest.warns(PluginWarning) as caught:
        registry = DeviceRegistry.from_entry_points([*farside_entry_points(), *broken, *good])
    assert len(caught) == 1
    message = str(caught[0].message)
    assert message.startswith(f"device plugin 'broken' ({reference}) from farside-broken ")
    assert problem in message and "\n" not in message
    assert registry.dictionary.names == (*BUILTINS, "camera")


def test_only_farsides_own_devices_join_every_bench(tmp_path: Path) -> None:
    greedy = installed(tmp_path, "farside-greedy", greedy="plugin_samples:GREEDY")
    with pytest.warns(PluginWarning, match="greedy.*asks to join every bench"):
        registry = DeviceRegistry.from_entry_points([*farside_entry_points(), *greedy])
    assert registry.default_members == BUILTINS
    assert registry.dictionary.names == (*BUILTINS, "greedy")


def test_without_installed_metadata_the_builtins_come_from_the_source_trees_pyproject(tmp_path: Path) -> None:
    fallback = builtin_entry_points()
    assert sorted(ep.name for ep in fallback) == sorted(BUILTINS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        registry = DeviceRegistry.from_entry_points(fallback)
    assert registry.dictionary.names == BUILTINS == registry.default_members
    assert registry.distribution("ascender") == "farside"
    assert builtin_entry_points(tmp_path / "pyproject.toml") == []


def test_unknown_device_lists_the_registered_ones() -> None:
    with pytest.raises(UnknownDeviceError, match="devices: sampler, ascender, relay"):
        device_registry().plugin("toaster")


def test_a_plugin_object_checks_what_it_is_given() -> None:
    with pytest.raises(ValueError, match=r"must be an import reference 'package\.module:Class'"):
        DevicePlugin(device=SAMPLER, model="firmware_sim.devices.sampler.SamplerModel")
    with pytest.raises(TypeError, match=r"must be a protocols\.dictionary\.Device"):
        DevicePlugin(device="sampler", model="firmware_sim.devices.sampler:SamplerModel")  # type: ignore[arg-type]
