"""The run summary as lines of text for the terminal."""

from __future__ import annotations

from typing import Any


def clock(seconds: float) -> str:
    """T+HH:MM:SS for a virtual time in seconds."""
    whole = int(seconds)
    return f"T+{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def _figure(value: Any, unit: str) -> str:
    if value is None:
        return "—"
    return f"{value:,.1f} {unit}" if isinstance(value, float) else f"{value} {unit}"


def summary_lines(summary: dict[str, Any]) -> list[str]:
    """Phases, key figures, packets per APID, faults, expectations, digest and speed."""
    lines = [f"scenario {summary['scenario']}  seed {summary['seed']}  T0 {summary['start_utc']}"]
    if summary["phases"]:
        lines.append("phases:")
        for phase in summary["phases"]:
            lines.append(f"  {clock(phase['start_s'])}  {phase['duration_s'] / 3600:7.2f} h  {phase['name']}")
    f = summary["figures"]
    lines.append("figures:")
    lines.append(f"  drill depth {_figure(f['drill_depth_m'], 'm')}   sample mass {_figure(f['sample_mass_g'], 'g')}")
    lines.append(f"  burn time {_figure(f['burn_time_s'], 's')}   orbit {_figure(f['orbit_periapsis_km'], 'km')} × "
                 f"{_figure(f['orbit_apoapsis_km'], 'km')}")
    packets = ", ".join(f"{k} {v:,}" for k, v in summary["packets"].items())
    lines.append(f"packets: {packets} (all links: {summary['packets_total']:,})")
    if summary["faults"]:
        lines.append("faults injected:")
        for fault in summary["faults"]:
            lines.append(f"  {clock(fault['at_s'])}  {fault['target']}: {fault['fault']} {fault['params'] or ''}")
    problems = summary["steps"]["problems"]
    lines.append(f"timeline: {summary['steps']['completed']}/{summary['steps']['total']} steps completed"
                 + (f", {len(problems)} with problems" if problems else ""))
    for step in problems[:10]:
        lines.append(f"  line {step['line']}: {step['device']} {step['command']}: {step['outcome']} {step['detail']}")
    passed = sum(e["passed"] for e in summary["expectations"])
    lines.append(f"expectations: {passed}/{len(summary['expectations'])} passed")
    for e in summary["expectations"]:
        mark = "PASS" if e["passed"] else "FAIL"
        when = f" at {clock(e['decided_s'])}" if e["decided_s"] is not None else ""
        lines.append(f"  {mark}  {e['name']}{when}{'  — ' + e['detail'] if e['detail'] else ''}")
    for error in summary["errors"]:
        lines.append(f"error: {error}")
    speed = summary["speed"]
    lines.append(f"digest {summary['digest']}")
    lines.append(f"virtual {summary['virtual_time_s'] / 3600:.2f} h in {summary['wall_time_s']:.1f} s wall"
                 + (f" — {speed:,.0f}× real time" if speed else "")
                 + ("  (interrupted)" if summary["interrupted"] else ""))
    return lines
