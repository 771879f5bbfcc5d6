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

def __getattr__(name: str) -> object:
    # z3 loads only when a prover is asked for: reading properties or outcomes does not need it
    if name in ("Prover", "build_prover"):
        from npaudit.encode import prover

        return getattr(prover, name)
    raise AttributeError(name)


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
