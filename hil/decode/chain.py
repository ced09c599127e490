"""Find packet starts in a concatenated stream without one Python step per packet: speculative chunked walks.

The stream is cut into chunks. From every candidate entry point of every chunk (its first ``window`` offsets)
a walker follows the length fields, all walkers in step as numpy vectors, to the first offset past the chunk:
that is the chunk's exit for that entry. A short sequential pass then chains the true entries (a chunk entered
further in than the window falls back to a scalar walk), and a last vector walk lists the starts. The result
is exactly that of the plain sequential walk.
"""

from __future__ import annotations

import numpy as np

HEADER = 6
EXTRA = 7  # total packet size = data_length + 7


def _size(buf: np.ndarray, pos: np.ndarray) -> np.ndarray:
    return ((buf[pos + 4].astype(np.int64) << 8) | buf[pos + 5]) + EXTRA


def chain_starts(buf: np.ndarray, base: int, total: int, chunk: int = 4096,
                 window: int = 128) -> tuple[np.ndarray, int]:
    """Starts (relative to ``base``) of the whole packets in ``buf[base:base + total]``, and where they end.

    ``buf`` must hold at least 6 readable octets past ``base + total`` (zero padding).
    """
    if total < HEADER:
        return np.empty(0, dtype=np.int64), 0
    chunks = -(-total // chunk)
    chunk_ends = np.minimum((np.arange(chunks, dtype=np.int64) + 1) * chunk, total)
    offsets = np.arange(window, dtype=np.int64)
    cand = (np.arange(chunks, dtype=np.int64)[:, None] * chunk + offsets).ravel()
    owner = np.repeat(np.arange(chunks, dtype=np.int64), window)
    ok = cand < chunk_ends[owner]
    exits = np.full(len(cand), -1, dtype=np.int64)
    pos = cand.copy()
    active = np.flatnonzero(ok)
    limits = chunk_ends[owner]
    while len(active):
        p = pos[active]
        p += _size(buf, p + base)
        pos[active] = p
        active = active[p < limits[active]]
    exits[ok] = pos[ok]
    entries: list[int] = []
    e = 0
    while e < total:
        j = e // chunk
        entries.append(e)
        k = e - j * chunk
        if k < window:
            e = int(exits[j * window + k])
            continue
        end = int(chunk_ends[j])
        while e < end:  # entered deeper than the window: walk this chunk one packet at a time
            e += int(_size(buf, np.asarray([e + base]))[0])
    walkers = np.asarray(entries, dtype=np.int64)
    ends = chunk_ends[walkers // chunk]
    steps: list[np.ndarray] = []
    cur = walkers.copy()
    live = np.ones(len(cur), dtype=bool)
    while live.any():
        steps.append(np.where(live, cur, -1))
        cur = np.where(live, cur + _size(buf, np.where(live, cur, 0) + base), cur)
        live &= cur < ends
    starts = np.stack(steps, axis=1).ravel() if steps else np.empty(0, dtype=np.int64)
    starts = starts[starts >= 0]
    sizes = _size(buf, starts + base)
    whole = (starts <= total - HEADER) & (starts + sizes <= total)
    if not whole.all():
        cut = int(np.argmin(whole))  # starts are increasing: everything from the first torn one on goes
        starts, sizes = starts[:cut], sizes[:cut]
    end = int(starts[-1] + sizes[-1]) if len(starts) else 0
    return starts, end
