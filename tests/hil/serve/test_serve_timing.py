"""Latency of the real-time bench: input cuts even the final spin short; no full garbage collection stalls it."""

from __future__ import annotations

import gc
import os
import threading
import time

from serial_fsw import ASM

from hil.schemes import open_port
from hil.serve.pacing import WallClockIo
from hil.serve.session import ServeSession, default_scenario
from protocols.pus import PusTc

SPIN_NS = 60_000_000_000
"""Longer than any wait below: the whole wait is the spin before the deadline."""
WAIT_NS = 20_000_000_000
ARRIVES_AFTER_S = 0.05
"""When the command is written, after the wait (all of it spin) has begun."""


class Collected:
    """What the pacing hands the bench."""

    def __init__(self) -> None:
        self.octets = b""

    def inject(self, octets: bytes) -> None:
        """Octets from the port."""
        self.octets += octets


def test_a_command_arriving_during_the_final_spin_enters_at_its_instant() -> None:
    pacing = WallClockIo(spin_ns=SPIN_NS, retry_s=0.02)
    port = open_port("pty://", "sampler")
    collected = Collected()
    pacing.watch(port, collected.inject)
    reader = os.open(port.endpoint, os.O_RDWR | os.O_NOCTTY)
    ping = ASM + PusTc(0x110, 17, 1, b"", 7, 1, 0xF).pack()
    try:
        pacing.start(0)
        deadline = time.monotonic() + 5
        while not port.up:  # the pacing's chores find the reader
            assert time.monotonic() < deadline, "the pty never came up"
            pacing.wait_until(pacing.virtual_now() + 1_000_000)
        writer = threading.Timer(ARRIVES_AFTER_S, os.write, (reader, ping))
        writer.start()
        asked = pacing.virtual_now() + WAIT_NS
        instant = pacing.wait_until(asked)
        writer.join()
        assert instant is not None and instant < asked, "the spin ran to its deadline with the command waiting"
        pacing.dispatch()
        assert collected.octets == ping
    finally:
        os.close(reader)
        port.close()
        pacing.close()


def test_serving_keeps_the_built_bench_out_of_collections_and_hands_it_back() -> None:
    session = ServeSession(default_scenario())
    frozen_while_serving: list[int] = []
    session.open()
    try:
        session.serve(0.05, tick=lambda: frozen_while_serving.append(gc.get_freeze_count()))
    finally:
        session.close()
    assert frozen_while_serving and min(frozen_while_serving) > 10_000, "the bench's objects were collectable"
    assert gc.get_freeze_count() == 0, "the objects stay frozen after the session"


def test_a_bench_serving_on_another_thread_leaves_the_process_collections_alone() -> None:
    session = ServeSession(default_scenario())
    frozen_while_serving: list[int] = []
    session.open()
    try:
        serving = threading.Thread(target=session.serve, args=(0.05,),
                                   kwargs={"tick": lambda: frozen_while_serving.append(gc.get_freeze_count())})
        serving.start()
        serving.join(30)
        assert not serving.is_alive(), "the bench did not stop after its duration"
    finally:
        session.close()
    assert frozen_while_serving and max(frozen_while_serving) == 0, "an emu:// bench froze its host's objects"
