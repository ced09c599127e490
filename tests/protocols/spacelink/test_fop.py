"""FOP-1: directives, the Sent_Queue and window, CLCW handling per the state table, timer T1 and its limit."""

from __future__ import annotations

import pytest

from protocols.errors import FieldValueError
from protocols.spacelink.clcw import Clcw
from protocols.spacelink.fop import (
    ACCEPT,
    ALERT,
    ALERT_CLCW,
    ALERT_LIMIT,
    ALERT_LOCKOUT,
    ALERT_NNR,
    ALERT_SYNCH,
    ALERT_T1,
    ALERT_TERM,
    CONFIRM,
    FDU,
    INIT_WITH_CLCW,
    INIT_WITH_SET_VR,
    INIT_WITH_UNLOCK,
    INIT_WITHOUT_CLCW,
    NEGATIVE_CONFIRM,
    REJECT,
    SUSPEND,
    Fop1,
    FopState,
    Notice,
)
from protocols.spacelink.tc_frame import FrameType, TcFrame

SCID, VC = 91, 1
T1 = 1_000_000_000


def active(**options: int) -> Fop1:
    """A FOP in Active state, V(S) = 0."""
    fop = Fop1(SCID, VC, t1_ns=T1, **options)
    fop.initiate_ad(now=0)
    return fop


def seqs(frames: list[bytes]) -> list[int]:
    """N(S) of each frame."""
    return [TcFrame.unpack(frame).seq for frame in frames]


def kinds(notices: list[Notice]) -> list[tuple[str, str]]:
    """(kind, subject) of each notice."""
    return [(n.kind, n.subject) for n in notices]


def test_starts_initial_and_rejects_requests_until_initiated() -> None:
    fop = Fop1(SCID, VC)
    assert fop.state is FopState.INITIAL and not fop.ready
    assert kinds(fop.request_ad(b"x", now=0).notices) == [(REJECT, FDU)]
    out = fop.initiate_ad(now=0)
    assert kinds(out.notices) == [(ACCEPT, INIT_WITHOUT_CLCW), (CONFIRM, INIT_WITHOUT_CLCW)]
    assert fop.state is FopState.ACTIVE and fop.ready
    assert kinds(fop.initiate_ad(now=0).notices) == [(REJECT, INIT_WITHOUT_CLCW)]


def test_window_limits_outstanding_frames_and_acks_release_more() -> None:
    fop = active(window=3)
    sent = []
    for i in range(3):
        sent += fop.request_ad(bytes([i]), tag=i, now=0).frames
    assert seqs(sent) == [0, 1, 2] and fop.outstanding == 3
    out = fop.request_ad(b"\x03", tag=3, now=0)
    assert out.frames == [] and not fop.ready  # held in the Wait_Queue
    assert kinds(fop.request_ad(b"\x04", now=0).notices) == [(REJECT, FDU)]
    out = fop.clcw(Clcw(VC, 2), now=1)  # frames 0 and 1 acknowledged (E6)
    assert [(n.kind, n.tag) for n in out.notices] == [(CONFIRM, 0), (CONFIRM, 1), (ACCEPT, 3)]
    assert seqs(out.frames) == [3] and fop.ready
    out = fop.clcw(Clcw(VC, 4), now=2)  # everything acknowledged (E2): timer cancelled
    assert [(n.kind, n.tag) for n in out.notices] == [(CONFIRM, 2), (CONFIRM, 3)]
    assert fop.timer_deadline is None and fop.outstanding == 0


def test_retransmit_flag_resends_everything_outstanding() -> None:
    fop = active()
    for i in range(3):
        fop.request_ad(bytes([i]), now=0)
    out = fop.clcw(Clcw(VC, 1, retransmit=True), now=5)  # E8: frame 0 acked, 1 and 2 again
    assert seqs(out.frames) == [1, 2] and fop.state is FopState.RETRANSMIT_WITHOUT_WAIT
    assert fop.clcw(Clcw(VC, 1, retransmit=True), now=6).frames == []  # E10 ignored in S2
    out = fop.clcw(Clcw(VC, 2, retransmit=True), now=7)  # E8 again in S2
    assert seqs(out.frames) == [2]
    fop.clcw(Clcw(VC, 3), now=8)
    assert fop.state is FopState.ACTIVE and fop.outstanding == 0


