"""Service 1, request verification: acceptance, start and completion reports with failure codes."""

from __future__ import annotations

import struct
from enum import IntEnum
from typing import NamedTuple

import construct as cs

from protocols.errors import FieldValueError, TruncatedError, field_error

SERVICE = 1
ACCEPTANCE_OK, ACCEPTANCE_FAIL = 1, 2
START_OK, START_FAIL = 3, 4
PROGRESS_OK, PROGRESS_FAIL = 5, 6
COMPLETION_OK, COMPLETION_FAIL = 7, 8
FAILURE_SUBTYPES = frozenset({ACCEPTANCE_FAIL, START_FAIL, PROGRESS_FAIL, COMPLETION_FAIL})
STAGES = {1: "acceptance", 2: "acceptance", 3: "start", 4: "start", 5: "progress", 6: "progress",
          7: "completion", 8: "completion"}

REQUEST_ID_SIZE = 4
SUCCESS_REPORT = cs.Struct("request_id" / cs.Bytes(REQUEST_ID_SIZE))
"""TM[1,1/3/5/7]: the request ID (first 4 octets of the TC)."""
FAILURE_REPORT = cs.Struct("request_id" / cs.Bytes(REQUEST_ID_SIZE), "code" / cs.Int16ub,
                           "data" / cs.GreedyBytes)
"""TM[1,2/4/6/8]: the request ID, a 16-bit failure code, then optional failure data."""

_FAILURE_HEAD = struct.Struct(">4sH")


class FailureCode(IntEnum):
    """Why a telecommand was refused or failed (farside's mission-defined failure codes)."""

    ILLEGAL_APID = 1
    INCOMPLETE_OR_BAD_LENGTH = 2
    BAD_CHECKSUM = 3
    ILLEGAL_SERVICE = 4
    ILLEGAL_SUBTYPE = 5
    UNKNOWN_FUNCTION = 6
    BAD_ARGUMENTS = 7
    ARGUMENT_OUT_OF_RANGE = 8
    UNKNOWN_SID = 9
    UNKNOWN_PARAMETER = 10
    PARAMETER_READ_ONLY = 11
    INVALID_STATE = 12
    BUSY = 13
    EXECUTION_FAILED = 14
    ABORTED = 15
    HARDWARE_FAULT = 16


class VerificationReport(NamedTuple):
    """A decoded service-1 report: which stage, success or failure, and for which request."""

    subtype: int
    request_id: bytes
    code: int | None = None
    data: bytes = b""

    @property
    def ok(self) -> bool:
        """True for a success report."""
        return self.code is None

    @property
    def stage(self) -> str:
        """"acceptance", "start", "progress" or "completion"."""
        return STAGES[self.subtype]


def encode_success(request_id: bytes) -> bytes:
    """App data of a success report."""
    if len(request_id) != REQUEST_ID_SIZE:
        raise field_error(FieldValueError, "request_id", request_id.hex(), "must be 4 octets")
    return bytes(request_id)


def encode_failure(request_id: bytes, code: int, data: bytes = b"") -> bytes:
    """App data of a failure report."""
    if len(request_id) != REQUEST_ID_SIZE:
        raise field_error(FieldValueError, "request_id", request_id.hex(), "must be 4 octets")
    if not 0 <= code <= 0xFFFF:
        raise field_error(FieldValueError, "code", code, "outside 0..65535")
    return _FAILURE_HEAD.pack(request_id, code) + data


def decode(subtype: int, app_data: bytes) -> VerificationReport:
    """Decode the app data of TM[1,subtype]."""
    if subtype not in STAGES:
        raise field_error(FieldValueError, "subtype", subtype, "service 1 defines subtypes 1..8")
    if subtype in FAILURE_SUBTYPES:
        if len(app_data) < _FAILURE_HEAD.size:
            raise field_error(TruncatedError, "app_data", len(app_data), "a failure report needs 6 octets")
        request_id, code = _FAILURE_HEAD.unpack_from(app_data)
        return VerificationReport(subtype, request_id, code, bytes(app_data[_FAILURE_HEAD.size:]))
    if len(app_data) != REQUEST_ID_SIZE:
        raise field_error(TruncatedError if len(app_data) < 4 else FieldValueError, "app_data",
                          len(app_data), "a success report holds exactly the 4-octet request ID")
    return VerificationReport(subtype, bytes(app_data))


def failure_name(code: int) -> str:
    """The failure code's name, or its number when farside does not define it."""
    try:
        return FailureCode(code).name
    except ValueError:
        return str(code)
