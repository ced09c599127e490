"""PacketOrigin: where a packet originates, and which of a file's sightings are counted once."""

from __future__ import annotations

import numpy as np

from firmware_sim.origin import FROM_DEVICE, FROM_FSW, PacketOrigin, stream_head
from protocols.dictionary import default_dictionary
from protocols.pus import PusTc, PusTm

DICTIONARY = default_dictionary()
SAMPLER = DICTIONARY.device("sampler").apid
RELAY = DICTIONARY.device("relay").apid
LINKS = ["sampler", "relay", None]
DIRECTIONS = (None, FROM_FSW, FROM_DEVICE)


def _once(sightings: list[tuple[bytes, str | None, str | None]]) -> list[bool]:
    packets = [p for p, _, _ in sightings]
    return PacketOrigin(DICTIONARY).once(
        np.array([p[0] for p in packets], dtype=np.uint8), np.array([p[1] for p in packets], dtype=np.uint8),
        np.array([LINKS.index(link) for _, link, _ in sightings]), LINKS,
        np.array([DIRECTIONS.index(d) for _, _, d in sightings]), DIRECTIONS).tolist()


def test_telemetry_counts_from_its_device_and_telecommands_to_it() -> None:
    tm = PusTm(SAMPLER, 3, 25, b"\x00\x01", 1, 1, 0).pack()
    tc = PusTc(SAMPLER, 17, 1, b"", 1).pack()
    sightings = [(tm, "sampler", FROM_DEVICE), (tm, "relay", FROM_FSW), (tc, "relay", FROM_DEVICE),
                 (tc, "sampler", FROM_FSW)]
    assert _once(sightings) == [True, False, False, True]
    origin = PacketOrigin(DICTIONARY)
    assert [origin.is_origin(link, d, p) for p, link, d in sightings] == [True, False, False, True]
    assert stream_head(tc) != stream_head(tm)


def test_a_stream_never_seen_at_its_origin_is_counted_as_recorded() -> None:
    relay_only = PusTm(SAMPLER, 3, 25, b"\x00\x01", 1, 1, 0).pack()  # a capture of the relay link alone
    stray = PusTm(0x555, 3, 25, b"", 1, 1, 0).pack()  # an APID no device owns
    unlinked = PusTm(RELAY, 3, 25, b"", 1, 1, 0).pack()
    sightings = [(relay_only, "relay", FROM_FSW), (stray, "relay", FROM_FSW), (unlinked, None, None)]
    assert _once(sightings) == [True, True, True]
