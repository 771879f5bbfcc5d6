"""Validity checks, on plain data. Expectations come from the Kubernetes validation rules
(apimachinery/pkg/util/validation, pkg/apis/networking/validation), not from running the code."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from npaudit.findings import Severity
from npaudit.validate import (
    RULE_IPBLOCK,
    RULE_LABEL,
    RULE_NONCANONICAL_CIDR,
    RULE_PEER,
    RULE_POLICY_TYPES,
    RULE_PORT,
    RULE_SELECTOR,
    Issue,
    ipblock_issues,
    label_value_problems,
    object_issues,
    parse_cidr,
    peer_issues,
    policy_issues,
    policy_port_issues,
    policy_types_issues,
    port_name_problems,
    qualified_name_problems,
    selector_issues,
)


def _rules(issues: list[Issue]) -> set[tuple[str, tuple[str | int, ...]]]:
    return {(i.rule_id, i.path) for i in issues}


# --- CIDRs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["10.0.0.0/33", "10.0.0.0", "10.0.0.0/", "10.0.0/8", "256.0.0.0/8", "10.0.0.0/255.0.0.0", "2001:db8::/129",
     "fe80::1%eth0/64", " 10.0.0.0/8", "10.0.0.0/+8", "10.0.0.0/8/8", "", "/8", "abc/8"],
)
def test_invalid_cidrs_are_rejected(text: str) -> None:
    parsed = parse_cidr(text)
    assert parsed.network is None and parsed.error


@pytest.mark.parametrize(
    ("text", "network", "warns"),
    [
        ("10.0.0.0/8", "10.0.0.0/8", False),
        ("0.0.0.0/0", "0.0.0.0/0", False),
        ("192.168.1.7/32", "192.168.1.7/32", False),
        ("2001:db8::/64", "2001:db8::/64", False),
        # accepted by ParseCIDRSloppy, with an API warning: host bits, leading zeros
        ("10.0.0.1/8", "10.0.0.0/8", True),
        ("010.000.000.000/8", "10.0.0.0/8", True),
        ("10.0.0.0/08", "10.0.0.0/8", True),
        ("2001:db8::1/64", "2001:db8::/64", True),
    ],
)
def test_valid_cidrs_and_their_networks(text: str, network: str, warns: bool) -> None:
    parsed = parse_cidr(text)
    assert parsed.error is None
    assert parsed.network == ipaddress.ip_network(network)
    assert bool(parsed.warnings) is warns


@given(st.ip_addresses(), st.integers(min_value=0, max_value=128))
def test_parse_cidr_agrees_with_ipaddress(address: ipaddress.IPv4Address | ipaddress.IPv6Address, prefix: int) -> None:
    text = f"{address}/{prefix}"
    parsed = parse_cidr(text)
    if prefix > address.max_prefixlen:
        assert parsed.network is None
        return
    assert parsed.network == ipaddress.ip_network((address, prefix), strict=False)
    host_bits = parsed.network.network_address != address
    assert any("bits set" in w for w in parsed.warnings) is host_bits


def test_except_must_be_a_strict_subset_of_the_same_family() -> None:
    block = {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16", "10.0.0.0/8", "11.0.0.0/16", "::/0", "10.0.0.0/7", "bad"]}
    issues = ipblock_issues(block, ("ipBlock",))
    errors = {i.path for i in issues if i.rule_id == RULE_IPBLOCK}
    assert errors == {("ipBlock", "except", k) for k in (1, 2, 3, 4, 5)}


def test_host_bits_are_a_warning_not_an_error() -> None:
    issues = ipblock_issues({"cidr": "10.0.0.5/8"}, ("ipBlock",))
    assert [(i.rule_id, i.severity) for i in issues] == [(RULE_NONCANONICAL_CIDR, Severity.WARNING)]


def test_empty_cidr_is_an_error() -> None:
    assert _rules(ipblock_issues({"cidr": ""}, ())) == {(RULE_IPBLOCK, ("cidr",))}


# --- names and labels ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["http", "metrics", "h2c", "a-b", "x" * 15, "web-8080"])
def test_valid_port_names(name: str) -> None:
    assert port_name_problems(name) == []


@pytest.mark.parametrize("name", ["", "80", "HTTP", "-http", "http-", "ht--tp", "x" * 16, "http_alt", "ht.tp"])
def test_invalid_port_names(name: str) -> None:
    assert port_name_problems(name)


@pytest.mark.parametrize("key", ["app", "app.kubernetes.io/name", "kubernetes.io/metadata.name", "A_b.c-d", "x" * 63])
def test_valid_label_keys(key: str) -> None:
    assert qualified_name_problems(key) == []


@pytest.mark.parametrize("key", ["", "/app", "app/", "a/b/c", "-app", "app-", "x" * 64, "Example.com/app", "a b"])
def test_invalid_label_keys(key: str) -> None:
    assert qualified_name_problems(key)


@pytest.mark.parametrize(("value", "ok"), [("", True), ("v1.2_3-x", True), ("x" * 63, True), ("x" * 64, False), ("-a", False), ("a b", False)])
def test_label_values(value: str, ok: bool) -> None:
    assert (label_value_problems(value) == []) is ok


# --- selectors ----------------------------------------------------------------------------


def test_selector_operators_and_values() -> None:
    selector = {
        "matchExpressions": [
            {"key": "a", "operator": "In", "values": ["x"]},  # fine
            {"key": "b", "operator": "In", "values": []},  # empty values with In
            {"key": "c", "operator": "NotIn"},  # missing values with NotIn
            {"key": "d", "operator": "Exists", "values": ["x"]},  # values with Exists
            {"key": "e", "operator": "DoesNotExist", "values": []},  # empty list is fine
            {"key": "f", "operator": "in", "values": ["x"]},  # operators are case-sensitive
            {"key": "bad key", "operator": "Exists"},
            {"key": "g", "operator": "In", "values": ["bad value"]},
        ],
        "matchLabels": {"ok": "yes", "bad/key/x": "v"},
    }
    got = _rules(selector_issues(selector, ("s",)))
    me = ("s", "matchExpressions")
    assert got == {
        (RULE_SELECTOR, me + (1, "values")),
        (RULE_SELECTOR, me + (2,)),
        (RULE_SELECTOR, me + (3, "values")),
        (RULE_SELECTOR, me + (5, "operator")),
        (RULE_SELECTOR, me + (6, "key")),
        (RULE_SELECTOR, me + (7, "values", 0)),
        (RULE_SELECTOR, ("s", "matchLabels", "bad/key/x")),
    }


# --- ports, peers, policy types -----------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "paths"),
    [
        ({}, set()),
        ({"protocol": "UDP", "port": 53}, set()),
        ({"port": 8000, "endPort": 9000}, set()),
        ({"port": 8000, "endPort": 8000}, set()),
        ({"port": "http"}, set()),
        ({"protocol": "tcp"}, {("protocol",)}),
        ({"protocol": "ICMP"}, {("protocol",)}),
        ({"protocol": ""}, {("protocol",)}),
        ({"port": 0}, {("port",)}),
        ({"port": 65536}, {("port",)}),
        ({"port": 9000, "endPort": 8000}, {("endPort",)}),
        ({"port": 80, "endPort": 70000}, {("endPort",)}),
        ({"port": "http", "endPort": 90}, {("endPort",)}),
        ({"endPort": 90}, {("endPort",)}),
        ({"port": "80"}, {("port",)}),  # a string is a port *name*, and a name needs a letter
    ],
)
def test_policy_port_entries(entry: dict[str, object], paths: set[tuple[str, ...]]) -> None:
    issues = policy_port_issues(entry, ())
    assert {i.path for i in issues} == paths
    assert all(i.rule_id == RULE_PORT and i.severity is Severity.ERROR for i in issues)


@pytest.mark.parametrize(
    ("peer", "paths"),
    [
        ({"podSelector": {}}, set()),
        ({"namespaceSelector": {}, "podSelector": {"matchLabels": {"a": "b"}}}, set()),
        ({"ipBlock": {"cidr": "10.0.0.0/8"}}, set()),
        ({}, {()}),
        (None, {()}),
        ({"podSelector": None, "namespaceSelector": None}, {()}),
        ({"ipBlock": {"cidr": "10.0.0.0/8"}, "namespaceSelector": {}}, {("ipBlock",)}),
        ({"ipBlock": {"cidr": "10.0.0.0/8"}, "podSelector": {}}, {("ipBlock",)}),
    ],
)
def test_peers(peer: object, paths: set[tuple[str, ...]]) -> None:
    issues = peer_issues(peer, ())
    assert {i.path for i in issues} == paths
    assert all(i.rule_id == RULE_PEER for i in issues)


def test_policy_types() -> None:
    assert policy_types_issues(["Ingress", "Egress"], ("p",)) == []
    assert _rules(policy_types_issues(["Ingress", "egress"], ("p",))) == {(RULE_POLICY_TYPES, ("p", 1))}
    dup = policy_types_issues(["Egress", "Egress"], ("p",))
    assert [(i.path, i.severity) for i in dup] == [(("p", 1), Severity.WARNING)]
    # more than two: one error for the whole list (the API server stops there)
    assert _rules(policy_types_issues(["Ingress", "Egress", "Ingress"], ("p",))) == {(RULE_POLICY_TYPES, ("p",))}


def test_policy_issues_walk_every_rule() -> None:
    spec = {
        "podSelector": {"matchExpressions": [{"key": "a", "operator": "Bogus"}]},
        "ingress": [None, {"from": [{}], "ports": [{"port": 0}]}],
        "egress": [{"to": [{"ipBlock": {"cidr": "1.2.3.0/33"}}]}],
        "policyTypes": ["Ingress", "Sideways"],
    }
    got = _rules(policy_issues(spec))
    assert got == {
        (RULE_SELECTOR, ("spec", "podSelector", "matchExpressions", 0, "operator")),
        (RULE_PEER, ("spec", "ingress", 1, "from", 0)),
        (RULE_PORT, ("spec", "ingress", 1, "ports", 0, "port")),
        (RULE_IPBLOCK, ("spec", "egress", 0, "to", 0, "ipBlock", "cidr")),
        (RULE_POLICY_TYPES, ("spec", "policyTypes", 1)),
    }


def test_workload_labels_and_container_ports() -> None:
    deployment = {
        "metadata": {"labels": {"ok": "v"}},
        "spec": {
            "selector": {"matchLabels": {"app": "bad value"}},
            "template": {
                "metadata": {"labels": {"app/": "x"}},
                "spec": {
                    "containers": [{"name": "c", "ports": [{"containerPort": 0, "name": "HTTP", "protocol": "tcp"}]}],
                    "initContainers": [{"name": "i", "ports": [{"containerPort": 70000}]}],
                },
            },
        },
    }
    got = _rules(object_issues("Deployment", deployment))
    pod = ("spec", "template", "spec")
    assert got == {
        (RULE_SELECTOR, ("spec", "selector", "matchLabels", "app")),
        (RULE_LABEL, ("spec", "template", "metadata", "labels", "app/")),
        (RULE_PORT, pod + ("containers", 0, "ports", 0, "containerPort")),
        (RULE_PORT, pod + ("containers", 0, "ports", 0, "name")),
        (RULE_PORT, pod + ("containers", 0, "ports", 0, "protocol")),
        (RULE_PORT, pod + ("initContainers", 0, "ports", 0, "containerPort")),
    }


def test_wrong_types_are_left_to_the_schema() -> None:
    spec = {"podSelector": "x", "ingress": {"a": 1}, "egress": [{"to": "x", "ports": [5]}], "policyTypes": "Ingress"}
    assert policy_issues(spec) == []
    assert object_issues("Pod", {"metadata": [], "spec": {"containers": "x"}}) == []


def test_map_selectors_of_services_and_replication_controllers() -> None:
    bad = {"spec": {"selector": {"a b": "x", "ok": "bad value"}}}
    for kind in ("Service", "ReplicationController"):
        got = _rules(object_issues(kind, bad))
        assert got == {(RULE_SELECTOR, ("spec", "selector", "a b")), (RULE_SELECTOR, ("spec", "selector", "ok"))}, kind
    assert object_issues("Pod", {"spec": {"selector": {"a b": "x"}}}) == []  # a Pod has no selector
