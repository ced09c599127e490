"""Fixtures for the duplex port tests: a bench that drives ports and closes them afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ports_driver import Bench


@pytest.fixture
def bench() -> Iterator[Bench]:
    """A select-loop driver; every port opened through it is closed after the test."""
    driver = Bench()
    yield driver
    driver.close()
