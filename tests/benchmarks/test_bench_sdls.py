"""Benchmark: SDLS (355.0-B-2) on TC frames, a long bounded fuzz and verification rates (issue 16, points 5 and 6).

Run with ``.venv/bin/pytest tests/benchmarks/test_bench_sdls.py -s -q -p no:cacheprovider`` (or ``python
tests/benchmarks/test_bench_sdls.py``); well under a minute on one core. Seeded: the same seed gives the same frames.

1. Fuzz: FUZZ_FRAMES secured TC frames (stopped after FUZZ_CAP_S, the count printed says how far it got) into one
   ``SdlsReceiver`` holding auth-enc and auth associations (one without a sequence number, one with pad octets, two on
   one VC). Every GOOD_EVERY-th frame is a fresh good frame from an ``SdlsSender``; the rest are made from frames
   already accepted, so none can equal a good frame not yet seen: bit flips anywhere, truncations, extensions, a
   wrong SPI, a random MAC, a splice of two frames' security header and data, verbatim replays, frames sealed with
   the right key but a sequence number already used or older than the window, and random octets behind a valid
   frame header; most have their frame length and FECF fixed up so they reach SDLS rather than the frame checks.
   Findings (asserted): a forged frame accepted, a good frame rejected, an exception that is not a ProtocolError
   (SecurityError is one), a replay window that grows, memory that grows, a good frame after the fuzz rejected.
   Prints counts per kind and per rejection reason.
2. Figures: secured TC frames verified per second (auth-enc, auth) against ``TcFrame.unpack`` of the same frames
   unsecured, measured in the same run, and their ratio; and frames secured per second by ``SdlsSender``.
   Never asserted on time.
"""

from __future__ import annotations

import os
import random
import time
import timeit
import tracemalloc
from binascii import crc_hqx
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from protocols.crc import CRC16_INIT
from protocols.errors import ProtocolError, SecurityError
from protocols.spacelink import SdlsReceiver, SdlsSender, SecurityAssociation, TcFrame, secure_tc
from protocols.spacelink.sdls import MAC_SIZE, SPI_SIZE
from protocols.spacelink.tc_frame import FECF_SIZE, HEADER_SIZE

SEED = 20_261_207
FUZZ_FRAMES = 1_000_000
FUZZ_CAP_S = 120.0
"""Wall time the fuzz may take; it stops early after this and prints how many frames it made."""
GOOD_EVERY = 10
"""One frame in this many is a fresh good frame (keeps a 2-octet sequence number from wrapping in 1M frames)."""
RECENT = 256
"""Accepted frames kept as material for mutations."""
CHUNK = 10_000
RSS_SLACK = 16 << 20
"""Resident memory may grow this much between the end of the first chunks and the end of the fuzz."""
TRACED_SLACK = 256 << 10
"""Python allocations may grow this much over the traced tail of the fuzz."""
TRACED_FRAMES = 40_000
SCID = 91
SEGMENT_SIZE = 1
FORGED_IV_BASE = 0xF << 92
"""IVs of frames the fuzz seals itself: far above any sender's IV, so never equal to a good frame's."""
ROUNDS = 5
RATE_FRAMES = 2_000


def _sas(rng: random.Random) -> list[SecurityAssociation]:
    """Four associations over three VCs, both services, with and without a sequence number, with pad octets."""
    key = rng.randbytes
    return [SecurityAssociation(1, 0, "auth-enc", key(32)),
            SecurityAssociation(2, 0, "auth", key(32), arsn_len=4, window=16),
            SecurityAssociation(3, 1, "auth-enc", key(32), arsn_len=0, window=8),
            SecurityAssociation(4, 2, "auth", key(32), arsn_len=2, window=128, pad_len=2)]


def _fix(frame: bytearray, length: bool = True) -> bytes:
    """``frame`` with its frame length field (when ``length``) and FECF made right for its octets."""
    if len(frame) < HEADER_SIZE + FECF_SIZE:
        return bytes(frame)
    if length and len(frame) <= 1024:
        size = len(frame) - 1
        frame[2] = (frame[2] & 0xFC) | size >> 8
        frame[3] = size & 0xFF
    frame[-FECF_SIZE:] = crc_hqx(frame[:-FECF_SIZE], CRC16_INIT).to_bytes(FECF_SIZE, "big")
    return bytes(frame)


def _security_start(frame: bytes) -> int:
    """Offset of the SPI: after the primary header and, for non-control frames, the segment header."""
    return HEADER_SIZE + (0 if frame[0] & 0x10 else SEGMENT_SIZE)


