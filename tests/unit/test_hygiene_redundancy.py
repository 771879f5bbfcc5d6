"""Redundant policies and entries: hand cases, and properties against the reference semantics
(`side_verdict`): removing everything reported changes no side verdict, and when nothing is
reported every policy is needed by some workload, peer and port."""

from __future__ import annotations

import dataclasses
import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from npaudit.algebra.addresses import split_address_space
from npaudit.engine.reference import side_verdict
from npaudit.checks.hygiene_representatives import with_representatives
from npaudit.model.selectors import matches
from npaudit.model.types import Direction, Model, Policy, Protocol, Rule
from tests.unit.hygiene_models import ip_peer, model, ns_peer, pod_peer, policy, port, rule, run, sel, workload

ING, EG = Direction.INGRESS, Direction.EGRESS
PORTS = (80, 8080, 9090)


def _anchors(kind: str, m: Model) -> list[str]:
    return sorted(f.anchor for f in run(kind, m))


def test_duplicate_policy_later_one_is_reported() -> None:
    a = workload("n", "a", {"app": "a"})
    b = workload("n", "b", {"app": "b"})
    allow = [rule(ING, 0, [pod_peer({"app": "b"})], [port(80)])]
    p1 = policy("n", "first", sel({"app": "a"}), ingress=allow)
    p2 = policy("n", "second", sel({"app": "a"}), ingress=allow)
    assert _anchors("redundant-policy", model([a, b], [p1, p2])) == ["NetworkPolicy n/second"]


def test_default_deny_is_not_redundant_where_it_alone_isolates() -> None:
    a = workload("n", "a", {"app": "a"})
    b = workload("n", "b", {"app": "b"})
    deny = policy("n", "deny", sel({}), types=[ING])
    allow_a = policy("n", "allow-a", sel({"app": "a"}), ingress=[rule(ING, 0, [pod_peer({"app": "b"})])])
    assert _anchors("redundant-policy", model([a, b], [deny, allow_a])) == []
    # once every workload is isolated by another policy, the deny changes nothing for them
    allow_b = policy("n", "allow-b", sel({"app": "b"}), ingress=[rule(ING, 0, [pod_peer({"app": "a"})])])
    found = run("redundant-policy", model([a, b], [deny, allow_a, allow_b]))
    assert [f.anchor for f in found] == ["NetworkPolicy n/deny"]
    assert found[0].properties["scope"] == "workloads"


def test_allow_all_alone_is_redundant_but_not_next_to_a_narrower_policy() -> None:
    a = workload("n", "a", {"app": "a"})
    allow_all = policy("n", "all", sel({}), ingress=[rule(ING, 0, [])])
    assert _anchors("redundant-policy", model([a], [allow_all])) == ["NetworkPolicy n/all"]
    narrow = policy("n", "narrow", sel({}), ingress=[rule(ING, 0, [pod_peer({"app": "x"})])])
    assert _anchors("redundant-policy", model([a], [narrow, allow_all])) == ["NetworkPolicy n/narrow"]


def test_redundant_rule_peer_and_port() -> None:
    a = workload("n", "a", {"app": "a"})
    b = workload("n", "b", {"app": "b", "tier": "x"})
    p = policy("n", "p", sel({"app": "a"}), ingress=[
        rule(ING, 0, [pod_peer({})], [port(80), port(443)]),
        rule(ING, 1, [pod_peer({"app": "b"})], [port(80)]),            # inside rule 0
        rule(ING, 2, [pod_peer({"tier": "x"}), ns_peer({"team": "z"})], [port(9090), port(9090, end=9091)]),
    ])
    found = _anchors("redundant-rule", model([a, b], [p], ns_labels={"n": {"team": "z"}}))
    assert found == [
        "NetworkPolicy n/p spec.ingress[1]",
        "NetworkPolicy n/p spec.ingress[2].from[0]",  # ns team=z covers every pod of n
        "NetworkPolicy n/p spec.ingress[2].ports[0]",  # 9090 is inside 9090-9091
    ]


def test_named_egress_ports_resolve_per_destination() -> None:
    a = workload("n", "a", {"app": "a"})
    b = workload("n", "b", {"app": "b"}, [("http", 8080, Protocol.TCP)])
    c = workload("n", "c", {"app": "c"}, [("http", 9090, Protocol.TCP)])
    named = policy("n", "p", sel({"app": "a"}), egress=[
        rule(EG, 0, [pod_peer({})], [port("http")]),
        rule(EG, 1, [pod_peer({"app": "b"}), pod_peer({"app": "c"})], [port(8080)]),
    ], types=[EG])
    # b's http is 8080, but a pod labelled app=b without that port could exist: not redundant
    assert _anchors("redundant-rule", model([a, b, c], [named])) == []
    numeric = policy("n", "p", sel({"app": "a"}), egress=[
        rule(EG, 0, [pod_peer({})], [port(8080)]),
        rule(EG, 1, [pod_peer({"app": "b"}), pod_peer({"app": "c"})], [port(8080)]),
    ], types=[EG])
    assert _anchors("redundant-rule", model([a, b, c], [numeric])) == ["NetworkPolicy n/p spec.egress[1]"]


def test_peer_toward_pods_outside_the_scan_is_not_redundant() -> None:
    # the EKS lab's ui egress: component=service pods anywhere, and kube-system (DNS, never scanned)
    ui = workload("ui", "ui", {"app": "ui", "component": "service"})
    p = policy("ui", "egress", sel({"app": "ui"}), egress=[rule(EG, 0, [
        pod_peer({"component": "service"}, {}),
        ns_peer({"kubernetes.io/metadata.name": "kube-system"}),
    ])], types=[EG])
    assert _anchors("redundant-rule", model([ui], [p])) == []


