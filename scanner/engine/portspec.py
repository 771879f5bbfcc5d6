"""Port lists of rules as exact `PortSet`s, with named ports resolved per destination."""

from __future__ import annotations

from collections.abc import Iterable

from npaudit.algebra.ports import PortSet
from npaudit.model.types import PortSpec, Protocol, Rule, Workload

#: A rule's `ports` as a hashable token: None = all ports of all protocols (empty list).
Token = frozenset[PortSpec] | None
#: (name, protocol, number) of container ports; None for an address outside the cluster.
Named = tuple[tuple[str, Protocol, int], ...] | None


def token_of(rule: Rule) -> Token:
    return frozenset(rule.ports) if rule.ports else None


def token_is_named(token: Token) -> bool:
    return token is not None and any(spec.is_named for spec in token)


def named_ports_of(workload: Workload) -> Named:
    return tuple((cp.name, cp.protocol, cp.port) for cp in workload.ports if cp.name)


def spec_ports(spec: PortSpec, named: Named) -> PortSet:
    """One `ports` entry: no port = the whole protocol; `port`..`endPort`; a named port is the
    destination's containerPort with that name AND protocol (nothing if it has none, and
    nothing for an external address)."""
    if spec.port is None:
        return PortSet.of(spec.protocol)
    if isinstance(spec.port, int):
        return PortSet.of(spec.protocol, spec.port, spec.end_port if spec.end_port is not None else spec.port)
    result = PortSet.empty()
    for name, protocol, number in named or ():
        if name == spec.port and protocol is spec.protocol:
            result = result | PortSet.of(protocol, number)
    return result


def resolve(token: Token, named: Named) -> PortSet:
    if token is None:
        return PortSet.all()
    result = PortSet.empty()
    for spec in token:
        result = result | spec_ports(spec, named)
    return result


def union(sets: Iterable[PortSet]) -> PortSet:
    result = PortSet.empty()
    for s in sets:
        result = result | s
    return result
