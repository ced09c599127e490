"""Bulk work spread over a few threads, results kept in order: Arrow's and numpy's kernels release the GIL."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

WORKERS = max(1, min(4, os.cpu_count() or 1))
"""Threads a bulk step uses: one per core, at most four (the kernels are memory-bound beyond that)."""


def _call(task: Callable[[], T]) -> T:
    return task()


def run_all(tasks: Sequence[Callable[[], T]]) -> list[T]:
    """Run every task on up to ``WORKERS`` threads; their results in task order (the first failure is raised)."""
    if WORKERS == 1 or len(tasks) < 2:
        return [task() for task in tasks]
    with ThreadPoolExecutor(min(WORKERS, len(tasks))) as pool:
        return list(pool.map(_call, tasks))


def in_order(work: Callable[[T], R], items: Iterable[T], ahead: int = 2 * WORKERS) -> Iterator[R]:
    """``work`` of each item, computed on up to ``WORKERS`` threads and yielded in item order, with at most
    ``ahead`` results pending (so memory stays bounded when the consumer is slower)."""
    if WORKERS == 1:
        yield from map(work, items)
        return
    pool = ThreadPoolExecutor(WORKERS)
    pending: deque[Future[R]] = deque()
    try:
        for item in items:
            pending.append(pool.submit(work, item))
            if len(pending) >= ahead:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
