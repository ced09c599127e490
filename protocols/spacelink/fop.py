"""FOP-1 (232.1-B), the ground side of COP-1: a pure state machine driven by requests, CLCWs and integer time.

Every call takes the time ``now`` in integer nanoseconds and returns a ``FopOutput``: the frames to send (packed
TC frames, in order) and the notices for the user. The lower procedures are taken to accept every frame at once
(the AD/BC/BD "out" flags are always ready), so a "Look for FDU" sends everything that may go.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import IntEnum
from typing import NamedTuple

from protocols.errors import FieldValueError, ProtocolError, field_error
from protocols.spacelink.clcw import COP1_IN_EFFECT, Clcw
from protocols.spacelink.tc_frame import TcFrame

# notice kinds
ACCEPT = "accept"
REJECT = "reject"
CONFIRM = "confirm"
NEGATIVE_CONFIRM = "negative confirm"
ALERT = "alert"
SUSPEND = "suspend"

# alert codes
ALERT_SYNCH = "synch"
ALERT_CLCW = "clcw"
ALERT_LIMIT = "limit"
ALERT_T1 = "t1"
ALERT_LOCKOUT = "lockout"
ALERT_NNR = "nn(r)"
ALERT_TERM = "term"

# directive names (the notice subject)
INIT_WITHOUT_CLCW = "initiate ad without clcw check"
INIT_WITH_CLCW = "initiate ad with clcw check"
INIT_WITH_UNLOCK = "initiate ad with unlock"
INIT_WITH_SET_VR = "initiate ad with set v(r)"
TERMINATE = "terminate ad"
RESUME = "resume ad"
SET_VS = "set v(s)"
SET_WINDOW = "set fop sliding window"
SET_T1 = "set t1 initial"
SET_LIMIT = "set transmission limit"
SET_TIMEOUT_TYPE = "set timeout type"
FDU = "fdu"
"""Subject of notices about a type-AD request."""
BD_FDU = "bd fdu"
"""Subject of notices about a type-BD request."""


class FopState(IntEnum):
    """FOP-1 states S1..S6."""

    ACTIVE = 1
    RETRANSMIT_WITHOUT_WAIT = 2
    RETRANSMIT_WITH_WAIT = 3
    INITIALISING_WITHOUT_BC = 4
    INITIALISING_WITH_BC = 5
    INITIAL = 6


class Notice(NamedTuple):
    """A notice to the user: ``kind`` (accept, reject, confirm, ...), what it is about, and the user's tag.

    For alerts ``subject`` is the alert code; for requests it is ``"fdu"``/``"bd fdu"``; else the directive.
    """

    kind: str
    subject: str
    tag: object = None


class FopOutput(NamedTuple):
    """What one call produced: frames to transmit (in order) and notices."""

    frames: list[bytes]
    notices: list[Notice]


@dataclass
class _Sent:
    """A frame on the Sent_Queue."""

    frame: TcFrame
    octets: bytes
    tag: object
    retransmit: bool = False


_S1, _S2, _S3, _S4, _S5, _S6 = FopState


class Fop1:
    """The FOP-1 state machine for one TC virtual channel; starts in Initial (S6) with V(S) = 0.

    ``window`` is the FOP sliding window K (keep it at most the FARM's W/2, or a lost frame can push the
    ones after it into the FARM's lockout area), ``t1_ns`` the timer initial value, ``transmission_limit`` the
    number of times the first frame of the Sent_Queue may be sent, ``timeout_type`` 0 (alert) or 1 (suspend).
    """

    def __init__(self, scid: int, vcid: int, *, window: int = 5, t1_ns: int = 2_000_000_000,
                 transmission_limit: int = 3, timeout_type: int = 0, map_id: int | None = 0,
                 fecf: bool = True) -> None:
        self.scid, self.vcid, self.map_id, self.fecf = scid, vcid, map_id, fecf
        self.window = _check_window(window)
        self.t1_ns = _check_positive("t1_ns", t1_ns)
        self.transmission_limit = _check_positive("transmission_limit", transmission_limit)
        self.timeout_type = _check_timeout_type(timeout_type)
        self.state = FopState.INITIAL
        self.vs = 0
        self.nnr = 0
        self.transmission_count = 1
        self.suspend_state = 0
        self.timer_deadline: int | None = None
        self.sent_queue: deque[_Sent] = deque()
        self.wait_queue: tuple[bytes, object] | None = None
        self._pending: tuple[str, object] | None = None  # directive awaiting its confirm (S4, S5)
        self._out = FopOutput([], [])

    # ---- what the user can see

    @property
    def ready(self) -> bool:
        """True when a type-AD request would be taken (the Wait_Queue is empty and AD service is running)."""
        return self.wait_queue is None and self.state in (_S1, _S2, _S3)

    @property
    def outstanding(self) -> int:
        """Frames sent and not yet acknowledged."""
        return len(self.sent_queue)

    # ---- requests from the higher procedures

    def request_ad(self, data: bytes, tag: object = None, *, now: int) -> FopOutput:
        """Transfer an FDU with sequence control (E19/E20)."""
        self._begin(now)
        if self.wait_queue is not None or self.state not in (_S1, _S2, _S3):
            self._notice(REJECT, FDU, tag)
        else:
            self.wait_queue = (bytes(data), tag)
            if self.state is not _S3:
                self._look_for_fdu(now)
        return self._out

    def request_bd(self, data: bytes, tag: object = None, *, now: int) -> FopOutput:
        """Transfer an FDU expedited, in a type-BD frame (E21): accepted in every state."""
        self._begin(now)
        self._notice(ACCEPT, BD_FDU, tag)
        self._out.frames.append(TcFrame.bd(self.scid, self.vcid, data, self.map_id).pack(self.fecf))
        return self._out

    # ---- directives

    def initiate_ad(self, *, now: int, clcw_check: bool = False, tag: object = None) -> FopOutput:
        """Initiate AD service without (E23) or with (E24) waiting for a CLCW that reports N(R) = V(S)."""
        name = INIT_WITH_CLCW if clcw_check else INIT_WITHOUT_CLCW
        if not self._directive_in_initial(name, tag, now):
            return self._out
        self._initialise()
        if clcw_check:
            self._pending = (name, tag)
            self._restart_timer(now)
            self.state = _S4
        else:
            self._notice(CONFIRM, name, tag)
            self.state = _S1
        return self._out

    def initiate_ad_with_unlock(self, *, now: int, tag: object = None) -> FopOutput:
        """Initiate AD service by sending an Unlock control frame (E25)."""
        if self._directive_in_initial(INIT_WITH_UNLOCK, tag, now):
            self._initialise()
            self._pending = (INIT_WITH_UNLOCK, tag)
            self._transmit_bc(TcFrame.unlock(self.scid, self.vcid), now)
        return self._out

    def initiate_ad_with_set_vr(self, vr: int, *, now: int, tag: object = None) -> FopOutput:
        """Initiate AD service by sending Set V(R) to ``vr``; V(S) and NN(R) become ``vr`` too (E27)."""
        frame = TcFrame.set_vr(self.scid, self.vcid, vr)
        if self._directive_in_initial(INIT_WITH_SET_VR, tag, now):
            self._initialise()
            self.vs = self.nnr = vr
            self._pending = (INIT_WITH_SET_VR, tag)
            self._transmit_bc(frame, now)
        return self._out

    def terminate(self, *, now: int, tag: object = None) -> FopOutput:
        """Terminate AD service (E29): everything outstanding is purged; back to Initial."""
        self._begin(now)
        self._notice(ACCEPT, TERMINATE, tag)
        if self.state is not _S6:
            self._alert(ALERT_TERM)
            self.state = _S6
        self._notice(CONFIRM, TERMINATE, tag)
        return self._out

    def resume(self, *, now: int, tag: object = None) -> FopOutput:
        """Resume a suspended AD service (E30..E34) in the state it was suspended from."""
        self._begin(now)
        if self.state is not _S6 or not self.suspend_state:
            self._notice(REJECT, RESUME, tag)
            return self._out
        self._notice(ACCEPT, RESUME, tag)
        self._restart_timer(now)
        self.state = FopState(self.suspend_state)
        self.suspend_state = 0
        self._notice(CONFIRM, RESUME, tag)
        return self._out

    def set_vs(self, vs: int, *, now: int, tag: object = None) -> FopOutput:
        """Set V(S) and NN(R) (E35); only in Initial with no suspended service."""
        self._begin(now)
        if self.state is not _S6 or self.suspend_state or not 0 <= vs <= 0xFF:
            self._notice(REJECT, SET_VS, tag)
        else:
            self.vs = self.nnr = vs
            self._notice(ACCEPT, SET_VS, tag)
            self._notice(CONFIRM, SET_VS, tag)
        return self._out

    def set_window(self, window: int, *, now: int, tag: object = None) -> FopOutput:
        """Set the FOP sliding window K (E36)."""
        return self._set(SET_WINDOW, "window", window, 1 <= window <= 255, tag, now)

    def set_t1(self, t1_ns: int, *, now: int, tag: object = None) -> FopOutput:
        """Set the timer initial value in ns (E37)."""
        return self._set(SET_T1, "t1_ns", t1_ns, t1_ns > 0, tag, now)

    def set_transmission_limit(self, limit: int, *, now: int, tag: object = None) -> FopOutput:
        """Set the transmission limit (E38)."""
        return self._set(SET_LIMIT, "transmission_limit", limit, limit > 0, tag, now)

    def set_timeout_type(self, timeout_type: int, *, now: int, tag: object = None) -> FopOutput:
        """Set the timeout type, 0 or 1 (E39)."""
        return self._set(SET_TIMEOUT_TYPE, "timeout_type", timeout_type, timeout_type in (0, 1), tag, now)

    # ---- from the lower procedures and the clock

    def clcw(self, clcw: Clcw | int, *, now: int) -> FopOutput:
        """A CLCW arrived (E1..E14); words that are not CLCWs, other VCs' and those without COP-1 are ignored."""
        self._begin(now)
        if isinstance(clcw, int):
            try:
                clcw = Clcw.from_int(clcw)
            except ProtocolError:
                return self._out
        if clcw.cop_in_effect != COP1_IN_EFFECT or clcw.vcid != self.vcid or self.state is _S6:
            return self._out
        event = self._classify(clcw)
        getattr(self, f"_{event}")(clcw, now)
        return self._out

    def tick(self, now: int) -> FopOutput:
        """Advance the clock to ``now``; the timer fires if it is due."""
        self._begin(now)
        return self._out

    # ---- internals

    def _begin(self, now: int) -> None:
        self._out = FopOutput([], [])
        deadline = self.timer_deadline
        if deadline is not None and now >= deadline:
            self.timer_deadline = None
            self._timer_expired(now)

    def _notice(self, kind: str, subject: str, tag: object = None) -> None:
        self._out.notices.append(Notice(kind, subject, tag))

    def _set(self, name: str, attr: str, value: int, ok: bool, tag: object, now: int) -> FopOutput:
        self._begin(now)
        if not ok:
            self._notice(REJECT, name, tag)
            return self._out
        self._notice(ACCEPT, name, tag)
        setattr(self, attr, value)
        self._notice(CONFIRM, name, tag)
        return self._out

    def _directive_in_initial(self, name: str, tag: object, now: int) -> bool:
        self._begin(now)
        if self.state is not _S6:
            self._notice(REJECT, name, tag)
            return False
        self._notice(ACCEPT, name, tag)
        return True

    def _restart_timer(self, now: int) -> None:
        self.timer_deadline = now + self.t1_ns

    def _cancel_timer(self) -> None:
        self.timer_deadline = None

    def _initialise(self) -> None:
        self._purge_sent_queue()
        self._purge_wait_queue()
        self._cancel_timer()
        self.transmission_count = 1
        self.suspend_state = 0

    def _purge_sent_queue(self) -> None:
        for sent in self.sent_queue:
            if not sent.frame.bypass:
                self._notice(NEGATIVE_CONFIRM, FDU, sent.tag)
        self.sent_queue.clear()
        if self._pending is not None:
            self._notice(NEGATIVE_CONFIRM, *self._pending)
            self._pending = None

    def _purge_wait_queue(self) -> None:
        if self.wait_queue is not None:
            self._notice(REJECT, FDU, self.wait_queue[1])
            self.wait_queue = None

    def _alert(self, code: str) -> None:
        self._cancel_timer()
        self._purge_sent_queue()
        self._purge_wait_queue()
        self._notice(ALERT, code)

    def _to_initial(self, code: str) -> None:
        self._alert(code)
        self.state = _S6

    def _suspend(self) -> None:
        self._cancel_timer()
        self.suspend_state = int(self.state)
        self._notice(SUSPEND, "ad service")
        self.state = _S6

    def _transmit_ad(self, data: bytes, tag: object, now: int) -> None:
        frame = TcFrame.ad(self.scid, self.vcid, self.vs, data, self.map_id)
        octets = frame.pack(self.fecf)
        if not self.sent_queue:
            self.transmission_count = 1
        self.sent_queue.append(_Sent(frame, octets, tag))
        self.vs = (self.vs + 1) & 0xFF
        self._restart_timer(now)
        self._out.frames.append(octets)

    def _transmit_bc(self, frame: TcFrame, now: int) -> None:
        octets = frame.pack(self.fecf)
        self.sent_queue.append(_Sent(frame, octets, None))
        self.transmission_count = 1
        self._restart_timer(now)
        self._out.frames.append(octets)
        self.state = _S5

    def _look_for_fdu(self, now: int) -> None:
        for sent in self.sent_queue:
            if sent.retransmit and not sent.frame.bypass:
                sent.retransmit = False
                self._out.frames.append(sent.octets)
        if self.wait_queue is not None and (self.vs - self.nnr) & 0xFF < self.window:
            data, tag = self.wait_queue
            self.wait_queue = None
            self._notice(ACCEPT, FDU, tag)
            self._transmit_ad(data, tag, now)

    def _look_for_directive(self) -> None:
        for sent in self.sent_queue:
            if sent.retransmit and sent.frame.bypass:
                sent.retransmit = False
                self._out.frames.append(sent.octets)

    def _initiate_retransmission(self, now: int, bc: bool = False) -> None:
        self.transmission_count += 1
        self._restart_timer(now)
        for sent in self.sent_queue:
            if sent.frame.bypass == bc:
                sent.retransmit = True

    def _remove_acknowledged(self, clcw: Clcw) -> None:
        for _ in range((clcw.report_value - self.nnr) & 0xFF):
            if not self.sent_queue:
                break
            sent = self.sent_queue.popleft()
            self._notice(CONFIRM, FDU, sent.tag)
            self.transmission_count = 1
        self.nnr = clcw.report_value

    def _confirm_pending(self) -> None:
        if self._pending is not None:
            self._notice(CONFIRM, *self._pending)
            self._pending = None

    def _classify(self, clcw: Clcw) -> str:
        """The event number (232.1-B table) this CLCW is, as the name of its handler."""
        if clcw.lockout:
            return "e14"
        nr, nnr = clcw.report_value, self.nnr
        if nr == self.vs:
            if clcw.retransmit:
                return "e4"
            if clcw.wait:
                return "e3"
            return "e1" if nr == nnr else "e2"
        if (nr - nnr) & 0xFF >= (self.vs - nnr) & 0xFF:
            return "e13"
        if not clcw.retransmit:
            if clcw.wait:
                return "e7"
            return "e5" if nr == nnr else "e6"
        if self.transmission_limit == 1:
            return "e102" if nr == nnr else "e101"
        if nr != nnr:
            return "e9" if clcw.wait else "e8"
        if self.transmission_count < self.transmission_limit:
            return "e11" if clcw.wait else "e10"
        return "e103" if clcw.wait else "e12"

    # CLCW event handlers, one per event; the state decides the action

    def _e1(self, clcw: Clcw, now: int) -> None:
        """All frames acknowledged, nothing new."""
        if self.state in (_S2, _S3):
            self._to_initial(ALERT_SYNCH)
        elif self.state is _S4:
            self._confirm_pending()
            self._cancel_timer()
            self.state = _S1
        elif self.state is _S5:
            self.sent_queue.clear()  # release the BC frame
            self._confirm_pending()
            self._cancel_timer()
            self.state = _S1

    def _e2(self, clcw: Clcw, now: int) -> None:
        """All outstanding frames acknowledged by this CLCW."""
        if self.state in (_S1, _S2, _S3):
            self._remove_acknowledged(clcw)
            self._cancel_timer()
            self.state = _S1
            self._look_for_fdu(now)

    def _e3(self, clcw: Clcw, now: int) -> None:
        """Wait set with everything acknowledged: inconsistent."""
        self._to_initial(ALERT_CLCW)

    def _e4(self, clcw: Clcw, now: int) -> None:
        """Retransmit set with everything acknowledged."""
        if self.state is not _S5:
            self._to_initial(ALERT_SYNCH)

    def _e5(self, clcw: Clcw, now: int) -> None:
        """No new acknowledgement, no retransmit request."""
        if self.state in (_S2, _S3):
            self._to_initial(ALERT_SYNCH)

    def _e6(self, clcw: Clcw, now: int) -> None:
        """Some frames acknowledged, no retransmit request."""
        if self.state in (_S1, _S2, _S3):
            self._remove_acknowledged(clcw)
            self.state = _S1
            self._look_for_fdu(now)

    def _e7(self, clcw: Clcw, now: int) -> None:
        """Wait without retransmit: inconsistent."""
        if self.state in (_S1, _S2, _S3):
            self._to_initial(ALERT_CLCW)

    def _e101(self, clcw: Clcw, now: int) -> None:
        """Retransmit requested with a transmission limit of 1, some frames acknowledged."""
        if self.state in (_S1, _S2, _S3):
            self._remove_acknowledged(clcw)
            self._to_initial(ALERT_LIMIT)

    def _e102(self, clcw: Clcw, now: int) -> None:
        """Retransmit requested with a transmission limit of 1."""
        if self.state in (_S1, _S2, _S3):
            self._to_initial(ALERT_LIMIT)

    def _e8(self, clcw: Clcw, now: int) -> None:
        """Some frames acknowledged, retransmit requested, no wait."""
        if self.state in (_S1, _S2, _S3):
            self._remove_acknowledged(clcw)
            self._initiate_retransmission(now)
            self.state = _S2
            self._look_for_fdu(now)

    def _e9(self, clcw: Clcw, now: int) -> None:
        """Some frames acknowledged, retransmit requested, FARM waiting."""
        if self.state in (_S1, _S2, _S3):
            self._remove_acknowledged(clcw)
            self.state = _S3

    def _e10(self, clcw: Clcw, now: int) -> None:
        """No new acknowledgement, retransmit requested, below the limit, no wait."""
        if self.state in (_S1, _S3):
            self._initiate_retransmission(now)
            self.state = _S2
            self._look_for_fdu(now)

    def _e11(self, clcw: Clcw, now: int) -> None:
        """No new acknowledgement, retransmit requested, below the limit, FARM waiting."""
        if self.state in (_S1, _S2):
            self.state = _S3

    def _e12(self, clcw: Clcw, now: int) -> None:
        """No new acknowledgement, retransmit requested, limit reached, no wait."""
        if self.state in (_S1, _S3):
            self.state = _S2

    def _e103(self, clcw: Clcw, now: int) -> None:
        """No new acknowledgement, retransmit requested, limit reached, FARM waiting."""
        if self.state in (_S1, _S2):
            self.state = _S3

    def _e13(self, clcw: Clcw, now: int) -> None:
        """N(R) outside [NN(R), V(S)]."""
        if self.state is not _S5:
            self._to_initial(ALERT_NNR)

    def _e14(self, clcw: Clcw, now: int) -> None:
        """FARM-1 is in Lockout."""
        if self.state is not _S5:
            self._to_initial(ALERT_LOCKOUT)

    def _timer_expired(self, now: int) -> None:
        """Timer T1 ran out (E16, E104, E17, E18)."""
        state = self.state
        if self.transmission_count < self.transmission_limit:
            if state in (_S1, _S2):
                self._initiate_retransmission(now)
                self._look_for_fdu(now)
            elif state is _S4:
                if self.timeout_type == 0:
                    self._to_initial(ALERT_T1)
                else:
                    self._suspend()
            elif state is _S5:
                self._initiate_retransmission(now, bc=True)
                self._look_for_directive()
        elif state is _S6:
            pass
        elif self.timeout_type == 0 or state is _S5:
            self._to_initial(ALERT_T1)
        else:
            self._suspend()


def _check_window(window: int) -> int:
    if not 1 <= window <= 255:
        raise field_error(FieldValueError, "window", window, "the FOP sliding window K is 1..255")
    return window


def _check_positive(name: str, value: int) -> int:
    if value <= 0:
        raise field_error(FieldValueError, name, value, "must be positive")
    return value


def _check_timeout_type(value: int) -> int:
    if value not in (0, 1):
        raise field_error(FieldValueError, "timeout_type", value, "must be 0 or 1")
    return value
