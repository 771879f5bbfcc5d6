"""The one owner of z3 solvers: every solver npaudit uses is made by `make_solver`.

Verdicts must not depend on the machine: the random seed is fixed and each query gets a
deterministic resource budget (`rlimit`, counted in solver steps, the same on a laptop and in
CI). The wall-clock timeout is only an outer guard against a pathological query; when either
limit is hit the answer is UNKNOWN, never "holds".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
import time
from enum import Enum
from typing import Any

import z3

#: Defaults; `prove.rlimit` / `prove.timeout_ms` in the config override them.
DEFAULT_SEED = 0
DEFAULT_RLIMIT = 50_000_000
DEFAULT_TIMEOUT_MS = 60_000


@dataclass(frozen=True, slots=True)
class SolverSettings:
    seed: int = DEFAULT_SEED
    rlimit: int = DEFAULT_RLIMIT
    timeout_ms: int = DEFAULT_TIMEOUT_MS

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SolverSettings:
        prove = config.get("prove") or {}
        return cls(
            seed=int(prove.get("seed", DEFAULT_SEED)),
            rlimit=int(prove.get("rlimit", DEFAULT_RLIMIT)),
            timeout_ms=int(prove.get("timeout_ms", DEFAULT_TIMEOUT_MS)),
        )


class Status(str, Enum):
    SAT = "sat"
    UNSAT = "unsat"
    UNKNOWN = "unknown"


def make_solver(ctx: z3.Context, settings: SolverSettings) -> z3.Solver:
    """A solver in `ctx` (never the global context) with the fixed seed and limits."""
    s = z3.Solver(ctx=ctx)
    s.set("random_seed", settings.seed)
    # rlimit is per check() call: the same query gets the same budget however many came before
    s.set("rlimit", settings.rlimit)
    s.set("timeout", settings.timeout_ms)
    _TIMEOUTS[id(s)] = settings.timeout_ms
    return s


#: the wall-clock guard of each solver, to tell the two limits apart (z3 may say only "canceled")
_TIMEOUTS: dict[int, int] = {}


def check(solver: z3.Solver, assumptions: Sequence[z3.BoolRef]) -> tuple[Status, str]:
    """Check under assumptions; the reason is z3's own when the answer is unknown."""
    start = time.monotonic()
    result = solver.check(*assumptions)
    if result == z3.sat:
        return Status.SAT, ""
    if result == z3.unsat:
        return Status.UNSAT, ""
    elapsed_ms = (time.monotonic() - start) * 1000
    return Status.UNKNOWN, _reason(solver.reason_unknown(), elapsed_ms, _TIMEOUTS.get(id(solver), DEFAULT_TIMEOUT_MS))


def _reason(raw: str, elapsed_ms: float, timeout_ms: int) -> str:
    if "resource" in raw:
        return "resource limit (rlimit) exceeded"
    if "timeout" in raw or "canceled" in raw:
        if elapsed_ms < 0.9 * timeout_ms:
            return "resource limit (rlimit) exceeded"
        return f"wall-clock timeout ({timeout_ms} ms) exceeded"
    return raw or "unknown"
