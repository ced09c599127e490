"""The farside pytest plugin (entry point ``pytest11``): a ``farside`` fixture giving a bench as a Procedure.

Options: ``--farside-seed N`` sets the bench seed. Mark a test ``@pytest.mark.farside(scenario="bench.toml",
seed=3)`` to build the bench from a scenario's [bench] section, ``@pytest.mark.farside(device="sampler",
baud=9600, options={...})`` for a one-device bench, or ``@pytest.mark.farside(sampler={...model options...})``
for the default bench with options.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hil.procedure import Procedure


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add --farside-seed."""
    parser.addoption("--farside-seed", type=int, default=0, help="seed of the farside bench fixture")


def pytest_configure(config: pytest.Config) -> None:
    """Register the farside marker."""
    config.addinivalue_line("markers", "farside(scenario=None, device=None, seed=None, **options): "
                                       "configure the bench")


@pytest.fixture
def farside(request: pytest.FixtureRequest) -> Iterator[Procedure]:
    """A fresh emulated lander (flight-software stand-in and devices) driven as a Procedure in virtual time."""
    marker = request.node.get_closest_marker("farside")
    options = dict(marker.kwargs) if marker else {}
    scenario = options.pop("scenario", None)
    device = options.pop("device", None)
    seed = options.pop("seed", None)
    if seed is None:
        seed = request.config.getoption("--farside-seed")
    if scenario is not None:
        yield Procedure.from_scenario(scenario, seed)
    elif device is not None:
        yield Procedure.for_device(device, seed=seed, **options)
    else:
        yield Procedure.default(seed, **options)
