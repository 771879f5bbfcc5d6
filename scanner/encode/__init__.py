"""The Z3 proof engine: the only package that imports z3.

Public API (z3-free values in and out):
- `build_prover(model, config) -> Prover` (the factory the pipeline injects as `ctx.prover`);
- `Prover.reach(must=..., src=..., dst=..., ports=..., scope=..., allow_new_namespaces=...)`,
  `Prover.isolation(direction, namespace, scope=...)` -> `Outcome`;
- `Outcome`, `Verdict`, `Scope`, `Witness`, `EndpointView`, `SideExplanation`, `RuleRef`,
  `EndpointSelector` (see outcome.py).
"""

from __future__ import annotations

from npaudit.encode.outcome import (
    EndpointSelector,
    EndpointView,
    Outcome,
    RuleRef,
    Scope,
    SideExplanation,
    Verdict,
    Witness,
)
from npaudit.encode.prover import Prover, build_prover

__all__ = [
    "EndpointSelector",
    "EndpointView",
    "Outcome",
    "Prover",
    "RuleRef",
    "Scope",
    "SideExplanation",
    "Verdict",
    "Witness",
    "build_prover",
]
