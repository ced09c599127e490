"""A real-time session at the terminal: endpoints printed, status line, signals stop it, ports closed at the end."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from firmware_sim.scenario.model import Scenario
from hil.serve.host_requests import hold_wake_latency, raise_rt_priority
from hil.serve.session import ServeSession
from hil.serve.status import StatusLine

SIGNAL_REASONS = {signal.SIGINT: "interrupted (Ctrl-C)", signal.SIGTERM: "terminated (SIGTERM)"}


def serve_scenario(scenario: Scenario, bench_file: str | Path | None, *, seed: int | None = None, speed: float = 1.0,
                   duration: float | None = None, record_path: Path | None = None,
                   endpoints_path: Path | None = None, quiet: bool = False,
                   endpoints_to_stderr: bool = False,
                   board_log_path: Callable[[str], Path] | None = None,
                   wake_latency_us: int | None = 0, rt_priority: int | None = None,
                   watch: list[str] | None = None) -> ServeSession:
    """Open a real-time session, print its endpoints, run it until it ends or a signal stops it, close it.

    ``board_log_path(port name)`` says where the log of a board behind a port is written. While it serves, the
    session asks Linux to keep CPU wake-up latency at most ``wake_latency_us`` (None: leaves it alone) and runs its
    loop at SCHED_FIFO ``rt_priority`` (None: normal priority). Returns the closed session; a bad bench or a port
    that cannot open raises (SimError, HilError), and so does a board that exited while the bench needed it
    (BoardError, once everything is closed). ``watch``: the ``device.parameter`` histories to keep (for plots).
    """
    session = ServeSession(scenario, seed=seed, speed=speed, watch=watch)
    session.board_log_path = board_log_path
    status = StatusLine(sys.stderr, session)
    session.notify = status.event
    endpoints = session.open()
    previous = {number: signal.signal(number, lambda n, _f: session.stop(SIGNAL_REASONS[n]))
                for number in SIGNAL_REASONS}  # from here on a signal stops the session cleanly, even before it serves
    try:
        if endpoints_path is not None:
            session.write_endpoints(endpoints_path)
        for name, endpoint in endpoints.items():
            click.echo(f"{name:<16} {endpoint}", err=endpoints_to_stderr)
        sys.stdout.flush()
        warn_exposed(session.ports)
        if record_path is not None:
            from hil.recording.header import serve_header

            session.record(record_path, serve_header(scenario, bench_file and str(bench_file), session.bench.seed,
                                                     speed))
        session.pacing.take_signals()
        asked = ([] if wake_latency_us is None else [hold_wake_latency(wake_latency_us)]) + (
            [] if rt_priority is None else [raise_rt_priority(rt_priority)])
        for request in asked:
            click.echo(f"farside: {request.describe()}", err=True)
        try:
            session.serve(duration, tick=None if quiet else status.tick)
        finally:
            for request in reversed(asked):
                request.release()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        session.close()
    if not quiet:
        status.close()
    for path in session.board_logs.values():
        click.echo(f"wrote {path}", err=True)
    if session.failure is not None:
        raise session.failure
    return session


def board_log_beside(record_path: Path | None) -> Callable[[str], Path] | None:
    """Where a board's log goes with a recording: ``REC.board-NAME.log`` beside it (None without a recording)."""
    if record_path is None:
        return None
    return lambda name: record_path.with_name(f"{record_path.stem}.board-{name}.log")


def warn_exposed(ports: dict[str, Any]) -> None:
    """One warning line per port other machines can reach (bound to anything but loopback)."""
    for name, port in ports.items():
        reach = getattr(port, "exposure", "")
        if reach:
            click.echo(f"farside: warning: {name} {reach}, reachable from other machines", err=True)
