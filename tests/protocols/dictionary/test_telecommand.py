"""``Device.telecommand``: the one place a TC is built from a command name (flight software, driver, `farside tc`)."""

from __future__ import annotations

import pytest

from protocols.dictionary.sampler import SAMPLER
from protocols.errors import ArgumentRangeError, UnknownCommandError
from protocols.pus import PusTc


def test_a_named_command_becomes_a_whole_pus_tc() -> None:
    raw = SAMPLER.telecommand("drill-start", {"target_depth": 2.0, "rotation_rate": 120, "percussion": "low",
                                              "feed_rate": 40.0}, seq_count=7, source_id=3, ack=0x9)
    tc = PusTc.unpack(raw)
    command, app_data = SAMPLER.encode_command("drill-start", {"target_depth": 2.0, "rotation_rate": 120,
                                                               "percussion": "low", "feed_rate": 40.0})
    assert (tc.apid, tc.service, tc.subtype, tc.app_data) == (SAMPLER.apid, command.service, command.subtype, app_data)
    assert (tc.seq_count, tc.source_id, tc.ack_flags) == (7, 3, 0x9)
    assert SAMPLER.telecommand("ping") == PusTc(SAMPLER.apid, 17, 1).pack()


def test_unknown_commands_and_bad_arguments_are_protocol_errors() -> None:
    with pytest.raises(UnknownCommandError):
        SAMPLER.telecommand("self-destruct")
    with pytest.raises(ArgumentRangeError):
        SAMPLER.telecommand("hk-interval", {"sid": "drill", "interval": -5})
