"""Run one command in a fresh process and measure its wall time and peak memory exactly.

The child is reaped with `os.wait4`, whose rusage belongs to that child alone (and the
descendants it waited for), so every row's peak memory is its own process's high-water mark.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Measured:
    seconds: float
    cpu_seconds: float  # user + system of the child (and the descendants it waited for)
    peak_kb: int
    returncode: int | None  # None when killed at the timeout
    stdout: str
    stderr: str

    @property
    def timed_out(self) -> bool:
        return self.returncode is None

    def last_error_line(self) -> str:
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        return lines[-1][:200] if lines else ""


def run(cmd: Sequence[str], *, cwd: Path | None = None, timeout: float = 1800.0, env: Mapping[str, str] | None = None) -> Measured:
    """Run `cmd`; after `timeout` seconds kill its whole process group."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd), cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
            env=dict(env) if env is not None else None, start_new_session=True,
        )
        box: dict[str, object] = {}

        def reap() -> None:
            box["status"] = os.wait4(proc.pid, 0)
            box["end"] = time.perf_counter()

        waiter = threading.Thread(target=reap, daemon=True)
        waiter.start()
        waiter.join(timeout)
        killed = waiter.is_alive()
        if killed:
            os.killpg(proc.pid, signal.SIGKILL)
            waiter.join()
        _, status, usage = box["status"]  # type: ignore[misc]
        proc.returncode = os.waitstatus_to_exitcode(status)  # Popen must not reap it again
        seconds = float(box["end"]) - start  # type: ignore[arg-type]
        out.seek(0)
        err.seek(0)
        return Measured(
            seconds=seconds,
            cpu_seconds=usage.ru_utime + usage.ru_stime,
            peak_kb=int(usage.ru_maxrss),  # kilobytes on Linux
            returncode=None if killed else proc.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )
