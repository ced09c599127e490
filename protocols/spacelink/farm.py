"""FARM-1 (232.1-B), the lander side of COP-1: accepts or discards TC frames of one VC and reports in the CLCW."""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import IntEnum
from typing import NamedTuple

from protocols.errors import FieldValueError, ProtocolError, field_error
from protocols.spacelink.clcw import Clcw
from protocols.spacelink.tc_frame import TcFrame, parse_control_command

ACCEPTED = "accepted"
NOT_EXPECTED = "n(s) not expected"
"""AD frame inside the positive window but not V(R): a frame was lost; retransmit flag set."""
DUPLICATE = "n(s) in negative window"
"""AD frame already accepted (a retransmission)."""
LOCKOUT_AREA = "n(s) outside the windows"
"""AD frame outside both windows: FARM-1 enters Lockout."""
LOCKED_OUT = "locked out"
BUFFER_FULL = "buffer full"
INVALID = "invalid frame"
WRONG_VC = "wrong virtual channel"


class FarmState(IntEnum):
    """FARM-1 states."""

    OPEN = 1
    WAIT = 2
    LOCKOUT = 3


class FarmResult(NamedTuple):
    """FARM-1's decision on one frame: accepted or not, why, and the data to pass on when accepted."""

    accepted: bool
    reason: str
    data: bytes | None = None
    frame: TcFrame | None = None


@dataclass
class FarmStats:
    """Running counters of a FARM-1 instance."""

    ad_accepted: int = 0
    bd_accepted: int = 0
    bc_accepted: int = 0
    discarded: int = 0
    invalid: int = 0
    lockouts: int = 0

    def clear(self) -> None:
        """Set every counter back to zero."""
        for item in fields(self):
            setattr(self, item.name, 0)


class Farm1:
    """The FARM-1 state machine for one virtual channel; pure: frames in, decisions and CLCWs out.

    ``window`` is the FARM sliding window width W (even, 2..254); positive and negative windows are W/2 each.
    The buffer the accepted AD frames go to is modelled by ``buffer_available``: set it False when it is full
    (the next in-sequence AD frame then moves FARM-1 to Wait) and call ``release_buffer`` when room comes back.
    As the standard says, only Unlock leaves Lockout; Set V(R) is accepted there but changes nothing else.
    """

    def __init__(self, vcid: int, window: int = 10, vr: int = 0) -> None:
        if window % 2 or not 2 <= window <= 254:
            raise field_error(FieldValueError, "window", window, "the FARM window is even, 2..254")
        self.vcid = vcid
        self.window = window
        self.vr = vr & 0xFF
        self.state = FarmState.OPEN
        self.retransmit = False
        self.farm_b_counter = 0
        self.buffer_available = True
        self.stats = FarmStats()

    @property
    def lockout(self) -> bool:
        """True in the Lockout state."""
        return self.state is FarmState.LOCKOUT

    @property
    def wait(self) -> bool:
        """True in the Wait state."""
        return self.state is FarmState.WAIT

    def clcw(self) -> Clcw:
        """The CLCW this FARM reports now."""
        return Clcw(self.vcid, self.vr, lockout=self.lockout, wait=self.wait, retransmit=self.retransmit,
                    farm_b_counter=self.farm_b_counter)

    def handle_octets(self, data: bytes | bytearray | memoryview, *, fecf: bool = True,
                      segment_header: bool = True, trailing_ok: bool = True) -> FarmResult:
        """Decode a frame (CLTU fill after it allowed) and handle it; an undecodable frame is discarded."""
        try:
            frame = TcFrame.unpack(data, fecf=fecf, segment_header=segment_header, trailing_ok=trailing_ok)
        except ProtocolError:
            return self.invalid()
        return self.handle(frame)

    def invalid(self) -> FarmResult:
        """An invalid frame arrived (E9): discarded, nothing else changes."""
        self.stats.invalid += 1
        self.stats.discarded += 1
        return FarmResult(False, INVALID)

    def handle(self, frame: TcFrame) -> FarmResult:
        """Handle one decoded frame of any type."""
        if frame.vcid != self.vcid:
            self.stats.discarded += 1
            return FarmResult(False, WRONG_VC, None, frame)
        if frame.bypass:
            if frame.control:
                return self._control(frame)
            self._count_b()
            self.stats.bd_accepted += 1
            return FarmResult(True, ACCEPTED, frame.data, frame)
        return self._ad(frame)

    def release_buffer(self) -> None:
        """The buffer has room again (E10): Wait → Open."""
        self.buffer_available = True
        if self.state is FarmState.WAIT:
            self.state = FarmState.OPEN

    def _count_b(self) -> None:
        self.farm_b_counter = (self.farm_b_counter + 1) & 0x3

    def _discard(self, reason: str, frame: TcFrame) -> FarmResult:
        self.stats.discarded += 1
        return FarmResult(False, reason, None, frame)

    def _ad(self, frame: TcFrame) -> FarmResult:
        ahead = (frame.seq - self.vr) & 0xFF
        half = self.window // 2
        if self.state is FarmState.LOCKOUT:
            return self._discard(LOCKED_OUT, frame)
        if ahead == 0:
            if self.state is FarmState.OPEN and self.buffer_available:  # E1
                self.vr = (self.vr + 1) & 0xFF
                self.retransmit = False
                self.stats.ad_accepted += 1
                return FarmResult(True, ACCEPTED, frame.data, frame)
            if self.state is FarmState.OPEN:  # E2: buffer full
                self.retransmit = True
                self.state = FarmState.WAIT
            return self._discard(BUFFER_FULL, frame)
        if ahead < half:  # E3: positive window, a frame is missing
            if self.state is FarmState.OPEN:
                self.retransmit = True
            return self._discard(NOT_EXPECTED, frame)
        if ahead >= 256 - half:  # E4: negative window, already accepted
            return self._discard(DUPLICATE, frame)
        self.state = FarmState.LOCKOUT  # E5: lockout area
        self.stats.lockouts += 1
        return self._discard(LOCKOUT_AREA, frame)

    def _control(self, frame: TcFrame) -> FarmResult:
        try:
            command = parse_control_command(frame.data)
        except ProtocolError:
            return self.invalid()
        self._count_b()
        self.stats.bc_accepted += 1
        if command.name == "unlock":  # E7
            self.retransmit = False
            self.state = FarmState.OPEN
        elif self.state is not FarmState.LOCKOUT:  # E8: Set V(R) has no effect in Lockout
            self.retransmit = False
            self.vr = command.vr or 0
            self.state = FarmState.OPEN
        return FarmResult(True, ACCEPTED, None, frame)
