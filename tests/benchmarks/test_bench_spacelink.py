"""Benchmark: the CCSDS space link's codecs against the link's own rate, and the mission with the frame link on/off.

Run with `make bench` (or `python tests/benchmarks/test_bench_spacelink.py`). Figures:

1. TM encode (packets → TM frames with OCF and FECF → randomized CADUs) and decode (CADUs → sync, derandomize,
   frame checks → packets) in Mbit/s of CADU bits, best of several rounds, with and without Reed-Solomon
   (interleave 5), each as a multiple of the fastest configured downlink rate (555 kbit/s; target ≥ 100×);
   CLTU encode/decode (BCH) against the 125 bit/s uplink.
2. The reference mission's wall time with the frame link (the default) and with ``space_link = "packets"``,
   measured in the same run, and their ratio (the frame link's cost).
"""

from __future__ import annotations

import timeit
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from firmware_sim.missions import REFERENCE, builtin_path
from firmware_sim.runner import ScenarioRun
from firmware_sim.scenario import load_scenario
from firmware_sim.spacelink import FrameLinkSettings, TmReceiver
from protocols.dictionary.relay import DOWNLINK_RATES, UPLINK_RATE_BPS
from protocols.pus import PusTc, PusTm
from protocols.spacelink import CaduCodec, Clcw, CltuDecoder, TcFrame, TmFramer, encode_cltu

ROUNDS = 5
FRAMES = 400
FASTEST_BPS = max(DOWNLINK_RATES.values())


def _best(fn: Callable[[], Any], number: int = 1) -> float:
    """Seconds per call: best of ROUNDS rounds."""
    return min(timeit.repeat(fn, number=number, repeat=ROUNDS)) / number


def _packets(count: int) -> list[bytes]:
    """Housekeeping-sized TM packets (about 50 octets, like the mission's)."""
    return [PusTm(0x110, 3, 25, bytes(range(29)), seq % 16384, 0, seq * 1000).pack() for seq in range(count)]


def tm_codec(rs_interleave: int = 0) -> dict[str, float]:
    """Encode and decode rates of full frames in Mbit/s of CADU bits, and packets per frame."""
    settings = FrameLinkSettings(rs_interleave=rs_interleave)
    codec = CaduCodec(settings.tm_frame_length, randomize=True, rs_interleave=rs_interleave or None)
    clcw = Clcw(0, 17).to_int()
    per_frame = settings.tm_frame_length // len(_packets(1)[0]) + 1
    packets = _packets(per_frame * FRAMES)

    def encode() -> list[bytes]:
        framer = TmFramer(settings.spacecraft_id, 0, settings.tm_frame_length, ocf=lambda: clcw)
        return [codec.encode(frame) for frame in framer.push_many(packets)]

    cadus = encode()
    stream = b"".join(cadus)

    def decode() -> int:
        receiver = TmReceiver(settings)
        return sum(len(r.result.packets) for r in receiver.feed(stream) if r.result is not None)

    assert decode() >= len(packets) - per_frame
    bits = len(stream) * 8
    return {"encode_mbps": bits / _best(encode) / 1e6, "decode_mbps": bits / _best(decode) / 1e6,
            "packets_per_frame": len(packets) / len(cadus)}


def cltu_codec() -> dict[str, float]:
    """CLTU encode (TC frame → BCH codeblocks) and decode rates in kbit/s of CLTU bits."""
    frames = [TcFrame.ad(91, 0, n & 0xFF, PusTc(0x110, 8, 1, bytes(12), n).pack()).pack() for n in range(200)]
    cltus = [encode_cltu(frame) for frame in frames]
    stream = b"".join(cltus)

    def encode() -> list[bytes]:
        return [encode_cltu(frame) for frame in frames]

    def decode() -> int:
        return len(CltuDecoder().feed(stream))

    assert decode() == len(frames)
    bits = len(stream) * 8
    return {"encode_kbps": bits / _best(encode) / 1e3, "decode_kbps": bits / _best(decode) / 1e3}


def mission(space_link: str) -> dict[str, float]:
    """The reference mission on one space link: wall time, frames sent, and whether it passed."""
    scenario = load_scenario(builtin_path(REFERENCE))
    relay = {**scenario.bench.devices.get("relay", {}), "space_link": space_link}
    scenario = replace(scenario, bench=replace(scenario.bench, devices={**scenario.bench.devices, "relay": relay}))
    result = ScenarioRun(scenario).run()
    link = result.bench.devices["relay"].space_link
    frames = getattr(getattr(link, "stats", None), "frames_sent", 0)
    return {"wall_s": result.wall_time_s, "virtual_h": result.bench.now_s / 3600, "passed": result.passed,
            "frames": frames}


def report() -> str:
    """All figures as a table."""
    lines = [f"TM codec, {FrameLinkSettings().tm_frame_length}-octet frames of ~50-octet HK packets; "
             f"ratio against the fastest downlink rate ({FASTEST_BPS / 1e3:.0f} kbit/s, target ≥ 100×):",
             f"  {'chain':<34}{'encode Mbit/s':>14}{'×rate':>8}{'decode Mbit/s':>15}{'×rate':>8}"]
    for label, interleave in (("ASM + randomizer", 0), ("ASM + randomizer + RS(255,223) I=5", 5)):
        f = tm_codec(interleave)
        lines.append(f"  {label:<34}{f['encode_mbps']:>14.1f}{f['encode_mbps'] * 1e6 / FASTEST_BPS:>7.0f}×"
                     f"{f['decode_mbps']:>15.1f}{f['decode_mbps'] * 1e6 / FASTEST_BPS:>7.0f}×")
    c = cltu_codec()
    up = (c["encode_kbps"] * 1e3 / UPLINK_RATE_BPS, c["decode_kbps"] * 1e3 / UPLINK_RATE_BPS)
    lines.append(f"CLTU (BCH) encode {c['encode_kbps']:,.0f} kbit/s, decode {c['decode_kbps']:,.0f} kbit/s "
                 f"= {up[0]:,.0f}× / {up[1]:,.0f}× the {UPLINK_RATE_BPS} bit/s uplink")
    off, on = mission("packets"), mission("frames")
    cost = on["wall_s"] / off["wall_s"]
    lines.append(f"reference mission ({on['virtual_h']:.1f} h virtual): packets link {off['wall_s']:.1f} s wall, "
                 f"frame link {on['wall_s']:.1f} s wall ({on['frames']:,} TM frames) = {cost:.2f}× "
                 f"(both passed: {off['passed'] and on['passed']})")
    return "\n".join(lines)


def test_space_link_throughput_and_mission_cost() -> None:
    """Print the figures; targets are read from the table, never asserted on timing."""
    print("\n" + report())


if __name__ == "__main__":
    print(report())
