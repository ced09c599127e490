"""Fuzzed telecommands for every command of every device, damaged packets and garbage, from one seeded generator.

Shared by the live-bench fuzz test (tests/hil/serve/test_fuzz_serve.py) and the long fuzz benchmark
(tests/benchmarks/test_bench_fuzz.py). Everything comes from a ``random.Random`` so a seed reproduces a run.
"""

from __future__ import annotations

import math
import random
import struct
from collections.abc import Callable, Iterator, Mapping
from typing import NamedTuple

from protocols.dictionary import Device, Field, Function, default_dictionary
from protocols.errors import ProtocolError
from protocols.framing import ASM
from protocols.pus import PusTc

DICTIONARY = default_dictionary()
IDLE_APID = 0x7FF
KILLER_PARAM_GET = bytes.fromhex("1910c00000092f1401000001ffff6796")
"""TC[20,1] for parameter 0xFFFF on the sampler: the input issue 11 found to end `farside serve`."""
FLOAT_SPECIALS = (math.nan, math.inf, -math.inf, -0.0, 5e-324, 1.7976931348623157e308, -1.7976931348623157e308)
STANDARD = ((17, 1), (3, 5), (3, 6), (3, 27), (3, 31), (5, 5), (5, 6), (20, 1), (20, 3))
"""Service/subtype pairs every device answers besides its functions (TC[8,1])."""


class FuzzInput(NamedTuple):
    """One fuzzed input: what it is (for reports), the device it aims at, its octets, and whether it is a packet.

    A packet (``framed``) is sent after the link's sync marker; anything else is sent as it is.
    """

    kind: str
    device: str
    octets: bytes
    framed: bool = True

    def wire(self) -> bytes:
        """The octets as they go on an ASM-framed device link."""
        return ASM + self.octets if self.framed else self.octets


def field_octets(field: Field, raw: int | float) -> bytes:
    """``raw`` in ``field``'s wire type (integers wrap to its width, so any int gives octets)."""
    size = field.raw.sizeof()
    if field.is_float:
        return struct.pack(">f" if size == 4 else ">d", raw) if size == 8 or _fits_float32(raw) else \
            struct.pack(">f", math.copysign(math.inf, raw))
    return (int(raw) % (1 << (8 * size))).to_bytes(size, "big")


def _fits_float32(value: float) -> bool:
    return not math.isfinite(value) or abs(value) <= 3.4028234663852886e38


