"""The pcapng blocks farside writes: constants and option packing, shared by writer and reader."""

from __future__ import annotations

import struct

SHB_TYPE, IDB_TYPE, ISB_TYPE, EPB_TYPE = 0x0A0D0D0A, 1, 5, 6
BYTE_ORDER_MAGIC = 0x1A2B3C4D
SHB_MAGIC = struct.pack("<I", SHB_TYPE)
LINKTYPE_USER0 = 147
"""The link type of recordings by farside before upper-PDU encapsulation: the bare space packet, phases as packets."""
LINKTYPE_UPPER_PDU = 252
"""LINKTYPE_WIRESHARK_UPPER_PDU: exported-PDU tags naming the dissector, then the PDU."""
OPT_END, OPT_COMMENT = 0, 1
SHB_USERAPPL, IF_NAME, IF_TSRESOL, IF_TSOFFSET, EPB_FLAGS = 4, 2, 9, 14, 2
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
"""The interface that carries phase markers, never packets: each marker is an Interface Statistics Block on it, its
timestamp the phase's start and its comment the phase name (UTF-8). Recordings by older farside versions (link type
USER0) hold each marker as a packet of the UTF-8 name on this interface."""

EXP_PDU_END, EXP_PDU_DISSECTOR_NAME = 0, 12
"""Exported-PDU tag types (Wireshark's wsutil/exported_pdu_tlvs.h): end of tags, the dissector to call."""
SPACE_PACKET_DISSECTOR = "ccsds"
"""Wireshark's built-in space-packet dissector, named in every packet block of a recording."""


def exported_pdu_tags(dissector: str) -> bytes:
    """Exported-PDU tags naming ``dissector``: big-endian type and length, the name NUL-padded to 32 bits."""
    name = dissector.encode("ascii")
    name += b"\0" * (-len(name) & 3)
    return struct.pack(">HH", EXP_PDU_DISSECTOR_NAME, len(name)) + name + struct.pack(">HH", EXP_PDU_END, 0)


def split_exported_pdu(data: bytes) -> tuple[str, bytes]:
    """The dissector an upper-PDU packet names and the PDU after its tags; ValueError when the tags overrun."""
    offset, dissector = 0, ""
    while True:
        if offset + 4 > len(data):
            raise ValueError("exported-PDU tags run past the packet")
        tag, size = struct.unpack_from(">HH", data, offset)
        offset += 4
        if tag == EXP_PDU_END:
            return dissector, data[offset:]
        if offset + size > len(data):
            raise ValueError(f"exported-PDU tag {tag} announces {size} octets, {len(data) - offset} left")
        if tag == EXP_PDU_DISSECTOR_NAME:
            dissector = data[offset:offset + size].rstrip(b"\0").decode("ascii", errors="replace")
        offset += size
