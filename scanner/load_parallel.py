"""Parsing many files on two cores: a forked child parses the second half of the work while
this process parses the first; the child's results come back pickled through a pipe.

YAML parsing is the largest single cost of a scan at 10,000 workloads and is CPU-bound Python,
so threads do not help; the work per file is a pure function of its bytes (no shared state
changes), so splitting it cannot change a result. Results are returned in input order. Any
failure of the child (or a platform without `fork`) falls back to doing its half here.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Below this much input (bytes) a fork and the pickling cost more than they save.
MIN_PARALLEL_BYTES = 4_000_000

#: `NPAUDIT_JOBS=1` turns the parallel path off (debugging, constrained CI runners).
_JOBS_ENV = "NPAUDIT_JOBS"


def usable_cpus() -> int:
    if os.environ.get(_JOBS_ENV, "").strip() == "1":
        return 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def map_in_two(items: Sequence[T], work: Callable[[T], R], sizes: Sequence[int]) -> list[R]:
    """`[work(i) for i in items]`, the second half (by size) computed in a forked child when
    the total size makes it worthwhile and two CPUs are usable."""
    total = sum(sizes)
    if total < MIN_PARALLEL_BYTES or len(items) < 2 or usable_cpus() < 2 or not hasattr(os, "fork"):
        return [work(i) for i in items]
    split, acc = len(items), 0
    for i, size in enumerate(sizes):
        acc += size
        if acc * 2 >= total:
            split = max(1, i + 1)
            break
    child = _start(items[split:], work)
    if child is None:
        return [work(i) for i in items]
    first = [work(i) for i in items[:split]]
    second = _collect(*child)
    if second is None or len(second) != len(items) - split:
        second = [work(i) for i in items[split:]]
    return first + second


def _start(items: Sequence[T], work: Callable[[T], R]) -> tuple[int, int] | None:
    try:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
    except OSError:
        return None
    if pid == 0:  # the child: compute, send, and leave without running any exit handler
        code = 1
        try:
            os.close(read_fd)
            data = pickle.dumps([work(i) for i in items], protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_fd, "wb") as out:
                out.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(write_fd)
    return pid, read_fd


def _collect(pid: int, read_fd: int) -> list | None:  # type: ignore[type-arg]
    try:
        with os.fdopen(read_fd, "rb") as src:
            data = src.read()
    finally:
        _, status = os.waitpid(pid, 0)
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        return None
    from npaudit.gcpause import gc_paused

    try:
        with gc_paused():  # millions of acyclic containers: no collection passes over them
            result = pickle.loads(data)  # noqa: S301 - our own child's output
    except Exception:  # noqa: BLE001 - a truncated stream: redo the half here
        return None
    return result if isinstance(result, list) else None
