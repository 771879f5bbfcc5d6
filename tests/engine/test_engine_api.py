"""The engine's public API on hand-built models: classes, per-side results, hostNetwork,
self-traffic, pair counting and explanations."""

from __future__ import annotations

import ipaddress

from npaudit.algebra import PortSet
from npaudit.engine import HostNetwork, analyze, explain
from npaudit.model.types import Protocol
from tests.engine.factory import EG, IN, TCP, UDP, block, model, ns, peer, pod, policy, port, sel


def _shop():  # type: ignore[no-untyped-def]
    web = pod("x", "web", {"app": "web", "version": "1"}, ports=[(8080, TCP, "http")])
    web2 = pod("x", "web-canary", {"app": "web", "version": "2"}, ports=[(8080, TCP, "http")])
    api = pod("x", "api", {"app": "api"}, ports=[(9090, TCP, "http")])
    node = pod("x", "agent", {"app": "agent"}, host_network=True)
    policies = [
        policy("x", "deny", types=[IN]),  # default deny ingress in x
        policy("x", "api-in", sel({"app": "api"}), ingress=[([peer(sel({"app": "web"}))], [port("http")])]),
        policy("x", "web-out", sel({"app": "web"}), egress=[([peer(sel({"app": "api"}))], [port("http")]),
                                                             ([block("0.0.0.0/0", "10.0.0.0/8")], [port(443)])], types=[EG]),
    ]
    return model([ns("x")], [web, web2, api, node], policies), web, web2, api, node


def test_workloads_differing_only_in_unselected_labels_share_a_class() -> None:
    m, web, web2, api, _ = _shop()
    conn = analyze(m)
    assert conn.class_of(web) == conn.class_of(web2) != conn.class_of(api)
    assert {w.name for w in conn.classes[conn.class_of(web)].workloads} == {"web", "web-canary"}


def test_named_port_resolves_per_destination_and_sides_are_separate() -> None:
    m, web, _, api, _ = _shop()
    conn = analyze(m)
    assert str(conn.allowed(web, api)) == "TCP 9090"  # "http" is 9090 on api
    assert conn.egress_allowed(web, api) == PortSet.of(TCP, 9090)
    assert conn.ingress_allowed(web, api) == PortSet.of(TCP, 9090)
    assert conn.egress_isolated(web) and conn.ingress_isolated(web) and not conn.egress_isolated(api)
    assert conn.is_allowed(web, ipaddress.ip_address("8.8.8.8"), TCP, 443)
    assert not conn.is_allowed(web, ipaddress.ip_address("10.1.1.1"), TCP, 443)


def test_host_network_workloads_are_reported_allowed_or_evaluated_as_pods() -> None:
    m, web, _, api, node = _shop()
    default = analyze(m)
    assert default.allowed(node, api).is_all and default.allowed(web, node).is_all
    assert default.host_network_workloads == (node,)
    assert all(f.host_network for f in default.flows() if node in (f.src, f.dst))
    as_pod = analyze(m, HostNetwork.AS_POD)
    assert as_pod.allowed(node, api).is_empty  # api admits only web
    assert as_pod.allowed(web, node).is_empty  # web egress reaches only api and outside


def test_flows_omit_self_and_count_pairs_matches_the_listing() -> None:
    m, web, web2, *_ = _shop()
    conn = analyze(m, HostNetwork.AS_POD)
    flows = list(conn.flows())
    assert all(f.src is not f.dst for f in flows)
    assert conn.count_pairs(include_external=False) == len([f for f in flows if "External" not in str(f)])
    # replicas of one workload class follow the policies (web egress does not admit web)
    assert conn.allowed(web, web2).is_empty


def test_explain_reports_admitting_rules_and_all_blockers() -> None:
    m, web, _, api, _ = _shop()
    exp = explain(m, web, api)
    assert str(exp.allowed) == "TCP 9090"
    assert [str(c.ref) for c in exp.egress.admitting] == ["x/web-out egress[0]"]
    assert [str(c.ref) for c in exp.ingress.admitting] == ["x/api-in ingress[0]"]
    denied = explain(m, api, web, port=8080, protocol=Protocol.TCP)
    assert denied.allowed.is_empty
    assert not denied.egress.isolated and denied.egress.blockers == ()  # api egress is open
    assert {p.name for p, _ in denied.ingress.blockers} == {"deny"}
    both = explain(m, web, api, port=5432)  # web egress admits only 9090 to api; api-in too
    assert {p.name for p, _ in both.egress.blockers} == {"web-out"}
    assert {p.name for p, _ in both.ingress.blockers} == {"deny", "api-in"}


def test_udp_named_port_is_not_matched_by_tcp_container_port() -> None:
    a = pod("x", "a", {"app": "a"}, ports=[(53, TCP, "dns")])
    m = model([ns("x")], [a, pod("x", "b")], [policy("x", "p", sel({"app": "a"}), ingress=[([], [port("dns", UDP)])])])
    assert analyze(m).allowed(m.workloads[1], a).is_empty
