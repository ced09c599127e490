"""The farside pytest plugin (entry point ``pytest11``): a ``farside`` fixture giving a bench as a Procedure.

Options: ``--farside-seed N`` sets the bench seed. Mark a test ``@pytest.mark.farside(scenario="bench.toml",
seed=3)`` to build the bench from a scenario's [bench] section (a relative path is the test file's neighbour),
``@pytest.mark.farside(device="sampler", baud=9600, options={...})`` for a one-device bench, or
``@pytest.mark.farside(sampler={...model options...})`` for the default bench with options. A marker argument
the chosen bench does not take is a usage error naming it.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from firmware_sim.seeds import check_seed
from hil.procedure import Procedure

SCENARIO_KEYS = ("seed",)
"""What ``scenario=`` may come with: the scenario file configures everything else."""
DEVICE_KEYS = ("seed", "options", "model", "baud", "framing", "clock_hz", "start_utc")
"""What ``device=`` may come with: ``Procedure.for_device``'s keywords."""


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add --farside-seed."""
    parser.addoption("--farside-seed", type=_seed_option, default=None,
                     help="seed of the farside bench fixture (default: a scenario's own seed, else 0)")


def pytest_configure(config: pytest.Config) -> None:
    """Register the farside marker."""
    config.addinivalue_line("markers", "farside(scenario=None, device=None, seed=None, **options): "
                                       "configure the bench")


@pytest.fixture
def farside(request: pytest.FixtureRequest) -> Iterator[Procedure]:
    """A fresh emulated lander (flight-software stand-in and devices) driven as a Procedure in virtual time."""
    marker = request.node.get_closest_marker("farside")
    if marker is not None and marker.args:
        raise pytest.UsageError(f"@pytest.mark.farside{marker.args!r}: the marker takes keyword arguments only, "
                                f"e.g. device={marker.args[0]!r} or scenario=...")
    options = dict(marker.kwargs) if marker else {}
    scenario, device = options.pop("scenario", None), options.pop("device", None)
    seed = options.get("seed", request.config.getoption("--farside-seed"))
    options.pop("seed", None)
    if seed is not None:
        seed = _seed_argument(seed)
    if scenario is not None and device is not None:
        raise pytest.UsageError("@pytest.mark.farside takes scenario= or device=, not both: a scenario's [bench] "
                                "names its devices (members = [...])")
    if scenario is not None:
        _only(options, SCENARIO_KEYS, "scenario=", "seed= (the scenario file configures the bench)")
        yield Procedure.from_scenario(_beside(request, scenario), seed)
    elif device is not None:
        _only(options, DEVICE_KEYS, "device=", f"the for_device keywords {', '.join(DEVICE_KEYS)}")
        yield Procedure.for_device(device, seed=seed or 0, **options)
    else:
        yield Procedure.default(seed or 0, **_device_options(options))


def _only(options: Mapping[str, Any], allowed: tuple[str, ...], chosen: str, takes: str) -> None:
    """Refuse the marker arguments the chosen bench does not take."""
    extra = sorted(set(options) - set(allowed))
    if extra:
        raise pytest.UsageError(f"@pytest.mark.farside({chosen}...) does not take {', '.join(extra)}: "
                                f"with {chosen} the marker takes {takes}; model options per device "
                                f"(sampler={{...}}) go without scenario= or device=")


def _device_options(options: dict[str, Any]) -> dict[str, Any]:
    """The default bench's model options: every other marker argument must be named after a device."""
    from protocols.dictionary import default_dictionary

    devices = default_dictionary().names
    extra = sorted(set(options) - set(devices))
    if extra:
        raise pytest.UsageError(f"@pytest.mark.farside does not take {', '.join(extra)}: it takes scenario=, "
                                f"device= (with {', '.join(DEVICE_KEYS[1:])}), seed=, or model options named "
                                f"after a device ({', '.join(devices)})")
    return options


def _beside(request: pytest.FixtureRequest, scenario: str | Path) -> Path:
    """A scenario path, relative ones taken from the test file's directory."""
    return Path(request.node.path).parent / scenario


def _seed_argument(seed: object) -> int:
    try:
        return check_seed(seed)
    except ValueError as exc:
        raise pytest.UsageError(f"farside: {exc}") from None


def _seed_option(text: str) -> int:
    """``--farside-seed``'s value (argparse reports the message)."""
    try:
        return check_seed(int(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc) if "seed" in str(exc) else f"{text!r} is not a seed") from None