def test_wait_flag_holds_retransmission_until_the_farm_is_ready() -> None:
    fop = active()
    fop.request_ad(b"a", now=0)
    fop.request_ad(b"b", now=0)
    out = fop.clcw(Clcw(VC, 0, wait=True, retransmit=True), now=1)  # E11 → S3
    assert out.frames == [] and fop.state is FopState.RETRANSMIT_WITH_WAIT
    assert fop.request_ad(b"c", now=1).frames == []  # queued, not sent in S3
    assert fop.tick(T1 + 1).frames == []  # the timer is ignored in S3
    out = fop.clcw(Clcw(VC, 0, retransmit=True), now=T1 + 2)  # E10 in S3 → S2: retransmit, then the queued FDU
    assert seqs(out.frames) == [0, 1, 2] and fop.state is FopState.RETRANSMIT_WITHOUT_WAIT
    out = fop.clcw(Clcw(VC, 2), now=T1 + 3)
    assert out.frames == [] and fop.state is FopState.ACTIVE and fop.outstanding == 1


def test_timer_retransmits_until_the_limit_then_alerts() -> None:
    fop = active(transmission_limit=3)
    fop.request_ad(b"a", tag="a", now=0)
    assert seqs(fop.tick(T1 - 1).frames) == []
    assert seqs(fop.tick(T1).frames) == [0]
    assert seqs(fop.tick(2 * T1).frames) == [0]
    out = fop.tick(3 * T1)
    assert out.frames == [] and fop.state is FopState.INITIAL
    assert kinds(out.notices) == [(NEGATIVE_CONFIRM, FDU), (ALERT, ALERT_T1)]


def test_timeout_type_1_suspends_and_resume_continues() -> None:
    fop = active(transmission_limit=1, timeout_type=1)
    fop.request_ad(b"a", now=0)
    out = fop.tick(T1)
    assert kinds(out.notices) == [(SUSPEND, "ad service")] and fop.state is FopState.INITIAL
    assert fop.suspend_state == 1 and fop.outstanding == 1
    fop.resume(now=2 * T1)
    assert fop.state is FopState.ACTIVE and fop.timer_deadline == 3 * T1
    assert fop.clcw(Clcw(VC, 1), now=2 * T1).notices[0].kind == CONFIRM


@pytest.mark.parametrize(("clcw", "alert"), [
    (Clcw(VC, 0, lockout=True), ALERT_LOCKOUT),  # E14
    (Clcw(VC, 7), ALERT_NNR),  # E13: N(R) beyond V(S)
    (Clcw(VC, 0, wait=True), ALERT_CLCW),  # E7: wait without retransmit
    (Clcw(VC, 2, wait=True), ALERT_CLCW),  # E3
    (Clcw(VC, 2, retransmit=True), ALERT_SYNCH),  # E4
])
def test_inconsistent_clcws_alert_and_purge(clcw: Clcw, alert: str) -> None:
    fop = active()
    fop.request_ad(b"a", tag="a", now=0)
    fop.request_ad(b"b", tag="b", now=0)
    out = fop.clcw(clcw, now=1)
    assert out.notices[-1] == Notice(ALERT, alert)
    assert [n.tag for n in out.notices if n.kind == NEGATIVE_CONFIRM] == ["a", "b"]
    assert fop.state is FopState.INITIAL and fop.outstanding == 0 and fop.timer_deadline is None


def test_limit_of_one_alerts_on_a_retransmit_request() -> None:
    fop = active(transmission_limit=1)
    fop.request_ad(b"a", now=0)
    assert fop.clcw(Clcw(VC, 0, retransmit=True), now=1).notices[-1] == Notice(ALERT, ALERT_LIMIT)


def test_clcws_of_other_vcs_or_without_cop1_are_ignored() -> None:
    fop = active()
    fop.request_ad(b"a", now=0)
    assert fop.clcw(Clcw(VC + 1, 9, lockout=True), now=1) == ([], [])
    assert fop.clcw(Clcw(VC, 9, lockout=True, cop_in_effect=0).to_int(), now=1) == ([], [])
    assert fop.clcw(0x80000000 | Clcw(VC, 9, lockout=True).to_int(), now=1) == ([], [])  # not a CLCW
    assert fop.state is FopState.ACTIVE


