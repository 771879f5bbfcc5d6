"""Hypothesis strategies for small random models (engine differential tests)."""

from __future__ import annotations

from hypothesis import strategies as st

from npaudit.model.types import LabelSelector, Model, Peer, Policy, PortSpec, Protocol
from tests.engine.factory import EG, IN, block, model, ns, peer, pod, policy, port, sel

KEYS = ("app", "tier", "env")
VALUES = ("a", "b", "c")
NAMESPACES = ("x", "y", "z")
PORT_NAMES = ("http", "dns")
NUMBERS = (53, 80, 81, 8080)
CIDRS = ("10.0.0.0/8", "10.1.0.0/16", "0.0.0.0/0", "192.168.1.0/24", "10.1.2.0/24", "fd00::/8")
POD_IPS = ("10.1.2.3", "10.9.0.1", "192.168.1.7", "172.16.0.1", "fd00::5")

protocols = st.sampled_from(list(Protocol))
labels = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=3)


@st.composite
def selectors(draw: st.DrawFn) -> LabelSelector:
    match = draw(st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=2))
    exprs = draw(
        st.lists(
            st.one_of(
                st.tuples(st.sampled_from(KEYS), st.sampled_from(["In", "NotIn"]),
                          st.lists(st.sampled_from(VALUES), min_size=1, max_size=2)),
                st.tuples(st.sampled_from(KEYS), st.sampled_from(["Exists", "DoesNotExist"]), st.just([])),
            ),
            max_size=2,
        )
    )
    return sel(match, *exprs)


@st.composite
def peers(draw: st.DrawFn) -> Peer:
    shape = draw(st.sampled_from(["pod", "ns", "both", "block"]))
    if shape == "block":
        cidr = draw(st.sampled_from(CIDRS))
        excepts = [e for e in draw(st.lists(st.sampled_from(CIDRS), max_size=2)) if _inside(e, cidr)]
        return block(cidr, *excepts)
    pods = draw(selectors()) if shape in ("pod", "both") else None
    namespaces = draw(selectors()) if shape in ("ns", "both") else None
    return peer(pods, namespaces)


def _inside(inner: str, outer: str) -> bool:
    import ipaddress

    a, b = ipaddress.ip_network(inner), ipaddress.ip_network(outer)
    return a.version == b.version and a != b and a.subnet_of(b)  # type: ignore[arg-type]


@st.composite
def port_specs(draw: st.DrawFn) -> PortSpec:
    protocol = draw(protocols)
    shape = draw(st.sampled_from(["none", "number", "range", "named"]))
    if shape == "none":
        return port(None, protocol)
    if shape == "named":
        return port(draw(st.sampled_from(PORT_NAMES)), protocol)
    lo = draw(st.sampled_from(NUMBERS))
    return port(lo, protocol, draw(st.sampled_from([lo, lo + 1, 9000])) if shape == "range" else None)


rules = st.tuples(st.lists(peers(), max_size=2), st.lists(port_specs(), max_size=2))


@st.composite
def policies(draw: st.DrawFn, index: int) -> Policy:
    types = draw(st.sampled_from([None, [IN], [EG], [IN, EG]]))
    ingress = draw(st.none() | st.lists(rules, max_size=2))
    egress = draw(st.none() | st.lists(rules, max_size=2))
    return policy(draw(st.sampled_from(NAMESPACES)), f"p{index}", draw(selectors()),
                  ingress=ingress, egress=egress, types=types)


@st.composite
def workloads(draw: st.DrawFn, index: int):  # type: ignore[no-untyped-def]
    ports = draw(st.lists(st.tuples(st.sampled_from(NUMBERS), protocols, st.sampled_from(PORT_NAMES)),
                          max_size=2, unique_by=lambda t: t[2]))
    return pod(draw(st.sampled_from(NAMESPACES)), f"w{index}", draw(labels), ports=ports,
               ips=draw(st.lists(st.sampled_from(POD_IPS), max_size=2, unique=True)),
               host_network=draw(st.integers(0, 9)) == 0)  # one in ten uses hostNetwork


@st.composite
def models(draw: st.DrawFn) -> Model:
    n_work = draw(st.integers(1, 5))
    n_pol = draw(st.integers(0, 4))
    namespaces = [ns(name, **draw(labels)) for name in NAMESPACES]
    return model(namespaces, [draw(workloads(i)) for i in range(n_work)], [draw(policies(i)) for i in range(n_pol)])


def probe_ports(m: Model) -> list[tuple[Protocol, int]]:
    """Every port where a verdict can change in these models (all numbers and endPorts the
    strategies use), its neighbours, and the extremes."""
    numbers = {1, 65535, 9000, 9001, 8999}
    for n in NUMBERS:
        numbers |= {n - 1, n, n + 1, n + 2}
    return [(p, n) for p in Protocol for n in sorted(numbers)]

