"""Bulk decode agrees value for value with `Device.decode_hk_packet`, and counts corrupt and unknown packets."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hil.decode import buffer_from_packets, decode_buffer, split_stream
from hil.decode.bulk import BAD_CRC, BAD_HEADER, UNKNOWN_APID, UNKNOWN_SID, WRONG_SIZE
from hil.decode.chain import chain_starts
from hil.decode.crc import crc_rows
from hil.decode.split import packet_starts
from protocols.crc import crc16
from protocols.dictionary import default_dictionary
from protocols.errors import ProtocolError
from protocols.pus import PusTm

DICTIONARY = default_dictionary()
SETS = [(d, hk) for d in DICTIONARY for hk in d.housekeeping]
MUTATIONS = ("none", "none", "none", BAD_CRC, WRONG_SIZE, UNKNOWN_SID, UNKNOWN_APID, BAD_HEADER)


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


@st.composite
def _packet(draw: st.DrawFn) -> tuple[bytes, str]:
    device, hk = draw(st.sampled_from(SETS))
    size = device.hk_codec(hk.sid).packet_size - 23  # headers, SID and CRC
    body = draw(st.binary(min_size=size, max_size=size))
    seq = draw(st.integers(0, 16383))
    counter = draw(st.integers(0, 65535))
    time_ns = draw(st.integers(0, (1 << 32) * 10**9 - 1))
    mutation = draw(st.sampled_from(MUTATIONS))
    apid, sid, dest = device.apid, hk.sid, 0
    if mutation == WRONG_SIZE:
        body = body[:-1] if draw(st.booleans()) else body + b"\x00"
    elif mutation == UNKNOWN_SID:
        sid = 0xFFFF
    elif mutation == UNKNOWN_APID:
        apid = 0x555
    elif mutation == BAD_HEADER:
        dest = draw(st.integers(1, 65535))
    raw = PusTm(apid, 3, 25, sid.to_bytes(2, "big") + body, seq, counter, time_ns, dest).pack()
    if mutation == BAD_CRC:
        at = draw(st.integers(21, len(raw) - 1))
        raw = raw[:at] + bytes([raw[at] ^ draw(st.integers(1, 255))]) + raw[at + 1:]
    return raw, mutation


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_packet(), min_size=1, max_size=40))
def test_bulk_equals_per_packet_decode(items: list[tuple[bytes, str]]) -> None:
    packets = [raw for raw, _ in items]
    result = decode_buffer(buffer_from_packets(packets), DICTIONARY)
    decoded: dict[int, tuple] = {}
    for block in result.blocks:
        for j, index in enumerate(block.index.tolist()):
            values = tuple(block.values[p.name][j] for p in block.parameters)
            decoded[index] = (block.device.name, block.hk.sid, tuple(v.item() if hasattr(v, "item") else v
                                                                     for v in values),
                              int(block.seq_count[j]), int(block.msg_counter[j]), int(block.time_ns[j]))
    expected_rejects: dict[str, int] = {}
    for index, (raw, mutation) in enumerate(items):
        if mutation != "none":
            expected_rejects[mutation] = expected_rejects.get(mutation, 0) + 1
            assert index not in decoded
            device = DICTIONARY.find_apid(int.from_bytes(raw[:2], "big") & 0x7FF)
            if device is not None:
                with pytest.raises(ProtocolError):
                    device.decode_hk_packet(raw)
            continue
        device = DICTIONARY.by_apid(int.from_bytes(raw[:2], "big") & 0x7FF)
        report = device.decode_hk_packet(raw)
        name, sid, values, seq, counter, time_ns = decoded[index]
        assert (name, sid, seq, counter, time_ns) == (device.name, report.sid, report.seq_count,
                                                      report.msg_counter, report.time_ns)
        assert all(_same(a, b) for a, b in zip(values, report.values, strict=True)), (values, report.values)
    assert dict(result.rejected) == expected_rejects
    assert sorted(result.rejected_index.tolist()) == [i for i, (_, m) in enumerate(items) if m != "none"]


@given(st.lists(st.binary(min_size=0, max_size=70), min_size=1, max_size=30), st.booleans())
def test_vectorised_crc_matches_binascii(rows: list[bytes], odd: bool) -> None:
    width = max(map(len, rows)) | 1 if odd else (max(map(len, rows)) + 1) & ~1
    same = [r.ljust(width, b"\x5a")[:width] for r in rows]
    lead = width % 2
    grid = np.zeros((len(same), width + lead), dtype=np.uint8)
    grid[:, lead:] = np.frombuffer(b"".join(same), dtype=np.uint8).reshape(len(same), width)
    assert crc_rows(grid, padded=bool(lead)).tolist() == [crc16(r) for r in same]


def test_other_packets_are_counted_not_decoded() -> None:
    sampler = DICTIONARY.device("sampler")
    event = sampler.events[0]
    app_data = event.id.to_bytes(2, "big") + bytes(event.codec.size)
    packets = [PusTm(sampler.apid, 1, 1, b"\x00\x00\x00\x00").pack(), PusTm(sampler.apid, 17, 2).pack(),
               PusTm(sampler.apid, 5, int(event.severity), app_data).pack()]
    result = decode_buffer(buffer_from_packets(packets), DICTIONARY)
    assert result.decoded == 0 and not result.rejected
    assert result.other.tolist() == list(range(len(packets)))
    assert result.other_kinds["TM[1,1]"] == 1 and result.other_kinds["TM[17,2]"] == 1


def test_split_stream_reports_a_torn_tail() -> None:
    packet = PusTm(0x110, 17, 2).pack()
    buffer = split_stream(packet * 3 + packet[:5])
    assert len(buffer) == 3 and buffer.packet(2) == packet
    assert buffer.problems and "hold no whole packet" in buffer.problems[0] and buffer.damage[0].torn


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.binary(min_size=0, max_size=40),
                          st.builds(lambda n, s: PusTm(0x110, 17, 2, bytes(n), s).pack(),
                                    st.integers(0, 60), st.integers(0, 16383))), max_size=60),
       st.integers(8, 200), st.integers(1, 64))
def test_chunked_walk_equals_plain_walk(parts: list[bytes], chunk: int, window: int) -> None:
    data = b"".join(parts)
    buf = np.zeros(len(data) + 1 + 32, dtype=np.uint8)
    buf[1:1 + len(data)] = np.frombuffer(data, dtype=np.uint8)
    starts, end = chain_starts(buf, 1, len(data), chunk=chunk, window=window)
    expected, expected_end = packet_starts(data)
    assert starts.tolist() == expected and end == expected_end
