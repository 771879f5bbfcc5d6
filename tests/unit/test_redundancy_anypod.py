"""The any-pod scope of redundant-policy / redundant-rule (checks/hygiene_anypod.py with the
Z3 oracle in encode/redundancy.py): hand cases whose expectations follow from the Kubernetes
semantics, and properties against the fast engine (`engine.analyze`)."""

from __future__ import annotations

import dataclasses
import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npaudit.checks import hygiene_anypod
from npaudit.checks.base import CheckContext, RuleMeta
from npaudit.checks.hygiene_redundancy import Analysis
from npaudit.checks.registry import CHECK_KINDS
from npaudit.encode.redundancy import build_oracle
from npaudit.engine.connectivity import analyze
from npaudit.findings import Finding, Severity
from npaudit.model.types import NAMESPACE_NAME_LABEL, Direction, Model, Namespace, Operator, Peer, Protocol
from tests.proofs.strategies import CIDRS, IPS, VALUES, models, workloads
from tests.rules.annotations import FIXTURES_DIR
from tests.unit.hygiene_models import ip_peer, model, ns_peer, pod_peer, policy, port, rule, run, sel, workload
from tests.unit.test_hygiene_redundancy import _without

ING, EG = Direction.INGRESS, Direction.EGRESS


def _one(kind: str, m: Model) -> Finding:
    found = run(kind, m)
    assert len(found) == 1, [f.message for f in found]
    return found[0]


# -- hand cases ---------------------------------------------------------------------------------

def test_exact_duplicate_is_redundant_for_any_pod_and_names_the_other() -> None:
    a, b = workload("n", "a", {"app": "a"}), workload("n", "b", {"app": "b"})
    allow = [rule(ING, 0, [pod_peer({"app": "b"})], [port(80)])]
    first = policy("n", "first", sel({"app": "a"}), ingress=allow)
    second = policy("n", "second", sel({"app": "a"}), ingress=allow)
    f = _one("redundant-policy", model([a, b], [first, second]))
    assert f.anchor == "NetworkPolicy n/second"
    assert f.properties["scope"] == "any-pod"
    assert f.severity is Severity.WARNING  # the rule's own severity
    assert f.properties["covering"] == ["n/first ingress[0]"]
    assert "redundant for any pod" in f.message and "n/first ingress[0]" in f.message
    assert [r.span for r in f.related] == [allow[0].span]  # the covering rule's line


def test_pod_label_no_workload_carries_today_is_workloads_only() -> None:
    # `wide` selects only app=a pods labelled env=prod - today every app=a pod is. A pod app=a
    # without env=prod would be isolated by `narrow` alone: removing narrow opens it up.
    a, b = workload("n", "a", {"app": "a", "env": "prod"}), workload("n", "b", {"app": "b"})
    wide = policy("n", "wide", sel({"app": "a", "env": "prod"}), ingress=[rule(ING, 0, [pod_peer({"app": "b"})], [port(5432)])])
    narrow = policy("n", "narrow", sel({"app": "a"}), ingress=[rule(ING, 0, [pod_peer({"app": "b"})], [port(5432)])])
    f = _one("redundant-policy", model([a, b], [wide, narrow]))
    assert f.anchor == "NetworkPolicy n/narrow"
    assert f.properties["scope"] == "workloads"
    assert f.severity is Severity.NOTE  # workloads_severity
    change = f.properties["any_pod"]["change"]
    # the pod that could exist: app=a, and env absent (a label no selector requires is absent)
    assert change.startswith("a pod that could exist in namespace n with labels {app=a} would gain ingress")
    assert "redundant for the repository's workloads only: without it, " + change in f.message


