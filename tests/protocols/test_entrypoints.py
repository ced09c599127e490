"""farside's entry points: found through installed metadata, remembered between processes, rescanned on a change."""

import json
import os
import subprocess
import sys
from pathlib import Path

from protocols.entrypoints import PluginEntry, scan

PROBE = """
import json, sys
from protocols.entrypoints import entry_points
found = entry_points("farside.devices")
print(json.dumps({"names": [e.name for e in found], "distributions": sorted({str(e.distribution) for e in found}),
                  "scanned": "importlib.metadata" in sys.modules}))
"""


def add_distribution(site: Path, name: str, **entries: str) -> None:
    """Install a distribution's metadata (only) under ``site``, with these farside.devices entry points."""
    info = site / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    groups = "[farside.devices]\n" + "".join(f"{k} = {v}\n" for k, v in entries.items())
    (info / "entry_points.txt").write_text(groups + "[console_scripts]\nzoo = zoo:main\n")


def probe(site: Path, cache: Path) -> dict[str, object]:
    """What a fresh process that sees ``site`` finds, and whether it had to scan the installed metadata."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), *sys.path[1:]]), "XDG_CACHE_HOME": str(cache)}
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60,
                          check=True)
    return json.loads(done.stdout)


def test_scan_finds_only_farsides_groups_with_the_declaring_distribution(tmp_path: Path) -> None:
    add_distribution(tmp_path, "farside-zoo", zebra="farside_zoo:PLUGIN")
    assert scan([str(tmp_path)]) == {
        "farside.devices": [PluginEntry("zebra", "farside_zoo:PLUGIN", "farside.devices", "farside-zoo")]}


def test_a_second_process_reads_the_cache_and_an_install_is_seen_at_once(tmp_path: Path) -> None:
    site, cache = tmp_path / "site", tmp_path / "cache"
    site.mkdir()
    first = probe(site, cache)
    assert first["scanned"] and {"sampler", "ascender", "relay"} <= set(first["names"])
    again = probe(site, cache)
    assert again == {**first, "scanned": False}  # no metadata scan: importlib.metadata never imported
    add_distribution(site, "farside-zoo", zebra="farside_zoo:PLUGIN")
    installed = probe(site, cache)
    assert installed["scanned"] and "zebra" in installed["names"] and "farside-zoo" in installed["distributions"]
    assert probe(site, cache) == {**installed, "scanned": False}


def test_processes_with_different_paths_each_keep_their_entry(tmp_path: Path) -> None:
    cache, sites = tmp_path / "cache", [tmp_path / "a", tmp_path / "b"]
    for site in sites:
        site.mkdir()
    add_distribution(sites[1], "farside-zoo", zebra="farside_zoo:PLUGIN")
    first = [probe(site, cache) for site in sites]
    assert all(found["scanned"] for found in first) and "zebra" in first[1]["names"]
    assert [probe(site, cache) for site in sites] == [{**found, "scanned": False} for found in first]


def test_a_damaged_or_unwritable_cache_is_ignored(tmp_path: Path) -> None:
    site, cache = tmp_path / "site", tmp_path / "cache"
    add_distribution(site, "farside-zoo", zebra="farside_zoo:PLUGIN")
    first = probe(site, cache)
    (written,) = (cache / "farside").iterdir()
    written.write_text('{"format": 2, "entries": [{"key": ')
    assert probe(site, cache) == first  # scanned again, and rewritten whole
    assert json.loads(written.read_text())["entries"][0]["groups"]["farside.devices"]
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    assert probe(site, blocked) == first  # the cache directory cannot be made: every process scans
