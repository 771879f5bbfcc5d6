"""Small helpers to build `Model`s directly in engine tests (no loader needed)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence

from npaudit.model.types import (
    NAMESPACE_NAME_LABEL,
    ContainerPort,
    Direction,
    IPBlock,
    LabelSelector,
    Model,
    Namespace,
    Operator,
    Peer,
    Policy,
    PortSpec,
    Protocol,
    Requirement,
    Rule,
    Workload,
)

TCP, UDP, SCTP = Protocol.TCP, Protocol.UDP, Protocol.SCTP
IN, EG = Direction.INGRESS, Direction.EGRESS


def sel(labels: Mapping[str, str] | None = None, *exprs: tuple[str, str, Sequence[str]]) -> LabelSelector:
    """matchLabels plus (key, operator, values) expressions, in canonical form."""
    reqs = {Requirement(k, Operator.IN, (v,)) for k, v in (labels or {}).items()}
    reqs |= {Requirement(k, Operator(op), tuple(sorted(set(vals)))) for k, op, vals in exprs}
    return LabelSelector(tuple(sorted(reqs, key=lambda r: (r.key, r.operator.value, r.values))))


def ns(name: str, **labels: str) -> Namespace:
    return Namespace(name, {NAMESPACE_NAME_LABEL: name, **labels})


def pod(
    namespace: str, name: str, labels: Mapping[str, str] | None = None, *,
    ports: Sequence[tuple[int, Protocol, str | None]] = (), ips: Sequence[str] = (),
    kind: str = "Deployment", host_network: bool = False,
) -> Workload:
    return Workload(
        kind, namespace, name, dict(labels or {}),
        ports=tuple(ContainerPort(p, proto, n) for p, proto, n in ports),
        host_network=host_network,
        pod_ips=tuple(ipaddress.ip_address(i) for i in ips),
    )


def block(cidr: str, *excepts: str) -> Peer:
    return Peer(ip_block=IPBlock(ipaddress.ip_network(cidr), tuple(ipaddress.ip_network(e) for e in excepts)))


def peer(pods: LabelSelector | None = None, namespaces: LabelSelector | None = None) -> Peer:
    return Peer(namespace_selector=namespaces, pod_selector=pods)


def port(p: int | str | None = None, protocol: Protocol = TCP, end: int | None = None) -> PortSpec:
    return PortSpec(protocol, p, end)


def rule(direction: Direction, index: int, peers: Sequence[Peer] = (), ports: Sequence[PortSpec] = ()) -> Rule:
    return Rule(direction, index, tuple(peers), tuple(ports))


def policy(
    namespace: str, name: str, selector: LabelSelector | None = None, *,
    ingress: Sequence[tuple[Sequence[Peer], Sequence[PortSpec]]] | None = None,
    egress: Sequence[tuple[Sequence[Peer], Sequence[PortSpec]]] | None = None,
    types: Sequence[Direction] | None = None,
) -> Policy:
    """`ingress`/`egress` as lists of (peers, ports); `types` None = the defaulting rule."""
    ing = tuple(rule(IN, i, p, q) for i, (p, q) in enumerate(ingress or ()))
    eg = tuple(rule(EG, i, p, q) for i, (p, q) in enumerate(egress or ()))
    if types is None:
        effective = frozenset({IN} | ({EG} if eg else set()))
    else:
        effective = frozenset(types)
    return Policy(namespace, name, selector or LabelSelector(), effective, ing, eg, types is not None)


def model(namespaces: Sequence[Namespace], workloads: Sequence[Workload], policies: Sequence[Policy]) -> Model:
    return Model({n.name: n for n in namespaces}, tuple(workloads), tuple(policies))
