"""Shared fixtures for the replay tests: a loopback UDP receiver that stops by itself."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from replay_packets import UdpReceiver


@pytest.fixture
def udp_receiver() -> Iterator[type[UdpReceiver]]:
    """The receiver class; every receiver made through it is closed after the test."""
    made: list[UdpReceiver] = []

    def make(count: int, idle_s: float = 2.0) -> UdpReceiver:
        receiver = UdpReceiver(count, idle_s)
        made.append(receiver)
        return receiver

    yield make  # type: ignore[misc]
    for receiver in made:
        receiver.sock.close()
