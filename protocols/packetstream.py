"""Split a file of concatenated space packets into packets, by their length fields."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from protocols.spacepacket import PRIMARY_HEADER_SIZE, packet_size_at


class StreamPacket(NamedTuple):
    """One packet of a concatenated stream and the offset it starts at."""

    offset: int
    data: bytes


class StreamRemainder(NamedTuple):
    """Octets at the end of a stream that do not make a whole packet."""

    offset: int
    size: int
    reason: str


def iter_concatenated(data: bytes) -> Iterator[StreamPacket | StreamRemainder]:
    """Packets in order; a cut-off last packet or a stray tail comes out as one StreamRemainder."""
    offset, total = 0, len(data)
    while offset < total:
        if total - offset < PRIMARY_HEADER_SIZE:
            yield StreamRemainder(offset, total - offset, "too short for a primary header")
            return
        size = packet_size_at(data, offset)
        if offset + size > total:
            yield StreamRemainder(offset, total - offset, f"packet announces {size} octets, {total - offset} left")
            return
        yield StreamPacket(offset, data[offset:offset + size])
        offset += size
