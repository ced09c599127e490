"""Device-link stream framing for UART-like links: ASM + packet (default) or COBS, both pure and I/O-free."""

from __future__ import annotations

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
from protocols.framing.skiplog import SKIP_SPAN

FRAMINGS: dict[str, tuple[type[Framer], type[Deframer]]] = {
    "asm": (AsmFramer, AsmDeframer),
    "cobs": (CobsFramer, CobsDeframer),
}
"""Every device-link framing by name: its framer and deframer classes."""


def make_framing(name: str, **options: Any) -> tuple[Framer, Deframer]:
    """A framer and a deframer for the framing called ``name``, both built with ``options``."""
    classes = FRAMINGS.get(name)
    if classes is None:
        raise field_error(FramingError, "framing", name, f"allowed framings: {', '.join(sorted(FRAMINGS))}")
    framer_class, deframer_class = classes
    try:
        return framer_class(**options), deframer_class(**options)
    except TypeError as exc:
        raise field_error(FramingError, "options", sorted(options),
                          f"framing {name!r} takes only max_packet_size") from exc


__all__ = [
    "ASM",
    "FRAMINGS",
    "REASONS",
    "SKIP_SPAN",
    "AsmDeframer",
    "AsmFramer",
    "CobsDeframer",
    "CobsFramer",
    "DeframeResult",
    "Deframer",
    "DeframerStats",
    "Framer",
    "SkippedRange",
    "cobs_decode",
    "cobs_encode",
    "cobs_max_encoded_size",
    "make_framing",
]
