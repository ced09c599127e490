"""The farside pytest plugin (entry point ``pytest11``): a ``farside`` fixture giving a bench as a Procedure.

Options: ``--farside-seed N`` sets the bench seed; mark a test ``@pytest.mark.farside(scenario="bench.toml",
seed=3, sampler={...model options...})`` to build the bench from a scenario's [bench] section or with options.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from firmware_sim.procedure import Procedure


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add --farside-seed."""
    parser.addoption("--farside-seed", type=int, default=0, help="seed of the farside bench fixture")


def pytest_configure(config: pytest.Config) -> None:
    """Register the farside marker."""
    config.addinivalue_line("markers", "farside(scenario=None, seed=None, **device_options): configure the bench")


@pytest.fixture
def farside(request: pytest.FixtureRequest) -> Iterator[Procedure]:
    """A fresh emulated lander (flight-software stand-in, sampler, ascender, relay) in virtual time."""
    marker = request.node.get_closest_marker("farside")
    options = dict(marker.kwargs) if marker else {}
    scenario = options.pop("scenario", None)
    seed = options.pop("seed", None)
    if seed is None:
        seed = request.config.getoption("--farside-seed")
    if scenario is not None:
        yield Procedure.from_scenario(scenario, seed)
    else:
        yield Procedure.default(seed, **options)
