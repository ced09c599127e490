"""Benchmark: a long, bounded fuzz of every decoder and of the bench, live and in process (issue 11, point 8).

Run with ``.venv/bin/pytest tests/benchmarks/test_bench_fuzz.py -s -q -p no:cacheprovider`` (or ``python
tests/benchmarks/test_bench_fuzz.py``); about 3 to 5 minutes on 2 cores, over 1M inputs. FARSIDE_FUZZ_SCALE
multiplies every count (0.1 for a quick look). Seeded: the same seed gives the same inputs.

Each decoder gets random octets and mutations of valid inputs (bit flips, cuts, extensions, splices). A finding
is an exception that is not farside's own (not a ProtocolError, SimError or HilError), an input that takes more
than HANG_S, or a round trip (parse, then build) that does not give the input back. The bench part feeds fuzzed
telecommands, frames and CLTUs into an in-process ``Bench`` (any exception escaping is a finding there, typed or
not) and into a short live ``farside serve`` over its ptys. Prints inputs per decoder, findings and rates as a
ratio against a plain ``bytes`` copy of the same inputs measured in the same run; asserts only on findings.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hil" / "serve"))
from fuzz_inputs import DICTIONARY, FuzzInput, fuzz_all_devices
from serial_fsw import SerialFlightSoftware

from firmware_sim.bench import Bench
from firmware_sim.errors import SimError
from firmware_sim.scenario.model import BenchSettings
from hil.errors import HilError
from protocols import timecode
from protocols.dictionary import Device
from protocols.errors import ProtocolError
from protocols.framing import ASM, AsmDeframer, CobsDeframer, cobs_encode
from protocols.pus import PusTc, PusTm, decode_packet
from protocols.spacelink import (
    CaduCodec,
    CaduSplitter,
    Clcw,
    CltuDecoder,
    Farm1,
    ReedSolomon,
    TcFrame,
    TmDeframer,
    TmFramer,
    encode_cltu,
    parse_control_command,
    tc_randomize,
    tm_randomize,
)
from protocols.spacelink.bch import decode_codeblock, encode_codeblock
from protocols.spacelink.tm_frame import TmFrame
from protocols.spacepacket import SpacePacket, SpacePacketHeader

SEED = 20_240_601
SCALE = float(os.environ.get("FARSIDE_FUZZ_SCALE", "1"))
HANG_S = 2.0
"""An input that keeps a decoder busy longer than this is a hang."""
DECODER_CAP_S = 25.0
"""Wall time one decoder may take before its run stops early (the count printed says how far it got)."""
TYPED = (ProtocolError, SimError, HilError)
FRAME_LENGTH = 223
SCID = 91


class HangError(Exception):
    """Raised by the alarm when one input takes longer than HANG_S."""


def _alarm(_signum: int, _frame: Any) -> None:
    raise HangError


@dataclass
class Finding:
    """One crash site: where, what, and the first input that reached it."""

    component: str
    kind: str
    site: str
    example: str
    frames: str
    count: int = 1


@dataclass
class Tally:
    """What one decoder's run gave."""

    name: str
    inputs: int = 0
    typed: int = 0
    untyped: int = 0
    hangs: int = 0
    mismatches: int = 0
    seconds: float = 0.0
    baseline_s: float = 0.0
    findings: dict[str, Finding] = field(default_factory=dict)


# inputs --------------------------------------------------------------------------------------------------------

def mutate(rng: random.Random, seed: bytes) -> bytes:
    """``seed`` with one to three random changes: bit flips, octet sets, cuts, extensions, splices."""
    out = bytearray(seed)
    for _ in range(rng.randrange(1, 4)):
        how = rng.randrange(6)
        if how == 0 and out:
            out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
        elif how == 1 and out:
            out[rng.randrange(len(out))] = rng.choice((0, 0xFF, rng.randrange(256)))
        elif how == 2 and out:
            del out[rng.randrange(len(out)):]
        elif how == 3:
            out += rng.randbytes(rng.randrange(1, 16))
        elif how == 4 and out:
            at = rng.randrange(len(out))
            out[at:at] = rng.randbytes(rng.randrange(1, 8))
        elif out:
            at = rng.randrange(len(out))
            del out[at:at + rng.randrange(1, 8)]
    return bytes(out)


