"""Service 1 reports: success and failure app data, stages and failure codes."""

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocols.errors import FieldValueError, ProtocolError, TruncatedError
from protocols.pus import PusTc
from protocols.services import verification as v


def test_success_and_failure_reports_round_trip() -> None:
    rid = PusTc(apid=0x110, service=8, subtype=1, seq_count=9).request_id
    ok = v.decode(v.ACCEPTANCE_OK, v.encode_success(rid))
    assert ok.ok and ok.stage == "acceptance" and ok.request_id == rid
    failed = v.decode(v.COMPLETION_FAIL, v.encode_failure(rid, v.FailureCode.INVALID_STATE, b"\x00\x07"))
    assert not failed.ok and failed.stage == "completion"
    assert failed.code == v.FailureCode.INVALID_STATE and failed.data == b"\x00\x07"
    assert v.failure_name(failed.code) == "INVALID_STATE" and v.failure_name(999) == "999"


def test_malformed_reports_are_typed() -> None:
    with pytest.raises(TruncatedError):
        v.decode(v.START_FAIL, b"\x00\x01\x02")
    with pytest.raises(FieldValueError, match="subtype"):
        v.decode(9, b"\x00" * 4)
    with pytest.raises(FieldValueError, match="request_id"):
        v.encode_success(b"\x00")
    with pytest.raises(FieldValueError, match="code"):
        v.encode_failure(b"\x00" * 4, 70000)


@given(st.integers(0, 10), st.binary(max_size=12))
def test_random_reports_raise_only_protocol_errors(subtype: int, data: bytes) -> None:
    with contextlib.suppress(ProtocolError):
        v.decode(subtype, data)
