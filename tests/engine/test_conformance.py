"""Conformance truth tables written from the Kubernetes NetworkPolicy documentation.

The model (conformance/base.yaml) has namespaces x, y, z with pods a, b, c each, serving 80 and
81 on TCP, UDP and SCTP. Each scenario file adds policies; its table gives, for every ordered
pair of the 9 pods and each probe port, whether the connection is allowed. A table is a list
of (verdict, "src->dst" glob) rules, first match wins, default allowed (no policy = allow).
Both the fast engine and the reference `decide` must reproduce every cell, and the manifests
go through the real loader and model builder.
"""

from __future__ import annotations

import fnmatch
import ipaddress
from pathlib import Path

import pytest

from npaudit.engine import analyze, decide
from npaudit.model.types import Model, Protocol, Workload

HERE = Path(__file__).parent / "conformance"
PODS = [f"{n}/{p}" for n in "xyz" for p in "abc"]
TCP, UDP, SCTP = Protocol.TCP, Protocol.UDP, Protocol.SCTP
PROBES = [(TCP, 80), (TCP, 81), (UDP, 80), (UDP, 81), (SCTP, 80), (SCTP, 81), (TCP, 9999)]
ALL = "*"

DENY_INTO_X = [("deny", "*->x/*")]
ONLY_INTO_XA = lambda *srcs: [*(("allow", f"{s}->x/a") for s in srcs), ("deny", "*->x/a")]  # noqa: E731

TABLES: dict[str, dict[object, list[tuple[str, str]]]] = {
    "deny-ingress": {ALL: DENY_INTO_X},
    "deny-egress": {ALL: [("deny", "x/*->*")]},
    "allow-all-ingress": {ALL: []},
    "empty-ingress-list": {ALL: DENY_INTO_X},
    "namespace-selector": {ALL: ONLY_INTO_XA("y/*")},
    "pod-selector": {ALL: ONLY_INTO_XA("x/b")},
    "both-one-peer": {ALL: ONLY_INTO_XA("y/b")},
    "two-peers": {ALL: ONLY_INTO_XA("y/*", "x/b")},
    "match-expressions": {ALL: ONLY_INTO_XA("x/b", "x/c", "z/b", "z/c")},
    "policy-types-default": {
        (TCP, 80): [("deny", "*->x/a"), ("allow", "x/a->y/*"), ("deny", "x/a->*")],
        ALL: [("deny", "*->x/a"), ("deny", "x/a->*")],
    },
    "ports": {
        (TCP, 81): [],
        (UDP, 80): ONLY_INTO_XA("z/*"),
        ALL: [("deny", "*->x/a")],
    },
    "end-port": {
        (TCP, 80): [],
        (TCP, 81): [],
        (TCP, 9999): [("deny", "*->x/a")],
        ALL: [("deny", "*->x/a"), ("deny", "*->x/b")],
    },
    "named-ports": {(UDP, 81): [], ALL: [("deny", "*->x/a")]},
    "ip-block": {ALL: [("deny", "x/a->*")]},
    "dns-egress": {ALL: [("deny", "x/*->*")]},
}


def _load(scenario: str) -> Model:
    from npaudit.load import load_paths
    from npaudit.model.build import build_model

    docs = load_paths([str(HERE / "base.yaml"), str(HERE / f"{scenario}.yaml")], root=HERE).documents
    built = build_model(docs)
    return built.model


def _expected(rules: list[tuple[str, str]], src: str, dst: str) -> bool:
    for verdict, pattern in rules:
        s, d = pattern.split("->")
        if fnmatch.fnmatchcase(src, s) and fnmatch.fnmatchcase(dst, d):
            return verdict == "allow"
    return True


def _pods(m: Model) -> dict[str, Workload]:
    return {f"{w.namespace}/{w.name}": w for w in m.workloads}


@pytest.mark.parametrize("scenario", sorted(TABLES))
def test_truth_table(scenario: str) -> None:
    m = _load(scenario)
    pods = _pods(m)
    conn = analyze(m)
    wrong = []
    for protocol, port in PROBES:
        table = TABLES[scenario].get((protocol, port), TABLES[scenario][ALL])
        for src in PODS:
            for dst in PODS:
                if src == dst:
                    continue
                want = _expected(table, src, dst)
                fast = conn.is_allowed(pods[src], pods[dst], protocol, port)
                ref = decide(m, pods[src], pods[dst], protocol, port).allowed
                if fast != want or ref != want:
                    wrong.append((protocol.value, port, src, dst, want, fast, ref))
    assert not wrong, wrong[:10]


def test_every_scenario_file_has_a_table() -> None:
    files = {p.stem for p in HERE.glob("*.yaml")} - {"base"}
    assert files == set(TABLES)


@pytest.mark.parametrize(
    ("address", "allowed"),
    [("10.2.3.4", True), ("10.0.0.0", True), ("10.255.255.255", True), ("10.1.2.3", False),
     ("10.1.255.255", False), ("11.0.0.1", False), ("9.255.255.255", False)],
)
def test_ip_block_with_except(address: str, allowed: bool) -> None:
    m = _load("ip-block")
    xa = _pods(m)["x/a"]
    ip = ipaddress.ip_address(address)
    conn = analyze(m)
    assert conn.is_allowed(xa, ip, UDP, 5000) is allowed
    assert decide(m, xa, ip, UDP, 5000).allowed is allowed
    # Ingress of x/a is not isolated: any address may connect to it.
    assert conn.is_allowed(ip, xa, TCP, 80) and decide(m, ip, xa, TCP, 80).allowed


def test_ip_block_pieces_are_cut_at_the_except() -> None:
    conn = analyze(_load("ip-block"))
    assert [str(r) for r in conn.externals] == [
        "0.0.0.0-9.255.255.255", "10.0.0.0-10.0.255.255", "10.1.0.0-10.1.255.255",
        "10.2.0.0-10.255.255.255", "11.0.0.0-255.255.255.255",
    ]


@pytest.mark.parametrize(
    ("protocol", "port", "allowed"),
    [(UDP, 53, True), (TCP, 53, True), (SCTP, 53, False), (UDP, 54, False), (TCP, 80, False)],
)
def test_dns_egress_to_kube_system(protocol: Protocol, port: int, allowed: bool) -> None:
    m = _load("dns-egress")
    pods = _pods(m)
    dns = pods["kube-system/coredns"]
    conn = analyze(m)
    for src in ("x/a", "x/b", "x/c"):
        assert conn.is_allowed(pods[src], dns, protocol, port) is allowed
        assert decide(m, pods[src], dns, protocol, port).allowed is allowed
    assert conn.is_allowed(pods["y/a"], dns, SCTP, 53)  # y is not isolated for egress