def test_peer_label_no_workload_carries_today_is_workloads_only() -> None:
    # first admits app=b pods whose tier is not x; second admits every app=b pod. No workload
    # (nor the representative app=b pod) carries tier=x, so second is redundant for them -
    # but a pod labelled app=b, tier=x would lose ingress on TCP 80 without it.
    a, b = workload("n", "a", {"app": "a"}), workload("n", "b", {"app": "b"})
    first = policy("n", "first", sel({"app": "a"}), ingress=[
        rule(ING, 0, [_peer_not_x()], [port(80)])])
    second = policy("n", "second", sel({"app": "a"}), ingress=[rule(ING, 0, [pod_peer({"app": "b"})], [port(80)])])
    f = _one("redundant-policy", model([a, b], [first, second]))
    assert f.anchor == "NetworkPolicy n/second"
    assert f.properties["scope"] == "workloads"
    assert f.properties["any_pod"]["change"] == (
        "a pod that could exist in namespace n with labels {app=a} would lose ingress from "
        "a pod that could exist in namespace n with labels {app=b, tier=x} on TCP 80")


def _peer_not_x() -> Peer:
    """podSelector {app: b, tier NotIn [x]} (NotIn also holds when tier is absent)."""
    return dataclasses.replace(pod_peer({"app": "b"}), pod_selector=sel({"app": "b"}, tier=(Operator.NOT_IN, ("x",))))


def test_policy_whose_removal_unisolates_is_not_redundant() -> None:
    a, b = workload("n", "a", {"app": "a"}), workload("n", "b", {"app": "b"})
    deny = policy("n", "deny", sel({}), types=[ING])
    allow_a = policy("n", "allow-a", sel({"app": "a"}), ingress=[rule(ING, 0, [pod_peer({"app": "b"})])])
    assert run("redundant-policy", model([a, b], [deny, allow_a])) == []  # b is isolated by deny alone


def test_default_deny_redundant_for_todays_pods_only() -> None:
    a, b = workload("n", "a", {"app": "a"}), workload("n", "b", {"app": "b"})
    deny = policy("n", "deny", sel({}), types=[ING])
    allow_a = policy("n", "allow-a", sel({"app": "a"}), ingress=[rule(ING, 0, [pod_peer({"app": "b"})])])
    allow_b = policy("n", "allow-b", sel({"app": "b"}), ingress=[rule(ING, 0, [pod_peer({"app": "a"})])])
    f = _one("redundant-policy", model([a, b], [deny, allow_a, allow_b]))
    assert f.properties["scope"] == "workloads"
    # a pod with neither label is isolated by the deny alone: without it, it gains ingress
    assert f.properties["any_pod"]["change"].startswith("a pod that could exist in namespace n with no labels would gain ingress")


def test_redundant_port_entry_and_peer_for_any_pod() -> None:
    a = workload("n", "a", {"app": "a"})
    p = policy("n", "p", sel({"app": "a"}), ingress=[
        rule(ING, 0, [pod_peer({"app": "b"}), pod_peer({})], [port(80), port(80, end=81)]),
    ])
    found = {f.anchor: f for f in run("redundant-rule", model([a], [p]))}
    assert sorted(found) == ["NetworkPolicy n/p spec.ingress[0].from[0]", "NetworkPolicy n/p spec.ingress[0].ports[0]"]
    assert all(f.properties["scope"] == "any-pod" and f.severity is Severity.WARNING for f in found.values())
    # covered by the rest of the same rule: nothing else is needed
    assert "also allowed by its other peers" in found["NetworkPolicy n/p spec.ingress[0].from[0]"].message
    assert "also allowed by its other port entries" in found["NetworkPolicy n/p spec.ingress[0].ports[0]"].message


def test_named_port_equal_today_is_workloads_only() -> None:
    # http is 8080 on today's api pods; an api pod whose http is another port (or absent) needs 8080
    api = workload("n", "api", {"app": "api"}, [("http", 8080, Protocol.TCP)])
    p = policy("n", "p", sel({"app": "api"}), ingress=[rule(ING, 0, [pod_peer({})], [port("http"), port(8080)])])
    f = _one("redundant-rule", model([api], [p]))
    assert f.anchor == "NetworkPolicy n/p spec.ingress[0].ports[1]"
    assert f.properties["scope"] == "workloads" and f.severity is Severity.NOTE
    assert f.properties["any_pod"]["change"] == (
        "a pod that could exist in namespace n with labels {app=api} would lose ingress from "
        "a pod that could exist in namespace n with no labels on TCP 8080")


