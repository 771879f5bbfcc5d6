"""Coverage gaps: workloads no policy isolates, and namespaces without a default-deny policy.

A pod is isolated for a direction only when some policy that selects it lists that direction in
its effective policyTypes; otherwise everything is allowed in that direction. A namespace is
covered by default only when a policy with `podSelector: {}` isolates the direction, so that
pods added later are isolated too.
"""

from __future__ import annotations

from collections.abc import Iterator

from npaudit.checks.base import CheckContext, CheckKind, RuleMeta
from npaudit.checks.hygiene_index import directions_param, first_span, index_for, iter_bits
from npaudit.findings import Finding, object_anchor
from npaudit.model.types import Direction, Model, Policy


def _not_isolated(ctx: CheckContext, rule: RuleMeta) -> Iterator[Finding]:
    direction = Direction(str(rule.params.get("direction", "Ingress")))
    index = index_for(ctx.model)
    open_mask = index.all & ~index.isolated(direction)
    per_ns: dict[str, int] = {}
    for p in ctx.model.policies:
        per_ns[p.namespace] = per_ns.get(p.namespace, 0) + 1
    side = "every source can reach it" if direction is Direction.INGRESS else "it can reach every destination"
    for i in iter_bits(open_mask):
        w = index.workloads[i]
        if w.host_network:
            continue  # NetworkPolicy cannot isolate host-network pods (policy-on-host-network)
        in_ns = per_ns.get(w.namespace, 0)
        context = (
            f"; the {in_ns} policies of namespace {w.namespace} do not select it for {direction.value}"
            if in_ns
            else f"; namespace {w.namespace} has no NetworkPolicy"
        )
        yield Finding(
            rule.id,
            rule.severity,
            f"{w.display} is not isolated for {direction.value}: no NetworkPolicy selecting it lists "
            f"{direction.value} in its policyTypes, so {side} on every port{context}",
            first_span(w.labels_span, w.span),
            object_anchor(w.kind, w.namespace, w.name, direction.value.lower()),
            properties={"direction": direction.value, "workload": w.display},
        )


def _isolates_all(policy: Policy, direction: Direction) -> bool:
    """A policy selecting every pod of its namespace that isolates `direction` without an
    allow-everything rule (one with no peers and no ports)."""
    if not policy.pod_selector.matches_all or direction not in policy.policy_types:
        return False
    return not any(not r.peers and not r.ports for r in policy.rules(direction))


def _namespaces_to_check(model: Model) -> list[str]:
    with_workloads = {w.namespace for w in model.workloads}
    return sorted(n for n, ns in model.namespaces.items() if ns.declared or n in with_workloads)


def _without_default_deny(ctx: CheckContext, rule: RuleMeta) -> Iterator[Finding]:
    model = ctx.model
    index = index_for(model)
    covered = {
        (p.namespace, d) for p in model.policies for d in (Direction.INGRESS, Direction.EGRESS) if _isolates_all(p, d)
    }
    for name in _namespaces_to_check(model):
        ns = model.namespaces[name]
        members = index.members(index.in_namespace(name))
        span = ns.span if ns.declared and ns.span is not None else (
            first_span(members[0].labels_span, members[0].span) if members else None
        )
        if span is None:
            continue  # nowhere to point: neither the namespace nor a workload of it is in the scan
        for direction in directions_param(rule.params):
            if (name, direction) in covered:
                continue
            where = "" if ns.declared else f" (the namespace is not declared; reported at {members[0].display})"
            yield Finding(
                rule.id,
                rule.severity,
                f"namespace {name} has no default-deny {direction.value} policy: no NetworkPolicy with "
                f"podSelector {{}} lists {direction.value} in its policyTypes, so a pod added to the "
                f"namespace later is open for {direction.value} until someone writes a policy for it{where}",
                first_span(span),
                object_anchor("Namespace", None, name, f"default-deny {direction.value.lower()}"),
                properties={"namespace": name, "direction": direction.value, "workloads": len(members)},
            )


KINDS: tuple[CheckKind, ...] = (
    CheckKind(
        "not-isolated",
        _not_isolated,
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {"direction": {"enum": ["Ingress", "Egress"]}},
        },
        "Workloads that no policy isolates for a direction.",
    ),
    CheckKind(
        "namespace-without-default-deny",
        _without_default_deny,
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "directions": {"type": "array", "items": {"enum": ["Ingress", "Egress"]}, "minItems": 1}
            },
        },
        "Namespaces in which no podSelector {} policy isolates a direction.",
    ),
)
