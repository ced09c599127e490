"""CRC-16/CCITT-FALSE against the REFERENCE vectors."""

from hypothesis import given
from hypothesis import strategies as st

from protocols.crc import crc16, crc16_ok


def test_reference_check_value() -> None:
    assert crc16(b"123456789") == 0x29B1


def test_empty_input_is_the_initial_value() -> None:
    assert crc16(b"") == 0xFFFF


@given(st.binary(max_size=300))
def test_data_followed_by_its_crc_checks_to_zero(data: bytes) -> None:
    assert crc16_ok(data + crc16(data).to_bytes(2, "big"))


@given(st.binary(min_size=1, max_size=100), st.integers(min_value=0))
def test_any_single_bit_flip_is_detected(data: bytes, position: int) -> None:
    frame = bytearray(data + crc16(data).to_bytes(2, "big"))
    bit = position % (len(frame) * 8)
    frame[bit // 8] ^= 0x80 >> (bit % 8)
    assert not crc16_ok(frame)
