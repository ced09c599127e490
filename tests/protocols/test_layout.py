"""The fast path derived from construct declarations agrees with construct itself."""

import construct as cs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocols.errors import FieldValueError, TruncatedError
from protocols.layout import FastLayout

MIXED = cs.Struct(
    "bits" / cs.BitStruct("a" / cs.BitsInteger(3), "flag" / cs.Flag, "b" / cs.BitsInteger(12, signed=True),
                          "c" / cs.BitsInteger(24), "pad" / cs.Const(5, cs.BitsInteger(8))),
    "u8" / cs.Int8ub, "i16" / cs.Int16sb, "u32" / cs.Int32ub, "f32" / cs.Float32b, "f64" / cs.Float64b,
    "u24" / cs.Int24ub,
)
LAYOUT = FastLayout(MIXED)


@given(a=st.integers(0, 7), flag=st.booleans(), b=st.integers(-2048, 2047), c=st.integers(0, (1 << 24) - 1),
       u8=st.integers(0, 255), i16=st.integers(-32768, 32767), u32=st.integers(0, 2**32 - 1),
       f32=st.floats(width=32, allow_nan=False), f64=st.floats(allow_nan=False), u24=st.integers(0, 2**24 - 1))
def test_fast_pack_and_unpack_equal_construct(**values: object) -> None:
    raw = LAYOUT.pack(*(values[f] for f in LAYOUT.fields))
    expected = MIXED.build({"bits": {k: values[k] for k in ["a", "flag", "b", "c"]},
                            **{k: values[k] for k in ["u8", "i16", "u32", "f32", "f64", "u24"]}})
    assert raw == expected
    assert dict(zip(LAYOUT.fields, LAYOUT.unpack(raw), strict=True)) == values


def test_constants_are_checked_and_not_passed() -> None:
    assert "pad" not in LAYOUT.fields
    raw = bytearray(LAYOUT.pack(0, False, 0, 0, 0, 0, 0, 0.0, 0.0, 0))
    raw[5] = 6
    with pytest.raises(FieldValueError, match="pad=6"):
        LAYOUT.unpack(bytes(raw))


def test_errors_name_the_field() -> None:
    with pytest.raises(FieldValueError, match="b=3000"):
        LAYOUT.pack(0, False, 3000, 0, 0, 0, 0, 0.0, 0.0, 0)
    with pytest.raises(FieldValueError, match="u8='x'"):
        LAYOUT.pack(0, False, 0, 0, "x", 0, 0, 0.0, 0.0, 0)
    with pytest.raises(TruncatedError):
        LAYOUT.unpack(b"\x00" * (LAYOUT.size - 1))


def test_fixed_fields_become_constants() -> None:
    layout = FastLayout(cs.Struct("kind" / cs.Int8ub, "value" / cs.Int16ub), fixed={"kind": 7})
    assert layout.fields == ("value",)
    assert layout.pack(9) == b"\x07\x00\x09"


def test_unsupported_declarations_fail_at_build_time() -> None:
    with pytest.raises(TypeError):
        FastLayout(cs.Struct("text" / cs.PascalString(cs.Int8ub, "ascii")))


def test_a_short_buffer_names_the_fields_it_lacks_not_those_it_has() -> None:
    layout = FastLayout(cs.Struct("head" / cs.Int16ub, "tail" / cs.Struct("kind" / cs.Int8ub, "value" / cs.Int16ub)))
    with pytest.raises(TruncatedError, match=r"^need 5 octets, have 3: value missing$") as info:
        layout.unpack(b"\x00\x01\x02")
    assert info.value.field == "value"
    with pytest.raises(TruncatedError, match=r"^need 5 octets, have 0: head/kind/value missing$"):
        layout.unpack(b"")
    with pytest.raises(TruncatedError, match=r"^need 28 octets, have 6: u8/i16/u32… missing$"):
        LAYOUT.unpack(b"\x00" * 6)
