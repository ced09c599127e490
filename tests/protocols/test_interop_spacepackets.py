"""Packets built by farside parse in spacepackets (a second implementation), and the reverse."""

import warnings

from hypothesis import given
from hypothesis import strategies as st
from spacepackets.ecss import PusTc as SpTc
from spacepackets.ecss import PusTm as SpTm

from protocols.pus import PusTc, PusTm
from protocols.timecode import cuc_decode, cuc_encode

apids = st.integers(0, 0x7FE)
counts = st.integers(0, 0x3FFF)
bytes8 = st.integers(0, 255)
data = st.binary(max_size=200)


@given(apids, bytes8, bytes8, data, counts, st.integers(0, 0xFFFF), st.integers(0, 15))
def test_farside_tc_parses_in_spacepackets(apid: int, service: int, subtype: int, app_data: bytes, count: int,
                                           source: int, ack: int) -> None:
    raw = PusTc(apid, service, subtype, app_data, count, source, ack).pack()
    theirs = SpTc.unpack(raw)
    assert (theirs.apid, theirs.service, theirs.message_subtype, theirs.app_data, theirs.seq_count,
            theirs.source_id, theirs.pus_tc_sec_header.ack_flags) == (apid, service, subtype, app_data, count,
                                                                      source, ack)


@given(apids, bytes8, bytes8, data, counts, st.integers(0, 0xFFFF), st.integers(0, 2**40))
def test_spacepackets_tc_parses_in_farside(apid: int, service: int, subtype: int, app_data: bytes, count: int,
                                           source: int, _: int) -> None:
    raw = SpTc(service=service, message_subtype=subtype, apid=apid, app_data=app_data, seq_count=count,
               source_id=source).pack()
    ours = PusTc.unpack(raw)
    assert (ours.apid, ours.service, ours.subtype, ours.app_data, ours.seq_count, ours.source_id) == (
        apid, service, subtype, app_data, count, source)


@given(apids, bytes8, bytes8, data, counts, st.integers(0, 0xFFFF), st.integers(0, (1 << 32) * 10**9 - 1))
def test_farside_tm_parses_in_spacepackets(apid: int, service: int, subtype: int, app_data: bytes, count: int,
                                           counter: int, time_ns: int) -> None:
    raw = PusTm(apid, service, subtype, app_data, count, counter, time_ns).pack()
    theirs = SpTm.unpack(raw, timestamp_len=6)
    assert (theirs.apid, theirs.service, theirs.message_subtype, theirs.source_data, theirs.seq_count) == (
        apid, service, subtype, app_data, count)
    assert bytes(theirs.timestamp) == cuc_encode(time_ns)
    assert theirs.pus_tm_sec_header.message_counter == counter


@given(apids, bytes8, bytes8, data, counts, st.integers(0, (1 << 32) * 10**9 - 1))
def test_spacepackets_tm_parses_in_farside(apid: int, service: int, subtype: int, source_data: bytes, count: int,
                                           time_ns: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        raw = SpTm(service=service, message_subtype=subtype, apid=apid, timestamp=cuc_encode(time_ns),
                   source_data=source_data, seq_count=count).pack()
    ours = PusTm.unpack(raw)
    assert (ours.apid, ours.service, ours.subtype, ours.app_data, ours.seq_count) == (
        apid, service, subtype, source_data, count)
    assert ours.time_ns == cuc_decode(cuc_encode(time_ns))
