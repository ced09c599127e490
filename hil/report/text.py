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


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} s"


def space_link_lines(link: dict[str, Any] | None) -> list[str]:
    """The space link in three lines (passes, downlink, uplink and COP-1), with one more for what reached a real
    ground system's outlet and one for SDLS on a secured link."""
    if not link:
        return []
    passes = link["passes"]
    head = f"space link ({link['mode']}): {passes} pass{'' if passes == 1 else 'es'}, {link['link_up_hours']:.1f} h up"
    down = f"  down {link['packets_down']:,} packets, {link['bytes_down']:,} octets"
    if link["mode"] == "frames":
        fer = link.get("frame_error_rate")
        down += (f" in {link['frames_sent']:,} frames (SCID {link['spacecraft_id']}, {link['tm_frame_length']} "
                 f"octets); frame error rate {'—' if fer is None else f'{fer:.2e}'}, "
                 f"{link.get('frame_gaps') or 0} gaps")
    mean = link.get("latency_mean_s")
    down += "; latency —" if mean is None else f"; latency {_seconds(mean)} mean"
    if link.get("latency_max_s") is not None:
        down += f", {_seconds(link['latency_max_s'])} max"
    up = f"  up {link['tcs_delivered']:,} TCs delivered"
    if link["mode"] == "frames":
        unit = "TC frames" if link.get("ground_tc_format") == "frames" else "CLTUs"
        up += (f" in {link['cltus_sent']:,} {unit}{cltu_outcomes(link.get('cltu_outcomes'))}; "
               f"COP-1 retransmissions {link.get('cop1_retransmissions') or 0}"
               f", corrected bits {link.get('cltu_corrected_bits') or 0}")
    return [head, down, *outlet_lines(link), up, *security_lines(link)]


def _reasons(counts: dict[str, int]) -> str:
    """``unknown-spi 197, crc 2``: the counts that are not zero, per reason ("" when none)."""
    return ", ".join(f"{reason} {count:,}" for reason, count in counts.items() if count)


def cltu_outcomes(outcomes: dict[str, Any] | None) -> str:
    """``: 0 accepted, 199 rejected (length 2, unknown-spi 197), 1 lost (no-start-sequence 1)``: every CLTU sent,
    accounted for ("" without the figures, or when none was sent)."""
    if not outcomes or not outcomes["sent"]:
        return ""
    parts = [f"{outcomes['accepted']:,} accepted"]
    for kind in ("rejected", "lost"):
        total = sum(outcomes[kind].values())
        if total:
            parts.append(f"{total:,} {kind} ({_reasons(outcomes[kind])})")
    if outcomes.get("in_flight"):
        parts.append(f"{outcomes['in_flight']:,} in flight")
    return ": " + ", ".join(parts)


def outlet_lines(link: dict[str, Any]) -> list[str]:
    """``  ground outlet: 0 CADUs sent to the ground system, 2 dropped (ground down or not taking them), 1 in flight
    when the run ended`` with a real ground system, else nothing."""
    outlet = link.get("ground_outlet")
    if not outlet:
        return []
    line = f"  ground outlet: {outlet['sent']:,} {outlet['unit']} sent to the ground system"
    if outlet["dropped"]:
        line += f", {outlet['dropped']:,} dropped (ground down or not taking them)"
    if outlet.get("in_flight"):
        line += f", {outlet['in_flight']:,} in flight when the run ended"
    return [line]


def security_lines(link: dict[str, Any]) -> list[str]:
    """``  SDLS 41 secured frames verified; rejected bad-mac 3, replayed 2`` on a secured link, else nothing."""
    if "sdls_accepted" not in link:
        return []
    rejected = sdls_rejections(link["sdls_rejected"])
    return [f"  SDLS {link['sdls_accepted']:,} secured frames verified; "
            + (f"rejected {rejected}" if rejected else "none rejected")]


def sdls_rejections(rejected: dict[str, int]) -> str:
    """``bad-mac 3, replayed 2``: the SDLS rejections that are not zero, per reason ("" when none)."""
    return _reasons(rejected)


_LINK_PROBLEMS = (("frames_over_capacity", "frames over capacity dropped"),
                  ("ranges_skipped", "bad input ranges skipped"),
                  ("partial_frames_expired", "partial frames expired"),
                  ("handler_errors", "handler errors"))


