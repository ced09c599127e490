"""Built-in scenarios shipped with farside (the reference mission runs by default)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from firmware_sim.errors import ConfigurationError

REFERENCE = "reference"


def builtin_names() -> list[str]:
    """Names of the built-in scenarios."""
    return sorted(p.name[:-5] for p in resources.files(__name__).iterdir() if p.name.endswith(".toml"))


def builtin_path(name: str) -> Path:
    """The file of a built-in scenario."""
    if name not in builtin_names():
        raise ConfigurationError(f"no built-in scenario {name!r}; built-in: {', '.join(builtin_names())}")
    return Path(str(resources.files(__name__).joinpath(f"{name}.toml")))


def scenario_path(scenario: str | None) -> Path:
    """The file a scenario argument names: a path, a built-in's name, or (None) the reference mission."""
    if scenario is None:
        return builtin_path(REFERENCE)
    path = Path(scenario)
    if not path.exists() and scenario in builtin_names():
        return builtin_path(scenario)
    return path