def test_peer_in_a_new_namespace_counts() -> None:
    # the namespaceSelector team=x matches no namespace of the repository; the rule is still
    # needed for a namespace created later, in both scopes
    a = workload("n", "a", {"app": "a"})
    deny = policy("n", "deny", sel({}), types=[ING])
    p = policy("n", "p", sel({"app": "a"}), ingress=[rule(ING, 0, [ns_peer({"team": "x"})])])
    m = model([a], [deny, p])
    assert "NetworkPolicy n/p" not in {f.anchor for f in run("redundant-policy", m)}
    assert build_oracle(m).session().policy(p).change.peer.namespace is None  # a new namespace
    # only if no namespace may ever be created would p be redundant (deny keeps a isolated)
    assert build_oracle(m).session(allow_new_namespaces=False).policy(p).redundant


def test_budget_used_up_keeps_workloads_scope(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hygiene_anypod, "ANY_POD_MAX_QUESTIONS", 0)
    a, b = workload("n", "a", {"app": "a"}), workload("n", "b", {"app": "b"})
    allow = [rule(ING, 0, [pod_peer({"app": "b"})], [port(80)])]
    m = model([a, b], [policy("n", "first", sel({"app": "a"}), ingress=allow),
                       policy("n", "second", sel({"app": "a"}), ingress=allow)])
    f = _one("redundant-policy", m)
    assert f.properties["scope"] == "workloads" and f.properties["any_pod"]["verdict"] == "skipped"
    assert "the any-pod question was not asked" in f.message


def test_solver_budget_is_undecided_not_any_pod() -> None:
    a, b = workload("n", "a", {"app": "a"}), workload("n", "b", {"app": "b"})
    allow = [rule(ING, 0, [pod_peer({"app": "b"})], [port(80)])]
    m = model([a, b], [policy("n", "first", sel({"app": "a"}), ingress=allow),
                       policy("n", "second", sel({"app": "a"}), ingress=allow)])
    meta = RuleMeta("r", "R", "redundant-policy", Severity.WARNING, "s", {})
    found = list(CHECK_KINDS["redundant-policy"].run(CheckContext(m, config={"prove": {"rlimit": 1}}), meta))
    assert [f.properties["scope"] for f in found] == ["workloads"]
    assert found[0].properties["any_pod"]["verdict"] == "unknown"
    assert "undecided" in found[0].message


def _fixture_scopes(rule_id: str) -> dict[str, str]:
    from npaudit.pipeline import ScanOptions, scan

    root = FIXTURES_DIR / rule_id
    report = scan(ScanOptions(paths=(str(root),), root=root, only_rules=frozenset({rule_id})))
    return {f.anchor: f.properties["scope"] for f in report.findings if f.rule_id == rule_id}


def test_fixtures_cover_both_scopes() -> None:
    assert _fixture_scopes("redundant-policy") == {
        "NetworkPolicy shop/allow-web-v2": "workloads",  # http is 8080 on today's api pods only
        "NetworkPolicy shop/allow-web-v3": "workloads",  # today's web-backend pods all carry tier=backend
        "NetworkPolicy shop/web-deny-copy": "any-pod",  # an exact copy
    }
    assert _fixture_scopes("redundant-rule") == {
        "NetworkPolicy shop/api-ingress spec.ingress[1]": "any-pod",
        "NetworkPolicy shop/api-ingress spec.ingress[2].from[1]": "any-pod",
        "NetworkPolicy shop/api-ingress spec.ingress[2].ports[1]": "any-pod",
        "NetworkPolicy shop/api-ingress spec.ingress[3].ports[1]": "workloads",  # metrics is 9100 today
    }


# -- properties ---------------------------------------------------------------------------------

_ADDRESSES = sorted(
    {ipaddress.ip_address(a) for a in IPS}
    | {n.network_address for c, ex in CIDRS for n in map(ipaddress.ip_network, (c, *ex))}
    | {ipaddress.ip_address(a) for a in ("8.8.8.8", "10.255.0.1", "192.168.1.1", "2001:db8::1")},
    key=lambda a: (a.version, int(a)),
)


