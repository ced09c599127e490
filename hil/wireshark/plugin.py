"""The Lua dissector farside ships: where it is, and copying it into the user's Wireshark plugin folder."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from hil.errors import HilError

PLUGIN_NAME = "farside.lua"


def plugin_path() -> Path:
    """The shipped dissector file."""
    return Path(str(resources.files("hil.wireshark").joinpath(PLUGIN_NAME)))


def user_plugin_folder() -> Path:
    """Wireshark's personal plugin folder on Linux and macOS: ~/.local/lib/wireshark/plugins/ (Lua files load
    from it directly, whatever the Wireshark version)."""
    return Path.home() / ".local" / "lib" / "wireshark" / "plugins"


def install_plugin(folder: Path | None = None) -> Path:
    """Copy the dissector into ``folder`` (default: the user's plugin folder), creating it; the installed path."""
    target_folder = user_plugin_folder() if folder is None else folder
    try:
        target_folder.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copyfile(plugin_path(), target_folder / PLUGIN_NAME))
    except OSError as exc:
        raise HilError(f"cannot install the Wireshark plugin into {target_folder}: {exc.strerror}") from None
