"""No telecommand stops a device: bad input gets a failure report with a code, is counted, and the device runs on."""

from __future__ import annotations

from firmware_sim.engine.link import PARTIAL_FRAME_TIMEOUT_NS
from firmware_sim.fsw.telemetry import Verification
from hil.procedure import Procedure
from protocols.dictionary.sampler import SAMPLER
from protocols.framing import ASM
from protocols.pus import PusTc
from protocols.services import verification

UNKNOWN_PARAMETER_TC = bytes.fromhex("1910c00000092f1401000001ffff6796")
"""TC[20,1] asking the sampler for parameter 0xFFFF: the probe's reproducer, which used to stop `farside serve`."""


def _failure(h: Procedure, record: Verification) -> tuple[str, bytes]:
    """The failure code name and failure data of a command's TM[1,2]/[1,4]."""
    reports = [p for p in h.packets("sampler") if p.service == 1
               and p.fields.get("request_seq_count") == record.seq_count and not p.fields.get("ok", True)]
    assert reports, f"no failure report for seq {record.seq_count}"
    return str(reports[-1].fields["failure"]), bytes.fromhex(str(reports[-1].fields.get("failure_data", "")))


def _pong_after(h: Procedure) -> None:
    """The device still answers: a ping completes."""
    ping = h.send("sampler", "ping")
    h.run(1)
    assert ping.completed and h.packets("sampler", "pong"), "the device stopped answering"


def _put_on_wire(h: Procedure, octets: bytes) -> None:
    """Octets onto the link towards the device, as a flight computer's UART would send them."""
    h.write("sampler", octets, framed=False)


def test_unknown_parameter_id_gets_a_failure_report_and_the_device_runs_on() -> None:
    h = Procedure.for_device("sampler")
    record = h.send_raw("sampler", UNKNOWN_PARAMETER_TC)
    h.run(1)
    assert record.stage_names == ["acceptance-failed"]
    code, _ = _failure(h, record)
    assert code == "UNKNOWN_PARAMETER"
    _pong_after(h)


def test_param_set_of_an_unknown_parameter_names_the_right_code() -> None:
    h = Procedure.for_device("sampler")
    raw = PusTc(SAMPLER.apid, 20, 3, bytes.fromhex("01ffff00000000"), 3, ack_flags=0xF).pack()
    record = h.send_raw("sampler", raw)
    h.run(1)
    assert _failure(h, record)[0] == "UNKNOWN_PARAMETER"


def test_a_model_error_while_executing_is_a_failed_start_not_a_crash() -> None:
    h = Procedure.for_device("sampler")

    def broken(**_: object) -> None:
        raise ZeroDivisionError("model bug")

    h.model("sampler")._handlers["mode-set"] = broken
    record = h.send("sampler", "mode-set", mode="operate")
    h.run(1)
    assert record.stage_names == ["acceptance-ok", "start-failed"]
    assert _failure(h, record)[0] == "EXECUTION_FAILED"
    assert h.model("sampler").counters.internal_errors == 1
    assert "ZeroDivisionError" in h.model("sampler").counters.last_internal_error
    _pong_after(h)


def test_a_tc_with_a_bad_crc_gets_tm_1_2_bad_checksum() -> None:
    h = Procedure.for_device("sampler")
    tc = bytearray(PusTc(SAMPLER.apid, 17, 1, b"", 9, ack_flags=0xF).pack())
    tc[-1] ^= 0x01
    record = h.track("sampler", 9)
    _put_on_wire(h, ASM + bytes(tc))
    h.run(1)
    assert record.stage_names == ["acceptance-failed"]
    assert _failure(h, record)[0] == "BAD_CHECKSUM"
    _pong_after(h)


def test_a_truncated_tc_followed_by_silence_gets_tm_1_2_after_the_partial_frame_timeout() -> None:
    h = Procedure.for_device("sampler")
    tc = PusTc(SAMPLER.apid, 17, 1, b"", 12, ack_flags=0xF).pack()
    record = h.track("sampler", 12)
    _put_on_wire(h, ASM + tc[:9])
    h.run(PARTIAL_FRAME_TIMEOUT_NS / 2e9)
    assert record.stage_names == [], "judged before the line went quiet"
    h.run(PARTIAL_FRAME_TIMEOUT_NS / 1e9)
    assert record.stage_names == ["acceptance-failed"]
    assert _failure(h, record)[0] == "INCOMPLETE_OR_BAD_LENGTH"
    assert h.model("sampler").port is not None and h.model("sampler").port.stats.partial_frames_expired == 1
    _pong_after(h)


def test_a_truncated_tc_followed_by_the_next_frame_is_reported_and_the_next_frame_is_served() -> None:
    h = Procedure.for_device("sampler")
    cut = PusTc(SAMPLER.apid, 17, 1, b"", 20, ack_flags=0xF).pack()[:10]
    record = h.track("sampler", 20)
    _put_on_wire(h, ASM + cut)
    _pong_after(h)
    assert record.stage_names == ["acceptance-failed"]
    assert _failure(h, record)[0] == "INCOMPLETE_OR_BAD_LENGTH"


def test_another_devices_bad_tc_gets_no_report_from_this_one() -> None:
    h = Procedure.for_device("sampler")
    tc = bytearray(PusTc(SAMPLER.apid + 1, 17, 1, b"", 4, ack_flags=0xF).pack())
    tc[-1] ^= 0x01
    _put_on_wire(h, ASM + bytes(tc))
    h.run(1)
    assert not [p for p in h.packets("sampler") if p.service == 1]


def test_a_housekeeping_rate_the_link_cannot_carry_is_refused_naming_its_capacity() -> None:
    h = Procedure.for_device("sampler")
    record = h.send("sampler", "hk-interval", sid="drill", interval=1)
    h.run(1)
    code, data = _failure(h, record)
    assert record.stage_names == ["acceptance-failed"] and code == "ARGUMENT_OUT_OF_RANGE"
    assert int.from_bytes(data, "big") == 115_200
    again = h.send("sampler", "hk-interval", sid="drill", interval=100)
    h.run(1)
    assert again.completed


def test_enabling_a_set_beyond_the_link_capacity_is_refused() -> None:
    h = Procedure.for_device("sampler", baud=2_400)
    record = h.send("sampler", "hk-enable", sid="drill-fast")
    h.run(2)
    assert record.stage_names == ["acceptance-failed"]
    assert _failure(h, record)[0] == "ARGUMENT_OUT_OF_RANGE"
    assert verification.FailureCode.ARGUMENT_OUT_OF_RANGE == 8
