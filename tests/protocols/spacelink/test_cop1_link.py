"""COP-1 end to end: FOP-1 on the ground, FARM-1 on the lander, CLTUs up through a lossy channel and the CLCW
back down in the OCF of TM frames. Every command arrives exactly once and in order; lockouts are recovered."""

from __future__ import annotations

from collections import deque

import numpy as np
import pytest

from protocols.spacelink.cltu import CltuDecoder, encode_cltu
from protocols.spacelink.farm import Farm1, FarmResult
from protocols.spacelink.fop import (
    ALERT,
    ALERT_LOCKOUT,
    ALERT_NNR,
    CONFIRM,
    FDU,
    NEGATIVE_CONFIRM,
    Fop1,
    FopOutput,
    FopState,
    Notice,
)
from protocols.spacelink.tc_frame import TcFrame
from protocols.spacelink.tm_deframer import TmDeframer
from protocols.spacelink.tm_framer import TmFramer

SCID, VC = 91, 1
STEP_NS = 100_000_000


class Link:
    """Ground and lander joined by a simulated space link, stepped in fixed time steps.

    Each uplink frame travels as a CLTU; a fraction ``loss`` of them is lost or has an octet destroyed (half
    each). Uplink and downlink each take ``delay`` steps; a fraction ``tm_loss`` of TM frames (and so of
    CLCWs) is lost. With ``capacity`` the lander drains one accepted command per ``drain`` steps from a buffer
    that holds that many.
    """

    def __init__(self, seed: int, *, loss: float = 0.1, tm_loss: float = 0.0, delay: int = 3,
                 capacity: int | None = None, drain: int = 1, limit: int = 20) -> None:
        self.rng = np.random.default_rng(seed)
        self.loss, self.tm_loss = loss, tm_loss
        self.fop = Fop1(SCID, VC, window=5, t1_ns=(2 * delay + 4) * STEP_NS, transmission_limit=limit)
        self.farm = Farm1(VC, window=10)
        self.tm = TmFramer(SCID, 0, 128, ocf=lambda: self.farm.clcw().to_int())
        self.tm_in = TmDeframer(128, scid=SCID)
        self.cltu_in = CltuDecoder()
        self.up: deque[list[bytes]] = deque([] for _ in range(delay))
        self.down: deque[list[bytes]] = deque([] for _ in range(delay))
        self.capacity, self.drain = capacity, drain
        self.buffer: deque[bytes] = deque()
        self.delivered: list[bytes] = []
        self.notices: list[Notice] = []
        self.now = 0
        self.steps = 0
        self.lost = self.corrupted = 0

    def send(self, *outputs: FopOutput) -> None:
        """Put the frames of FOP outputs on the uplink (through the channel) and keep their notices."""
        cltus = []
        for out in outputs:
            self.notices += out.notices
            for frame in out.frames:
                cltu = bytearray(encode_cltu(frame))
                draw = self.rng.random()
                if draw < self.loss / 2:
                    self.lost += 1
                    continue
                if draw < self.loss:
                    self.corrupted += 1
                    cltu[int(self.rng.integers(2, len(cltu) - 8))] ^= 0xFF  # 8 bit errors in one codeblock
                cltus.append(bytes(cltu))
        self.up[-1] += cltus

    def step(self, request: bytes | None = None) -> None:
        """One time step: timer, an optional request, uplink arrivals, lander, downlink arrivals."""
        self.steps += 1
        self.now += STEP_NS
        self.up.append([])
        outputs = [self.fop.tick(self.now)]
        if request is not None:
            outputs.append(self.fop.request_ad(request, tag=request, now=self.now))
        for cltu in self.up.popleft():
            for result in self.cltu_in.feed(cltu):
                self.accept(self.farm.handle_octets(result.data))
        if self.capacity is not None and self.steps % self.drain == 0 and self.buffer:
            self.delivered.append(self.buffer.popleft())
            self.farm.release_buffer()
        tm_frame = self.tm.next_frame()
        self.down.append([] if self.rng.random() < self.tm_loss else [tm_frame])
        for frame in self.down.popleft():
            ocf = self.tm_in.feed(frame).ocf
            if ocf is not None:
                outputs.append(self.fop.clcw(ocf, now=self.now))
        self.send(*outputs)

    def accept(self, result: FarmResult) -> None:
        """Pass an accepted AD frame's data on (to the buffer when one is modelled)."""
        if not result.accepted or result.data is None or result.frame is None or result.frame.bypass:
            return
        if self.capacity is None:
            self.delivered.append(result.data)
            return
        self.buffer.append(result.data)
        if len(self.buffer) >= self.capacity:
            self.farm.buffer_available = False

    def run(self, commands: list[bytes], max_steps: int = 20_000) -> None:
        """Offer the commands one by one whenever FOP-1 is ready; step until all are confirmed."""
        pending = deque(commands)
        while (pending or self.fop.outstanding or self.fop.wait_queue or self.buffer) and self.steps < max_steps:
            self.step(pending.popleft() if pending and self.fop.ready else None)

    def confirmed(self) -> list[object]:
        """Tags of the confirmed FDUs, in order."""
        return [n.tag for n in self.notices if n.kind == CONFIRM and n.subject == FDU]


