"""Dead selectors: a policy that selects no workload, a peer that selects nothing, and policies
on hostNetwork workloads (where NetworkPolicy is not enforced).

"Selects nothing" is always relative to what was scanned: pods may live in files or clusters
npaudit has not seen, so these are warnings and every message says what was searched.
"""

from __future__ import annotations

from collections.abc import Iterator

from npaudit.checks.base import CheckContext, CheckKind, RuleMeta
from npaudit.checks.hygiene_index import (
    SelectionIndex,
    first_span,
    index_for,
    names,
    param_list,
    policy_anchor,
    policy_name,
    related_workloads,
    render_selector,
)
from npaudit.findings import Finding
from npaudit.model.selectors import matches
from npaudit.model.types import NAMESPACE_NAME_LABEL, Direction, Model, Peer, Policy, Rule

#: Namespaces every cluster has but repositories rarely declare (the cluster DNS lives in
#: kube-system); a peer naming them is not reported as selecting nothing.
DEFAULT_EXTERNAL_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease", "default")


def _policy_selects_no_workload(ctx: CheckContext, rule: RuleMeta) -> Iterator[Finding]:
    model = ctx.model
    if not model.workloads:
        return  # a policies-only scan: nothing to search, nothing to say
    index = index_for(model)
    for policy in model.policies:
        if index.selected(policy):
            continue
        in_ns = index.members(index.in_namespace(policy.namespace))
        searched = (
            f"searched the {len(in_ns)} workloads of namespace {policy.namespace}: {names(in_ns)}"
            if in_ns
            else f"no scanned workload is in namespace {policy.namespace} ({len(model.workloads)} workloads scanned)"
        )
        yield Finding(
            rule.id,
            rule.severity,
            f"{policy_name(policy)} selects no workload: podSelector {render_selector(policy.pod_selector)} "
            f"matches none ({searched}); the policy has no effect on the scanned workloads",
            first_span(policy.pod_selector.span, policy.span),
            policy_anchor(policy, "spec.podSelector"),
            properties={"namespace": policy.namespace, "searched_workloads": len(in_ns)},
        )


def _peer_selects_nothing(ctx: CheckContext, rule: RuleMeta) -> Iterator[Finding]:
    model = ctx.model
    index = index_for(model)
    external = param_list(rule.params, "external_namespaces", DEFAULT_EXTERNAL_NAMESPACES)
    check_ns = any(ns.declared for ns in model.namespaces.values())
    check_pods = bool(model.workloads)
    if not (check_ns or check_pods):
        return
    for policy in model.policies:
        for direction in (Direction.INGRESS, Direction.EGRESS):
            for r in policy.rules(direction):
                for j, peer in enumerate(r.peers):
                    if peer.ip_block is not None:
                        continue
                    yield from _check_peer(rule, index, policy, r, j, peer, external, check_ns, check_pods)


def _check_peer(
    rule: RuleMeta,
    index: SelectionIndex,
    policy: Policy,
    r: Rule,
    j: int,
    peer: Peer,
    external: tuple[str, ...],
    check_ns: bool,
    check_pods: bool,
) -> Iterator[Finding]:
    model = index.model
    path = f"{r.path}.{'from' if r.direction is Direction.INGRESS else 'to'}[{j}]"
    where = f"{policy_name(policy)} {path}"
    if peer.namespace_selector is None:
        covered: tuple[str, ...] = (policy.namespace,)
    else:
        covered = index.namespaces(peer.namespace_selector)
        assumed = _external_matches(index, peer, external)
        if not covered and not assumed:
            if check_ns:
                yield _ns_finding(rule, model, policy, path, where, peer, external)
            return
        if assumed:
            # the peer reaches a namespace every cluster has (namespaceSelector {} reaches them
            # all): its pods, such as the cluster DNS, are never in the repository
            return
    if not check_pods or peer.pod_selector is None:
        return  # a namespace-only peer selects every pod of the namespace, present or future
    if index.peer_pods(policy, peer):
        return
    in_scope = [w for n in covered for w in index.members(index.in_namespace(n))]
    scope = (
        "in every namespace"
        if peer.namespace_selector is not None and peer.namespace_selector.matches_all
        else f"in namespace{'s' if len(covered) > 1 else ''} {', '.join(covered)}"
    )
    searched = f"searched {len(in_scope)} workloads: {names(in_scope)}" if in_scope else "no scanned workload is there"
    own = " (a podSelector without namespaceSelector only selects pods of the policy's own namespace)" \
        if peer.namespace_selector is None else ""
    yield Finding(
        rule.id,
        rule.severity,
        f"{where}: podSelector {render_selector(peer.pod_selector)} matches no workload {scope}{own}; "
        f"{searched}",
        first_span(peer.pod_selector.span, peer.span, r.span),
        policy_anchor(policy, f"{path}.podSelector"),
        related=related_workloads(in_scope, "was searched", limit=3),
        properties={"namespaces": list(covered), "searched_workloads": len(in_scope)},
    )


