"""Keep the memory a bulk decode frees for its next step, instead of giving it back to the system in between.

A decode goes through a few hundred MB in steps (read and index, decode, format, join), each freeing the arrays of
the one before. By default glibc hands every block above a moving threshold straight back to the kernel, and the
next step faults fresh pages in again: on a shared 2-core machine each MB of fresh memory costs close to a
millisecond. Blocks up to 32 MB are kept in the heap and the heap is not trimmed; the process ends soon after.
"""

from __future__ import annotations

import ctypes
import sys

M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
"""glibc's ``mallopt`` parameters (malloc.h)."""
KEEP_BELOW = 32 << 20
"""Blocks below this come from the heap and are reused there (glibc's largest mmap threshold on 64-bit)."""
TRIM_ABOVE = 1 << 30
"""Free memory at the top of the heap kept before trimming."""
TOP_PAD = 16 << 20
"""Extra heap asked of the kernel each time it grows."""


def keep_freed_memory() -> bool:
    """Have glibc's allocator keep freed blocks for reuse (True), or do nothing where there is no glibc (False)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False  # another C library (musl …): leave it as it is
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    settings = ((M_MMAP_THRESHOLD, KEEP_BELOW), (M_TRIM_THRESHOLD, TRIM_ABOVE), (M_TOP_PAD, TOP_PAD))
    return all(mallopt(parameter, value) == 1 for parameter, value in settings)
