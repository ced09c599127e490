"""Bulk decoding of packet files into engineering values: numpy per packet layout, not one parse per packet."""

from hil.decode.bulk import DecodeResult, SetBlock, decode_buffer
from hil.decode.split import PacketBuffer, buffer_from_packets, read_buffer, split_stream

__all__ = [
    "DecodeResult",
    "PacketBuffer",
    "SetBlock",
    "buffer_from_packets",
    "decode_buffer",
    "read_buffer",
    "split_stream",
]