def bad_input_lines(summary: dict[str, Any]) -> list[str]:
    """One line per link or device that met bad input or overload (none when all was clean)."""
    lines = []
    for name, link in summary.get("links", {}).items():
        found = [f"{link[key]:,} {label}" for key, label in _LINK_PROBLEMS if link.get(key)]
        if found:
            lines.append(f"  link {name}: {', '.join(found)}")
    for name, counters in summary.get("devices", {}).items():
        if counters.get("internal_errors"):
            lines.append(f"  {name}: {counters['internal_errors']} commands hit a model error "
                         f"(last: {counters['last_internal_error']})")
    return ["bad input and overload:", *lines] if lines else []


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
    lines += space_link_lines(summary.get("space_link"))
    lines += bad_input_lines(summary)
    if summary["faults"]:
        lines.append("faults injected:")
        for fault in summary["faults"]:
            lines.append(f"  {clock(fault['at_s'])}  {fault['target']}: {fault['fault']} {fault['params'] or ''}")
    lines += verdict_lines(summary)
    for error in summary["errors"]:
        lines.append(f"error: {error}")
    speed = summary["speed"]
    lines.append(f"digest {summary['digest']}")
    lines.append(f"virtual {summary['virtual_time_s'] / 3600:.2f} h in {summary['wall_time_s']:.1f} s wall"
                 + (f" — {speed:,.0f}× real time" if speed else "")
                 + ("  (interrupted)" if summary["interrupted"] else ""))
    return lines


def verdict_lines(summary: dict[str, Any]) -> list[str]:
    """How far the timeline got, each expectation's verdict and the run's outcome (``farside run`` and ``farside
    serve`` both print these)."""
    return [*_timeline_lines(summary["steps"]), *_expectation_lines(summary["expectations"]), outcome_line(summary)]


def _timeline_lines(steps: dict[str, Any]) -> list[str]:
    """How far the timeline got, and its steps that went wrong (the first ten)."""
    problems = steps["problems"]
    counts = [f"{steps['completed']}/{steps['total']} steps completed"]
    if steps.get("in_progress"):
        counts.append(f"{steps['in_progress']} in progress")
    if steps.get("not_reached"):
        counts.append(f"{steps['not_reached']} not reached when the run ended")
    if problems:
        counts.append(f"{len(problems)} with problems")
    lines = ["timeline: " + ", ".join(counts)]
    for step in problems[:10]:
        detail = f": {step['detail']}" if step["detail"] else ""
        lines.append(f"  line {step['line']}: {step['device']} {step['command']}: {step['outcome']}{detail}")
    return lines


def _expectation_lines(expectations: list[dict[str, Any]]) -> list[str]:
    """Each expectation's verdict: PASS, FAIL, or OPEN when the run ended before it could be judged (before its
    deadline, or before the scenario's end for one checked at the end)."""
    passed = sum(e["passed"] for e in expectations)
    lines = [f"expectations: {passed}/{len(expectations)} passed{_open_counts(expectations)}"]
    for e in expectations:
        if e.get("open"):
            mark = "OPEN"
            when = ", checked at the end" if e["due_s"] is None else f", due by {clock(e['due_s'])}"
        else:
            mark = "PASS" if e["passed"] else "FAIL"
            when = f" at {clock(e['decided_s'])}" if e["decided_s"] is not None else ""
        lines.append(f"  {mark}  {e['name']}{when}{'  — ' + e['detail'] if e['detail'] else ''}")
    return lines


def _open_counts(expectations: list[dict[str, Any]]) -> str:
    """``, 5 open (not judged when the run ended: 2 before their deadlines, 3 before the scenario's end, where they
    are checked)``, or "" when none is open."""
    still_open = [e for e in expectations if e.get("open")]
    due = sum(e["due_s"] is not None for e in still_open)
    at_end = len(still_open) - due
    reasons = []
    if due:
        reasons.append(f"{due} before {'its deadline' if due == 1 else 'their deadlines'}")
    if at_end:
        reasons.append(f"{at_end} before the scenario's end, where {'it is' if at_end == 1 else 'they are'} checked")
    return f", {len(still_open)} open (not judged when the run ended: {', '.join(reasons)})" if still_open else ""


def outcome_line(summary: dict[str, Any]) -> str:
    """``outcome: PASSED``, ``outcome: FAILED (…)`` or ``outcome: OPEN (…)``: none failed, but not passed either."""
    expectations = summary["expectations"]
    outcome = summary["outcome"]
    if outcome == "passed":
        return "outcome: PASSED"
    if outcome == "failed":
        failed = sum(not e["passed"] and not e.get("open") for e in expectations)
        return f"outcome: FAILED ({failed} expectation{'' if failed == 1 else 's'} failed)"
    still_open = sum(bool(e.get("open")) for e in expectations)
    why = (f"{still_open} expectation{' is' if still_open == 1 else 's are'} not judged yet" if still_open
           else "the run was interrupted")
    return f"outcome: OPEN (not passed, none failed: {why})"
