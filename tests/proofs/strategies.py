"""Hypothesis strategies for small clusters: a few namespaces, workloads and policies with labels
from a tiny alphabet (so selectors often match), every selector operator, numeric ports with
endPort ranges, named ports, ipBlocks with excepts and pod IPs from cluster snapshots."""

from __future__ import annotations

import ipaddress

from hypothesis import strategies as st

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

NAMESPACES = ("a", "b", "c")
KEYS = ("app", "tier")
VALUES = ("x", "y", "z")
NS_KEYS = ("env",)
PORT_NAMES = ("http", "dns")
NUMBERS = (53, 80, 443, 8080)
IPS = ("10.0.0.1", "10.0.1.5", "192.168.0.1", "fd00::1")
CIDRS = (("10.0.0.0/8", ("10.0.1.0/24",)), ("10.0.0.0/16", ()), ("0.0.0.0/0", ("192.168.0.0/16",)), ("fd00::/8", ()))


def requirements(keys: tuple[str, ...]) -> st.SearchStrategy[Requirement]:
    values = st.lists(st.sampled_from(VALUES), min_size=1, max_size=2, unique=True).map(lambda v: tuple(sorted(v)))
    return st.one_of(
        st.builds(Requirement, st.sampled_from(keys), st.sampled_from([Operator.IN, Operator.NOT_IN]), values),
        st.builds(Requirement, st.sampled_from(keys), st.sampled_from([Operator.EXISTS, Operator.DOES_NOT_EXIST])),
    )


def selectors(keys: tuple[str, ...] = KEYS) -> st.SearchStrategy[LabelSelector]:
    return st.lists(requirements(keys), max_size=2, unique=True).map(
        lambda rs: LabelSelector(tuple(sorted(set(rs), key=lambda r: (r.key, r.operator.value, r.values))))
    )


def ns_selectors() -> st.SearchStrategy[LabelSelector]:
    by_name = st.sampled_from(NAMESPACES).map(lambda n: LabelSelector((Requirement(NAMESPACE_NAME_LABEL, Operator.IN, (n,)),)))
    return st.one_of(selectors(NS_KEYS), by_name)


SELECTOR = selectors()
_PROTO = st.sampled_from(list(Protocol))
_PORT_KIND = st.sampled_from(["all", "num", "range", "named"])
_PORT_NAME = st.sampled_from(PORT_NAMES)
_NUMBER = st.sampled_from(NUMBERS)
_WIDTH = st.sampled_from([0, 1, 400])
_SHAPE = st.sampled_from(["pod", "ns", "both", "ip"])
_CIDR = st.sampled_from(CIDRS)
NS_SELECTOR = ns_selectors()


@st.composite
def port_specs(draw: st.DrawFn) -> PortSpec:
    protocol = draw(_PROTO)
    kind = draw(_PORT_KIND)
    if kind == "all":
        return PortSpec(protocol)
    if kind == "named":
        return PortSpec(protocol, draw(_PORT_NAME))
    port = draw(_NUMBER)
    if kind == "num":
        return PortSpec(protocol, port)
    return PortSpec(protocol, port, port + draw(_WIDTH))


@st.composite
def peers(draw: st.DrawFn) -> Peer:
    shape = draw(_SHAPE)
    if shape == "ip":
        cidr, excepts = draw(_CIDR)
        return Peer(ip_block=IPBlock(ipaddress.ip_network(cidr), tuple(ipaddress.ip_network(e) for e in excepts)))
    return Peer(
        namespace_selector=draw(NS_SELECTOR) if shape in ("ns", "both") else None,
        pod_selector=draw(SELECTOR) if shape in ("pod", "both") else None,
    )


PEER = peers()
PORT = port_specs()
_RULE = st.tuples(st.lists(PEER, max_size=2), st.lists(PORT, max_size=2))


def rules(direction: Direction) -> st.SearchStrategy[tuple[Rule, ...]]:
    one = _RULE
    return st.lists(one, max_size=2).map(
        lambda items: tuple(Rule(direction, i, tuple(ps), tuple(pts)) for i, (ps, pts) in enumerate(items))
    )


RULES = {d: rules(d) for d in Direction}
_TYPES = st.sampled_from([frozenset({Direction.INGRESS}), frozenset({Direction.EGRESS}),
                          frozenset({Direction.INGRESS, Direction.EGRESS})])
_NS = st.sampled_from(NAMESPACES)


@st.composite
def policies(draw: st.DrawFn, index: int) -> Policy:
    return Policy(
        namespace=draw(_NS),
        name=f"p{index}",
        pod_selector=draw(SELECTOR),
        policy_types=draw(_TYPES),
        ingress=draw(RULES[Direction.INGRESS]),
        egress=draw(RULES[Direction.EGRESS]),
    )


_LABELS = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=2)
_NAMED = st.lists(st.tuples(st.sampled_from(PORT_NAMES), st.sampled_from(NUMBERS), st.sampled_from(list(Protocol))),
                  max_size=2, unique_by=lambda t: t[0])
_IPS = st.one_of(st.just(()), st.sampled_from(IPS).map(lambda a: (ipaddress.ip_address(a),)))
_NS_LABELS = st.dictionaries(st.sampled_from(NS_KEYS), st.sampled_from(VALUES), max_size=1)


@st.composite
def workloads(draw: st.DrawFn, index: int) -> Workload:
    labels = draw(_LABELS)
    named = draw(_NAMED)
    ips = draw(_IPS)
    return Workload(
        "Deployment", draw(_NS), f"w{index}", labels,
        tuple(ContainerPort(p, proto, n) for n, p, proto in named), pod_ips=ips,
    )


_N_WORKLOADS = st.integers(1, 4)
_N_POLICIES = st.integers(0, 3)


@st.composite
def models(draw: st.DrawFn) -> Model:
    n_workloads = draw(_N_WORKLOADS)
    n_policies = draw(_N_POLICIES)
    namespaces = {
        n: Namespace(n, {NAMESPACE_NAME_LABEL: n, **draw(_NS_LABELS)})
        for n in NAMESPACES
    }
    return Model(
        namespaces=namespaces,
        workloads=tuple(draw(workloads(i)) for i in range(n_workloads)),
        policies=tuple(draw(policies(i)) for i in range(n_policies)),
    )


def boundary_ports(model: Model, extra: tuple[PortSpec, ...] = ()) -> tuple[int, ...]:
    """Every port where some rule's allowed set can change, and its neighbours."""
    mentioned: set[int] = {1, 65535}
    mentioned |= {p for s in extra if isinstance(s.port, int) for p in (s.port, s.end_port or s.port)}
    for pol in model.policies:
        for rule in (*pol.ingress, *pol.egress):
            for spec in rule.ports:
                if isinstance(spec.port, int):
                    mentioned |= {spec.port, spec.end_port or spec.port}
    for w in model.workloads:
        mentioned |= {p.port for p in w.ports}
    return tuple(sorted({q for p in mentioned for q in (p - 1, p, p + 1) if 1 <= q <= 65535}))
