"""Synthetic cluster topology: namespaces and workloads (with Services) of a benchmark size.

Everything is drawn from one `random.Random(seed)`, in a fixed order, so the same seed gives
the same cluster. The layout imitates a GitOps repository: one folder per namespace, one file
per application (its Deployments/StatefulSets and their Services), one policy file per
namespace, plus `namespaces.yaml` and `kube-system/coredns.yaml`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

# Role -> (kind, tier, app.kubernetes.io/component, [(port name, number, protocol)]).
# The same port *name* maps to different numbers on different roles ("http" is 3000 on a ui
# and 8080 on an api), which is what makes named-port resolution per destination matter.
ROLES: dict[str, tuple[str, str, str, list[tuple[str, int, str]]]] = {
    "ui": ("Deployment", "frontend", "frontend", [("http", 3000, "TCP"), ("metrics", 9090, "TCP")]),
    "api": ("Deployment", "backend", "service", [("http", 8080, "TCP"), ("grpc", 9000, "TCP"), ("metrics", 9090, "TCP")]),
    "worker": ("Deployment", "backend", "worker", [("metrics", 9091, "TCP"), ("statsd", 8125, "UDP")]),
    "postgresql": ("StatefulSet", "database", "database", [("postgres", 5432, "TCP"), ("metrics", 9187, "TCP")]),
    "mysql": ("StatefulSet", "database", "database", [("mysql", 3306, "TCP"), ("metrics", 9104, "TCP")]),
    "redis": ("StatefulSet", "cache", "cache", [("redis", 6379, "TCP"), ("metrics", 9121, "TCP")]),
    "kafka": ("StatefulSet", "messaging", "broker", [("kafka", 9092, "TCP"), ("jmx", 5555, "TCP")]),
    "sctp-gw": ("Deployment", "backend", "gateway", [("sigtran", 2905, "SCTP"), ("http", 8080, "TCP")]),
    "log-agent": ("DaemonSet", "infra", "logging", [("metrics", 2020, "TCP"), ("syslog", 5140, "UDP")]),
}
DATABASE_ROLES = ("postgresql", "mysql")

_NS_WORDS = (
    "payments", "catalog", "orders", "checkout", "search", "accounts", "billing", "shipping",
    "inventory", "reviews", "recommend", "notify", "auth", "media", "analytics", "reporting",
    "gateway", "pricing", "promo", "loyalty", "support", "fraud", "ledger", "tax",
)
_APP_WORDS = (
    "cart", "order", "product", "user", "invoice", "stock", "price", "session", "image",
    "email", "report", "rating", "coupon", "refund", "audit", "quote", "label", "route",
)
_INFRA_WORDS = {
    "monitoring": ("prometheus", "grafana", "alertmanager", "loki", "tempo", "otel-collector"),
    "ingress": ("controller", "external-dns", "cert-manager"),
}
TEAMS = ("red", "blue", "green", "gold", "teal", "plum")
VERSIONS = ("v1", "v2", "v3", "v4", "v5")


@dataclass(frozen=True, slots=True)
class Size:
    name: str
    namespaces: int
    workloads: int
    policies: int


SIZES: dict[str, Size] = {
    "S": Size("S", 5, 50, 50),
    "M": Size("M", 20, 1_000, 200),
    "L": Size("L", 50, 10_000, 1_000),
    "XL": Size("XL", 50, 10_000, 2_000),
    # The peer comparison points of the performance issue (NCA needs minutes here).
    "P200": Size("P200", 20, 200, 200),
    "P500": Size("P500", 35, 500, 500),
}


def parse_size(text: str) -> Size:
    """A named size (S, M, L, XL, P200, P500) or a custom `NSxWORKLOADSxPOLICIES`."""
    key = text.strip()
    if key.upper() in SIZES:
        return SIZES[key.upper()]
    parts = key.lower().split("x")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        ns, wl, pol = (int(p) for p in parts)
        if ns >= 3 and wl >= ns and pol >= 1:
            return Size(key, ns, wl, pol)
    raise ValueError(f"unknown size {text!r}: use S, M, L, XL, P200, P500 or NSxWORKLOADSxPOLICIES (NS >= 3)")


@dataclass(slots=True)
class Workload:
    namespace: str
    app: str  # the application (file) it belongs to
    role: str
    name: str
    labels: dict[str, str]
    replicas: int


@dataclass(slots=True)
class NamespaceSpec:
    name: str
    labels: dict[str, str]
    purpose: str  # "monitoring", "ingress" or "app"
    apps: dict[str, list[Workload]] = field(default_factory=dict)

    @property
    def workloads(self) -> list[Workload]:
        return [w for ws in self.apps.values() for w in ws]


def namespace_names(count: int) -> list[str]:
    """`monitoring`, `ingress-nginx`, then application namespaces (word, then word-2, ...)."""
    names = ["monitoring", "ingress-nginx"]
    i = 0
    while len(names) < count:
        word = _NS_WORDS[i % len(_NS_WORDS)]
        round_ = i // len(_NS_WORDS)
        names.append(word if round_ == 0 else f"{word}-{round_ + 1}")
        i += 1
    return names[:count]


def make_namespaces(rng: random.Random, count: int) -> list[NamespaceSpec]:
    out = []
    for name in namespace_names(count):
        purpose = {"monitoring": "monitoring", "ingress-nginx": "ingress"}.get(name, "app")
        labels = {"team": rng.choice(TEAMS), "env": rng.choice(("prod", "prod", "staging"))}
        if purpose != "app":
            labels["purpose"] = purpose
        if rng.random() < 0.3:  # some repos spell out the label the API server adds anyway
            labels["kubernetes.io/metadata.name"] = name
        out.append(NamespaceSpec(name, labels, purpose))
    return out


def _labels(rng: random.Random, ns: NamespaceSpec, app: str, role: str, name: str) -> dict[str, str]:
    kind, tier, component, _ = ROLES[role]
    labels = {
        "app": name,
        "app.kubernetes.io/name": role,
        "app.kubernetes.io/instance": app,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": app,
        "tier": tier,
        "team": ns.labels["team"],
        "component": role,
        "version": rng.choice(VERSIONS),
    }
    if role in DATABASE_ROLES:
        labels["app.kubernetes.io/team"] = "database"
    if rng.random() < 0.1:
        labels["canary"] = "true"
    # Labels no selector ever mentions, unique per workload: they must not split classes.
    if kind == "Deployment":
        labels["pod-template-hash"] = "%010x" % rng.getrandbits(40)
    else:
        labels["controller-revision-hash"] = f"{name}-{rng.getrandbits(32):08x}"
    labels["helm.sh/chart"] = f"{app}-1.{rng.randrange(10)}.{rng.randrange(10)}"
    return labels


def _app_roles(rng: random.Random, purpose: str) -> list[str]:
    if purpose == "monitoring":
        return ["api", "ui"]  # prometheus-like and grafana-like
    if purpose == "ingress":
        return ["api"]
    roles = ["api"]
    if rng.random() < 0.5:
        roles.insert(0, "ui")
    if rng.random() < 0.4:
        roles.append("worker")
    if rng.random() < 0.6:
        roles.append(rng.choice(DATABASE_ROLES))
    if rng.random() < 0.35:
        roles.append("redis")
    if rng.random() < 0.08:
        roles.append("kafka")
    if rng.random() < 0.03:
        roles.append("sctp-gw")
    if rng.random() < 0.05:
        roles.append("log-agent")
    return roles


def _split(rng: random.Random, total: int, spaces: list[NamespaceSpec]) -> list[int]:
    """`total` workloads split over the namespaces, unevenly (teams differ in size); the
    monitoring and ingress namespaces are small."""
    parts = len(spaces)
    weights = [rng.uniform(0.5, 1.5) * (1.0 if ns.purpose == "app" else 0.1) for ns in spaces]
    scale = (total - parts) / sum(weights)
    counts = [1 + int(w * scale) for w in weights]
    for i in range(total - sum(counts)):
        counts[i % parts] += 1
    return counts


def _numbered(words: tuple[str, ...], n: int) -> str:
    """The n-th (1-based) name: the words in order, then word2, word3, ..."""
    word = words[(n - 1) % len(words)]
    round_ = (n - 1) // len(words)
    return word if round_ == 0 else f"{word}{round_ + 1}"


def make_cluster(rng: random.Random, namespaces: int, workloads: int) -> list[NamespaceSpec]:
    spaces = make_namespaces(rng, namespaces)
    for ns, quota in zip(spaces, _split(rng, workloads, spaces)):
        n = 0
        while quota > 0:
            n += 1
            app = _numbered(_INFRA_WORDS.get(ns.purpose, _APP_WORDS), n)
            roles = _app_roles(rng, ns.purpose)[:quota]
            quota -= len(roles)
            members = []
            for role in roles:
                name = f"{app}-{role}"
                replicas = rng.randint(1, 3)
                members.append(Workload(ns.name, app, role, name, _labels(rng, ns, app, role, name), replicas))
            ns.apps[app] = members
    return spaces
