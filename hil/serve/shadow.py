"""Shadow mode: a real board gets the same telecommands as a device's model; every difference in replies is reported."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from firmware_sim.engine.link import Link
from firmware_sim.engine.scheduler import Scheduler
from protocols.framing import make_framing
from protocols.pus import TM_HEADER_SIZE

NS_PER_MS = 1_000_000
HOUSEKEEPING_REPORT = (3, 25)
KEPT_DIFFERENCES = 1000

ReplyKey = tuple[int, int, int, bytes]
"""(APID, service, subtype, request id for verification reports): replies with the same key pair up in order."""


@dataclass(frozen=True)
class Difference:
    """One way the board's reply differed from the model's: kind is content, timing, missing or extra."""

    time_ns: int
    device: str
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"shadow {self.device}: {self.kind}: {self.detail}"


@dataclass
class ShadowCounters:
    """Replies compared and differences found."""

    commands: int = 0
    model_replies: int = 0
    board_replies: int = 0
    matched: int = 0
    content: int = 0
    timing: int = 0
    missing: int = 0
    extra: int = 0
    ignored: int = 0


def reply_key(packet: bytes) -> ReplyKey | None:
    """The pairing key of a TM packet, or None for what is not a PUS TM packet."""
    if len(packet) < TM_HEADER_SIZE + 2 or packet[0] & 0x10 or not packet[0] & 0x08:
        return None
    apid = ((packet[0] & 0x07) << 8) | packet[1]
    service, subtype = packet[7], packet[8]
    request = packet[TM_HEADER_SIZE:TM_HEADER_SIZE + 4] if service == 1 else b""
    return apid, service, subtype, request


def reply_body(packet: bytes) -> bytes:
    """What must agree: the source data, without sequence counts, message counters, time and CRC."""
    return packet[TM_HEADER_SIZE:-2]


@dataclass
class Shadow:
    """Compares a model's replies with a board's on the same command stream, in virtual time.

    Periodic housekeeping (TM[3,25]) runs on each side's own schedule, so it is not paired unless
    ``housekeeping`` is set. A reply with no partner after ``timeout_ns`` is reported missing (the board
    stayed silent) or extra (the board said something the model did not).
    """

    device: str
    scheduler: Scheduler
    report: Callable[[Difference], None]
    framing: str = "asm"
    tolerance_ns: int = 50 * NS_PER_MS
    timeout_ns: int = 2_000 * NS_PER_MS
    housekeeping: bool = False
    counters: ShadowCounters = field(default_factory=ShadowCounters)
    differences: deque[Difference] = field(default_factory=lambda: deque(maxlen=KEPT_DIFFERENCES))
    outlet: Callable[[bytes], bool] | None = None

    def __post_init__(self) -> None:
        self._framer, self._deframer = make_framing(self.framing, require_crc=True)
        self._model: dict[ReplyKey, deque[tuple[int, bytes]]] = {}
        self._board: dict[ReplyKey, deque[tuple[int, bytes]]] = {}

    def follow(self, link: Link) -> None:
        """Tap the device's link: commands to the model also go to the board; the model's replies are noted."""
        link.taps.append(self._tap)

    def _tap(self, time_ns: int, link: str, direction: str, packet: bytes) -> None:
        if direction == "a>b":
            if packet[0] & 0x10:
                self.counters.commands += 1
                if self.outlet is not None:
                    self.outlet(self._framer.frame(packet))
            return
        self.counters.model_replies += 1
        self._arrive(self._model, self._board, time_ns, packet, "model")

    def inject(self, octets: bytes) -> None:
        """Octets from the board: deframe and pair every reply with the model's."""
        for packet in self._deframer.feed(octets).packets:
            self.counters.board_replies += 1
            self._arrive(self._board, self._model, self.scheduler.now_ns, packet, "board")

    def expire(self) -> None:
        """The board went away mid-frame: drop its partial frame and pair whatever followed it."""
        for packet in self._deframer.expire().packets:
            self.counters.board_replies += 1
            self._arrive(self._board, self._model, self.scheduler.now_ns, packet, "board")

    @property
    def errors(self) -> int:
        """Garbage from the board plus every difference found."""
        c = self.counters
        return self._deframer.stats.ranges_skipped + c.content + c.timing + c.missing + c.extra

    def _arrive(self, mine: dict[ReplyKey, deque[tuple[int, bytes]]], theirs: dict[ReplyKey, deque[tuple[int, bytes]]],
                time_ns: int, packet: bytes, side: str) -> None:
        key = reply_key(packet)
        if key is None or (not self.housekeeping and key[1:3] == HOUSEKEEPING_REPORT):
            self.counters.ignored += 1
            return
        waiting = theirs.get(key)
        if waiting:
            other_ns, other = waiting.popleft()
            model, board = (other, packet) if side == "board" else (packet, other)
            model_ns, board_ns = (other_ns, time_ns) if side == "board" else (time_ns, other_ns)
            self._compare(key, model_ns, model, board_ns, board)
            return
        mine.setdefault(key, deque()).append((time_ns, packet))
        self.scheduler.after_ns(self.timeout_ns, lambda: self._expire(mine, key, time_ns, packet, side))

    def _compare(self, key: ReplyKey, model_ns: int, model: bytes, board_ns: int, board: bytes) -> None:
        self.counters.matched += 1
        name = _describe(key)
        if reply_body(model) != reply_body(board):
            self.counters.content += 1
            shown = f"model {reply_body(model).hex()} board {reply_body(board).hex()}"
            self._report(board_ns, "content", f"{name}: {shown}")
        late_ms = (board_ns - model_ns) / NS_PER_MS
        if abs(board_ns - model_ns) > self.tolerance_ns:
            self.counters.timing += 1
            self._report(board_ns, "timing", f"{name}: board {late_ms:+.1f} ms from the model")

    def _expire(self, queue: dict[ReplyKey, deque[tuple[int, bytes]]], key: ReplyKey, time_ns: int, packet: bytes,
                side: str) -> None:
        waiting = queue.get(key)
        if not waiting or waiting[0] != (time_ns, packet):
            return
        waiting.popleft()
        if side == "model":
            self.counters.missing += 1
            self._report(self.scheduler.now_ns, "missing", f"{_describe(key)}: the board never replied")
        else:
            self.counters.extra += 1
            self._report(self.scheduler.now_ns, "extra", f"{_describe(key)}: the model never replied")

    def _report(self, time_ns: int, kind: str, detail: str) -> None:
        difference = Difference(time_ns, self.device, kind, detail)
        self.differences.append(difference)
        self.report(difference)


def _describe(key: ReplyKey) -> str:
    apid, service, subtype, request = key
    about = f" to request {request.hex()}" if request else ""
    return f"TM[{service},{subtype}] APID 0x{apid:03X}{about}"
