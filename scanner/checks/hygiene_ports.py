"""Named ports that resolve to nothing.

A named port in a rule is looked up in the *destination* pod's containerPorts (name and protocol
must both match), per destination. For ingress the destination is the pod the policy selects;
for egress it is the peer. An address outside the cluster has no containerPorts, so a named port
never matches an ipBlock destination.
"""

from __future__ import annotations

from collections.abc import Iterator

from npaudit.checks.base import CheckContext, CheckKind, RuleMeta
from npaudit.checks.hygiene_index import (
    SelectionIndex,
    first_span,
    index_for,
    names,
    policy_anchor,
    policy_name,
    related_workloads,
    render_peer,
)
from npaudit.findings import Finding, Related
from npaudit.model.types import Direction, Policy, PortSpec, Rule, Workload

_NO_PARAMS = {"type": "object", "additionalProperties": False, "properties": {}}


def _destinations(index: SelectionIndex, policy: Policy, rule: Rule) -> list[Workload] | None:
    """Workloads a rule's port entries are resolved against; None when only ipBlocks are peers."""
    if rule.direction is Direction.INGRESS:
        return index.members(index.selected(policy))
    if rule.peers and all(p.ip_block is not None for p in rule.peers):
        return None
    mask = index.all if not rule.peers else index.rule_peers(policy, rule)
    return index.members(mask)


def _named_port_undefined(ctx: CheckContext, rule: RuleMeta) -> Iterator[Finding]:
    index = index_for(ctx.model)
    for policy in ctx.model.policies:
        for direction in (Direction.INGRESS, Direction.EGRESS):
            for r in policy.rules(direction):
                named = [(k, p) for k, p in enumerate(r.ports) if p.is_named]
                if not named:
                    continue
                dests = _destinations(index, policy, r)
                if not dests:
                    continue  # nothing to resolve against: reported by the selects-nothing rules
                for k, port in named:
                    finding = _undefined(rule, policy, r, k, port, dests)
                    if finding is not None:
                        yield finding


def _undefined(rule: RuleMeta, policy: Policy, r: Rule, k: int, port: PortSpec, dests: list[Workload]) -> Finding | None:
    name = str(port.port)
    if any(cp.name == name and cp.protocol is port.protocol for w in dests for cp in w.ports):
        return None
    other = sorted({f"{cp.protocol.value}" for w in dests for cp in w.ports if cp.name == name})
    hint = f" (it is declared with protocol {', '.join(other)}, and the protocol must match too)" if other else ""
    role = "selected pods" if r.direction is Direction.INGRESS else "destination workloads"
    return Finding(
        rule.id,
        rule.severity,
        f"{policy_name(policy)} {r.path}.ports[{k}]: named port '{name}' ({port.protocol.value}) is not "
        f"defined by any of the {len(dests)} {role} it applies to{hint}; searched {names(dests)}; "
        "this port entry admits no traffic to them",
        first_span(port.span, r.span, policy.span),
        policy_anchor(policy, f"{r.path}.ports[{k}]"),
        related=related_workloads(dests, f"has no {port.protocol.value} container port named '{name}'", limit=3),
        properties={"port": name, "protocol": port.protocol.value, "searched_workloads": len(dests)},
    )


def _named_port_to_ipblock(ctx: CheckContext, rule: RuleMeta) -> Iterator[Finding]:
    for policy in ctx.model.policies:
        # Only egress: in an ingress rule the named port is resolved on the selected pod, which
        # works whatever the source is.
        for r in policy.rules(Direction.EGRESS):
            blocks = [(j, p) for j, p in enumerate(r.peers) if p.ip_block is not None]
            if not blocks:
                continue
            for k, port in enumerate(r.ports):
                if not port.is_named:
                    continue
                shown = ", ".join(render_peer(p) for _, p in blocks)
                yield Finding(
                    rule.id,
                    rule.severity,
                    f"{policy_name(policy)} {r.path}.ports[{k}]: named port '{port.port}' "
                    f"({port.protocol.value}) is used toward {shown}; a named port is resolved against "
                    "the destination pod's containerPorts, so it never matches an address outside the "
                    "cluster - use the port number",
                    first_span(port.span, r.span, policy.span),
                    policy_anchor(policy, f"{r.path}.ports[{k}]"),
                    related=tuple(
                        Related(p.span, f"ipBlock peer {r.path}.to[{j}]") for j, p in blocks if p.span is not None
                    ),
                    properties={"port": str(port.port), "protocol": port.protocol.value},
                )


KINDS: tuple[CheckKind, ...] = (
    CheckKind(
        "named-port-undefined",
        _named_port_undefined,
        _NO_PARAMS,
        "A named port no destination workload of the rule declares (name and protocol).",
    ),
    CheckKind(
        "named-port-to-ipblock",
        _named_port_to_ipblock,
        _NO_PARAMS,
        "A named port in an egress rule toward an ipBlock, which it can never match.",
    ),
)