class TcFuzzer:
    """Telecommands aimed at one device's every command: valid, at the edges, out of range, malformed."""

    def __init__(self, rng: random.Random, device: Device) -> None:
        self.rng = rng
        self.device = device
        self._seq = 0
        self._others = [d.apid for d in DICTIONARY.devices if d.apid != device.apid]
        self._writable = [p for p in device.parameters if p.writable]
        self._readonly = [p for p in device.parameters if not p.writable]

    # whole inputs -------------------------------------------------------------------------------------------
    def inputs(self, count: int, *, damage: float = 0.25, garbage: float = 0.05,
               skip: frozenset[str] = frozenset()) -> list[FuzzInput]:
        """``count`` inputs: every command of the device at least once in turn, the rest at random.

        ``damage`` is the share of packets then damaged (CRC, length, APID, header bits, truncation);
        ``garbage`` the share of inputs that are random octets instead of a packet. Functions named in
        ``skip`` are left out (a ground test keeps the radio's transmitter on).
        """
        makers = [m for m in self.makers() if m[0] not in skip]
        out: list[FuzzInput] = []
        for index in range(count):
            if self.rng.random() < garbage:
                out.append(self.garbage())
                continue
            name, make = makers[index] if index < len(makers) else self.rng.choice(makers)
            packet = make()
            kind = name
            if self.rng.random() < damage:
                how, packet = self.damage(packet)
                kind = f"{name} {how}"
            out.append(FuzzInput(kind, self.device.name, packet, framed=True))
        return out

    def makers(self) -> list[tuple[str, Callable[[], bytes]]]:
        """(name, maker) for every kind of TC this fuzzer builds; each maker returns one whole packet."""
        makers: list[tuple[str, Callable[[], bytes]]] = []
        for function in self.device.functions:
            makers += [
                (function.name, lambda f=function: self.function_tc(f, "valid")),
                (function.name, lambda f=function: self.function_tc(f, "edge")),
                (function.name, lambda f=function: self.function_tc(f, "raw")),
                (function.name, lambda f=function: self.function_tc(f, "length")),
            ]
        makers += [
            ("ping", self.ping),
            ("hk-sids", self.hk_sids),
            ("hk-interval", self.hk_interval),
            ("events", self.event_ids),
            ("param-get", self.param_get),
            ("param-set", self.param_set),
            ("random-function", self.random_function),
            ("random-service", self.random_service),
        ]
        return makers

    # helpers --------------------------------------------------------------------------------------------------
    def tc(self, service: int, subtype: int, app_data: bytes, apid: int | None = None) -> bytes:
        """A well-formed TC packet (right length and CRC) with a fresh sequence count and random ack flags."""
        self._seq = (self._seq + 1) & 0x3FFF
        ack = 0xF if self.rng.random() < 0.8 else self.rng.randrange(16)
        return PusTc(self.device.apid if apid is None else apid, service, subtype, app_data[:65000], self._seq,
                     self.rng.randrange(0x10000), ack).pack()

    def _octets(self, size: int) -> bytes:
        return self.rng.randbytes(size)

    def _value(self, field: Field, mode: str) -> bytes:
        """One argument's octets: a valid value, an edge of its range or type, or random octets."""
        rng = self.rng
        if mode == "raw" or (mode == "edge" and rng.random() < 0.2):
            return self._octets(field.raw.sizeof())
        if field.enum is not None:
            if mode == "valid":
                return field_octets(field, rng.choice(list(field.enum.values())))
            used = set(field.enum.values())
            low, high = field.raw_limits
            return field_octets(field, rng.choice([v for v in (max(used) + 1, low, high, -1) if v not in used]
                                                  or [high]))
        low, high = field.engineering_limits
        if mode == "valid":
            value = rng.uniform(low if low is not None else -1e6, high if high is not None else 1e6)
            try:
                return field_octets(field, field.to_raw(value if field.is_float or field.calibration else round(value)))
            except ProtocolError:
                return field_octets(field, 0)
        raw_low, raw_high = field.raw_limits
        choices: list[int | float] = [raw_low, raw_high, 0]
        for end in (low, high):
            if end is not None:
                raw = field.calibration.to_raw(end) if field.calibration else end
                choices += [raw, raw - 1, raw + 1] if not field.is_float else [raw, raw * 1.0001 + 1e-6, -raw]
        if field.is_float:
            choices += list(FLOAT_SPECIALS)
        return field_octets(field, rng.choice(choices))

    # makers -----------------------------------------------------------------------------------------------------
    def function_tc(self, function: Function, mode: str) -> bytes:
        """TC[8,1] for ``function``: valid, edge or random arguments, or (``length``) a body too short or long."""
        body = b"".join(self._value(a, "valid" if mode == "length" else mode) for a in function.args)
        if mode == "length":
            body = body[:self.rng.randrange(len(body))] if body and self.rng.random() < 0.5 else \
                body + self._octets(self.rng.randrange(1, 9))
        return self.tc(8, 1, function.function_id.to_bytes(2, "big") + body)  # type: ignore[union-attr]

    def ping(self) -> bytes:
        """TC[17,1], with stray app data now and then."""
        return self.tc(17, 1, b"" if self.rng.random() < 0.7 else self._octets(self.rng.randrange(1, 5)))

    def _sid(self) -> int:
        sids = [s.sid for s in self.device.housekeeping]
        return self.rng.choice(sids) if self.rng.random() < 0.6 else self.rng.randrange(0x10000)

    def _count_prefix(self, real: int) -> int:
        """The N field of a list: mostly right, sometimes 0, 255 or off by one."""
        if self.rng.random() < 0.75:
            return real & 0xFF
        return self.rng.choice([0, 255, real + 1, max(real - 1, 0)]) & 0xFF

    def hk_sids(self) -> bytes:
        """TC[3,5], [3,6] or [3,27] with known and unknown SIDs and a sometimes wrong N."""
        sids = [self._sid() for _ in range(self.rng.randrange(0, 4))]
        data = bytes([self._count_prefix(len(sids))]) + b"".join(s.to_bytes(2, "big") for s in sids)
        return self.tc(3, self.rng.choice((5, 6, 27)), data)

    def hk_interval(self) -> bytes:
        """TC[3,31] with intervals at and beyond the allowed 1..86400000 ms (never 1 ms, which floods a pty)."""
        pairs = [(self._sid(), self.rng.choice([0, 2, 50, 1000, 86_400_000, 86_400_001, 0xFFFFFFFF,
                                                self.rng.randrange(100, 0x100000000)]))
                 for _ in range(self.rng.randrange(0, 3))]
        data = bytes([self._count_prefix(len(pairs))]) + b"".join(s.to_bytes(2, "big") + i.to_bytes(4, "big")
                                                                  for s, i in pairs)
        return self.tc(3, 31, data)

    def event_ids(self) -> bytes:
        """TC[5,5] or [5,6] with known and unknown event IDs."""
        events = [e.id for e in self.device.events]
        ids = [self.rng.choice(events) if self.rng.random() < 0.6 else self.rng.randrange(0x10000)
               for _ in range(self.rng.randrange(0, 4))]
        data = bytes([self._count_prefix(len(ids))]) + b"".join(i.to_bytes(2, "big") for i in ids)
        return self.tc(5, self.rng.choice((5, 6)), data)

    def _param_id(self) -> int:
        params = [p.id for p in self.device.parameters]
        return self.rng.choice(params) if self.rng.random() < 0.6 else self.rng.choice(
            [0, 0xFFFF, self.rng.randrange(0x10000)])

    def param_get(self) -> bytes:
        """TC[20,1] with known and unknown parameter IDs (0xFFFF among them) and a sometimes wrong N."""
        ids = [self._param_id() for _ in range(self.rng.randrange(0, 4))]
        data = bytes([self._count_prefix(len(ids))]) + b"".join(i.to_bytes(2, "big") for i in ids)
        return self.tc(20, 1, data)

    def param_set(self) -> bytes:
        """TC[20,3]: writable, read-only and unknown parameters with edge, random or cut values."""
        rng = self.rng
        pairs = b""
        count = rng.randrange(0, 3)
        for _ in range(count):
            pick = rng.random()
            if pick < 0.5 and self._writable:
                param = rng.choice(self._writable)
                pairs += param.id.to_bytes(2, "big") + self._value(param, rng.choice(("valid", "edge", "raw")))
            elif pick < 0.7 and self._readonly:
                param = rng.choice(self._readonly)
                pairs += param.id.to_bytes(2, "big") + self._value(param, "valid")
            else:
                pairs += rng.randrange(0x10000).to_bytes(2, "big") + self._octets(rng.choice((1, 2, 4, 8)))
        if pairs and rng.random() < 0.15:
            pairs = pairs[:rng.randrange(len(pairs))]
        return self.tc(20, 3, bytes([self._count_prefix(count)]) + pairs)

    def random_function(self) -> bytes:
        """TC[8,1] with a random function ID (sometimes a known one) and random arguments."""
        known = [f.function_id for f in self.device.functions]
        fid = self.rng.choice(known) if self.rng.random() < 0.3 else self.rng.randrange(0x10000)
        size = self.rng.randrange(0, 24)
        return self.tc(8, 1, (fid.to_bytes(2, "big") + self._octets(size))[:self.rng.choice((0, 1, 2 + size))])

    def random_service(self) -> bytes:
        """A TC with a random service and subtype (sometimes a standard pair) and random app data."""
        service, subtype = self.rng.choice(STANDARD) if self.rng.random() < 0.3 else (
            self.rng.randrange(256), self.rng.randrange(256))
        return self.tc(service, subtype, self._octets(self.rng.randrange(0, 40)))

    # damage -----------------------------------------------------------------------------------------------------
    def damage(self, packet: bytes) -> tuple[str, bytes]:
        """One kind of damage to a whole packet: (what was done, the damaged octets)."""
        rng = self.rng
        out = bytearray(packet)
        how = rng.choice(("crc", "flip", "truncate", "length", "apid", "apid-other", "idle", "tm", "no-sec",
                          "version", "pus-version", "seq-flags"))
        if how == "crc":
            out[-1 - rng.randrange(2)] ^= 1 << rng.randrange(8)
        elif how == "flip":
            out[rng.randrange(6, len(out))] ^= 1 << rng.randrange(8)
        elif how == "truncate":
            del out[rng.randrange(1, len(out)):]
        elif how == "length":
            length = rng.choice([0, 1, 5, len(out) - 8, len(out) - 6, 0xFFFF, rng.randrange(0x10000)])
            out[4:6] = (length & 0xFFFF).to_bytes(2, "big")
        elif how in ("apid", "apid-other", "idle"):
            apid = {"apid": rng.randrange(0x800), "apid-other": rng.choice(self._others), "idle": IDLE_APID}[how]
            out[0] = (out[0] & 0xF8) | (apid >> 8)
            out[1] = apid & 0xFF
            _fix_crc(out)
        elif how == "tm":
            out[0] &= ~0x10
            _fix_crc(out)
        elif how == "no-sec":
            out[0] &= ~0x08
            _fix_crc(out)
        elif how == "version":
            out[0] |= rng.randrange(1, 8) << 5
            _fix_crc(out)
        elif how == "pus-version":
            out[6] = (rng.randrange(16) << 4) | (out[6] & 0x0F)
            _fix_crc(out)
        else:
            out[2] = (rng.randrange(4) << 6) | (out[2] & 0x3F)
            _fix_crc(out)
        return how, bytes(out)

    def garbage(self) -> FuzzInput:
        """Octets that are not a packet: random, ASM then random, or a bare ASM and a header with a big length."""
        rng = self.rng
        pick = rng.randrange(4)
        if pick == 0:
            return FuzzInput("garbage", self.device.name, rng.randbytes(rng.randrange(1, 64)), framed=False)
        if pick == 1:
            return FuzzInput("asm+garbage", self.device.name, rng.randbytes(rng.randrange(0, 64)), framed=True)
        if pick == 2:
            head = rng.randbytes(rng.randrange(0, 12))
            return FuzzInput("garbage+asm", self.device.name, head + ASM + head[:4], framed=False)
        header = struct.pack(">HHH", 0x1800 | self.device.apid, 0xC000, rng.randrange(0x10000))
        return FuzzInput("asm+header", self.device.name, header + rng.randbytes(rng.randrange(0, 16)), framed=True)


def _fix_crc(packet: bytearray) -> None:
    """Make the last two octets the CRC of the rest again (so only the intended damage shows)."""
    from binascii import crc_hqx

    if len(packet) >= 3:
        packet[-2:] = crc_hqx(bytes(packet[:-2]), 0xFFFF).to_bytes(2, "big")


def fuzz_all_devices(seed: int, per_device: int, *, damage: float = 0.25, garbage: float = 0.05,
                     skip: Mapping[str, frozenset[str]] | None = None) -> Iterator[FuzzInput]:
    """``per_device`` inputs for each device of the dictionary, interleaved round-robin, reproducible from ``seed``.

    ``skip`` maps a device name to the makers (function or standard-command names) left out for it.
    """
    rng = random.Random(seed)
    batches = [TcFuzzer(rng, device).inputs(per_device, damage=damage, garbage=garbage,
                                            skip=(skip or {}).get(device.name, frozenset()))
               for device in DICTIONARY.devices]
    for row in zip(*batches, strict=True):
        yield from row