#: a policy in a namespace without pods whose ipBlocks cut the address space at every boundary
#: above, so both models of a comparison know the same address pieces (it decides nothing)
_ADDRESS_PIECES = policy("zz-no-pods", "address-pieces", sel({}), ingress=[rule(ING, 0, [
    ip_peer(c) for c in ("0.0.0.0/0", "::/0", *(c for c, _ in CIDRS), *(e for _, ex in CIDRS for e in ex))
])])


def _connectivity(m: Model, base: Model) -> dict[tuple[str, str], object]:
    """`engine.analyze` verdicts between the workloads of `base` and a fixed set of addresses
    (every ipBlock boundary the strategies use, and addresses outside all of them)."""
    conn = analyze(dataclasses.replace(m, policies=(*m.policies, _ADDRESS_PIECES)))
    out: dict[tuple[str, str], object] = {}
    for s in base.workloads:
        for d in base.workloads:
            out[(s.name, d.name)] = conn.allowed(s, d)
        for addr in _ADDRESSES:
            out[(s.name, str(addr))] = conn.allowed(s, addr)
            out[(str(addr), s.name)] = conn.allowed(addr, s)
    return out


def _last(m: Model, i: int) -> Model:
    """The model with policy i moved last: the analyses ask about it first, before any removal."""
    ps = list(m.policies)
    ps.append(ps.pop(i))
    return dataclasses.replace(m, policies=tuple(ps))


@settings(max_examples=200, deadline=None)
@given(models())
def test_any_pod_redundant_implies_workloads_redundant(m: Model) -> None:
    base = _connectivity(m, m)
    for i, p in enumerate(m.policies):
        moved = _last(m, i)
        answer = build_oracle(moved).session().policy(p)
        analysis = Analysis(moved)
        workloads = any(item.policy is p and item.subjects for item in analysis.policies)
        selects = bool(analysis.subjects(p))
        if answer.redundant:
            assert workloads or not selects, p  # a policy selecting no workload is not decided there
            assert _connectivity(_without(m, {f"NetworkPolicy {p.namespace}/{p.name}"}), m) == base, p
        elif answer.change is not None:
            assert answer.change.subject.namespace == p.namespace


@settings(max_examples=200, deadline=None)
@given(models())
def test_removing_reported_items_keeps_connectivity(m: Model) -> None:
    found = run("redundant-policy", m) + run("redundant-rule", m)
    any_pod = {f.anchor for f in found if f.properties["scope"] == "any-pod"}
    base = _connectivity(m, m)
    assert _connectivity(_without(m, any_pod), m) == base
    assert _connectivity(_without(m, {f.anchor for f in found}), m) == base
    for f in found:  # a finding says which scope, and only a decided any-pod question is any-pod
        assert (f.properties["scope"] == "any-pod") == (f.properties["any_pod"]["verdict"] == "holds")


@st.composite
def _later_pods(draw: st.DrawFn) -> tuple[object, ...]:
    """Pods that could be deployed later: any labels and named ports, no recorded address, in
    the repository's namespaces or in a new namespace `d`."""
    pods = []
    for i in range(draw(st.integers(1, 4))):
        w = dataclasses.replace(draw(workloads(100 + i)), pod_ips=())
        if draw(st.booleans()):
            w = dataclasses.replace(w, namespace="d")
        pods.append(w)
    return tuple(pods)


@settings(max_examples=200, deadline=None)
@given(models(), _later_pods(), st.sampled_from(VALUES))
def test_any_pod_items_stay_redundant_when_pods_are_added(m: Model, later: tuple[object, ...], env: str) -> None:
    """What `any-pod` promises: the items can go even after new pods (with any labels, in any
    namespace) are deployed - checked on the grown cluster with the engine."""
    found = run("redundant-policy", m) + run("redundant-rule", m)
    any_pod = {f.anchor for f in found if f.properties["scope"] == "any-pod"}
    namespaces = {**m.namespaces, "d": Namespace("d", {NAMESPACE_NAME_LABEL: "d", "env": env})}
    grown = dataclasses.replace(m, namespaces=namespaces, workloads=(*m.workloads, *later))
    reduced = dataclasses.replace(_without(m, any_pod), namespaces=namespaces, workloads=grown.workloads)
    assert _connectivity(reduced, grown) == _connectivity(grown, grown)
