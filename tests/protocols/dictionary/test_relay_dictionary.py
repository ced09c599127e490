"""The relay radio's dictionary holds the Queqiao link rates, light times and the counters a user watches."""

from __future__ import annotations

import pytest

from protocols.dictionary.relay import APID, DOWNLINK_RATES, RELAY
from protocols.errors import ArgumentRangeError
from protocols.services.events import Severity

LANDER_TO_RELAY_BPS = (1_400, 50_000, 280_000, 555_000)
RELAY_TO_LANDER_BPS = 125
LIGHT_TIMES_S = (1.21, 1.28, 1.35)
RELAY_EXTRA_S = 0.05
RELAY_APOLUNE_KM = 16_000.0


def _within(name: str, value: float) -> bool:
    low, high = RELAY.parameter(name).engineering_limits
    return low <= value <= high  # type: ignore[operator]


def test_identity() -> None:
    """Name and APID as the bench and ground tools expect."""
    assert (RELAY.name, RELAY.apid, APID) == ("relay", 0x130, 0x130)


def test_set_downlink_rate_offers_exactly_the_reference_rates() -> None:
    """Each lander→relay rate is accepted by label or in bit/s and travels as bit/s; others are refused."""
    assert sorted(DOWNLINK_RATES.values()) == list(LANDER_TO_RELAY_BPS)
    for label, bps in DOWNLINK_RATES.items():
        command, by_label = RELAY.encode_command("set-downlink-rate", {"rate": label})
        assert by_label == RELAY.encode_command("set-downlink-rate", {"rate": bps})[1]
        assert by_label[2:] == bps.to_bytes(4, "big")
        assert command.decode(RELAY, by_label) == {"rate": label}
    with pytest.raises(ArgumentRangeError, match="rate"):
        RELAY.encode_command("set-downlink-rate", {"rate": 100_000})


def test_rate_telemetry_covers_both_directions() -> None:
    """The fastest downlink rate and the 125 bit/s uplink fit their parameters."""
    assert _within("downlink_rate", max(LANDER_TO_RELAY_BPS))
    assert _within("uplink_rate", RELAY_TO_LANDER_BPS)


def test_light_time_covers_perigee_to_apogee_through_the_relay() -> None:
    """1.21 s to 1.35 s plus the relay's 0.05 s fit light_time, and the relay's distance fits relay_range."""
    for seconds in LIGHT_TIMES_S:
        assert _within("light_time", seconds) and _within("light_time", seconds + RELAY_EXTRA_S)
    assert _within("relay_range", RELAY_APOLUNE_KM)


def test_link_and_queue_telemetry_is_declared() -> None:
    """Link state, visibility, queue depth, drops, frame counters and light time are all reported by a set."""
    reported = {p for s in RELAY.housekeeping for p in s.parameters}
    assert {"link_state", "relay_visible", "downlink_queue_depth", "packets_dropped", "frames_sent",
            "frames_received", "tm_frame_count", "light_time", "downlink_rate"} <= reported
    assert set(RELAY.parameter("link_state").enum or ()) >= {"locked", "lost"}


def test_queue_overflow_reports_the_drop_count_without_loss() -> None:
    """queue-overflow carries a 32-bit drop count; the largest count survives the round trip."""
    event, app_data = RELAY.encode_event("queue-overflow", [2**32 - 1, 4096])
    assert event.severity is Severity.MEDIUM
    assert RELAY.decode_event(app_data)[1] == {"dropped": 2**32 - 1, "queue_depth": 4096}


def test_link_events_have_sensible_severities() -> None:
    """Acquisition is information; losing the link matters more."""
    assert RELAY.event("link-acquired").severity is Severity.INFO
    assert RELAY.event("link-lost").severity > RELAY.event("link-acquired").severity


def test_queue_limit_is_writable_and_checked() -> None:
    """param-set reaches the queue limit within its range and refuses a limit outside it."""
    command, app_data = RELAY.encode_command("param-set", {"param": "downlink_queue_limit", "value": 512})
    assert command.decode(RELAY, app_data) == {"param": "downlink_queue_limit", "value": 512}
    with pytest.raises(ArgumentRangeError, match="downlink_queue_limit"):
        RELAY.encode_command("param-set", {"param": "downlink_queue_limit", "value": 8})


def test_ids_are_unique_and_sets_are_slow() -> None:
    """IDs and SIDs are unique and every relay set reports at 1 s or slower."""
    for ids in ([p.id for p in RELAY.parameters], [f.function_id for f in RELAY.functions],
                [e.id for e in RELAY.events], [s.sid for s in RELAY.housekeeping]):
        assert len(ids) == len(set(ids))
    assert all(s.interval_ms >= 1000 for s in RELAY.housekeeping)
    assert all(p.description for p in RELAY.parameters)
