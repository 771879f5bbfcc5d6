"""Dropping the policy sides a reach question cannot see (any-pod reach on large models).

A policy only governs the pods it selects: its egress side the connection's source, its
ingress side the destination. When a policy of namespace N cannot select any pod the
property's `from` endpoints describe (its podSelector contradicts every endpoint's
podSelector, or N's labels fail the endpoint's namespaceSelector), it neither isolates nor
allows any of those sources, so its egress side drops out of the question unchanged; the same
for the ingress side and `to`. Isolation is exact too: a dropped side selects none of the
endpoint's pods, so "some policy selects the pod" keeps its value for every pod asked about.

Disjointness is decided from the selector syntax only (a pod may carry any labels in scope
any-pod): two selectors are disjoint exactly when some key gets contradictory requirements
(In sets with no common value left after NotIn, In/Exists with DoesNotExist). Pods of a
namespace outside the repository are never selected by a repository policy, so
`--allow-new-namespaces` changes nothing here. A policy whose namespace has no known labels
is kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from npaudit.encode.compile import Compiler
from npaudit.encode.formula import Formula, PolicyTerms
from npaudit.encode.outcome import EndpointSelector
from npaudit.encode.symbols import Endpoint, Packet
from npaudit.model.selectors import matches
from npaudit.model.types import Direction, LabelSelector, Operator, Policy, Requirement

#: kept directions per policy index (model order)
Keep = Mapping[int, frozenset[Direction]]


def compatible(a: LabelSelector | None, b: LabelSelector | None) -> bool:
    """Some label set satisfies both selectors (None or empty matches every pod)."""
    by_key: dict[str, list[Requirement]] = {}
    for sel in (a, b):
        for r in sel.requirements if sel is not None else ():
            by_key.setdefault(r.key, []).append(r)
    return all(_key_satisfiable(reqs) for reqs in by_key.values())


def _key_satisfiable(reqs: list[Requirement]) -> bool:
    absent = any(r.operator is Operator.DOES_NOT_EXIST for r in reqs)
    present = any(r.operator in (Operator.IN, Operator.EXISTS) for r in reqs)
    if absent:
        return not present  # absence satisfies NotIn and DoesNotExist only
    ins = [set(r.values) for r in reqs if r.operator is Operator.IN]
    if not ins:
        return True  # Exists/NotIn: a value no NotIn lists (there are infinitely many)
    excluded = {v for r in reqs if r.operator is Operator.NOT_IN for v in r.values}
    return bool(set.intersection(*ins) - excluded)


def may_select(policy: Policy, endpoints: Sequence[EndpointSelector],
               namespace_labels: Mapping[str, Mapping[str, str]]) -> bool:
    """The policy may select a pod one of `endpoints` describes (False only when certain)."""
    labels = namespace_labels.get(policy.namespace)
    for e in endpoints:
        if e.ip_block is not None:
            continue  # addresses outside the cluster: no policy selects them
        if e.namespace_selector is not None and labels is not None and not matches(e.namespace_selector, labels):
            continue
        if compatible(policy.pod_selector, e.pod_selector):
            return True
    return False


def kept_sides(policies: Sequence[Policy], src: Sequence[EndpointSelector], dst: Sequence[EndpointSelector],
               namespace_labels: Mapping[str, Mapping[str, str]]) -> dict[int, frozenset[Direction]]:
    """For each policy with a side the question can see: the directions to compile."""
    ends = {Direction.EGRESS: src, Direction.INGRESS: dst}
    out = {}
    for i, pol in enumerate(policies):
        dirs = frozenset(d for d in pol.policy_types if may_select(pol, ends[d], namespace_labels))
        if dirs:
            out[i] = dirs
    return out


class PrunedFormula(Formula):
    """`Formula` over the kept sides only; policy indices, guard names and the `Policy` objects
    in the terms stay those of the whole model, so evidence and witnesses name the same rules."""

    def __init__(self, policies: Sequence[Policy], keep: Keep, comp: Compiler, src: Endpoint, dst: Endpoint,
                 pkt: Packet) -> None:
        super().__init__(policies, comp, src, dst, pkt, lazy=True)
        self._keep = keep
        self.policies = [self.terms(i) for i in sorted(keep)]
        self.isolated = {d: self._isolated(d) for d in Direction}
        self.allows = {d: self._allows(d) for d in Direction}

    def _policy(self, index: int, pol: Policy) -> PolicyTerms:
        dirs = self._keep.get(index, frozenset())
        terms = super()._policy(index, replace(pol, policy_types=pol.policy_types & dirs))
        terms.policy = pol
        return terms
