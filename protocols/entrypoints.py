"""farside's entry-point groups of every installed distribution, remembered between runs.

Finding entry points with ``importlib.metadata`` costs a command about 30 ms: the module (and the ``email`` and
``zipfile`` packages it imports) and a scan of every distribution's metadata. What it finds changes only when a
distribution is installed or removed, which changes a directory on ``sys.path``; so the ``farside.*`` groups found
are kept in a small JSON file under the user's cache directory (``$XDG_CACHE_HOME/farside``, else
``~/.cache/farside``), keyed by the ``sys.path`` directories and their modification times (a few keys at once), and
read back while a key holds. A cache that cannot be read or written is ignored: the scan is the truth.
"""

from __future__ import annotations

import json
import os
import sys
import zlib
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PREFIX = "farside."
"""The entry-point groups kept: farside's own (devices, transports …)."""
CACHE_FORMAT = 2
CACHE_KEYS = 8
"""How many ``sys.path`` layouts the cache keeps (the ``farside`` script, ``python -m hil.cli`` from a few
directories, a test run …), the most recent first."""
CACHE_ENV = "XDG_CACHE_HOME"


@dataclass(frozen=True)
class PluginEntry:
    """One entry point: its name, its ``module:attribute`` reference, its group and the distribution that declares
    it (None for farside's own, read from its source tree without installed metadata)."""

    name: str
    value: str
    group: str
    distribution: str | None = None

    def load(self) -> Any:
        """The object the reference names, imported now (as ``importlib.metadata.EntryPoint.load``)."""
        from pkgutil import resolve_name

        return resolve_name(self.value)


def entry_points(group: str) -> list[PluginEntry]:
    """The entry points of ``group`` (one of farside's) of every installed distribution, in discovery order."""
    return list(_installed().get(group, []))


_found: dict[str, list[PluginEntry]] | None = None


def _installed() -> dict[str, list[PluginEntry]]:
    """farside's groups, from the cache while ``sys.path`` is as it was, else scanned (and kept in the cache)."""
    global _found
    if _found is None:
        key = path_key()
        held = _read_cache()
        _found = next((_groups(entry.get("groups")) for entry in held if entry.get("key") == key), None)
        if _found is None:
            _found = scan()
            _write_cache([_entry(key, _found), *held][:CACHE_KEYS])
    return _found


def scan(path: list[str] | None = None) -> dict[str, list[PluginEntry]]:
    """farside's groups of the distributions on ``path`` (default: every installed one, each once, as
    ``importlib.metadata.entry_points`` finds them)."""
    import importlib.metadata

    if path is None:
        everything = importlib.metadata.entry_points()
        listed = [ep for group in sorted(everything.groups) if group.startswith(PREFIX)
                  for ep in everything.select(group=group)]
    else:
        listed = [ep for dist in importlib.metadata.distributions(path=path) for ep in dist.entry_points
                  if ep.group.startswith(PREFIX)]
    found: dict[str, list[PluginEntry]] = {}
    for ep in listed:
        dist = getattr(ep, "dist", None)
        found.setdefault(ep.group, []).append(PluginEntry(ep.name, ep.value, ep.group,
                                                          None if dist is None else str(dist.name)))
    return found


def path_key() -> list[list[object]]:
    """What the cache is valid for: each ``sys.path`` directory and its modification time (ns)."""
    key: list[list[object]] = []
    for entry in sys.path:
        where = os.fsdecode(entry) if entry else os.getcwd()  # a Path or bytes some tools put there, as text
        try:
            key.append([where, os.stat(where).st_mtime_ns])
        except OSError:
            key.append([where, None])
    return key


def cache_file() -> Path:
    """This interpreter's cache file (one per ``sys.prefix``, so that environments do not evict each other)."""
    root = os.environ.get(CACHE_ENV) or os.path.join(os.path.expanduser("~"), ".cache")
    tag = f"{zlib.crc32(sys.prefix.encode('utf-8', 'surrogateescape')):08x}"
    return Path(root) / "farside" / f"entry-points-{tag}.json"


def _read_cache() -> list[dict[str, Any]]:
    """The cache's entries, most recent first (none from a missing, damaged or older cache)."""
    try:
        held = json.loads(cache_file().read_text(encoding="utf-8"))
        if held["format"] == CACHE_FORMAT and all(isinstance(entry, dict) for entry in held["entries"]):
            return list(held["entries"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return []


def _groups(rows: Any) -> dict[str, list[PluginEntry]] | None:
    """A cache entry's groups as PluginEntries (None if they are not as written)."""
    try:
        return {group: [PluginEntry(*row) for row in entries] for group, entries in rows.items()}
    except (AttributeError, TypeError):
        return None


def _entry(key: list[list[object]], found: dict[str, list[PluginEntry]]) -> dict[str, Any]:
    return {"key": key, "groups": {group: [[e.name, e.value, e.group, e.distribution] for e in entries]
                                   for group, entries in found.items()}}


def _write_cache(entries: list[dict[str, Any]]) -> None:
    """Keep these entries; written to a temporary file and renamed, so a reader never sees half of it."""
    path = cache_file()
    text = json.dumps({"format": CACHE_FORMAT, "entries": entries})
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        with suppress(OSError):
            temporary.unlink(missing_ok=True)
