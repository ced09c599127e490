"""Services 3, 5, 8 and 20: SID lists, intervals, event IDs, function IDs and typed parameter values."""

import contextlib

import construct as cs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocols.errors import FieldValueError, ProtocolError, TruncatedError
from protocols.services import events, functions, housekeeping, parameters

u16 = st.integers(0, 0xFFFF)


@given(st.lists(u16, max_size=255))
def test_sid_and_event_id_lists_round_trip(ids: list[int]) -> None:
    assert housekeeping.decode_sids(housekeeping.encode_sids(ids)) == ids
    assert events.decode_event_ids(events.encode_event_ids(ids)) == ids
    assert parameters.decode_ids(parameters.encode_ids(ids)) == ids


@given(st.lists(st.tuples(u16, st.integers(0, 2**32 - 1)), max_size=50))
def test_interval_lists_round_trip(pairs: list[tuple[int, int]]) -> None:
    assert housekeeping.decode_intervals(housekeeping.encode_intervals(pairs)) == pairs


def test_parameter_values_are_typed_by_the_dictionary() -> None:
    types = {1: cs.Float32b, 2: cs.Int8ub, 3: cs.Int32sb}
    pairs = [(1, 1.5), (2, 200), (3, -5)]
    data = parameters.encode_values(pairs, types.__getitem__)
    assert len(data) == 1 + (2 + 4) + (2 + 1) + (2 + 4)
    assert parameters.decode_values(data, types.__getitem__) == pairs
    with pytest.raises(TruncatedError):
        parameters.decode_values(data[:-1], types.__getitem__)
    with pytest.raises(FieldValueError):
        parameters.decode_values(data + b"\x00", types.__getitem__)
    with pytest.raises(FieldValueError, match="parameter 2"):
        parameters.encode_values([(2, 300)], types.__getitem__)


def test_envelope_heads() -> None:
    assert housekeeping.report_sid(b"\x00\x05rest") == 5
    assert events.event_id(b"\x01\x00") == 256
    assert functions.function_id(b"\x00\x02\xff") == 2
    for head in (housekeeping.report_sid, events.event_id, functions.function_id):
        with pytest.raises(TruncatedError):
            head(b"\x00")


def test_too_many_parameters_for_one_packet() -> None:
    with pytest.raises(FieldValueError, match="count=256"):
        parameters.encode_values([(1, 0)] * 256, lambda _: cs.Int8ub)


@given(st.binary(max_size=40))
def test_random_app_data_raises_only_protocol_errors(data: bytes) -> None:
    decoders = [housekeeping.decode_sids, housekeeping.decode_intervals, events.decode_event_ids,
                parameters.decode_ids, lambda d: parameters.decode_values(d, lambda _: cs.Int16ub)]
    for decode in decoders:
        with contextlib.suppress(ProtocolError):
            decode(data)
