"""Shared fixtures for real-time bench tests: `farside serve` as a separate process, TC builders."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from serve_driver import Commands, Served, start_serve


@pytest.fixture
def commands() -> Commands:
    """A fresh TC builder."""
    return Commands()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Any]:
    """A factory for `farside serve` processes, killed at the end of the test if still running."""
    started: list[Served] = []

    def start(*args: str) -> Served:
        served = start_serve(tmp_path, *args)
        started.append(served)
        return served

    yield start
    for served in started:
        if served.process.poll() is None:
            served.process.kill()
            served.process.communicate()
