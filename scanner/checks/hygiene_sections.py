"""Rules that read one policy on its own: sections Kubernetes ignores, and rules so broad that
they undo the isolation the policy creates."""

from __future__ import annotations

from collections.abc import Iterator

from npaudit.checks.base import CheckContext, CheckKind, RuleMeta
from npaudit.checks.hygiene_index import (
    directions_param,
    first_span,
    index_for,
    names,
    policy_anchor,
    policy_name,
    render_peer,
)
from npaudit.findings import Finding
from npaudit.model.types import Direction, Peer, Protocol, Rule
from npaudit.span import Span

_MAX_PORT = 65535


def _section_ignored(ctx: CheckContext, rule: RuleMeta) -> Iterator[Finding]:
    for policy in ctx.model.policies:
        if not policy.explicit_policy_types:
            continue  # implicit policyTypes are derived from the sections, nothing is dropped
        listed = "[" + ", ".join(d.value for d in (Direction.INGRESS, Direction.EGRESS) if d in policy.policy_types) + "]"
        for direction, rules in ((Direction.INGRESS, policy.ingress), (Direction.EGRESS, policy.egress)):
            if direction in policy.policy_types or not rules:
                continue
            key = direction.value.lower()
            yield Finding(
                rule.id,
                rule.severity,
                f"{policy_name(policy)} has {len(rules)} {key} rule{'s' if len(rules) > 1 else ''} but its "
                f"explicit policyTypes {listed} leave {direction.value} out, so Kubernetes ignores spec.{key}; "
                f"add {direction.value} to policyTypes or delete the section",
                first_span(rules[0].span, policy.span),
                policy_anchor(policy, f"spec.{key}"),
                properties={"direction": direction.value, "rules": len(rules)},
            )


def _all_ports(rule: Rule) -> bool:
    """True when the rule admits every TCP port (no ports = every port of every protocol)."""
    if not rule.ports:
        return True
    for p in rule.ports:
        if p.protocol is not Protocol.TCP or isinstance(p.port, str):
            continue
        if p.port is None or (p.port <= 1 and (p.end_port or p.port) >= _MAX_PORT):
            return True
    return False


def _everyone(peer: Peer) -> str | None:
    """Why a peer stands for every source, or None."""
    if peer.ip_block is not None:
        return "every address" if peer.ip_block.cidr.prefixlen == 0 else None
    ns, pod = peer.namespace_selector, peer.pod_selector
    if ns is not None and ns.matches_all and (pod is None or pod.matches_all):
        return "every pod in every namespace"
    return None


def _overly_permissive(ctx: CheckContext, rule: RuleMeta) -> Iterator[Finding]:
    index = index_for(ctx.model)
    for direction in directions_param(rule.params):
        for policy in ctx.model.policies:
            for r in policy.rules(direction):
                if not _all_ports(r):
                    continue
                hits = _broad_places(r)
                if not hits:
                    continue
                selected = index.members(index.selected(policy))
                target = f" (it selects {names(selected)})" if selected else ""
                side = "from" if direction is Direction.INGRESS else "to"
                ports = "all ports" if not r.ports else "all TCP ports"
                for path, span, why in hits:
                    yield Finding(
                        rule.id,
                        rule.severity,
                        f"{policy_name(policy)} {path} allows {direction.value.lower()} {side} {why} on "
                        f"{ports}{target}: the pods are isolated by this policy and this rule opens them again "
                        "completely; restrict the peers or the ports",
                        first_span(span, r.span, policy.span),
                        policy_anchor(policy, path),
                        properties={"direction": direction.value, "peer": why},
                    )


def _broad_places(r: Rule) -> list[tuple[str, Span | None, str]]:
    if not r.peers:
        return [(r.path, r.span, "everyone (no peers: all pods and all addresses)")]
    key = "from" if r.direction is Direction.INGRESS else "to"
    out: list[tuple[str, Span | None, str]] = []
    for j, peer in enumerate(r.peers):
        why = _everyone(peer)
        if why is not None:
            out.append((f"{r.path}.{key}[{j}]", peer.span, f"{why} ({render_peer(peer)})"))
    return out


_DIRECTIONS_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "directions": {"type": "array", "items": {"enum": ["Ingress", "Egress"]}, "minItems": 1, "uniqueItems": True}
    },
}

KINDS: tuple[CheckKind, ...] = (
    CheckKind(
        "policy-section-ignored",
        _section_ignored,
        {"type": "object", "additionalProperties": False, "properties": {}},
        "Rules for a direction that the explicit policyTypes leave out.",
    ),
    CheckKind(
        "overly-permissive",
        _overly_permissive,
        _DIRECTIONS_SCHEMA,
        "A rule that admits every source (0.0.0.0/0, ::/0, no peers, or all pods of all namespaces) on all ports.",
    ),
)