@dataclass
class Good:
    """An accepted good frame and what made it."""

    octets: bytes
    sa: SecurityAssociation
    clear: TcFrame


@dataclass
class Fuzz:
    """The fuzz's state: senders, receiver, material and findings."""

    rng: random.Random
    sas: list[SecurityAssociation]
    senders: dict[int, SdlsSender] = field(init=False)
    receiver: SdlsReceiver = field(init=False)
    recent: deque[Good] = field(default_factory=lambda: deque(maxlen=RECENT))
    kinds: Counter[str] = field(default_factory=Counter)
    frame_faults: Counter[str] = field(default_factory=Counter)
    findings: list[str] = field(default_factory=list)
    forged_seq: int = 0
    good_seq: int = 0

    def __post_init__(self) -> None:
        """One sender per association and one receiver for all."""
        self.senders = {sa.spi: SdlsSender(sa) for sa in self.sas}
        self.receiver = SdlsReceiver(self.sas)

    def clear_frame(self, sa: SecurityAssociation) -> TcFrame:
        """A random AD, BD or BC frame for ``sa``'s VC."""
        self.good_seq += 1
        pick = self.rng.random()
        data = self.rng.randbytes(self.rng.randrange(0, 64))
        if pick < 0.7:
            return TcFrame.ad(SCID, sa.vcid, self.good_seq & 0xFF, data, self.rng.randrange(64))
        if pick < 0.9:
            return TcFrame.bd(SCID, sa.vcid, data, self.rng.randrange(64))
        return TcFrame.unlock(SCID, sa.vcid) if pick < 0.95 else TcFrame.set_vr(SCID, sa.vcid, self.good_seq & 0xFF)

    def good(self) -> None:
        """Send one fresh good frame; it must be accepted and give back the clear frame."""
        sa = self.rng.choice(self.sas)
        clear = self.clear_frame(sa)
        octets = self.senders[sa.spi].secure(clear)
        self.kinds["good"] += 1
        try:
            back = self.receiver.process(octets)
        except Exception as error:
            self.findings.append(f"good frame rejected ({type(error).__name__}: {error}): {octets.hex()}")
            return
        if back != clear:
            self.findings.append(f"good frame gave {back!r}, sent {clear!r}")
        self.recent.append(Good(octets, sa, clear))

    def bad(self) -> None:
        """Send one forged, mutated or replayed frame; it must be rejected with a ProtocolError."""
        kind, make = self.rng.choice(MUTATIONS)
        octets = make(self, self.rng.choice(self.recent))
        self.kinds[kind] += 1
        try:
            self.receiver.process(octets)
        except SecurityError:
            return
        except ProtocolError as error:
            self.frame_faults[type(error).__name__] += 1
            return
        except Exception as error:
            self.findings.append(f"{kind}: {type(error).__name__}: {error}: {octets.hex()}")
            return
        self.findings.append(f"{kind}: accepted: {octets.hex()}")

    def reseal_old(self, good: Good) -> bytes:
        """``good``'s clear frame sealed with the right key, a fresh IV and a number already used or too old."""
        sa, window = good.sa, self.receiver.windows[good.sa.spi]
        assert window.highest is not None
        number = self.rng.randrange(max(1, window.highest - 2 * sa.window), window.highest + 1)
        if sa.arsn_len:
            self.forged_seq += 1
            return secure_tc(good.clear, sa, (FORGED_IV_BASE + self.forged_seq).to_bytes(sa.iv_len, "big"), number)
        return secure_tc(good.clear, sa, number.to_bytes(sa.iv_len, "big"), 0)

    def bit_flips(self, good: Good) -> bytes:
        """One to three flipped bits anywhere; FECF fixed up three times in four."""
        frame = bytearray(good.octets)
        for _ in range(self.rng.randrange(1, 4)):
            frame[self.rng.randrange(len(frame))] ^= 1 << self.rng.randrange(8)
        return _fix(frame, length=False) if self.rng.random() < 0.75 else bytes(frame)

    def truncation(self, good: Good) -> bytes:
        """Cut anywhere; frame length and FECF fixed up three times in four."""
        frame = bytearray(good.octets[:self.rng.randrange(len(good.octets))])
        return _fix(frame) if self.rng.random() < 0.75 else bytes(frame)

    def extension(self, good: Good) -> bytes:
        """Random octets inserted before the FECF; frame length and FECF fixed up three times in four."""
        extra = self.rng.randbytes(self.rng.randrange(1, 33))
        frame = bytearray(good.octets[:-FECF_SIZE] + extra + good.octets[-FECF_SIZE:])
        return _fix(frame) if self.rng.random() < 0.75 else bytes(frame)

    def wrong_spi(self, good: Good) -> bytes:
        """Another SPI: a configured one (another VC or key) or a random one."""
        frame, start = bytearray(good.octets), _security_start(good.octets)
        spi = int.from_bytes(frame[start:start + SPI_SIZE], "big")
        others = [sa.spi for sa in self.sas if sa.spi != spi] + [self.rng.randrange(0x10000)]
        new = self.rng.choice([s for s in others if s != spi] or [spi ^ 0x8000])
        frame[start:start + SPI_SIZE] = new.to_bytes(SPI_SIZE, "big")
        return _fix(frame, length=False)

    def random_mac(self, good: Good) -> bytes:
        """The MAC replaced by random octets."""
        frame = bytearray(good.octets)
        end = len(frame) - FECF_SIZE
        mac = self.rng.randbytes(MAC_SIZE)
        if mac == frame[end - MAC_SIZE:end]:
            mac = bytes(b ^ 1 for b in mac)
        frame[end - MAC_SIZE:end] = mac
        return _fix(frame, length=False)

    def splice(self, good: Good) -> bytes:
        """The headers and security header of one accepted frame, the data and MAC of another."""
        other = self.rng.choice(self.recent)
        cut = _security_start(good.octets) + good.sa.header_size
        rest = other.octets[_security_start(other.octets) + other.sa.header_size:]
        frame = bytearray(good.octets[:cut] + rest)
        if frame == bytearray(good.octets) or len(frame) > 1024:
            frame = bytearray(good.octets)
        return _fix(frame)

    def replay(self, good: Good) -> bytes:
        """An accepted frame sent again, octet for octet."""
        return good.octets

    def garbage(self, good: Good) -> bytes:
        """A valid frame header then random octets (half the time starting with a configured SPI)."""
        start = _security_start(good.octets)
        body = self.rng.randbytes(self.rng.randrange(0, 96))
        if self.rng.random() < 0.5:
            body = self.rng.choice(self.sas).spi.to_bytes(SPI_SIZE, "big") + body
        return _fix(bytearray(good.octets[:start] + body + bytes(FECF_SIZE)))


