"""The model-only hygiene rules on hand-made models; expectations follow the Kubernetes
NetworkPolicy semantics (see /work/shared/reference/semantics.md)."""

from __future__ import annotations

from npaudit.model.types import Direction, Operator, Protocol
from tests.unit.hygiene_models import (
    ip_peer,
    model,
    ns_peer,
    pod_peer,
    policy,
    port,
    rule,
    run,
    sel,
    workload,
)

ING, EG = Direction.INGRESS, Direction.EGRESS


def test_policy_selects_only_its_own_namespace() -> None:
    w = workload("shop", "api", {"app": "api"})
    here = policy("shop", "ok", sel({"app": "api"}))
    elsewhere = policy("other", "wrong-ns", sel({"app": "api"}))  # same labels, other namespace
    found = run("policy-selects-no-workload", model([w], [here, elsewhere]))
    assert [f.anchor for f in found] == ["NetworkPolicy other/wrong-ns spec.podSelector"]
    assert found[0].span == elsewhere.pod_selector.span


def test_policy_selects_no_workload_is_silent_without_workloads() -> None:
    assert run("policy-selects-no-workload", model([], [policy("a", "p", sel({"x": "y"}))])) == []


def test_notin_matches_pods_without_the_key() -> None:
    w = workload("shop", "api", {"app": "api"})
    p = policy("shop", "p", sel(tier=(Operator.NOT_IN, ("db",))))
    assert run("policy-selects-no-workload", model([w], [p])) == []


def test_pod_only_peer_searches_the_policy_namespace() -> None:
    ui = workload("ui", "ui", {"app": "ui"})
    orders = workload("orders", "orders", {"app": "orders"})
    bad = pod_peer({"app": "ui"})  # no namespaceSelector: pods of `orders` only
    good = pod_peer({"app": "ui"}, {"kubernetes.io/metadata.name": "ui"})
    p = policy("orders", "allow", sel({"app": "orders"}), ingress=[rule(ING, 0, [bad, good])])
    found = run("peer-selects-nothing", model([ui, orders], [p], declared=["ui", "orders"]))
    assert [f.anchor for f in found] == ["NetworkPolicy orders/allow spec.ingress[0].from[0].podSelector"]
    assert found[0].span == bad.pod_selector.span


def test_namespace_selector_matching_nothing_needs_declared_namespaces() -> None:
    w = workload("shop", "api", {"app": "api"})
    peer = ns_peer({"team": "nobody"})
    p = policy("shop", "p", sel({"app": "api"}), ingress=[rule(ING, 0, [peer])])
    assert run("peer-selects-nothing", model([w], [p])) == []  # no Namespace declared: not judged
    found = run("peer-selects-nothing", model([w], [p], declared=["shop"]))
    assert [f.anchor for f in found] == ["NetworkPolicy shop/p spec.ingress[0].from[0].namespaceSelector"]


def test_peer_naming_kube_system_is_not_searched() -> None:
    w = workload("shop", "api", {"app": "api"})
    dns = pod_peer({"k8s-app": "kube-dns"}, {"kubernetes.io/metadata.name": "kube-system"})
    p = policy("shop", "p", sel({}), egress=[rule(EG, 0, [dns])])
    assert run("peer-selects-nothing", model([w], [p], declared=["shop"])) == []
    found = run("peer-selects-nothing", model([w], [p], declared=["shop"]), external_namespaces=[])
    assert len(found) == 1 and "namespaceSelector" in found[0].anchor
    everywhere = pod_peer({"k8s-app": "kube-dns"}, any_ns=True)  # {} reaches kube-system too
    q = policy("shop", "q", sel({}), egress=[rule(EG, 0, [everywhere])])
    assert run("peer-selects-nothing", model([w], [q], declared=["shop"])) == []
    assert len(run("peer-selects-nothing", model([w], [q], declared=["shop"]), external_namespaces=[])) == 1


def test_peers_of_an_ignored_section_are_not_judged() -> None:
    w = workload("shop", "api", {"app": "api"})
    p = policy("shop", "p", sel({}), egress=[rule(EG, 0, [pod_peer({"app": "ghost"})])], types=[ING])
    assert run("peer-selects-nothing", model([w], [p])) == []


def test_host_network_selection() -> None:
    agent = workload("mon", "agent", {"app": "agent"}, host_network=True)
    api = workload("mon", "api", {"app": "api"})
    p1 = policy("mon", "all", sel({}))
    p2 = policy("mon", "api-only", sel({"app": "api"}))
    found = run("policy-on-host-network", model([agent, api], [p1, p2]))
    assert [f.anchor for f in found] == ["NetworkPolicy mon/all spec.podSelector"]
    assert "mon/agent[Deployment]" in found[0].message


def test_named_port_resolves_on_the_selected_pods_for_ingress() -> None:
    db = workload("d", "db", {"app": "db"}, [("pg", 5432, Protocol.TCP)])
    ok = policy("d", "ok", sel({"app": "db"}), ingress=[rule(ING, 0, [], [port("pg")])])
    udp = policy("d", "udp", sel({"app": "db"}), ingress=[rule(ING, 0, [], [port("pg", Protocol.UDP)])])
    typo = policy("d", "typo", sel({"app": "db"}), ingress=[rule(ING, 0, [], [port(5432), port("postgres")])])
    found = run("named-port-undefined", model([db], [ok, udp, typo]))
    assert sorted(f.anchor for f in found) == [
        "NetworkPolicy d/typo spec.ingress[0].ports[1]",
        "NetworkPolicy d/udp spec.ingress[0].ports[0]",
    ]
    assert any("declared with protocol TCP" in f.message for f in found)


