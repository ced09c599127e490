"""Keep the memory a bulk decode frees for its next step, instead of giving it back to the system in between.

A decode goes through a few hundred MB in steps (read and index, decode, format, join), each freeing the arrays of
the one before. By default glibc hands every block above a moving threshold straight back to the kernel, and
Arrow's allocator (mimalloc) gives back what stayed free for 10 ms; the next step or window faults fresh pages in
again, and on a shared 2-core machine each MB of fresh memory costs close to a millisecond. Here glibc keeps blocks
up to 32 MB in an untrimmed heap and mimalloc keeps what it frees: the process ends soon after.
"""

from __future__ import annotations

import ctypes
import os
import sys

M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
"""glibc's ``mallopt`` parameters (malloc.h)."""
KEEP_BELOW = 32 << 20
"""Blocks below this come from the heap and are reused there (glibc's largest mmap threshold on 64-bit)."""
TRIM_ABOVE = 1 << 30
"""Free memory at the top of the heap kept before trimming."""
TOP_PAD = 16 << 20
"""Extra heap asked of the kernel each time it grows."""
MIMALLOC_PURGE = ("MIMALLOC_PURGE_DELAY", "-1")
"""mimalloc's option (read when pyarrow loads it): never give freed memory back while the process runs."""


def keep_freed_memory() -> bool:
    """Have Arrow's allocator (if pyarrow is not loaded yet) and glibc's keep freed blocks for reuse; True when
    glibc took the setting, False where there is none."""
    os.environ.setdefault(*MIMALLOC_PURGE)
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False  # another C library (musl …): leave it as it is
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    settings = ((M_MMAP_THRESHOLD, KEEP_BELOW), (M_TRIM_THRESHOLD, TRIM_ABOVE), (M_TOP_PAD, TOP_PAD))
    return all(mallopt(parameter, value) == 1 for parameter, value in settings)
