"""NetworkPolicies for a synthetic cluster: a realistic mix drawn from one seeded RNG.

Per namespace first: default-deny (mostly; one namespace in seven has none, a coverage gap),
one policy or one per direction, and DNS egress to kube-system (`k8s-app: kube-dns`, UDP and
TCP 53) where egress is denied. Then allow policies until the size's total is reached:
same-namespace pod peers, namespace selectors, namespace+pod peers (AND), matchExpressions with
In/NotIn/Exists/DoesNotExist, ipBlock egress with `except` (IPv4 and IPv6), named ports,
endPort ranges, monitoring scrapes, ingress-controller access, database access, a few overly
permissive or dead policies and duplicates (hygiene material).
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable

from benchmarks.cluster import DATABASE_ROLES, ROLES, TEAMS, VERSIONS, NamespaceSpec, Workload

Doc = dict[str, object]
NAME_LABEL = "kubernetes.io/metadata.name"
DNS_PEER = {
    "namespaceSelector": {"matchLabels": {NAME_LABEL: "kube-system"}},
    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
}


def _policy(ns: str, name: str, selector: Doc, types: list[str] | None, **sections: object) -> Doc:
    spec: Doc = {"podSelector": selector}
    if types is not None:
        spec["policyTypes"] = types
    spec.update(sections)
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": ns},
        "spec": spec,
    }


def baseline_policies(rng: random.Random, ns: NamespaceSpec) -> list[Doc]:
    """Default deny (both directions) and DNS egress, as most teams start."""
    if rng.random() < 0.15:
        return []  # a namespace nobody locked down
    if rng.random() < 0.5:
        out = [_policy(ns.name, "default-deny", {}, ["Ingress", "Egress"])]
    else:
        out = [
            _policy(ns.name, "default-deny-ingress", {}, ["Ingress"]),
            _policy(ns.name, "default-deny-egress", {}, ["Egress"]),
        ]
    ports = [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
    if rng.random() < 0.1:
        ports = ports[:1]  # the classic mistake: DNS over TCP forgotten
    out.append(_policy(ns.name, "allow-dns-egress", {}, ["Egress"], egress=[{"to": [copy.deepcopy(DNS_PEER)], "ports": ports}]))
    return out


def _target_selector(rng: random.Random, w: Workload) -> Doc:
    r = rng.random()
    if r < 0.5:
        return {"matchLabels": {"app": w.name}}
    if r < 0.8:
        return {"matchLabels": {"app.kubernetes.io/instance": w.app, "app.kubernetes.io/component": w.labels["app.kubernetes.io/component"]}}
    return {
        "matchLabels": {"app.kubernetes.io/instance": w.app},
        "matchExpressions": [
            {"key": "tier", "operator": "In", "values": [w.labels["tier"]]},
            {"key": "canary", "operator": "DoesNotExist"},
        ],
    }


def _named_port(rng: random.Random, w: Workload) -> Doc:
    name, _, proto = rng.choice(ROLES[w.role][3])
    if rng.random() < 0.05:
        name = "admin"  # only the workloads with the exporter sidecar declare it
    return {"protocol": proto, "port": name}


def _numeric_port(rng: random.Random, w: Workload) -> Doc:
    _, number, proto = rng.choice(ROLES[w.role][3])
    entry: Doc = {"port": number}
    if proto != "TCP" or rng.random() < 0.7:
        entry = {"protocol": proto, "port": number}  # TCP is the default when omitted
    return entry


def _expressions(rng: random.Random) -> list[Doc]:
    pool: list[Doc] = [
        {"key": "tier", "operator": "In", "values": sorted(rng.sample(["frontend", "backend", "cache"], 2))},
        {"key": "version", "operator": "NotIn", "values": [rng.choice(VERSIONS)]},
        {"key": "team", "operator": "Exists"},
        {"key": "canary", "operator": "DoesNotExist"},
        {"key": "component", "operator": "In", "values": ["api", "worker"]},
    ]
    return rng.sample(pool, rng.randint(2, 4))


class PolicyMaker:
    """Draws allow policies for one cluster; `make(ns)` returns one policy for namespace `ns`."""

    def __init__(self, rng: random.Random, spaces: list[NamespaceSpec]) -> None:
        self.rng = rng
        self.spaces = spaces
        self.apps = [s for s in spaces if s.purpose == "app"] or spaces
        self.counter = 0
        self.made: list[Doc] = []
        self.kinds: list[tuple[float, Callable[[NamespaceSpec, Workload], Doc]]] = [
            (18, self.from_app), (13, self.from_ns_pods), (7, self.from_team), (10, self.from_expressions),
            (12, self.egress_api), (10, self.egress_ipblock), (8, self.port_range), (7, self.scrape),
            (4, self.from_ingress), (5, self.db_ingress), (2, self.permissive), (2, self.mixed),
            (1, self.dead), (1, self.duplicate),
        ]

    def _name(self, prefix: str, w: Workload) -> str:
        self.counter += 1
        return f"{prefix}-{w.name}-{self.counter}"

    def _peer_workload(self, ns: NamespaceSpec) -> Workload:
        return self.rng.choice(ns.workloads)

    def make(self, ns: NamespaceSpec) -> Doc:
        target = self.rng.choice(ns.workloads)
        weights = [w for w, _ in self.kinds]
        _, maker = self.rng.choices(self.kinds, weights=weights)[0]
        doc = maker(ns, target)
        self.made.append(doc)
        return doc

    def from_app(self, ns: NamespaceSpec, w: Workload) -> Doc:
        src = self._peer_workload(ns)
        peer = {"podSelector": {"matchLabels": {"app.kubernetes.io/instance": src.app, "tier": src.labels["tier"]}}}
        rule = {"from": [peer], "ports": [_named_port(self.rng, w)]}
        return _policy(ns.name, self._name("allow-from-app", w), _target_selector(self.rng, w), ["Ingress"], ingress=[rule])

    def from_ns_pods(self, ns: NamespaceSpec, w: Workload) -> Doc:
        peers = []
        for _ in range(self.rng.randint(1, 2)):
            other = self.rng.choice(self.apps)
            peers.append({
                "namespaceSelector": {"matchLabels": {NAME_LABEL: other.name}},
                "podSelector": {"matchLabels": {"app.kubernetes.io/name": self.rng.choice(("ui", "api", "worker"))}},
            })
        rule = {"from": peers, "ports": [_numeric_port(self.rng, w)]}
        return _policy(ns.name, self._name("allow-from-ns", w), _target_selector(self.rng, w), None, ingress=[rule])

    def from_team(self, ns: NamespaceSpec, w: Workload) -> Doc:
        peer = {"namespaceSelector": {"matchLabels": {"team": self.rng.choice(TEAMS), "env": "prod"}}}
        rule = {"from": [peer], "ports": [_named_port(self.rng, w), _numeric_port(self.rng, w)]}
        return _policy(ns.name, self._name("allow-from-team", w), _target_selector(self.rng, w), ["Ingress"], ingress=[rule])

    def from_expressions(self, ns: NamespaceSpec, w: Workload) -> Doc:
        peer: Doc = {"podSelector": {"matchExpressions": _expressions(self.rng)}}
        if self.rng.random() < 0.5:
            peer["namespaceSelector"] = {"matchExpressions": [
                {"key": "env", "operator": "In", "values": ["prod"]},
                {"key": "purpose", "operator": "DoesNotExist"},
            ]}
        rule = {"from": [peer], "ports": [_named_port(self.rng, w)]}
        return _policy(ns.name, self._name("allow-expr", w), _target_selector(self.rng, w), ["Ingress"], ingress=[rule])

    def egress_api(self, ns: NamespaceSpec, w: Workload) -> Doc:
        other = self.rng.choice(self.apps)
        peer = {
            "namespaceSelector": {"matchLabels": {NAME_LABEL: other.name}},
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "api"}},
        }
        ports = [{"protocol": "TCP", "port": self.rng.choice(("http", "grpc", 8080))}]
        return _policy(ns.name, self._name("egress-to-api", w), _target_selector(self.rng, w), ["Egress"], egress=[{"to": [peer], "ports": ports}])

    def egress_ipblock(self, ns: NamespaceSpec, w: Workload) -> Doc:
        r, k = self.rng.random(), self.rng.randrange(1, 250)
        if r < 0.4:
            block = {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]}
            ports: list[Doc] = [{"protocol": "TCP", "port": 443}]
        elif r < 0.7:
            block = {"cidr": f"10.{k}.0.0/16", "except": [f"10.{k}.{self.rng.randrange(256)}.0/24"]}
            ports = [{"protocol": "TCP", "port": 5432}, {"protocol": "TCP", "port": 6000, "endPort": 6100}]
        elif r < 0.85:
            block = {"cidr": "2001:db8::/32", "except": [f"2001:db8:{k:x}::/48"]}
            ports = [{"protocol": "TCP", "port": 443}]
        else:
            block = {"cidr": f"203.0.113.{self.rng.randrange(0, 256, 16)}/28"}
            ports = [{"protocol": "UDP", "port": 514}]
        rule = {"to": [{"ipBlock": block}], "ports": ports}
        return _policy(ns.name, self._name("egress-external", w), _target_selector(self.rng, w), ["Egress"], egress=[rule])

    def port_range(self, ns: NamespaceSpec, w: Workload) -> Doc:
        start = self.rng.choice((8000, 9000, 30000))
        proto = "UDP" if start == 30000 else "TCP"
        ports = [{"protocol": proto, "port": start, "endPort": start + self.rng.choice((10, 100, 2767))}]
        src = self._peer_workload(ns)
        rule = {"from": [{"podSelector": {"matchLabels": {"app": src.name}}}], "ports": ports}
        return _policy(ns.name, self._name("allow-range", w), _target_selector(self.rng, w), ["Ingress"], ingress=[rule])

    def scrape(self, ns: NamespaceSpec, w: Workload) -> Doc:
        peer = {
            "namespaceSelector": {"matchLabels": {"purpose": "monitoring"}},
            "podSelector": {"matchLabels": {"app.kubernetes.io/instance": "prometheus"}},
        }
        rule = {"from": [peer], "ports": [{"protocol": "TCP", "port": "metrics"}]}
        return _policy(ns.name, self._name("allow-scrape", w), {"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["database"]}]}, ["Ingress"], ingress=[rule])

    def from_ingress(self, ns: NamespaceSpec, w: Workload) -> Doc:
        peer = {"namespaceSelector": {"matchLabels": {"purpose": "ingress"}}}
        rule = {"from": [peer], "ports": [{"protocol": "TCP", "port": "http"}]}
        return _policy(ns.name, self._name("allow-ingress-nginx", w), {"matchLabels": {"app.kubernetes.io/name": "ui"}}, ["Ingress"], ingress=[rule])

    def db_ingress(self, ns: NamespaceSpec, w: Workload) -> Doc:
        dbs = [x for x in ns.workloads if x.role in DATABASE_ROLES]
        if not dbs:
            return self.from_app(ns, w)
        db = self.rng.choice(dbs)
        peer = {"podSelector": {"matchLabels": {"app.kubernetes.io/instance": db.app, "tier": "backend"}}}
        rule = {"from": [peer], "ports": [{"protocol": "TCP", "port": ROLES[db.role][3][0][0]}]}
        return _policy(ns.name, self._name("allow-db", db), {"matchLabels": {"app": db.name}}, ["Ingress"], ingress=[rule])

    def permissive(self, ns: NamespaceSpec, w: Workload) -> Doc:
        if self.rng.random() < 0.5:
            rule: Doc = {"from": [{"namespaceSelector": {}, "podSelector": {}}]}
        else:
            rule = {}
        return _policy(ns.name, self._name("allow-all", w), _target_selector(self.rng, w), None, ingress=[rule])

    def mixed(self, ns: NamespaceSpec, w: Workload) -> Doc:
        src, dst = self._peer_workload(ns), self._peer_workload(ns)
        ingress = [{"from": [{"podSelector": {"matchLabels": {"app": src.name}}}], "ports": [_named_port(self.rng, w)]}]
        egress = [
            {"to": [{"podSelector": {"matchLabels": {"app": dst.name}}}], "ports": [_numeric_port(self.rng, dst)]},
            {"to": [{"podSelector": {}}], "ports": [{"protocol": "TCP", "port": 8000, "endPort": 8100}]},
        ]
        return _policy(ns.name, self._name("app-traffic", w), _target_selector(self.rng, w), ["Ingress", "Egress"], ingress=ingress, egress=egress)

    def dead(self, ns: NamespaceSpec, w: Workload) -> Doc:
        """Left over after a rename: selects pods that no longer exist."""
        rule = {"from": [{"podSelector": {"matchLabels": {"app": f"{w.name}-legacy"}}}], "ports": [{"protocol": "TCP", "port": 80}]}
        return _policy(ns.name, self._name("allow-legacy", w), {"matchLabels": {"app": f"{w.name}-old"}}, ["Ingress"], ingress=[rule])

    def duplicate(self, ns: NamespaceSpec, w: Workload) -> Doc:
        """A copy of an earlier policy of this namespace under another name (redundant)."""
        same = [d for d in self.made if d["metadata"]["namespace"] == ns.name]  # type: ignore[index]
        if not same:
            return self.from_app(ns, w)
        doc = copy.deepcopy(self.rng.choice(same))
        doc["metadata"]["name"] = self._name("copy", w)  # type: ignore[index]
        return doc
