"""Decode every TM[3,25] of a packet buffer in bulk: group by (APID, SID), view each group as its numpy layout."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import numpy as np

from hil.decode.calibrate import engineering
from hil.decode.crc import crc_rows
from hil.decode.layout import NumpyLayout
from hil.decode.split import PacketBuffer
from hil.rowgather import gather_rows
from protocols.dictionary.model import Device, HousekeepingSet, Parameter
from protocols.dictionary.registry import Dictionary
from protocols.spacepacket import IDLE_APID
from protocols.timecode import NS_PER_S

_HK_SERVICE, _HK_SUBTYPE = 3, 25
_TM_MIN = 6 + 13 + 2
_NUMBERING = 4  # seq_count, msg_counter, coarse, fine: the variable header fields of a fused HK layout

BAD_CRC = "bad CRC"
WRONG_SIZE = "wrong size for its set"
BAD_HEADER = "header field not as declared"
UNKNOWN_APID = "unknown APID"
UNKNOWN_SID = "unknown SID"
TOO_SHORT = "too short for a PUS TM header"


@dataclass
class SetBlock:
    """The decoded packets of one housekeeping set: numbering, time and engineering values as columns."""

    device: Device
    hk: HousekeepingSet
    index: np.ndarray
    seq_count: np.ndarray
    msg_counter: np.ndarray
    time_ns: np.ndarray
    parameters: tuple[Parameter, ...]
    values: dict[str, np.ndarray]
    raw: dict[str, np.ndarray] = field(default_factory=dict)
    """The raw numbers of the enumerated parameters (their values are labels), for writers that encode them."""

    @property
    def time(self) -> np.ndarray:
        """Seconds since 1958 TAI (coarse + fine / 65536 exactly, as the CUC field holds them)."""
        return self._seconds

    def __post_init__(self) -> None:
        coarse = self.time_ns // NS_PER_S
        fine = ((self.time_ns - coarse * NS_PER_S) << 16) // NS_PER_S
        self._seconds = coarse + fine / 65536.0

    def __len__(self) -> int:
        return len(self.index)


@dataclass
class DecodeResult:
    """What a bulk decode found: the set blocks, the packets left to the per-packet path, and the counts."""

    total: int
    blocks: list[SetBlock] = field(default_factory=list)
    other: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    other_kinds: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    rejected_index: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    filtered: int = 0

    @property
    def decoded(self) -> int:
        """Housekeeping packets decoded to engineering values."""
        return sum(len(b) for b in self.blocks)


@dataclass(frozen=True)
class _SetPlan:
    device: Device
    hk: HousekeepingSet
    packet_size: int
    layout: NumpyLayout
    parameters: tuple[Parameter, ...]


_PLANS: dict[tuple[int, int], _SetPlan] = {}


def _plan(device: Device, sid: int) -> _SetPlan:
    """The numpy layout of one set, derived from the fused codec's own flattened construct declaration."""
    plan = _PLANS.get((id(device), sid))  # the plan holds the device, so its id stays unique
    if plan is None:
        plan = _PLANS[id(device), sid] = _make_plan(device, sid)
    return plan


def _make_plan(device: Device, sid: int) -> _SetPlan:
    codec = device.hk_codec(sid)
    slots = codec._record.layout.slots  # the constants (APID, SID, service …) the fused codec checks
    lead = codec.packet_size % 2  # rows of even width, for the two-octet CRC steps
    layout = NumpyLayout(slots, lead, trail=2)  # the CRC follows the declared layout
    hk = device.hk_set(sid)
    return _SetPlan(device, hk, codec.packet_size, layout, tuple(device.parameter(p) for p in hk.parameters))


def _column(buf: np.ndarray, offsets: np.ndarray, at: int) -> np.ndarray:
    return buf[offsets + at]


def _rows(buf: np.ndarray, offsets: np.ndarray, width: int, lead: int) -> np.ndarray:
    """The packets at ``offsets`` as an (n, width) uint8 array, ``lead`` zero octets in front of each."""
    rows = gather_rows(buf, offsets - lead, width)
    if lead:
        rows[:, :lead] = 0
    return rows


