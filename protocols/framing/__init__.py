"""Device-link framing: ASM + packet (default) or COBS on byte streams, raw packets on datagrams; pure, I/O-free."""

from __future__ import annotations

from inspect import signature
from typing import Any

from protocols.errors import FramingError, field_error
from protocols.framing.asm import ASM, AsmDeframer, AsmFramer
from protocols.framing.base import (
    REASONS,
    Deframer,
    DeframeResult,
    DeframerStats,
    Framer,
    SkippedRange,
)
from protocols.framing.cobs import CobsDeframer, CobsFramer
from protocols.framing.cobs_codec import cobs_decode, cobs_encode, cobs_max_encoded_size
from protocols.framing.raw import RawDeframer, RawFramer
from protocols.framing.skiplog import SKIP_SPAN

FRAMINGS: dict[str, tuple[type[Framer], type[Deframer]]] = {
    "asm": (AsmFramer, AsmDeframer),
    "cobs": (CobsFramer, CobsDeframer),
    "raw": (RawFramer, RawDeframer),
}
"""Every device-link framing by name: its framer and deframer classes."""
DATAGRAM_FRAMINGS = frozenset({"raw"})
"""Framings whose deframer takes each ``feed`` as one whole datagram: only a transport that keeps message
boundaries can carry them (every other framing finds its frames in a byte stream however it is chunked)."""
STREAM_FRAMINGS = tuple(sorted(set(FRAMINGS) - DATAGRAM_FRAMINGS))
"""Every other framing: it finds its frames in a byte stream however it is chunked (a stream file, a pty, TCP)."""


def make_framing(name: str, **options: Any) -> tuple[Framer, Deframer]:
    """A framer and a deframer for the framing called ``name``: the deframer gets ``options``, the framer its size.

    All take ``max_packet_size``; the deframers also take ``require_crc`` and the ASM one ``trust_read_end``.
    """
    classes = FRAMINGS.get(name)
    if classes is None:
        raise field_error(FramingError, "framing", name, f"allowed framings: {', '.join(sorted(FRAMINGS))}")
    framer_class, deframer_class = classes
    taken = tuple(signature(deframer_class).parameters)
    unknown = sorted(set(options) - set(taken))
    if unknown:
        raise field_error(FramingError, "options", unknown, f"framing {name!r} takes only {', '.join(taken)}")
    framer_options = {key: value for key, value in options.items() if key == "max_packet_size"}
    return framer_class(**framer_options), deframer_class(**options)


__all__ = [
    "ASM",
    "DATAGRAM_FRAMINGS",
    "FRAMINGS",
    "REASONS",
    "SKIP_SPAN",
    "STREAM_FRAMINGS",
    "AsmDeframer",
    "AsmFramer",
    "CobsDeframer",
    "CobsFramer",
    "DeframeResult",
    "Deframer",
    "DeframerStats",
    "Framer",
    "RawDeframer",
    "RawFramer",
    "SkippedRange",
    "cobs_decode",
    "cobs_encode",
    "cobs_max_encoded_size",
    "make_framing",
]