def stream(rng: random.Random, seeds: list[bytes], count: int, max_size: int = 96) -> Iterator[bytes]:
    """``count`` inputs: mostly mutated seeds, some seeds as they are, some random octets."""
    for _ in range(count):
        pick = rng.random()
        if pick < 0.6:
            yield mutate(rng, rng.choice(seeds))
        elif pick < 0.75:
            yield rng.choice(seeds)
        else:
            yield rng.randbytes(rng.randrange(0, max_size))


def valid_packets(rng: random.Random, count: int = 300) -> list[bytes]:
    """Whole TC and TM packets of every device, from the TC fuzzer and the dictionary's codecs."""
    packets = [i.octets for i in fuzz_all_devices(SEED, count // 3, damage=0.0, garbage=0.0)]
    for device in DICTIONARY.devices:
        for hk in device.housekeeping:
            codec = device.hk_codec(hk.sid)
            values = [p.to_engineering(0) if not p.enum else next(iter(p.enum))
                      for p in (device.parameter(n) for n in hk.parameters)]
            packets.append(codec.encode(values, rng.randrange(0x4000), 1, 2_100_000_000 * 10**9))
        for event in device.events[:5]:
            app = event.id.to_bytes(2, "big") + bytes(event.codec.size)
            packets.append(PusTm(device.apid, 5, int(event.severity), app, 1, 1, 10**18).pack())
    return packets


# running -------------------------------------------------------------------------------------------------------

def _site(exc: BaseException) -> tuple[str, str]:
    frames = traceback.extract_tb(exc.__traceback__)
    last = frames[-1] if frames else None
    where = f"{last.filename.rsplit('/work/main/', 1)[-1]}:{last.lineno} in {last.name}" if last else "?"
    text = "\n".join(f"    {f.filename.rsplit('/work/main/', 1)[-1]}:{f.lineno} in {f.name}: {f.line}"
                     for f in frames[-5:])
    return f"{type(exc).__name__} at {where}", text


def note(tally: Tally, kind: str, exc: BaseException, example: bytes | str) -> None:
    """Count a finding under its crash site; keep the first example."""
    site, frames = _site(exc)
    key = f"{kind} {site}"
    found = tally.findings.get(key)
    if found is None:
        shown = example.hex() if isinstance(example, bytes) else example
        tally.findings[key] = Finding(tally.name, kind, f"{site}: {str(exc)[:160]}", shown[:400], frames)
    else:
        found.count += 1


def fuzz(name: str, inputs: list[bytes], decode: Callable[[bytes], Any],
         roundtrip: Callable[[bytes, Any], bool] | None = None) -> Tally:
    """Run ``decode`` on every input under a per-input alarm; typed errors are fine, anything else a finding."""
    tally = Tally(name)
    started = time.perf_counter()
    for data in inputs:
        bytes(data)
    tally.baseline_s = time.perf_counter() - started
    previous = signal.signal(signal.SIGALRM, _alarm)
    started = time.perf_counter()
    try:
        for data in inputs:
            if time.perf_counter() - started > DECODER_CAP_S * SCALE ** 0.5:
                break
            tally.inputs += 1
            signal.setitimer(signal.ITIMER_REAL, HANG_S)
            try:
                result = decode(data)
            except TYPED:
                tally.typed += 1
                continue
            except HangError as exc:
                tally.hangs += 1
                note(tally, "hang", exc, data)
                continue
            except Exception as exc:
                tally.untyped += 1
                note(tally, "untyped", exc, data)
                continue
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            if roundtrip is not None:
                try:
                    same = roundtrip(data, result)
                except Exception as exc:
                    tally.mismatches += 1
                    note(tally, "roundtrip raised", exc, data)
                    continue
                if not same:
                    tally.mismatches += 1
                    note(tally, "roundtrip", ValueError("rebuilt octets differ"), data)
    finally:
        signal.signal(signal.SIGALRM, previous)
    tally.seconds = time.perf_counter() - started
    return tally


def chunks(rng: random.Random, data: bytes) -> list[bytes]:
    """``data`` cut at random places (1 to 64 octets a piece)."""
    out, pos = [], 0
    while pos < len(data):
        step = rng.randrange(1, 65)
        out.append(data[pos:pos + step])
        pos += step
    return out


def deframer_stream(rng: random.Random, packets: list[bytes], frame: Callable[[bytes], bytes],
                    count: int) -> list[bytes]:
    """Chunks of a stream of framed packets, some damaged, with garbage between them."""
    parts = []
    for _ in range(count):
        framed = frame(rng.choice(packets))
        pick = rng.random()
        parts.append(mutate(rng, framed) if pick < 0.2 else rng.randbytes(rng.randrange(1, 40)) if pick < 0.3
                     else framed)
    return chunks(rng, b"".join(parts))[:count]


def stateful(make: Callable[[], Any], feed: Callable[[Any, bytes], Any], check: Callable[[Any], bool] | None = None
             ) -> Callable[[bytes], Any]:
    """A decode function that feeds one long-lived decoder, rebuilt after anything escapes it."""
    holder = [make()]

    def run(data: bytes) -> Any:
        try:
            result = feed(holder[0], data)
        except BaseException:
            holder[0] = make()
            raise
        if check is not None and not check(holder[0]):
            raise AssertionError("decoder counters do not add up")
        return result
    return run


# the decoders ----------------------------------------------------------------------------------------------------

def decoder_runs(rng: random.Random, n: Callable[[int], int]) -> Iterator[Tally]:
    """Every decoder's run, one after the other."""
    packets = valid_packets(rng)
    yield fuzz("baseline: spacepacket header", list(stream(rng, packets, n(60_000))),
               lambda d: SpacePacketHeader.unpack(d))
    yield fuzz("SpacePacket.unpack", list(stream(rng, packets, n(60_000))), SpacePacket.unpack,
               lambda d, r: r.pack() == d)
    tcs = [p for p in packets if p[0] & 0x10]
    tms = [p for p in packets if not p[0] & 0x10]
    yield fuzz("PusTc.unpack", list(stream(rng, tcs, n(80_000))), PusTc.unpack, lambda d, r: r.pack() == d)
    yield fuzz("PusTm.unpack", list(stream(rng, tms, n(60_000))), PusTm.unpack, lambda d, r: r.pack() == d)
    yield fuzz("decode_packet", list(stream(rng, packets, n(60_000))), decode_packet)
    yield fuzz("dictionary TC[8,1] / standard TC", list(stream(rng, tcs, n(80_000))), _dictionary_tc)
    yield fuzz("dictionary TM (HK, events, reports)", list(stream(rng, tms, n(60_000))), _dictionary_tm)

    def asm_check(deframer: AsmDeframer) -> bool:
        stats = deframer.stats
        return stats.octets_in == stats.octets_good + stats.octets_skipped + deframer.buffered

    yield fuzz("AsmDeframer.feed", deframer_stream(rng, packets, lambda p: ASM + p, n(80_000)),
               stateful(AsmDeframer, lambda d, x: d.feed(x), asm_check))
    yield fuzz("CobsDeframer.feed", deframer_stream(rng, packets, lambda p: cobs_encode(p) + b"\x00", n(60_000)),
               stateful(CobsDeframer, lambda d, x: d.feed(x)))
    frames = [TcFrame.bd(SCID, 0, p[:1000]).pack() for p in tcs[:100]] + [
        TcFrame.ad(SCID, 0, rng.randrange(256), p).pack() for p in tcs[:50]] + [
        TcFrame.unlock(SCID, 0).pack(), TcFrame.set_vr(SCID, 0, 7).pack()]
    yield fuzz("TcFrame.unpack", list(stream(rng, frames, n(60_000))), TcFrame.unpack, lambda d, r: r.pack() == d)
    yield fuzz("parse_control_command", list(stream(rng, [b"\x00", b"\x82\x00\x05"], n(30_000), 6)),
               parse_control_command)
    farm = Farm1(0)
    yield fuzz("Farm1.handle_octets", list(stream(rng, frames, n(50_000))), farm.handle_octets)
    cltus = [encode_cltu(f) for f in frames[:60]]
    yield fuzz("CltuDecoder.feed", [c for x in stream(rng, cltus, n(20_000), 200) for c in chunks(rng, x)][:n(60_000)],
               stateful(CltuDecoder, lambda d, x: d.feed(x)))
    blocks = [encode_codeblock(rng.randbytes(7)) for _ in range(50)]
    yield fuzz("bch.decode_codeblock", list(stream(rng, blocks, n(60_000), 12)), decode_codeblock)
    tm_frames = _tm_frames(packets)
    yield fuzz("TmFrame.unpack", list(stream(rng, tm_frames, n(40_000), 300)), TmFrame.unpack,
               lambda d, r: r.pack() == d)
    yield fuzz("TmDeframer.feed", list(stream(rng, tm_frames, n(40_000), 300)),
               stateful(lambda: TmDeframer(FRAME_LENGTH, scid=SCID), lambda d, x: d.feed(x)))
    codec = CaduCodec(FRAME_LENGTH)
    cadus = [codec.encode(f) for f in tm_frames]
    yield fuzz("CaduCodec.decode_body", [x[4:] for x in stream(rng, cadus, n(30_000), 300)], codec.decode_body)
    yield fuzz("CaduSplitter.feed", [c for x in stream(rng, cadus, n(8_000), 300) for c in chunks(rng, x)][:n(40_000)],
               stateful(lambda: CaduSplitter(codec.body_length), lambda d, x: d.feed(x)))
    yield fuzz("randomizers (TM, TC)", list(stream(rng, tm_frames, n(40_000), 300)), _randomizers,
               lambda d, r: r == d)
    rs = ReedSolomon(1)
    codewords = [rs.encode(rng.randbytes(223)) for _ in range(20)]
    yield fuzz("ReedSolomon.decode", [_rs_damage(rng, c) for c in (rng.choice(codewords) for _ in range(n(3_000)))],
               rs.decode)
    codes = [timecode.cuc_encode(rng.randrange(2**32 * 10**9)) for _ in range(20)]
    yield fuzz("time codes (CUC, CDS)", list(stream(rng, codes, n(60_000), 12)), _time_codes)
    clcws = [Clcw(rng.randrange(64), rng.randrange(256)).pack() for _ in range(20)]
    yield fuzz("Clcw.unpack", list(stream(rng, clcws, n(40_000), 8)), Clcw.unpack,
               lambda d, r: Clcw.unpack(r.pack()) == r)  # spare bits are not kept
    recording = _recording()
    yield fuzz("recording reader", [mutate(rng, recording) for _ in range(n(300))], _read_recording)


def _tm_frames(packets: list[bytes]) -> list[bytes]:
    framer = TmFramer(SCID, 1, FRAME_LENGTH)
    frames = framer.push_many(packets[:200]) + framer.flush()
    return frames[:60]


def _dictionary_tc(data: bytes) -> Any:
    device = DICTIONARY.find_apid(((data[0] & 7) << 8) | data[1]) if len(data) > 1 else None
    device = device or DICTIONARY.device("sampler")
    if len(data) > 8 and data[7] == 8 and data[8] == 1:
        return device.decode_function_packet(data)
    tc = PusTc.unpack(data)
    command = device.command_for(tc.service, tc.subtype, tc.app_data)
    return command.decode(device, tc.app_data)


def _dictionary_tm(data: bytes) -> Any:
    device: Device = DICTIONARY.find_apid(((data[0] & 7) << 8) | data[1]) if len(data) > 1 else None
    device = device or DICTIONARY.device("ascender")
    if len(data) > 8 and data[7] == 3 and data[8] == 25:
        return device.decode_hk_packet(data)
    tm = PusTm.unpack(data, verify_crc=False)
    if tm.service == 5:
        return device.decode_event(tm.app_data)
    return device.decode_hk(tm.app_data)


def _randomizers(data: bytes) -> bytes:
    return tc_randomize(tc_randomize(tm_randomize(tm_randomize(data))))


def _rs_damage(rng: random.Random, codeword: bytes) -> bytes:
    out = bytearray(codeword)
    for _ in range(rng.choice((0, 1, 8, 16, 17, 40))):
        out[rng.randrange(len(out))] ^= rng.randrange(1, 256)
    return bytes(out)


def _time_codes(data: bytes) -> Any:
    for decode in (timecode.cuc_decode, timecode.cuc_decode_with_pfield, timecode.cds_decode):
        with contextlib.suppress(*TYPED):
            decode(data)
    value = timecode.cuc_decode(data)
    if timecode.cuc_encode(value) != data[:6]:
        raise AssertionError("CUC round trip differs")
    return value


def _recording() -> bytes:
    """A small pcapng recording of the reference bench's first virtual minute."""
    from hil.recording.writer import Recorder

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.pcapng"
        bench = Bench(seed=1)
        recorder = Recorder().open(path, {"seed": 1, "mode": "run"})
        recorder.attach(bench)
        bench.run(60)
        recorder.close()
        return path.read_bytes()


def _read_recording(data: bytes) -> Any:
    from hil.recording.reader import read_recording

    return read_recording(Path("fuzz.pcapng"), data)


# the bench -------------------------------------------------------------------------------------------------------

def bench_devices(count: int) -> Tally:
    """Fuzzed TCs into every device's port of an in-process Bench, virtual time run after each: nothing escapes."""
    tally = Tally("bench: device ports (in process)")
    bench = Bench(seed=1)
    started = time.perf_counter()
    for item in fuzz_all_devices(SEED, count // 3):
        if time.perf_counter() - started > DECODER_CAP_S * 2:
            break
        tally.inputs += 1
        try:
            bench.devices[item.device].port.receive(item.wire())  # type: ignore[union-attr]
            bench.run(0.05)
        except Exception as exc:
            tally.untyped += 1
            note(tally, "escaped the bench", exc, item.wire())
            bench = Bench(seed=1)
    tally.seconds = time.perf_counter() - started
    errors = sum(getattr(d.counters, "internal_errors", 0) for d in bench.devices.values())
    tally.typed = errors  # commands whose handling raised inside a device (a model bug, reported as a failure)
    return tally


def bench_space_link(count: int) -> Tally:
    """Fuzzed TCs in TC frames in CLTUs into the radio of an in-process Bench (relay always in view)."""
    tally = Tally("bench: CLTUs on the space link (in process)")
    rng = random.Random(SEED)

    def fresh() -> Bench:
        bench = Bench(BenchSettings(devices={"relay": {"visibility": "always"}}), seed=1)
        bench.run(5)
        return bench

    bench = fresh()
    started = time.perf_counter()
    skip = {"relay": frozenset({"power", "set-mode"})}
    for item in fuzz_all_devices(SEED + 1, count // 3, skip=skip):
        if time.perf_counter() - started > DECODER_CAP_S * 2:
            break
        tally.inputs += 1
        link = bench.devices["relay"].space_link  # type: ignore[attr-defined]
        settings = link.settings
        data = item.octets if rng.random() < 0.9 else mutate(rng, item.octets)
        cltu = encode_cltu(TcFrame.bd(settings.spacecraft_id, settings.tc_vcid, data[:1000]).pack(),
                           settings.tc_randomize)
        if rng.random() < 0.1:
            cltu = mutate(rng, cltu)
        try:
            arrival = link.uplink_cltu(cltu, bench.scheduler.now_ns)
            delivered = arrival + len(cltu) * 8 * 1_000_000_000 // 125 + 100_000_000  # received at 125 bit/s
            bench.run(until=lambda: bench.scheduler.now_ns > delivered)  # noqa: B023 - used at once
        except Exception as exc:
            tally.untyped += 1
            note(tally, "escaped the bench", exc, f"frame data {data.hex()} ({item.kind}); cltu {cltu.hex()}")
            bench = fresh()
    tally.seconds = time.perf_counter() - started
    return tally


def live_serve(count: int) -> Tally:
    """A short live `farside serve`: fuzzed TCs on every pty, a ping per batch; the server must stay up."""
    tally = Tally("live farside serve (ptys)")
    with tempfile.TemporaryDirectory() as folder:
        endpoints_path = Path(folder) / "endpoints.json"
        process = subprocess.Popen([sys.executable, "-m", "hil.cli", "serve", "--endpoints", str(endpoints_path),
                                    "--speed", "5", "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   text=True)
        deadline = time.monotonic() + 60
        while not endpoints_path.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)  # another process starting: no virtual time to wait on
        endpoints = json.loads(endpoints_path.read_text())
        names = [d.name for d in DICTIONARY.devices]
        fsw = SerialFlightSoftware({d: endpoints[d] for d in names})
        started = time.perf_counter()
        seq = 0x3800
        try:
            inputs: list[FuzzInput] = list(fuzz_all_devices(SEED + 2, count // 3))
            for start in range(0, len(inputs), 60):
                if time.perf_counter() - started > DECODER_CAP_S * 2:
                    break
                for item in inputs[start:start + 60]:
                    tally.inputs += 1
                    fsw.ports[item.device].write(item.wire())
                    fsw.poll(0)
                for device in names:
                    seq += 1
                    ping = PusTc(DICTIONARY.device(device).apid, 17, 1, b"", seq, 1, 0xF).pack()
                    since = len(fsw.received[device])
                    fsw.send(device, ping)
                    try:
                        fsw.wait_for(device, (1, 7), ping[:4], 3.0, since)
                    except AssertionError:
                        if process.poll() is not None:
                            raise
                        tally.hangs += 1  # the link is silent: a held length (flush it and go on)
                        fsw.ports[device].write(bytes(66_000))
        except (AssertionError, OSError) as exc:
            tally.untyped += 1
            note(tally, "serve died", exc, f"batch at {tally.inputs}")
        finally:
            fsw.close()
            tally.seconds = time.perf_counter() - started
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            _, err = process.communicate(timeout=30)
        if process.returncode != 0 or "Traceback" in err:
            tally.untyped += 1
            note(tally, "serve exit", RuntimeError(f"exit {process.returncode}: {err[-300:]}"), "")
    return tally


# report ----------------------------------------------------------------------------------------------------------

def report(tallies: list[Tally]) -> str:
    """The figures as a table, then every finding."""
    lines = [f"{'component':<42} {'inputs':>9} {'typed':>8} {'untyped':>7} {'hangs':>5} {'rt-miss':>7} "
             f"{'inputs/s':>10} {'vs copy':>8}"]
    for t in tallies:
        rate = t.inputs / t.seconds if t.seconds else 0.0
        ratio = f"{(t.inputs / t.baseline_s) / rate:8.0f}x" if t.baseline_s and rate else f"{'-':>8}"
        lines.append(f"{t.name:<42} {t.inputs:>9,} {t.typed:>8,} {t.untyped:>7} {t.hangs:>5} {t.mismatches:>7} "
                     f"{rate:>10,.0f} {ratio}")
    total = sum(t.inputs for t in tallies)
    lines.append(f"{'total':<42} {total:>9,} {sum(t.typed for t in tallies):>8,} "
                 f"{sum(t.untyped for t in tallies):>7} {sum(t.hangs for t in tallies):>5} "
                 f"{sum(t.mismatches for t in tallies):>7}")
    lines.append("(vs copy: how many times slower than a plain bytes() copy of the same inputs; the bench rows count "
                 "device internal errors under 'typed' and silent links under 'hangs')")
    for t in tallies:
        for f in t.findings.values():
            lines.append(f"\nFINDING {f.component} [{f.kind}] x{f.count}: {f.site}\n  input: {f.example}\n{f.frames}")
    return "\n".join(lines)


def test_fuzz_every_decoder_and_the_bench() -> None:
    rng = random.Random(SEED)

    def n(count: int) -> int:
        return max(1, int(count * SCALE))

    started = time.perf_counter()
    tallies = list(decoder_runs(rng, n))
    tallies.append(bench_devices(n(30_000)))
    tallies.append(bench_space_link(n(1_500)))
    tallies.append(live_serve(n(3_000)))
    print()
    print(report(tallies))
    print(f"\n{sum(t.inputs for t in tallies):,} inputs in {time.perf_counter() - started:.0f} s (seed {SEED})")
    decoders = [t for t in tallies if not t.name.startswith(("bench", "live"))]
    assert sum(t.untyped + t.hangs for t in decoders) == 0, "decoders raised untyped errors or hung (see FINDING)"
    assert sum(t.mismatches for t in decoders) == 0, "round trips differ (see FINDING)"
    assert all(t.untyped == 0 for t in tallies if t not in decoders), "something escaped the bench (see FINDING)"


if __name__ == "__main__":
    test_fuzz_every_decoder_and_the_bench()
