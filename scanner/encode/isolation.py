"""default-deny questions answered per namespace, without the whole-model encoding.

Only policies of a namespace can select its pods, so "every pod of N is isolated for D"
depends on N's policies alone:
- an existing workload that none of them selects is the canonical counterexample (the Z3
  path prefers existing workloads, in sorted order, to pods that could exist); the reference
  semantics finds it directly;
- otherwise, in scope `any-pod`, a pod that could exist is asked of a small encoding of the
  namespace's podSelectors (podspace.py; a pod with any labels covers the existing ones too);
- in scope `workloads` the property then holds; its evidence is a minimal set of policies
  that select every workload (deletion in policy order, as the Z3 core minimisation).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from npaudit.encode.outcome import EndpointView, Outcome, Scope, Verdict
from npaudit.encode.vocab import workload_sort_key
from npaudit.engine.reference import selects
from npaudit.model.types import Direction, Model, Policy, Workload

if TYPE_CHECKING:
    from npaudit.encode.podspace import PodSpace
    from npaudit.encode.prover import Prover


def decide(prover: Prover, direction: Direction, namespace: str, scope: Scope, explain: bool) -> Outcome:
    model = prover.model
    notes = prover.notes()
    if not _known(model, namespace):
        return Outcome(Verdict.HOLDS, scope, vacuous=True, notes=notes)
    by_ns_policies, by_ns_workloads = _index(prover)
    policies = tuple(p for p in by_ns_policies.get(namespace, ()) if direction in p.policy_types)
    workloads = by_ns_workloads.get(namespace, [])
    for w in workloads:
        if not any(selects(p, w) for p in policies):
            view = EndpointView("workload", namespace=namespace, workload=w, modelled=w == prover.modelled_dns)
            return Outcome(Verdict.VIOLATED, scope, subject=view, notes=notes)
    if scope is Scope.ANY_POD:
        return replace(_pod_space(prover).isolation(direction, namespace, explain), notes=notes)
    if not explain:
        return Outcome(Verdict.HOLDS, scope, notes=notes)
    covering = [tuple(p for p in policies if selects(p, w)) for w in workloads]
    return Outcome(Verdict.HOLDS, scope, enforcing=_hitting(policies, covering), vacuous=not workloads, notes=notes)


def _known(model: Model, namespace: str) -> bool:
    """The namespace is in the repository (declared or used), as the encoding's vocabulary."""
    return (namespace in model.namespaces or any(w.namespace == namespace for w in model.workloads)
            or any(p.namespace == namespace for p in model.policies))


def _hitting(policies: tuple[Policy, ...], covering: list[tuple[Policy, ...]]) -> tuple[Policy, ...]:
    """A minimal set of policies selecting every workload: deletion in policy order."""
    keep = [p for p in policies if any(p in c for c in covering)]
    for p in list(keep):
        rest = [x for x in keep if x is not p]
        if all(any(x in c for x in rest) for c in covering):
            keep = rest
    return tuple(keep)


def _index(prover: Prover) -> tuple[dict[str, list[Policy]], dict[str, list[Workload]]]:
    """Policies and enforced workloads (sorted) per namespace, computed once per prover."""
    found = prover._slices.get("index")  # noqa: SLF001 - the prover's own cache
    if found is None:
        policies: dict[str, list[Policy]] = {}
        workloads: dict[str, list[Workload]] = {}
        for p in prover.model.policies:
            policies.setdefault(p.namespace, []).append(p)
        for w in sorted(prover.model.workloads, key=workload_sort_key):
            if not w.host_network:
                workloads.setdefault(w.namespace, []).append(w)
        found = prover._slices["index"] = (policies, workloads)  # noqa: SLF001
    return found  # type: ignore[no-any-return]


def _pod_space(prover: Prover) -> PodSpace:
    """The pods-that-could-exist encoding of the prover's model (built once, on first use)."""
    from npaudit.encode.podspace import PodSpace

    found = prover._slices.get("pod-space")  # noqa: SLF001 - the prover's own cache
    if found is None:
        found = prover._slices["pod-space"] = PodSpace(prover.model, prover.settings, prover.modelled_dns)  # noqa: SLF001
    return found  # type: ignore[no-any-return]
