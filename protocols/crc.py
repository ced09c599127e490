"""CRC-16/CCITT-FALSE, the packet error control of PUS packets and the FECF of transfer frames."""

from __future__ import annotations

from binascii import crc_hqx

CRC16_INIT = 0xFFFF


def crc16(data: bytes | bytearray | memoryview, init: int = CRC16_INIT) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final XOR) of ``data``."""
    return crc_hqx(data, init)


def crc16_ok(data: bytes | bytearray | memoryview) -> bool:
    """True when ``data`` ends with its own CRC-16 (the CRC over data and CRC is zero)."""
    return crc_hqx(data, CRC16_INIT) == 0
