"""What a real-time bench asks of the host while it runs (``serve``, ``run`` on real nodes): the CLI options."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def parse_wake_latency(value: str) -> int | None:
    """Microseconds (0..2e9), or None for ``off``; BadParameter otherwise."""
    from hil.serve.host_requests import MAX_WAKE_LATENCY_US

    if value.strip().lower() == "off":
        return None
    try:
        limit = int(value)
    except ValueError:
        raise click.BadParameter(f"{value!r}: a whole number of microseconds, or off") from None
    if not 0 <= limit <= MAX_WAKE_LATENCY_US:
        raise click.BadParameter(f"{limit}: 0..{MAX_WAKE_LATENCY_US} microseconds, or off")
    return limit


def realtime_options(function: F) -> F:
    """Add ``--wake-latency MICROSECONDS|off`` (default 0; passed as ``wake_latency_us``, None for off) and
    ``--rt-priority N`` (default none; passed as ``rt_priority``)."""
    function = click.option(
        "--rt-priority", "rt_priority", type=click.IntRange(1, 99), metavar="1..99",
        help="a bench with real nodes: run its loop at this SCHED_FIFO real-time priority (needs root or "
             "CAP_SYS_NICE), so that other work on the machine cannot delay a TC's answer; default: normal")(function)
    return click.option(
        "--wake-latency", "wake_latency_us", default="0", show_default=True, metavar="MICROSECONDS|off",
        callback=lambda _ctx, _param, value: parse_wake_latency(value),
        help="a bench with real nodes: while it runs, ask Linux (PM QoS, /dev/cpu_dma_latency, needs root) to keep "
             "CPU wake-up latency at most this; off leaves the machine's power management alone")(function)