def commands(count: int) -> list[bytes]:
    """Distinct command payloads."""
    return [f"cmd-{i:04d}".encode() for i in range(count)]


@pytest.mark.parametrize("seed", range(4))
def test_lossy_uplink_delivers_every_command_once_in_order(seed: int) -> None:
    link = Link(seed, loss=0.1)
    link.fop.initiate_ad(now=0)
    sent = commands(400)
    link.run(sent)
    assert link.delivered == sent
    assert link.confirmed() == sent
    assert not [n for n in link.notices if n.kind == ALERT]
    assert link.lost > 5 and link.corrupted > 5  # the channel did its damage
    assert link.farm.stats.invalid + link.cltu_in.stats.rejected_codeblocks >= link.corrupted
    assert link.fop.state is FopState.ACTIVE


def test_lossy_uplink_and_downlink_with_a_slow_lander_buffer() -> None:
    link = Link(11, loss=0.1, tm_loss=0.1, capacity=3, drain=3)
    link.fop.initiate_ad(now=0)
    sent = commands(150)
    link.run(sent)
    assert link.delivered == sent
    assert not [n for n in link.notices if n.kind == ALERT]
    assert link.farm.stats.discarded > 0


def lock_out(link: Link) -> None:
    """Deliver a rogue AD frame far outside the FARM window, then let the FOP see the Lockout CLCW."""
    rogue = TcFrame.ad(SCID, VC, (link.farm.vr + 100) & 0xFF, b"rogue").pack()
    assert not link.farm.handle_octets(rogue).accepted
    assert link.farm.lockout
    for _ in range(10):
        link.step()
    assert Notice(ALERT, ALERT_LOCKOUT) in link.notices
    assert link.fop.state is FopState.INITIAL


def settle(link: Link, steps: int = 20) -> None:
    """Let the link run without new requests."""
    for _ in range(steps):
        link.step()


def test_lockout_then_recovery_with_unlock() -> None:
    link = Link(5, loss=0.0)
    link.fop.initiate_ad(now=0)
    first = commands(20)
    link.run(first)
    lock_out(link)
    link.send(link.fop.initiate_ad_with_unlock(now=link.now))
    settle(link)
    assert link.fop.state is FopState.ACTIVE and not link.farm.lockout and link.farm.vr == 20
    more = [b"after-" + c for c in commands(20)]
    link.run(more)
    assert link.delivered == first + more


def test_lockout_from_lost_synchronisation_then_recovery_with_set_vr() -> None:
    link = Link(6, loss=0.0)
    link.fop.initiate_ad(now=0)
    first = commands(20)
    link.run(first)
    link.farm = Farm1(VC, window=10)  # the lander restarts: V(R) = 0 while V(S) = 20
    link.run([b"lost"], max_steps=link.steps + 20)
    # the FOP sees N(R) = 0 outside [NN(R), V(S)] (or the Lockout flag) and alerts; the frame locked the FARM
    assert link.farm.lockout and link.fop.state is FopState.INITIAL
    alerts = {n.subject for n in link.notices if n.kind == ALERT}
    assert alerts and alerts <= {ALERT_NNR, ALERT_LOCKOUT}
    assert [n.tag for n in link.notices if n.kind == NEGATIVE_CONFIRM] == [b"lost"]
    # Set V(R) has no effect in Lockout: Unlock first; with N(R) != V(S) that directive cannot complete
    link.send(link.fop.initiate_ad_with_unlock(now=link.now))
    settle(link)
    assert not link.farm.lockout and link.fop.state is FopState.INITIALISING_WITH_BC
    link.send(link.fop.terminate(now=link.now))
    link.send(link.fop.initiate_ad_with_set_vr(link.fop.vs, now=link.now))
    settle(link)
    assert link.fop.state is FopState.ACTIVE and link.farm.vr == link.fop.vs == 21
    more = [b"after-" + c for c in commands(10)]
    link.run(more)
    assert link.delivered == first + more


def test_recovery_over_a_lossy_link_retries_the_control_frame() -> None:
    link = Link(8, loss=0.3)
    link.fop.initiate_ad(now=0)
    lock_out(link)
    link.send(link.fop.initiate_ad_with_unlock(now=link.now))
    for _ in range(300):
        if link.fop.state is FopState.ACTIVE:
            break
        link.step()
    assert link.fop.state is FopState.ACTIVE and link.farm.stats.bc_accepted >= 1
    sent = commands(50)
    link.run(sent)
    assert link.delivered == sent