def test_named_port_resolves_on_the_peer_for_egress() -> None:
    db = workload("d", "db", {"app": "db"}, [("pg", 5432, Protocol.TCP)])
    app = workload("d", "app", {"app": "app"}, [("http", 80, Protocol.TCP)])
    # `http` is declared by the source (app) but not by the destination (db): dead entry.
    p = policy("d", "p", sel({"app": "app"}), egress=[rule(EG, 0, [pod_peer({"app": "db"})], [port("http"), port("pg")])])
    found = run("named-port-undefined", model([db, app], [p]))
    assert [f.anchor for f in found] == ["NetworkPolicy d/p spec.egress[0].ports[0]"]


def test_named_port_toward_ipblock_only_in_egress() -> None:
    w = workload("d", "app", {"app": "app"}, [("http", 80, Protocol.TCP)])
    ing = policy("d", "in", sel({}), ingress=[rule(ING, 0, [ip_peer("10.0.0.0/8")], [port("http")])])
    eg = policy("d", "out", sel({}), egress=[rule(EG, 0, [ip_peer("10.0.0.0/8")], [port(443), port("http")])])
    found = run("named-port-to-ipblock", model([w], [ing, eg]))
    assert [f.anchor for f in found] == ["NetworkPolicy d/out spec.egress[0].ports[1]"]
    assert found[0].span == eg.egress[0].ports[1].span


def test_section_ignored_only_with_explicit_policy_types() -> None:
    r = rule(EG, 0, [pod_peer({"app": "x"})])
    implicit = policy("a", "implicit", sel({}), egress=[r])  # Egress implied by the section
    explicit = policy("a", "explicit", sel({}), egress=[r], types=[ING])
    empty = policy("a", "empty", sel({}), egress=[], types=[ING])
    found = run("policy-section-ignored", model([], [implicit, explicit, empty]))
    assert [f.anchor for f in found] == ["NetworkPolicy a/explicit spec.egress"]


def test_overly_permissive_shapes() -> None:
    everyone = rule(ING, 0, [])
    world = rule(ING, 0, [ip_peer("0.0.0.0/0", "10.0.0.0/8")])
    all_pods = rule(ING, 0, [pod_peer({}, any_ns=True)])
    narrow_ports = rule(ING, 0, [ip_peer("0.0.0.0/0")], [port(443)])
    all_tcp = rule(ING, 0, [ip_peer("::/0")], [port(None)])
    one_ns = rule(ING, 0, [ns_peer({"team": "a"})])
    ps = [policy("a", n, sel({}), ingress=[r]) for n, r in
          [("everyone", everyone), ("world", world), ("all-pods", all_pods), ("narrow", narrow_ports),
           ("all-tcp", all_tcp), ("one-ns", one_ns)]]
    found = run("overly-permissive", model([], ps))
    assert sorted(f.anchor for f in found) == [
        "NetworkPolicy a/all-pods spec.ingress[0].from[0]",
        "NetworkPolicy a/all-tcp spec.ingress[0].from[0]",
        "NetworkPolicy a/everyone spec.ingress[0]",
        "NetworkPolicy a/world spec.ingress[0].from[0]",
    ]


def test_overly_permissive_ignores_egress_by_default() -> None:
    p = policy("a", "out", sel({}), egress=[rule(EG, 0, [])])
    assert run("overly-permissive", model([], [p])) == []
    assert len(run("overly-permissive", model([], [p]), directions=["Egress"])) == 1


def test_not_isolated_uses_effective_policy_types() -> None:
    a = workload("n", "a", {"app": "a"})
    b = workload("n", "b", {"app": "b"})
    h = workload("n", "h", {"app": "h"}, host_network=True)
    # Only an egress section, no policyTypes: Ingress is implied, Egress too (non-empty section).
    p = policy("n", "p", sel({"app": "a"}), egress=[rule(EG, 0, [pod_peer({})])])
    m = model([a, b, h], [p])
    ing = run("not-isolated", m, direction="Ingress")
    eg = run("not-isolated", m, direction="Egress")
    assert [f.anchor for f in ing] == ["Deployment n/b ingress"]
    assert [f.anchor for f in eg] == ["Deployment n/b egress"]
    assert ing[0].span == b.labels_span


def test_empty_egress_without_policy_types_does_not_isolate_egress() -> None:
    a = workload("n", "a", {"app": "a"})
    p = policy("n", "p", sel({}), egress=[])
    assert [f.anchor for f in run("not-isolated", model([a], [p]), direction="Egress")] == ["Deployment n/a egress"]


def test_namespace_default_deny() -> None:
    a = workload("covered", "a", {"app": "a"})
    b = workload("open", "b", {"app": "b"})
    c = workload("allowall", "c", {"app": "c"})
    deny = policy("covered", "deny", sel({}), types=[ING])
    per_app = policy("open", "per-app", sel({"app": "b"}), types=[ING])
    allow_all = policy("allowall", "allow", sel({}), ingress=[rule(ING, 0, [])], types=[ING])
    m = model([a, b, c], [deny, per_app, allow_all], declared=["covered", "open", "allowall", "empty"])
    found = run("namespace-without-default-deny", m)
    assert sorted(f.anchor for f in found) == [
        "Namespace allowall default-deny ingress",
        "Namespace empty default-deny ingress",
        "Namespace open default-deny ingress",
    ]
    eg = run("namespace-without-default-deny", m, directions=["Egress"])
    assert len(eg) == 4
