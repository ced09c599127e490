"""A link offered more than its baud rate carries drops the overflow and counts it; memory and latency stay bounded."""

from __future__ import annotations

from firmware_sim.bench import Bench
from firmware_sim.engine.link import MAX_BACKLOG_NS
from hil.procedure import Procedure


def _flood_housekeeping(p: Procedure) -> None:
    """The drill set every cycle, bypassing the device's own capacity check (a model that overruns its UART)."""
    device = p.model("sampler")
    sid = device.definition.hk_set("drill").sid
    p.bench.scheduler.every(1, lambda: device.report_hk(sid))


def test_overflow_is_dropped_and_counted_and_the_event_heap_stays_flat() -> None:
    p = Procedure.for_device("sampler")
    scheduler, link = p.bench.scheduler, p.bench.links["sampler"]
    _flood_housekeeping(p)
    p.run(5)
    pending_after_5s = len(scheduler._heap)
    p.run(20)
    assert link.overflow.frames > 0 and link.overflow.frames == link.overflow.frames_b_to_a
    assert len(scheduler._heap) <= pending_after_5s + 5, "scheduled deliveries grow with time"
    assert link.octet_time_ns(link.overflow.octets // link.overflow.frames) < MAX_BACKLOG_NS


def test_a_ping_is_answered_within_a_second_of_link_time_while_the_link_is_saturated() -> None:
    p = Procedure.for_device("sampler")
    _flood_housekeeping(p)
    p.run(30)
    sent_ns = p.bench.scheduler.now_ns
    ping = p.send("sampler", "ping", ack=0x0)
    p.wait_until(lambda: any(e.view.name == "pong" for e in p.log[-50:]), timeout_s=1.0)
    assert p.bench.scheduler.now_ns - sent_ns <= 1_000_000_000
    assert ping.seq_count >= 0


def test_the_probe_scenario_is_refused_and_the_bench_stays_small() -> None:
    """`hk-interval sid=drill interval=1` used to put the link 18 s behind per second; now it is refused."""
    bench = Bench(seed=1)
    record = bench.fsw.send("sampler", "hk-interval", {"sid": "drill", "interval": 1})
    bench.run(60)
    assert record.failure == "ARGUMENT_OUT_OF_RANGE"
    pending = len(bench.scheduler._heap)
    bench.run(540)
    assert len(bench.scheduler._heap) <= pending + 10
    ping = bench.fsw.send("sampler", "ping")
    sent = bench.scheduler.now_ns
    bench.run(until=lambda: ping.completed)
    assert bench.scheduler.now_ns - sent < 1_000_000_000