# -- properties ------------------------------------------------------------------------------

LABELS = st.sampled_from([{"app": "a"}, {"app": "b"}, {"app": "a", "tier": "x"}])
NAMESPACES = st.sampled_from(["n1", "n2"])


@st.composite
def models(draw: st.DrawFn) -> Model:
    ws = [
        workload(draw(NAMESPACES), f"w{i}", draw(LABELS),
                 [("http", draw(st.sampled_from(PORTS)), Protocol.TCP)] if draw(st.booleans()) else [])
        for i in range(draw(st.integers(1, 4)))
    ]
    peer = st.one_of(
        st.builds(lambda l: pod_peer(l), LABELS),
        st.builds(lambda n: ns_peer({"kubernetes.io/metadata.name": n}), NAMESPACES),
        st.builds(lambda c: ip_peer(c), st.sampled_from(["10.0.0.0/8", "10.1.0.0/16", "0.0.0.0/0"])),
    )
    ports = st.lists(st.sampled_from([port(80), port(8080), port("http"), port(8000, end=9000), port(None)]), max_size=2)
    ps = []
    for i in range(draw(st.integers(1, 4))):
        d = draw(st.sampled_from([ING, EG]))
        rules = [rule(d, k, draw(st.lists(peer, max_size=2)), draw(ports)) for k in range(draw(st.integers(0, 3)))]
        ps.append(policy(draw(NAMESPACES), f"p{i}", sel(draw(st.sampled_from([{}, {"app": "a"}, {"app": "b"}]))),
                         types=[d], ingress=rules if d is ING else (), egress=rules if d is EG else ()))
    return model(ws, ps)


def _externals(m: Model) -> list[object]:
    blocks = [p.ip_block for pol in m.policies for r in (*pol.ingress, *pol.egress) for p in r.peers if p.ip_block]
    # the generated blocks are IPv4; one IPv6 address stands for the whole IPv6 space
    return [rng.first for rng in split_address_space(blocks)] + [ipaddress.ip_address("2001:db8::1")]


def _verdicts(m: Model, base: Model) -> dict[tuple[object, ...], bool]:
    """Verdicts of `m` (the original or a reduced copy of `base`) with the other ends taken
    from `base`: its workloads, its representative pods, one address per ipBlock piece."""
    ext = with_representatives(base)
    reps = ext.workloads[len(base.workloads):]
    evaluated = dataclasses.replace(m, namespaces=ext.namespaces, workloads=(*m.workloads, *reps))
    return _verdicts_on(evaluated, len(m.workloads), _externals(base))


def _verdicts_on(m: Model, real: int, externals: list[object]) -> dict[tuple[object, ...], bool]:
    """Side verdicts for every subject workload, other end (workloads and one address per piece
    of the original model's ipBlock cuts) and port at every interval boundary in use."""
    out: dict[tuple[object, ...], bool] = {}
    others = [*m.workloads, *externals]  # representative pods included: peers may match pods outside the scan
    for x in m.workloads[:real]:
        for o in others:
            for d in (ING, EG):
                src, dst = (o, x) if d is ING else (x, o)
                for proto in (Protocol.TCP, Protocol.UDP):
                    for number in (*PORTS, 1, 7999, 8000, 9000, 9001, 65535):
                        out[(x.name, str(o), d, proto, number)] = side_verdict(m, d, src, dst, proto, number).allowed
    return out


def _without(m: Model, anchors: set[str]) -> Model:
    policies = []
    for p in m.policies:
        if f"NetworkPolicy {p.namespace}/{p.name}" in anchors:
            continue
        policies.append(dataclasses.replace(p, ingress=_strip(p, p.ingress, anchors), egress=_strip(p, p.egress, anchors)))
    return dataclasses.replace(m, policies=tuple(policies))


def _strip(p: Policy, rules: tuple[Rule, ...], anchors: set[str]) -> tuple[Rule, ...]:
    out = []
    base = f"NetworkPolicy {p.namespace}/{p.name} "
    for r in rules:
        if base + r.path in anchors:
            continue
        key = "from" if r.direction is ING else "to"
        peers = tuple(x for j, x in enumerate(r.peers) if f"{base}{r.path}.{key}[{j}]" not in anchors)
        ports = tuple(x for k, x in enumerate(r.ports) if f"{base}{r.path}.ports[{k}]" not in anchors)
        out.append(dataclasses.replace(r, peers=peers, ports=ports))
    return tuple(out)


@settings(max_examples=250, deadline=None)
@given(models())
def test_removing_everything_reported_changes_nothing(m: Model) -> None:
    reported = {f.anchor for f in run("redundant-policy", m)} | {f.anchor for f in run("redundant-rule", m)}
    assert _verdicts(_without(m, reported), m) == _verdicts(m, m)


@settings(max_examples=250, deadline=None)
@given(models())
def test_unreported_policies_are_needed(m: Model) -> None:
    if run("redundant-policy", m):
        return
    base = _verdicts(m, m)
    for p in m.policies:
        if not any(w.namespace == p.namespace and matches(p.pod_selector, w.labels) for w in m.workloads):
            continue
        assert _verdicts(_without(m, {f"NetworkPolicy {p.namespace}/{p.name}"}), m) != base, p.name
