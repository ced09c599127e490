"""Find a good packet at the end of a bad COBS frame: garbage or a cut frame glued to the frame that follows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from protocols.errors import FramingError
from protocols.framing.cobs_codec import cobs_decode, cobs_max_encoded_size
from protocols.framing.packets import header_fault, packet_fault
from protocols.spacepacket import IDLE_APID, PRIMARY_HEADER_SIZE

if TYPE_CHECKING:
    import numpy as np

_SEC_HEADER_BIT = 0x08
_FIRST_OCTET_MASK = 0xE8  # version bits and the secondary header flag


def chain_ends(codes: np.ndarray) -> np.ndarray:
    """For each offset, where decoding from there ends: ``len(codes)`` exactly, or ``len(codes) + 1`` (overrun)."""
    import numpy as np  # only a damaged frame needs numpy: `farside tc --framing cobs` stays quick

    size = len(codes)
    jump = np.empty(size + 2, dtype=np.intp)
    jump[:size] = np.minimum(np.arange(size, dtype=np.intp) + codes, size + 1)
    jump[size:] = (size, size + 1)  # both ends are absorbing
    steps = 1
    while steps < size:  # pointer doubling: after k rounds every chain has advanced 2**k blocks
        jump = jump[jump]
        steps <<= 1
    return jump[:size]


def salvage(frame: bytes, max_packet_size: int) -> tuple[int, bytes] | None:
    """``(offset, packet)`` for the longest CRC-checked packet whose encoding ends ``frame``, else None.

    Only packets with a secondary header (and a CRC that checks) are salvaged: a packet taken on its
    header alone could too easily be a coincidence in the octets before the real frame.
    """
    import numpy as np

    size = len(frame)
    if size < 2:
        return None
    codes = np.frombuffer(frame, dtype=np.uint8).astype(np.intp)
    starts = np.flatnonzero(chain_ends(codes) == size)
    starts = starts[starts < size - 1]
    # a packet with a secondary header starts with a non-zero octet: version 0, flag set
    starts = starts[(codes[starts] >= 2) & ((codes[starts + 1] & _FIRST_OCTET_MASK) == _SEC_HEADER_BIT)]
    for start in starts.tolist():
        head = decoded_head(frame, start)
        if head is None or ((head[0] & 7) << 8 | head[1]) == IDLE_APID \
                or header_fault(head, 0, max_packet_size) is not None:
            continue
        want = ((head[4] << 8) | head[5]) + 1 + PRIMARY_HEADER_SIZE
        if not want < size - start <= cobs_max_encoded_size(want):
            continue
        try:
            packet = cobs_decode(frame[start:])
        except FramingError:  # pragma: no cover - the chain check already proved it decodes
            continue
        if packet_fault(packet, max_packet_size) is None:
            return start, packet
    return None


def decoded_head(frame: bytes, start: int) -> bytes | None:
    """The first 6 octets that decoding from ``start`` yields, or None if it yields fewer."""
    out = bytearray()
    size = len(frame)
    pos = start
    while len(out) < PRIMARY_HEADER_SIZE and pos < size:
        code = frame[pos]
        stop = pos + code
        out += frame[pos + 1:stop]
        if code != 0xFF and stop < size:
            out.append(0)
        pos = stop
    return bytes(out[:PRIMARY_HEADER_SIZE]) if len(out) >= PRIMARY_HEADER_SIZE else None
