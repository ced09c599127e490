"""The live status line of a real-time bench: virtual time, late cycles, and traffic and errors per port."""

from __future__ import annotations

import time
from typing import Any, TextIO

from firmware_sim.devices.base import DeviceModel
from hil.report.text import clock, sdls_rejections

PLAIN_EVERY_S = 10.0
REDRAW_EVERY_S = 0.25
LOG_SHOWN = 60
"""Characters of a board's latest log line shown on the status line."""


PORT_FIGURES = (("refused", "refused"), ("lost", "octets_discarded"), ("overflow", "overflows"))
"""Port counters shown after a port's summary once they are not zero: (label, ``PortCounters`` field)."""


def port_figures(port: Any) -> str:
    """`` refused 3 lost 120 overflow 7``: strangers turned away, octets taken for writing but lost with the peer,
    datagrams the OS dropped unread ("" when all are zero)."""
    stats = getattr(port, "stats", None)
    values = [(label, getattr(stats, field, 0)) for label, field in PORT_FIGURES]
    return "".join(f" {label} {value}" for label, value in values if value)


def port_summary(name: str, port: Any, boundary: Any) -> str:
    """``sampler up in 12 out 30 drop 0 err 0``: packets from and to the outside, frames not delivered, bad input;
    then figures that are not zero (``refused``, ``lost``, ``overflow``, a bus's ``unknown-apid``) and a board's
    latest log line (``log "RTT 412"``)."""
    state = "up" if port.up else "DOWN"
    external = getattr(boundary, "external", None)
    if external is not None:
        traffic = (f"in {external.packets_from_outside} out {external.packets_to_outside} "
                   f"drop {external.frames_dropped}")
    else:
        counters = boundary.counters
        traffic = f"cmds {counters.commands} replies {counters.board_replies} diffs {boundary.errors}"
    figures = port_figures(port) + getattr(boundary, "figures", "")
    log_line = getattr(port, "log_line", "")
    log = f" log {log_line[:LOG_SHOWN]!r}" if log_line else ""
    return f"{name} {state} {traffic} err {boundary.errors}{figures}{log}"


def bench_problems(bench: Any) -> str:
    """``links over-capacity 12 expired 1 handler-errors 0 model-errors 0`` when any is not zero, else ""."""
    ports = [port for link in bench.links.values() for port in (link.a, link.b)]
    figures = (("over-capacity", sum(link.overflow.frames for link in bench.links.values())),
               ("expired", sum(port.stats.partial_frames_expired for port in ports)),
               ("handler-errors", sum(port.stats.handler_errors for port in ports)),
               ("model-errors", sum(device.counters.internal_errors for device in bench.devices.values()
                                    if isinstance(device, DeviceModel))))
    if not any(value for _, value in figures):
        return ""
    return "links " + " ".join(f"{label} {value}" for label, value in figures)


def status_line(session: Any) -> str:
    """One line: virtual time, late cycles (worst lateness), SDLS rejections when any, then every port."""
    pacing = session.pacing
    worst_ms = pacing.max_late_ns / 1e6
    parts = [clock(session.bench.scheduler.now_s), f"late {pacing.late_cycles} (max {worst_ms:.1f} ms)"]
    radio = session.bench.radio
    if radio is not None:
        parts.append(f"space link {radio.telemetry.get('link_state', '?')}")
        link = radio.frames_link
        rejected = sdls_rejections(link.tc.sdls.stats.rejected) if link is not None and link.tc.sdls else ""
        if rejected:
            parts.append(f"sdls rejected {rejected}")
    problems = bench_problems(session.bench)
    if problems:
        parts.append(problems)
    boundaries = getattr(session, "boundaries", {})
    parts += [port_summary(name, port, boundaries[name]) for name, port in session.ports.items() if name in boundaries]
    return " | ".join(parts)


class StatusLine:
    """Redraws the status line in place on a terminal; otherwise prints it every ``PLAIN_EVERY_S`` seconds."""

    def __init__(self, stream: TextIO, session: Any) -> None:
        self.stream = stream
        self.session = session
        self.live = stream.isatty()
        self._shown_at = 0.0
        self._width = 0

    def tick(self) -> None:
        """Called often from the pacing: redraw when due."""
        now = time.monotonic()
        if now - self._shown_at < (REDRAW_EVERY_S if self.live else PLAIN_EVERY_S):
            return
        self._shown_at = now
        self._show(status_line(self.session))

    def _show(self, line: str) -> None:
        if self.live:
            self.stream.write("\r" + line.ljust(self._width))
            self._width = len(line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def event(self, text: str) -> None:
        """Print an event on its own line, above the status line."""
        if self.live:
            self.stream.write("\r" + " " * self._width + "\r")
            self._width = 0
        self.stream.write(text + "\n")
        self.stream.flush()
        self._shown_at = 0.0

    def close(self) -> None:
        """Leave the final status as a plain line."""
        if self.live:
            self.stream.write("\r" + " " * self._width + "\r")
        self.stream.write(status_line(self.session) + "\n")
        self.stream.flush()