def _tm_seconds(buf: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    coarse = np.zeros(len(offsets), dtype=np.uint32)
    for k in range(4):
        coarse = (coarse << 8) | _column(buf, offsets, 13 + k)
    fine = (_column(buf, offsets, 17).astype(np.uint32) << 8) | _column(buf, offsets, 18)
    return coarse + fine / 65536.0


def decode_buffer(
    buffer: PacketBuffer,
    dictionary: Dictionary,
    *,
    apids: Collection[int] | None = None,
    parameters: Collection[tuple[str, str]] | None = None,
    start: float | None = None,
    stop: float | None = None,
) -> DecodeResult:
    """Decode all TM[3,25] packets to engineering values; filters: APIDs, (device, parameter) pairs, TAI seconds."""
    buf, offsets, sizes = buffer.data, buffer.offsets, buffer.sizes
    result = DecodeResult(total=len(offsets))
    if not len(offsets):
        return result
    b0 = _column(buf, offsets, 0)
    apid = ((b0.astype(np.uint16) & 7) << 8) | _column(buf, offsets, 1)
    keep = np.ones(len(offsets), dtype=bool)
    if apids is not None:
        keep &= np.isin(apid, np.fromiter(apids, dtype=np.uint16))
    is_tm = ((b0 & 0xF8) == 0x08) & (apid != IDLE_APID)
    long_enough = sizes >= _TM_MIN
    if start is not None or stop is not None:
        seconds = _tm_seconds(buf, offsets)
        in_time = is_tm & long_enough
        if start is not None:
            in_time &= seconds >= start
        if stop is not None:
            in_time &= seconds <= stop
        keep &= in_time
    service, subtype = _column(buf, offsets, 7), _column(buf, offsets, 8)
    is_hk = is_tm & (service == _HK_SERVICE) & (subtype == _HK_SUBTYPE)
    sid = (_column(buf, offsets, 19).astype(np.uint16) << 8) | _column(buf, offsets, 20)
    wanted = _wanted_sets(dictionary, parameters)
    if parameters is not None:
        keep &= is_hk
    result.filtered = int(len(offsets) - np.count_nonzero(keep))
    rejected: list[np.ndarray] = []

    def reject(index: np.ndarray, reason: str) -> None:
        if len(index):
            result.rejected[reason] += len(index)
            rejected.append(index)

    known = np.zeros(len(offsets), dtype=bool)
    for device in dictionary:
        mine = keep & (apid == device.apid)
        known |= mine
        hk_here = mine & is_hk
        reject(np.flatnonzero(hk_here & ~long_enough), TOO_SHORT)
        hk_here &= long_enough
        matched = np.zeros(len(offsets), dtype=bool)
        for hk in device.housekeeping:
            in_set = hk_here & (sid == hk.sid)
            matched |= in_set
            if (device.name, hk.sid) not in wanted:
                result.filtered += int(np.count_nonzero(in_set))
                continue
            if not in_set.any():
                continue
            block = _decode_set(buffer, _plan(device, hk.sid), np.flatnonzero(in_set), wanted[device.name, hk.sid],
                                reject)
            if len(block):
                result.blocks.append(block)
        reject(np.flatnonzero(hk_here & ~matched), UNKNOWN_SID)
    reject(np.flatnonzero(keep & ~known & (apid != IDLE_APID)), UNKNOWN_APID)
    other = np.flatnonzero(keep & known & ~is_hk)
    result.other = other
    result.other_kinds = _kinds(b0[other], service[other], subtype[other], apid[other])
    idle = np.count_nonzero(keep & (apid == IDLE_APID))
    if idle:
        result.other_kinds["idle"] += int(idle)
    result.rejected_index = np.sort(np.concatenate(rejected)) if rejected else result.rejected_index
    return result


def _wanted_sets(dictionary: Dictionary,
                 parameters: Collection[tuple[str, str]] | None) -> dict[tuple[str, int], tuple[str, ...] | None]:
    """(device, SID) → the parameter names wanted from it (None: all of them)."""
    wanted: dict[tuple[str, int], tuple[str, ...] | None] = {}
    for device in dictionary:
        for hk in device.housekeeping:
            if parameters is None:
                wanted[device.name, hk.sid] = None
                continue
            names = tuple(p for p in hk.parameters if (device.name, p) in parameters)
            if names:
                wanted[device.name, hk.sid] = names
    return wanted


def _decode_set(buffer: PacketBuffer, plan: _SetPlan, index: np.ndarray, names: tuple[str, ...] | None,
                reject: Callable[[np.ndarray, str], None]) -> SetBlock:
    """Check size, CRC and declared constants of one set's packets, then decode the good ones column by column."""
    right_size = buffer.sizes[index] == plan.packet_size
    reject(index[~right_size], WRONG_SIZE)
    index = index[right_size]
    layout = plan.layout
    if not len(index):
        return SetBlock(plan.device, plan.hk, index, *(np.empty(0, np.int64) for _ in range(3)), (), {})
    rows = _rows(buffer.data, buffer.offsets[index], layout.dtype.itemsize, layout.lead)
    crc_ok = crc_rows(rows, padded=bool(layout.lead)) == 0
    rec = rows.view(layout.dtype)[:, 0]
    good = crc_ok & layout.constants_ok(rec)
    reject(index[~crc_ok], BAD_CRC)
    reject(index[crc_ok & ~good], BAD_HEADER)
    if not good.all():
        rec, index = rec[good], index[good]
    seq, counter, coarse, fine, *params = layout.variable
    time_ns = coarse.raw(rec).astype(np.int64) * NS_PER_S + ((fine.raw(rec).astype(np.int64) * NS_PER_S + 0xFFFF) >> 16)
    selected = [(p, c) for p, c in zip(plan.parameters, params, strict=True) if names is None or p.name in names]
    raw = {p.name: c.raw(rec) for p, c in selected}
    values = {p.name: engineering(p, raw[p.name]) for p, _ in selected}
    enumerated = {p.name: raw[p.name] for p, _ in selected if p.enum is not None}
    return SetBlock(plan.device, plan.hk, index, seq.raw(rec).astype(np.int64), counter.raw(rec).astype(np.int64),
                    time_ns, tuple(p for p, _ in selected), values, enumerated)


def _kinds(b0: np.ndarray, service: np.ndarray, subtype: np.ndarray, apid: np.ndarray) -> Counter[str]:
    """Counts of the packets left to the per-packet path, by kind: TM[1,1], TC[8,1], SP (no PUS header) …"""
    pus = (b0 & 0x08) != 0
    kind = np.where(b0 & 0x10, 1, 0) * 65536 + service.astype(np.int64) * 256 + subtype
    kind = np.where(pus, kind, -1 - (b0 & 0x10).astype(np.int64))
    counts: Counter[str] = Counter()
    for value, count in zip(*np.unique(kind, return_counts=True), strict=True):
        value = int(value)
        label = "SP" if value < 0 else f"{'TC' if value >> 16 else 'TM'}[{(value >> 8) & 0xFF},{value & 0xFF}]"
        counts[label] += int(count)
    return counts
