"""The packet rules framings share: what a framer accepts and when a deframer believes a packet."""

from __future__ import annotations

from binascii import crc_hqx

from protocols.crc import CRC16_INIT
from protocols.errors import FramingError, field_error
from protocols.framing.base import BAD_CRC, BAD_HEADER, BAD_LENGTH, OVERSIZE
from protocols.spacepacket import IDLE_APID, MAX_PACKET_SIZE, MIN_PACKET_SIZE, PRIMARY_HEADER_SIZE

Octets = bytes | bytearray | memoryview

VERSION_MASK = 0xE0
"""A primary header's first octet: its 3 version bits (0 in every space packet)."""
_SEC_HEADER_BIT = 0x08  # first octet: secondary header flag
_IDLE_HIGH, _IDLE_LOW = IDLE_APID >> 8, IDLE_APID & 0xFF


def check_max_packet_size(value: object) -> int:
    """``value`` if it is a usable maximum packet size (7..65542 octets), else FramingError."""
    if isinstance(value, bool) or not isinstance(value, int) \
            or not MIN_PACKET_SIZE <= value <= MAX_PACKET_SIZE:
        raise field_error(FramingError, "max_packet_size", value,
                          f"must be an int from {MIN_PACKET_SIZE} to {MAX_PACKET_SIZE}")
    return value


def require_packet(packet: object, max_packet_size: int = MAX_PACKET_SIZE) -> bytes:
    """``packet`` as bytes if it is one whole space packet a framer may send, else FramingError."""
    if type(packet) is bytes:
        data = packet
    elif isinstance(packet, bytes | bytearray | memoryview):
        data = bytes(packet)
    else:
        raise field_error(FramingError, "packet", type(packet).__name__, "a packet is bytes")
    size = len(data)
    if not MIN_PACKET_SIZE <= size <= max_packet_size:
        raise field_error(FramingError, "packet_size", size,
                          f"a packet here is {MIN_PACKET_SIZE}..{max_packet_size} octets")
    if data[0] & VERSION_MASK:
        raise field_error(FramingError, "version", data[0] >> 5, "a space packet has version 0")
    data_length = (data[4] << 8) | data[5]
    if data_length + 1 + PRIMARY_HEADER_SIZE != size:
        raise field_error(FramingError, "data_length", data_length,
                          f"announces {data_length + 1 + PRIMARY_HEADER_SIZE} octets, packet has {size}")
    return data


def header_fault(buf: Octets, at: int, max_packet_size: int) -> str | None:
    """Why the primary header at ``buf[at:at + 6]`` cannot start a packet here, or None if it can."""
    if buf[at] & VERSION_MASK:
        return BAD_HEADER
    if ((buf[at + 4] << 8) | buf[at + 5]) + 1 + PRIMARY_HEADER_SIZE > max_packet_size:
        return OVERSIZE
    return None


def is_idle(buf: Octets, at: int) -> bool:
    """True when the primary header at ``buf[at:]`` is an idle packet's (APID 0x7FF)."""
    return (buf[at] & 0x07) == _IDLE_HIGH and buf[at + 1] == _IDLE_LOW


def carries_crc(buf: Octets, at: int) -> bool:
    """True when the packet at ``buf[at:]`` ends in a PUS CRC-16 to check: secondary header flag set, not idle."""
    first = buf[at]  # the idle test written out: this runs for every packet a deframer delivers
    return bool(first & _SEC_HEADER_BIT) and not ((first & 0x07) == _IDLE_HIGH and buf[at + 1] == _IDLE_LOW)


def body_fault(packet: Octets) -> str | None:
    """Why a whole packet (header already checked) is not believed, or None when it is.

    Packets with a secondary header carry a PUS CRC-16 that must check; idle packets and packets
    without a secondary header have no CRC: the framing must confirm their length.
    """
    if carries_crc(packet, 0) and crc_hqx(packet, CRC16_INIT):
        return BAD_CRC
    return None


def packet_fault(packet: Octets, max_packet_size: int, require_crc: bool = False) -> str | None:
    """Why ``packet`` is not exactly one believable space packet, or None when it is.

    With ``require_crc`` a packet other than an idle one must carry a CRC (bad header otherwise).
    """
    size = len(packet)
    if size < MIN_PACKET_SIZE:
        return BAD_LENGTH
    reason = header_fault(packet, 0, max_packet_size)
    if reason is not None:
        return reason
    if ((packet[4] << 8) | packet[5]) + 1 + PRIMARY_HEADER_SIZE != size:
        return BAD_LENGTH
    if require_crc and not carries_crc(packet, 0) and not is_idle(packet, 0):
        return BAD_HEADER
    return body_fault(packet)
