"""A link offered more than its baud rate carries drops the overflow and counts it; memory and latency stay bounded."""

from __future__ import annotations

from firmware_sim.bench import Bench
from firmware_sim.devices.sampler import SamplerModel
from firmware_sim.engine.link import MAX_BACKLOG_NS
from firmware_sim.harness import DeviceHarness


def _flood_housekeeping(h: DeviceHarness) -> None:
    """The drill set every cycle, bypassing the device's own capacity check (a model that overruns its UART)."""
    device = h.device
    sid = device.definition.hk_set("drill").sid
    h.scheduler.every(1, lambda: device.report_hk(sid))


def test_overflow_is_dropped_and_counted_and_the_event_heap_stays_flat() -> None:
    h = DeviceHarness(SamplerModel)
    _flood_housekeeping(h)
    h.run(5)
    pending_after_5s = len(h.scheduler._heap)
    h.run(20)
    assert h.link.overflow.frames > 0 and h.link.overflow.frames == h.link.overflow.frames_b_to_a
    assert len(h.scheduler._heap) <= pending_after_5s + 5, "scheduled deliveries grow with time"
    assert h.link.octet_time_ns(h.link.overflow.octets // h.link.overflow.frames) < MAX_BACKLOG_NS


def test_a_ping_is_answered_within_a_second_of_link_time_while_the_link_is_saturated() -> None:
    h = DeviceHarness(SamplerModel)
    _flood_housekeeping(h)
    h.run(30)
    sent_ns = h.scheduler.now_ns
    ping = h.send("ping", ack=0x0)
    h.run_until(lambda: any(p.name == "pong" for p in h.packets[-50:]), timeout_s=1.0)
    assert h.scheduler.now_ns - sent_ns <= 1_000_000_000
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