def _external_matches(index: SelectionIndex, peer: Peer, external: tuple[str, ...]) -> tuple[str, ...]:
    """Assumed cluster namespaces the peer's namespaceSelector matches and whose pods were not
    scanned (a namespace not in the model carries only the name label the API server adds)."""
    assert peer.namespace_selector is not None
    model = index.model
    out = []
    for n in external:
        ns = model.namespaces.get(n)
        labels = ns.labels if ns is not None else {NAMESPACE_NAME_LABEL: n}
        if not index.in_namespace(n) and matches(peer.namespace_selector, labels):
            out.append(n)
    return tuple(out)


def _ns_finding(
    rule: RuleMeta, model: Model, policy: Policy, path: str, where: str, peer: Peer, external: tuple[str, ...]
) -> Finding:
    assert peer.namespace_selector is not None
    declared = sorted(model.namespaces)
    shown = ", ".join(declared[:6]) + (f" and {len(declared) - 6} more" if len(declared) > 6 else "")
    return Finding(
        rule.id,
        rule.severity,
        f"{where}: namespaceSelector {render_selector(peer.namespace_selector)} matches no namespace; "
        f"searched {len(declared)} namespaces ({shown}) and the assumed cluster namespaces "
        f"{', '.join(external) or '(none)'}, by their labels (including {NAMESPACE_NAME_LABEL})",
        first_span(peer.namespace_selector.span, peer.span),
        policy_anchor(policy, f"{path}.namespaceSelector"),
        properties={"searched_namespaces": declared},
    )


def _policy_on_host_network(ctx: CheckContext, rule: RuleMeta) -> Iterator[Finding]:
    model = ctx.model
    host = [i for i, w in enumerate(model.workloads) if w.host_network]
    if not host:
        return
    index = index_for(model)
    host_mask = sum(1 << i for i in host)
    for policy in model.policies:
        hit = index.members(index.selected(policy) & host_mask)
        if not hit:
            continue
        yield Finding(
            rule.id,
            rule.severity,
            f"{policy_name(policy)} selects {names(hit)}, which run{'s' if len(hit) == 1 else ''} with "
            "hostNetwork: true; NetworkPolicy is not enforced on host-network pods (they use the node's "
            "network namespace), so this policy does not protect them",
            first_span(policy.pod_selector.span, policy.span),
            policy_anchor(policy, "spec.podSelector"),
            related=related_workloads(hit, "has hostNetwork: true"),
            properties={"workloads": [w.display for w in hit]},
        )


_EXTERNAL_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"external_namespaces": {"type": "array", "items": {"type": "string"}}},
}

KINDS: tuple[CheckKind, ...] = (
    CheckKind(
        "policy-selects-no-workload",
        _policy_selects_no_workload,
        {"type": "object", "additionalProperties": False, "properties": {}},
        "A policy whose podSelector matches no scanned workload of its namespace.",
    ),
    CheckKind(
        "peer-selects-nothing",
        _peer_selects_nothing,
        _EXTERNAL_SCHEMA,
        "A from/to peer whose namespaceSelector or podSelector matches nothing scanned.",
    ),
    CheckKind(
        "policy-on-host-network",
        _policy_on_host_network,
        {"type": "object", "additionalProperties": False, "properties": {}},
        "A policy that selects hostNetwork workloads, where it is not enforced.",
    ),
)
