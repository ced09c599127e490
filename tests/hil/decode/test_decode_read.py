"""Reading for the bulk decode: a recording is read in place, a short packet at its very end still decodes, and
work spread over threads comes back in order."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from hil.decode import decode_buffer, read_buffer
from hil.decode.parallel import in_order, run_all
from hil.decode.split import BACK
from hil.recording.writer import Recorder
from protocols.dictionary import default_dictionary
from protocols.timecode import NS_PER_S

DICTIONARY = default_dictionary()
SAMPLER = DICTIONARY.device("sampler")
T0_NS = 2_100_000_000 * NS_PER_S


def _record(path: Path, last: bytes | None) -> list[bytes]:
    """Housekeeping of every sampler set, then ``last`` (if any) as the recording's final packet."""
    packets = []
    for k, hk in enumerate(SAMPLER.housekeeping * 20):
        values = [next(iter(SAMPLER.parameter(n).enum)) if SAMPLER.parameter(n).enum else 0.0 for n in hk.parameters]
        packets.append(SAMPLER.hk_codec(hk.sid).encode(values, k, k, T0_NS + k * NS_PER_S))
    if last is not None:
        packets.append(last)
    with Recorder().open(path, {"seed": 1}) as recorder:
        for k, packet in enumerate(packets):
            recorder.tap(k * NS_PER_S, "sampler", "b>a", packet)
    return packets


def test_a_recording_is_read_in_place_not_copied(tmp_path: Path) -> None:
    packets = _record(tmp_path / "hk.pcapng", None)
    buffer = read_buffer(tmp_path / "hk.pcapng")
    assert [buffer.packet(i) for i in range(len(buffer))] == packets
    assert not buffer.data.flags.writeable and len(buffer.data) == (tmp_path / "hk.pcapng").stat().st_size
    assert decode_buffer(buffer, DICTIONARY).decoded == len(packets)


def test_a_short_packet_at_the_very_end_of_a_recording_still_decodes(tmp_path: Path) -> None:
    tiny = SAMPLER.apid.to_bytes(2, "big") + b"\xc0\x00\x00\x00\xaa"  # 7 octets: a space packet, no PUS
    assert len(tiny) + 16 < BACK  # the packet block's tail after it: flags option, end of options, length
    packets = _record(tmp_path / "hk.pcapng", tiny)
    buffer = read_buffer(tmp_path / "hk.pcapng")
    assert [buffer.packet(i) for i in range(len(buffer))] == packets
    assert len(buffer.data) >= int(buffer.offsets[-1]) + BACK
    result = decode_buffer(buffer, DICTIONARY)
    assert result.decoded == len(packets) - 1 and result.other_kinds == {"SP": 1} and not result.rejected


def test_threaded_work_comes_back_in_order_and_keeps_few_results_pending() -> None:
    running, most = [0], [0]
    lock = threading.Lock()

    def square(n: int) -> int:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        value = sum(range(n * 1000)) * 0 + n * n  # some work, so that tasks overlap
        with lock:
            running[0] -= 1
        return value

    assert list(in_order(square, range(50), ahead=3)) == [n * n for n in range(50)]
    assert most[0] <= 3
    assert run_all([lambda k=k: k + 1 for k in range(20)]) == list(range(1, 21))


def test_a_failing_task_fails_the_whole_step() -> None:
    def fail_at_seven(n: int) -> int:
        if n == 7:
            raise ValueError("seven")
        return n

    with pytest.raises(ValueError, match="seven"):
        list(in_order(fail_at_seven, range(20)))
    with pytest.raises(ValueError, match="seven"):
        run_all([lambda k=k: fail_at_seven(k) for k in range(10)])
