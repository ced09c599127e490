"""What each worker process of farside's local cluster does as it starts (a Dask worker preload)."""

from __future__ import annotations

import signal


def dask_setup(worker: object) -> None:
    """Ignore SIGINT: Ctrl-C at a terminal reaches the whole process group, and the driver alone takes it (cancels
    the runs, closes the cluster); a worker would only print a KeyboardInterrupt traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
