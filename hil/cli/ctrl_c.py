"""Ctrl-C during a headless run: the first asks the run to stop at the end of its cycle, a second interrupts it."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType


@contextlib.contextmanager
def ctrl_c_stops(stop: Callable[[], None]) -> Iterator[None]:
    """While inside, the first SIGINT calls ``stop`` (a flag, never an exception that code running then could
    swallow); a second raises KeyboardInterrupt as Python does. Outside the main thread it changes nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed = 0

    def handler(_number: int, _frame: FrameType | None) -> None:
        nonlocal pressed
        pressed += 1
        if pressed > 1:
            raise KeyboardInterrupt
        stop()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
