"""The run summary: phases, key figures, packets per APID, the space link, faults, expectations, digest, speed."""

from __future__ import annotations

from typing import Any

from firmware_sim.devices.base import DeviceModel
from firmware_sim.runner import RunResult
from firmware_sim.spacelink.report import link_summary

NS_PER_S = 1e9
FIGURE_KEYS = ("drill_depth_m", "sample_mass_g", "burn_time_s", "orbit_periapsis_km", "orbit_apoapsis_km")


def _phases(result: RunResult, end_ns: int) -> list[dict[str, Any]]:
    phases = []
    for i, (name, start) in enumerate(result.phases):
        stop = result.phases[i + 1][1] if i + 1 < len(result.phases) else end_ns
        phases.append({"name": name, "start_s": start / NS_PER_S, "duration_s": (stop - start) / NS_PER_S})
    return phases


def _figures(result: RunResult) -> dict[str, Any]:
    per_device = {name: model.figures() for name, model in result.bench.devices.items()}
    figures: dict[str, Any] = {key: None for key in FIGURE_KEYS}
    for values in per_device.values():
        for key in FIGURE_KEYS:
            if key in values:
                figures[key] = values[key]
    figures["devices"] = per_device
    return figures


def _links(result: RunResult) -> dict[str, Any]:
    links = {}
    for name, link in result.bench.links.items():
        a, b = link.a, link.b
        links[name] = {
            "baud": link.baud,
            "framing": a.framing,
            "packets_to_device": a.stats.packets_out,
            "packets_from_device": b.stats.packets_out,
            "octets": a.stats.octets_out + b.stats.octets_out,
            "octets_skipped": a.deframer_stats.octets_skipped + b.deframer_stats.octets_skipped,
            "frames_dropped": link.faults.frames_dropped,
            "frames_corrupted": link.faults.frames_corrupted,
            "frames_over_capacity": link.overflow.frames,
            "ranges_skipped": a.deframer_stats.ranges_skipped + b.deframer_stats.ranges_skipped,
            "partial_frames_expired": a.stats.partial_frames_expired + b.stats.partial_frames_expired,
            "handler_errors": a.stats.handler_errors + b.stats.handler_errors,
        }
    return links


def _device_counters(model: DeviceModel) -> dict[str, Any]:
    counters = vars(model.counters).copy()
    counters["failures"] = dict(counters["failures"])
    return counters


def build_summary(result: RunResult) -> dict[str, Any]:
    """The summary as a JSON-ready dict (the contract of ``summary.json``)."""
    bench = result.bench
    end_ns = bench.scheduler.now_ns
    virtual_s = end_ns / NS_PER_S
    wall_s = result.wall_time_s
    names = {d.apid: d.name for d in bench.dictionary.devices}
    steps = [{"line": s.step.line, "device": s.step.device, "command": s.step.command, "outcome": s.outcome,
              "at_s": None if s.fired_ns is None else s.fired_ns / NS_PER_S, "detail": s.detail}
             for s in result.steps]
    return {
        "scenario": result.scenario.name,
        "seed": bench.seed,
        "start_utc": result.scenario.start_utc,
        "digest": bench.digest.hexdigest(),
        "virtual_time_s": virtual_s,
        "wall_time_s": wall_s,
        "speed": virtual_s / wall_s if wall_s > 0 else None,
        "interrupted": result.interrupted,
        "passed": result.passed,
        "outcome": result.outcome,
        "phases": _phases(result, end_ns),
        "figures": _figures(result),
        "packets": {f"{names.get(apid, 'apid')}:0x{apid:03X}": count
                    for apid, count in sorted(bench.digest.per_apid.items())},
        "packets_total": bench.digest.total,
        "faults": [{"at_s": t / NS_PER_S, "target": target, "fault": fault, "params": params}
                   for t, target, fault, params in result.faults],
        "expectations": [{"name": e.expectation.name, "passed": bool(e.passed),
                          "decided_s": None if e.decided_ns is None else e.decided_ns / NS_PER_S,
                          "due_s": None if e.expectation.before_ns is None else e.expectation.before_ns / NS_PER_S,
                          "open": e.open, "detail": e.detail} for e in result.expectations],
        "steps": {"total": len(steps), "completed": sum(s["outcome"] == "completed" for s in steps),
                  "in_progress": sum(s["outcome"] == "sent" for s in steps),
                  "not_reached": sum(s["outcome"] == "pending" for s in steps),
                  "problems": [s for s in steps if s["outcome"] not in ("completed", "sent", "pending")]},
        "links": _links(result),
        "space_link": link_summary(bench.radio, bench.space_link, bench.ground),
        "flight_software": vars(bench.fsw.counters).copy(),
        "devices": {name: _device_counters(model) for name, model in bench.devices.items()
                    if isinstance(model, DeviceModel)},
        "events": len(bench.store.events),
        "errors": list(result.errors),
    }
