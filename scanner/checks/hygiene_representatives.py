"""Representative pods for peers that may match pods outside the scan."""

from __future__ import annotations

from npaudit.checks.hygiene_index import SelectionIndex
from npaudit.model.selectors import matches
from npaudit.model.types import (
    NAMESPACE_NAME_LABEL,
    LabelSelector,
    Model,
    Namespace,
    Operator,
    Peer,
    Policy,
    Requirement,
    Workload,
)

# -- representative pods ------------------------------------------------------------------------
# A peer may match pods that are not in the scan (kube-system DNS, a namespace deployed from
# elsewhere). Rules that ask "does anything this peer admits connect / stay uncovered" add one
# representative pod per selector peer - minimal labels satisfying the selector, in a namespace
# the peer can reach (a fresh one when the namespaceSelector does not pin a name) - as
# netpol-analyzer does for its exposure analysis. They are never reported as subjects.

REPRESENTATIVE_KIND = "Representative"


def _minimal_labels(selector: LabelSelector | None) -> dict[str, str] | None:
    """Labels that satisfy `selector` with as few keys as possible (None: unsatisfiable)."""
    labels: dict[str, str] = {}
    by_key: dict[str, list[Requirement]] = {}
    for r in selector.requirements if selector is not None else ():
        by_key.setdefault(r.key, []).append(r)
    for key, reqs in by_key.items():
        banned = {v for r in reqs if r.operator is Operator.NOT_IN for v in r.values}
        allowed: set[str] | None = None
        for r in reqs:
            if r.operator is Operator.IN:
                allowed = set(r.values) if allowed is None else allowed & set(r.values)
        must_exist = allowed is not None or any(r.operator is Operator.EXISTS for r in reqs)
        if any(r.operator is Operator.DOES_NOT_EXIST for r in reqs):
            if must_exist:
                return None
            continue
        if allowed is not None:
            choices = sorted(allowed - banned)
            if not choices:
                return None
            labels[key] = choices[0]
        elif must_exist:
            labels[key] = "npaudit-any-value"
    return labels


def _representative(model: Model, policy: Policy, peer: Peer, n: int) -> tuple[Workload, Namespace | None] | None:
    pod_labels = _minimal_labels(peer.pod_selector)
    if pod_labels is None or peer.ip_block is not None:
        return None
    if peer.namespace_selector is None:
        return Workload(REPRESENTATIVE_KIND, policy.namespace, f"any-pod-{n}", pod_labels), None
    ns_labels = _minimal_labels(peer.namespace_selector)
    if ns_labels is None:
        return None
    name = ns_labels.get(NAMESPACE_NAME_LABEL, f"npaudit-any-namespace-{n}")
    existing = model.namespaces.get(name)
    if existing is not None:
        if not matches(peer.namespace_selector, existing.labels):
            return None
        return Workload(REPRESENTATIVE_KIND, name, f"any-pod-{n}", pod_labels), None
    namespace = Namespace(name, {**ns_labels, NAMESPACE_NAME_LABEL: name}, declared=False)
    if not matches(peer.namespace_selector, namespace.labels):
        return None
    return Workload(REPRESENTATIVE_KIND, name, f"any-pod-{n}", pod_labels), namespace


def with_representatives(model: Model) -> Model:
    """The model plus one representative pod per distinct selector peer (appended after the
    real workloads, so real workloads keep their indexes)."""
    extra: dict[tuple[object, ...], Workload] = {}
    namespaces = dict(model.namespaces)
    for policy in model.policies:
        for r in (*policy.ingress, *policy.egress):
            for peer in r.peers:
                key = (policy.namespace if peer.namespace_selector is None else None,
                       peer.namespace_selector, peer.pod_selector)
                if peer.ip_block is not None or key in extra:
                    continue
                made = _representative(model, policy, peer, len(extra))
                if made is not None:
                    extra[key] = made[0]
                    if made[1] is not None and made[1].name not in namespaces:
                        namespaces[made[1].name] = made[1]
    return Model(namespaces, (*model.workloads, *extra.values()), model.policies, model.services)


_EXTENDED: list[tuple[Model, SelectionIndex]] = []


def extended_index_for(model: Model) -> SelectionIndex:
    """Index over the model's workloads plus representative pods; `real` masks the scanned ones."""
    if _EXTENDED and _EXTENDED[0][0] is model:
        return _EXTENDED[0][1]
    index = SelectionIndex(with_representatives(model))
    index.real = (1 << len(model.workloads)) - 1
    _EXTENDED[:] = [(model, index)]
    return index