def test_initiate_with_clcw_check_waits_for_the_farm() -> None:
    fop = Fop1(SCID, VC, t1_ns=T1)
    fop.set_vs(42, now=0)
    out = fop.initiate_ad(now=0, clcw_check=True, tag="go")
    assert kinds(out.notices) == [(ACCEPT, INIT_WITH_CLCW)] and fop.state is FopState.INITIALISING_WITHOUT_BC
    out = fop.clcw(Clcw(VC, 42), now=1)
    assert out.notices == [Notice(CONFIRM, INIT_WITH_CLCW, "go")] and fop.state is FopState.ACTIVE


def test_initiate_with_clcw_check_times_out() -> None:
    fop = Fop1(SCID, VC, t1_ns=T1)
    fop.initiate_ad(now=0, clcw_check=True)
    out = fop.tick(T1)
    assert kinds(out.notices) == [(NEGATIVE_CONFIRM, INIT_WITH_CLCW), (ALERT, ALERT_T1)]


def test_initiate_with_unlock_sends_bc_until_confirmed() -> None:
    fop = Fop1(SCID, VC, t1_ns=T1)
    out = fop.initiate_ad_with_unlock(now=0)
    (frame,) = [TcFrame.unpack(f) for f in out.frames]
    assert frame.frame_type is FrameType.BC and frame.data == b"\x00"
    assert fop.state is FopState.INITIALISING_WITH_BC
    assert fop.clcw(Clcw(VC, 0, lockout=True), now=1).notices == []  # E14 ignored in S5
    assert fop.tick(T1).frames == out.frames  # BC retransmitted on timeout
    done = fop.clcw(Clcw(VC, 0, farm_b_counter=1), now=T1 + 1)
    assert kinds(done.notices) == [(CONFIRM, INIT_WITH_UNLOCK)] and fop.state is FopState.ACTIVE


def test_initiate_with_set_vr_sets_vs() -> None:
    fop = Fop1(SCID, VC, t1_ns=T1)
    out = fop.initiate_ad_with_set_vr(200, now=0)
    assert TcFrame.unpack(out.frames[0]).control_command().vr == 200
    assert fop.vs == fop.nnr == 200
    assert fop.clcw(Clcw(VC, 0), now=1).notices == []  # old V(R): E13 ignored in S5
    assert kinds(fop.clcw(Clcw(VC, 200), now=2).notices) == [(CONFIRM, INIT_WITH_SET_VR)]
    assert seqs(fop.request_ad(b"x", now=3).frames) == [200]


def test_terminate_purges_and_bd_always_goes() -> None:
    fop = active()
    fop.request_ad(b"a", tag="a", now=0)
    out = fop.terminate(now=1)
    assert (NEGATIVE_CONFIRM, FDU) in kinds(out.notices) and (ALERT, ALERT_TERM) in kinds(out.notices)
    assert fop.state is FopState.INITIAL
    out = fop.request_bd(b"urgent", now=2)
    assert TcFrame.unpack(out.frames[0]).frame_type is FrameType.BD


def test_parameters_and_refusals() -> None:
    fop = active()
    assert kinds(fop.set_window(8, now=0).notices)[-1][0] == CONFIRM and fop.window == 8
    assert kinds(fop.set_t1(5, now=0).notices)[-1][0] == CONFIRM and fop.t1_ns == 5
    assert kinds(fop.set_transmission_limit(0, now=0).notices) == [(REJECT, "set transmission limit")]
    assert kinds(fop.set_timeout_type(2, now=0).notices)[0][0] == REJECT
    assert kinds(fop.set_vs(3, now=0).notices)[0][0] == REJECT  # only in Initial
    assert kinds(fop.resume(now=0).notices)[0][0] == REJECT
    with pytest.raises(FieldValueError):
        Fop1(SCID, VC, window=0)
    with pytest.raises(FieldValueError):
        Fop1(SCID, VC, timeout_type=3)
