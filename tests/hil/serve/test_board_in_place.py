"""A separate process plays the sampler board on a pty; the bench uses it instead of the model, across an unplug."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from firmware_sim.scenario import parse_scenario
from hil.serve.session import ServeSession

RESPONDER = Path(__file__).with_name("board_responder.py")
PINGS = 16


def pings(count: int, every: str) -> str:
    """Timeline steps: ``count`` pings of the sampler, one every ``every``, each given 1 s to complete."""
    first = '[[timeline]]\nat = "T+1s"\ndevice = "sampler"\ncommand = "ping"\ntimeout = "1s"\n'
    rest = f'[[timeline]]\nafter = "{every}"\ndevice = "sampler"\ncommand = "ping"\ntimeout = "1s"\n'
    return first + rest * (count - 1)


@pytest.fixture
def board(tmp_path: Path, request: pytest.FixtureRequest):
    """Start the responder with the test's arguments; yields (link path, process)."""
    started: list[subprocess.Popen[str]] = []

    def start(*args: str) -> tuple[str, subprocess.Popen[str]]:
        link = str(tmp_path / f"board{len(started)}.tty")
        process = subprocess.Popen([sys.executable, str(RESPONDER), link, *args], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, text=True)
        started.append(process)
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        return link, process

    yield start
    for process in started:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=10)


def test_bench_uses_a_real_board_and_survives_its_unplugging(board) -> None:
    link, _process = board("--unplug-after", "4", "--unplug-for", "0.8")
    bench = f'[scenario]\nname = "board"\nduration = "14s"\n[bench.nodes]\nsampler = "{link}"\n'
    scenario = parse_scenario(bench + pings(PINGS, "0.25s"))
    session = ServeSession(scenario, speed=4.0)
    endpoints = session.open()
    assert endpoints == {"sampler": link}
    try:
        session.serve(seconds=30)
    finally:
        session.close()
    outcomes = [step.outcome for step in session.run.steps]
    assert session.stop_reason == "scenario finished", outcomes
    assert outcomes[:4] == ["completed"] * 4, outcomes
    assert "timed-out" in outcomes
    assert outcomes[-3:] == ["completed"] * 3
    assert any("sampler down" in event for event in session.events)
    assert any("sampler up" in event for event in session.events)
    link_stats = session.bench.links["sampler"].b.external
    assert link_stats.packets_from_outside >= 3 * (4 + 3)
    assert "sampler" not in session.bench.devices  # no model stood in for the board


def test_garbage_from_the_board_is_skipped_and_counted(board) -> None:
    link, _ = board()
    bench = f'[scenario]\nname = "garbage"\nduration = "3s"\n[bench.nodes]\nsampler = "{link}"\n'
    session = ServeSession(parse_scenario(bench + pings(3, "0.2s")), speed=2.0)
    session.open()
    port = session.bench.links["sampler"].b
    port.inject(b"\x00\xff line noise \x1a\xcf")
    try:
        session.serve(seconds=20)
    finally:
        session.close()
    assert [step.outcome for step in session.run.steps] == ["completed"] * 3
    assert port.errors >= 1