MUTATIONS: list[tuple[str, Callable[[Fuzz, Good], bytes]]] = [
    ("bit-flip", Fuzz.bit_flips), ("bit-flip", Fuzz.bit_flips), ("truncation", Fuzz.truncation),
    ("extension", Fuzz.extension), ("wrong-spi", Fuzz.wrong_spi), ("random-mac", Fuzz.random_mac),
    ("splice", Fuzz.splice), ("replay", Fuzz.replay), ("old-sequence", Fuzz.reseal_old), ("garbage", Fuzz.garbage)]


def _rss() -> int:
    """Resident set size of this process in octets."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _windows_bounded(receiver: SdlsReceiver, sas: list[SecurityAssociation]) -> bool:
    """Every association still has exactly one window of its configured size, holding no more bits than that."""
    return (set(receiver.windows) == {sa.spi for sa in sas}
            and all(receiver.windows[sa.spi].size == sa.window and receiver.windows[sa.spi].span <= sa.window
                    for sa in sas))


def fuzz(frames: int = FUZZ_FRAMES, cap_s: float = FUZZ_CAP_S) -> dict[str, Any]:
    """Run the fuzz; counts, findings, memory and timing."""
    rng = random.Random(SEED)
    sas = _sas(rng)
    state = Fuzz(rng, sas)
    for _ in range(RECENT):
        state.good()
    done, started = 0, time.perf_counter()
    rss_after_warmup = None
    traced_from = frames - TRACED_FRAMES
    traced: list[int] = []
    while done < frames and time.perf_counter() - started < cap_s:
        if done >= traced_from and not tracemalloc.is_tracing():
            tracemalloc.start()
        for index in range(done, min(done + CHUNK, frames)):
            if index % GOOD_EVERY == 0:
                state.good()
            else:
                state.bad()
        done = min(done + CHUNK, frames)
        if tracemalloc.is_tracing():
            traced.append(tracemalloc.get_traced_memory()[0])
        if rss_after_warmup is None and done >= 5 * CHUNK:
            rss_after_warmup = _rss()
        if not _windows_bounded(state.receiver, sas):
            state.findings.append(f"a replay window grew after {done} frames")
    elapsed = time.perf_counter() - started
    if tracemalloc.is_tracing():
        tracemalloc.stop()
    rss_end = _rss()
    final = {}
    for sa in sas:
        clear = TcFrame.ad(SCID, sa.vcid, 0, b"after the fuzz")
        final[sa.spi] = state.receiver.process(state.senders[sa.spi].secure(clear)) == clear
    return {"frames": done, "elapsed_s": elapsed, "kinds": state.kinds, "stats": state.receiver.stats,
            "frame_faults": state.frame_faults, "findings": state.findings, "final": final,
            "rss_growth": rss_end - (rss_after_warmup or rss_end), "traced": traced,
            "windows_bounded": _windows_bounded(state.receiver, sas)}


def _best(fn: Callable[[], Any]) -> float:
    """Seconds per call: best of ROUNDS rounds."""
    return min(timeit.repeat(fn, number=1, repeat=ROUNDS))


def rates() -> dict[str, float]:
    """Secured TC frames verified per second per service, the same frames unpacked unsecured, and securing."""
    rng = random.Random(SEED + 1)
    clear = [TcFrame.ad(SCID, 0, n & 0xFF, rng.randbytes(24)) for n in range(RATE_FRAMES)]
    plain = [frame.pack() for frame in clear]
    out = {"unsecured": RATE_FRAMES / _best(lambda: [TcFrame.unpack(octets) for octets in plain])}
    for service in ("auth-enc", "auth"):
        sa = SecurityAssociation(1, 0, service, rng.randbytes(32))
        sender = SdlsSender(sa)
        secured = [sender.secure(frame) for frame in clear]

        def verify(sa: SecurityAssociation = sa, secured: list[bytes] = secured) -> None:
            receiver = SdlsReceiver([sa])
            for octets in secured:
                receiver.process(octets)

        def secure(sa: SecurityAssociation = sa) -> None:
            sender = SdlsSender(sa)
            for frame in clear:
                sender.secure(frame)

        out[service] = RATE_FRAMES / _best(verify)
        out[f"{service} secure"] = RATE_FRAMES / _best(secure)
    return out


def report(result: dict[str, Any], figures: dict[str, float]) -> str:
    """The fuzz's counts and the rates as text."""
    stats = result["stats"]
    lines = [f"SDLS fuzz: {result['frames']:,} frames in {result['elapsed_s']:.1f} s "
             f"({result['frames'] / result['elapsed_s']:,.0f}/s), target {FUZZ_FRAMES:,}, cap {FUZZ_CAP_S:.0f} s",
             "  made:     " + ", ".join(f"{kind} {count:,}" for kind, count in sorted(result["kinds"].items())),
             f"  accepted {stats.accepted:,}; SDLS rejected "
             + ", ".join(f"{reason} {count:,}" for reason, count in stats.rejected.items()),
             "  frame checks rejected " + ", ".join(f"{name} {count:,}"
                                                    for name, count in sorted(result["frame_faults"].items())),
             f"  findings {len(result['findings'])}; windows bounded {result['windows_bounded']}; "
             f"good frame after the fuzz accepted on every SA {all(result['final'].values())}",
             f"  memory: RSS growth after warm-up {result['rss_growth'] / 1024:,.0f} KiB; traced Python memory over "
             f"the last {TRACED_FRAMES:,} frames {min(result['traced'], default=0) / 1024:,.0f}.."
             f"{max(result['traced'], default=0) / 1024:,.0f} KiB",
             f"SDLS verification ({RATE_FRAMES:,} AD frames, 24 data octets, best of {ROUNDS}):",
             f"  unsecured TcFrame.unpack {figures['unsecured']:>10,.0f} frames/s"]
    for service in ("auth-enc", "auth"):
        lines.append(f"  {service + ' verify':<24} {figures[service]:>10,.0f} frames/s = "
                     f"{figures['unsecured'] / figures[service]:.1f}× the cost of unsecured")
    for service in ("auth-enc", "auth"):
        lines.append(f"  {service + ' secure':<24} {figures[service + ' secure']:>10,.0f} frames/s (SdlsSender)")
    return "\n".join(lines)


def test_sdls_fuzz_and_rates() -> None:
    """Print the figures; assert only findings (nothing forged accepted, only typed errors, memory flat)."""
    result = fuzz()
    print("\n" + report(result, rates()))
    stats = result["stats"]
    assert result["findings"] == []
    assert sum(stats.rejected.values()) + sum(result["frame_faults"].values()) == result["kinds"].total() - \
        result["kinds"]["good"]
    assert stats.accepted == result["kinds"]["good"] + len(result["final"])
    assert all(result["final"].values())
    assert result["windows_bounded"]
    assert result["rss_growth"] < RSS_SLACK
    traced = result["traced"]
    assert not traced or traced[-1] - traced[0] < TRACED_SLACK


if __name__ == "__main__":
    test_sdls_fuzz_and_rates()
