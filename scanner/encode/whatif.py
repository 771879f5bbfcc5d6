"""What-if questions on the whole-model encoding: does a set of policies and rules, switched
on while every other one is free, keep a reach property? This is the meaning of
`Outcome.enforcing`; the differential tests use it to check the set engine's evidence."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import z3

from npaudit.encode.outcome import EndpointSelector, RuleRef, Scope
from npaudit.encode.solver import Status, check
from npaudit.model.types import Policy, PortSpec

if TYPE_CHECKING:
    from npaudit.encode.prover import Prover


def keeps(prover: Prover, *, must: bool, src: Sequence[EndpointSelector], dst: Sequence[EndpointSelector],
          ports: Sequence[PortSpec] = (), evidence: Sequence[Policy | RuleRef] = (),
          scope: Scope = Scope.WORKLOADS) -> bool:
    """True when the counterexample query is unsatisfiable with only `evidence`'s guards on."""
    from npaudit.encode.prover import Extras

    prover.prepare(Extras.of((*src, *dst), ports))
    enc = prover.enc
    guards = []
    for item in evidence:
        for t in enc.formula.policies:
            if isinstance(item, RuleRef) and t.policy is item.policy:
                guards.append(t.rule_guards[(item.rule.direction, item.rule.index)])
            elif t.policy is item:
                guards.append(t.guard)
    domain = [enc.endpoints(src, enc.src), enc.scope(enc.src, scope, False),
              enc.endpoints(dst, enc.dst), enc.scope(enc.dst, scope, False), enc.comp.ports(ports, enc.dst, enc.pkt)]
    status, _ = check(enc.solver, [*domain, z3.Not(enc.allowed) if must else enc.allowed, *guards])
    return status is Status.UNSAT
