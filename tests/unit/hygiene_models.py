"""Tiny builders of hand-made models for the hygiene-rule unit tests (no loader involved)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping

from npaudit.checks.base import CheckContext, RuleMeta
from npaudit.checks.registry import CHECK_KINDS
from npaudit.findings import Finding, Severity
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
from npaudit.span import Span

_line = [0]


def span(path: str = "m.yaml") -> Span:
    _line[0] += 1
    return Span(path, _line[0], 1)


def sel(labels: Mapping[str, str] | None = None, **exprs: tuple[Operator, tuple[str, ...]]) -> LabelSelector:
    reqs = [Requirement(k, Operator.IN, (v,)) for k, v in (labels or {}).items()]
    reqs += [Requirement(k, op, tuple(sorted(vals))) for k, (op, vals) in exprs.items()]
    return LabelSelector(tuple(sorted(reqs, key=lambda r: (r.key, r.operator.value))), span())


def workload(ns: str, name: str, labels: Mapping[str, str], ports: Iterable[tuple[str, int, Protocol]] = (),
             host_network: bool = False) -> Workload:
    return Workload("Deployment", ns, name, dict(labels),
                    tuple(ContainerPort(p, proto, n, span()) for n, p, proto in ports),
                    host_network=host_network, span=span(), labels_span=span())


def pod_peer(labels: Mapping[str, str] | None = None, ns: Mapping[str, str] | None = None, *,
             any_ns: bool = False) -> Peer:
    ns_sel = LabelSelector((), span()) if any_ns else (sel(ns) if ns is not None else None)
    return Peer(ns_sel, sel(labels) if labels is not None else None, None, span())


def ns_peer(ns: Mapping[str, str]) -> Peer:
    return Peer(sel(ns), None, None, span())


def ip_peer(cidr: str, *excepts: str) -> Peer:
    block = IPBlock(ipaddress.ip_network(cidr), tuple(ipaddress.ip_network(e) for e in excepts), span())
    return Peer(None, None, block, span())


def port(p: int | str | None = None, proto: Protocol = Protocol.TCP, end: int | None = None) -> PortSpec:
    return PortSpec(proto, p, end, span())


def rule(direction: Direction, index: int, peers: Iterable[Peer] = (), ports: Iterable[PortSpec] = ()) -> Rule:
    return Rule(direction, index, tuple(peers), tuple(ports), span())


def policy(ns: str, name: str, selector: LabelSelector, *, ingress: Iterable[Rule] = (),
           egress: Iterable[Rule] = (), types: Iterable[Direction] | None = None) -> Policy:
    ing, eg = tuple(ingress), tuple(egress)
    if types is None:
        effective = {Direction.INGRESS} | ({Direction.EGRESS} if eg else set())
    else:
        effective = set(types)
    return Policy(ns, name, selector, frozenset(effective), ing, eg, types is not None, span=span())


def model(workloads: Iterable[Workload] = (), policies: Iterable[Policy] = (),
          declared: Iterable[str] = (), ns_labels: Mapping[str, Mapping[str, str]] | None = None) -> Model:
    ws, ps = tuple(workloads), tuple(policies)
    names = set(declared) | {w.namespace for w in ws} | {p.namespace for p in ps}
    labels = ns_labels or {}
    namespaces = {
        n: Namespace(n, {**labels.get(n, {}), NAMESPACE_NAME_LABEL: n}, n in set(declared),
                     span=span() if n in set(declared) else None)
        for n in sorted(names)
    }
    return Model(namespaces, ws, ps)


def run(kind: str, m: Model, rule_id: str = "r", **params: object) -> list[Finding]:
    meta = RuleMeta(rule_id, "R", kind, Severity.WARNING, "summary text", {}, params=dict(params))
    return list(CHECK_KINDS[kind].run(CheckContext(m), meta))
