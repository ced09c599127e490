"""The pcapng blocks farside writes: constants and option packing, shared by writer and reader."""

from __future__ import annotations

import struct

SHB_TYPE, IDB_TYPE, EPB_TYPE = 0x0A0D0D0A, 1, 6
BYTE_ORDER_MAGIC = 0x1A2B3C4D
SHB_MAGIC = struct.pack("<I", SHB_TYPE)
LINKTYPE_USER0 = 147
OPT_END, OPT_COMMENT = 0, 1
SHB_USERAPPL, IF_NAME, IF_TSRESOL, EPB_FLAGS = 4, 2, 9, 2
MAX_OPTION = 65532
"""The longest option value written: its length is 16 bits; longer text goes into consecutive options."""
FLAG_INBOUND, FLAG_OUTBOUND = 1, 2
"""epb_flags direction bits, relative to flight software: "a>b" (fsw to device) is outbound."""
DIRECTION_FLAGS = {"a>b": FLAG_OUTBOUND, "b>a": FLAG_INBOUND}
FLAG_DIRECTIONS = {v: k for k, v in DIRECTION_FLAGS.items()}


def option(code: int, value: bytes) -> bytes:
    """One option, padded to 32 bits."""
    return struct.pack("<HH", code, len(value)) + value + b"\0" * (-len(value) & 3)


def block(kind: int, body: bytes) -> bytes:
    """A whole block: type, total length, body, total length."""
    total = 12 + len(body)
    return struct.pack("<II", kind, total) + body + struct.pack("<I", total)


def parse_options(data: bytes) -> list[tuple[int, bytes]]:
    """The options of a block body tail, up to opt_endofopt; ValueError when they overrun."""
    found, offset = [], 0
    while offset + 4 <= len(data):
        code, size = struct.unpack_from("<HH", data, offset)
        if code == OPT_END:
            break
        end = offset + 4 + size
        if end > len(data):
            raise ValueError(f"option {code} announces {size} octets, {len(data) - offset - 4} left")
        found.append((code, data[offset + 4:end]))
        offset = end + (-size & 3)
    return found


PHASES_INTERFACE = "farside.phases"
"""The interface whose packets are phase markers (UTF-8 names), not space packets."""
