"""The telemetry store: housekeeping reports decoded only when asked for, never an older value over a newer one."""

from __future__ import annotations

from firmware_sim.fsw.telemetry import TelemetryStore
from protocols.dictionary import default_dictionary

SAMPLER = default_dictionary().device("sampler")


def report(set_name: str, **values: float) -> tuple[int, tuple[str, ...], bytes]:
    """A sampler TM[3,25] of one set with the given values (the rest 0)."""
    hk = SAMPLER.hk_set(set_name)
    codec = SAMPLER.hk_codec(hk.sid)
    row = [values.get(name, SAMPLER.parameter(name).to_engineering(0) if SAMPLER.parameter(name).enum else 0.0)
           for name in hk.parameters]
    return hk.sid, hk.parameters, codec.encode(row, 1, 1, 10**18)


def defer(store: TelemetryStore, time_ns: int, set_name: str, **values: float) -> None:
    sid, names, raw = report(set_name, **values)
    store.defer("sampler", sid, time_ns, names, raw, SAMPLER.hk_codec(sid).values)


def test_a_deferred_report_reads_as_its_values_and_only_the_newest_counts() -> None:
    store = TelemetryStore(watch=())
    defer(store, 1, "drill", drill_depth=0.5)
    defer(store, 2, "drill", drill_depth=0.75)
    assert store.get("sampler", "drill_depth") == 0.75
    assert store.value("sampler", "drill_depth") == 0.75
    assert store.latest["sampler"]["drill_depth"] == 0.75
    assert store.updated_ns["sampler"] == 2


def test_sets_sharing_a_parameter_keep_arrival_order() -> None:
    store = TelemetryStore(watch=())
    defer(store, 1, "drill", drill_depth=0.5)
    defer(store, 2, "drill-fast", drill_depth=0.25)  # newer, another set with the same parameter
    assert store.get("sampler", "drill_depth") == 0.25
    defer(store, 3, "drill-fast", drill_depth=1.0)
    defer(store, 4, "drill", drill_depth=1.25)
    assert store.get("sampler", "drill_depth") == 1.25
    store.update("sampler", 5, ["drill_depth"], [1.5])  # a parameter report, newest of all
    defer(store, 4, "drill-fast", drill_depth=9.0)
    store.update("sampler", 6, ["drill_depth"], [1.75])
    assert store.get("sampler", "drill_depth") == 1.75


def test_a_watched_parameter_keeps_every_sample_in_its_history() -> None:
    store = TelemetryStore(watch=["sampler.drill_depth"])
    for t, depth in enumerate((0.25, 0.5, 0.75)):
        defer(store, t, "drill", drill_depth=depth)
    assert store.history["sampler.drill_depth"].values == [0.25, 0.5, 0.75]
    assert "sampler.drill_rotation_rate" not in store.history


def test_a_follower_hears_the_latest_value_at_once_and_every_new_one_as_it_arrives() -> None:
    store = TelemetryStore(watch=())
    defer(store, 1, "drill", drill_depth=0.5)
    heard: list[float] = []
    store.follow("sampler", "drill_depth", heard.append)
    assert heard == [0.5]
    defer(store, 2, "drill", drill_depth=0.75)
    defer(store, 3, "drill-fast", drill_depth=1.0)
    store.update("sampler", 4, ["drill_depth"], [1.25])
    store.update("sampler", 5, ["drill_state"], ["idle"])  # not the followed parameter: nothing to hear
    assert heard == [0.5, 0.75, 1.0, 1.25]
    assert store.get("sampler", "drill_depth") == 1.25


def test_a_follower_of_an_unreported_parameter_hears_nothing_until_it_arrives() -> None:
    store = TelemetryStore()  # every parameter watched: reports are stored through update
    heard: list[float] = []
    store.follow("sampler", "drill_depth", heard.append)
    assert heard == []
    defer(store, 1, "drill", drill_depth=0.25)
    assert heard == [0.25]
