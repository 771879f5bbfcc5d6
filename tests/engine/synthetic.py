"""A deterministic synthetic cluster as a `Model` (engine scaling checks without the loader).

`synthetic_model(namespaces, workloads, policies)`: apps with role/tier/team labels plus a
unique `name` label per workload (only some selectors use it), named ports that differ per
role, and policies mixing default-deny, matchLabels, matchExpressions, namespace+pod peers,
ipBlock egress with excepts, DNS egress to kube-system, named ports and endPort ranges.
"""

from __future__ import annotations

import random

from npaudit.model.types import Model
from tests.engine.factory import EG, IN, TCP, UDP, block, model, ns, peer, pod, policy, port, sel

ROLES = {"ui": 3000, "api": 8080, "db": 5432, "cache": 6379, "worker": 9000}


def synthetic_model(n_ns: int, n_work: int, n_pol: int, seed: int = 0) -> Model:
    rng = random.Random(seed)
    names = [f"ns{i}" for i in range(n_ns)]
    namespaces = [ns(n, team=f"t{i % 7}", env=rng.choice(["prod", "dev"])) for i, n in enumerate(names)]
    namespaces.append(ns("kube-system"))
    workloads = [pod("kube-system", "coredns", {"k8s-app": "kube-dns"}, ports=[(53, UDP, "dns"), (53, TCP, "dns-tcp")])]
    for i in range(n_work):
        role = rng.choice(list(ROLES))
        labels = {"role": role, "app": f"app{rng.randrange(40)}", "tier": rng.choice(["fe", "be", "data"])}
        if rng.random() < 0.5:
            labels["name"] = f"w{i}"
        workloads.append(pod(rng.choice(names), f"w{i}", labels, ports=[(ROLES[role], TCP, "http"), (9090, TCP, "metrics")]))
    policies = []
    for i in range(n_pol):
        n = names[i % n_ns]
        kind = i % 6
        if kind == 0:
            policies.append(policy(n, f"deny{i}", types=[IN, EG]))
        elif kind == 1:
            policies.append(policy(n, f"dns{i}", egress=[([peer(sel({"k8s-app": "kube-dns"}), sel({"kubernetes.io/metadata.name": "kube-system"}))], [port(53, UDP), port(53, TCP)])], types=[EG]))
        elif kind == 2:
            policies.append(policy(n, f"app{i}", sel({"app": f"app{rng.randrange(40)}"}), ingress=[([peer(sel({"role": "ui"}), sel({"team": f"t{rng.randrange(7)}"}))], [port("http")])]))
        elif kind == 3:
            policies.append(policy(n, f"expr{i}", sel(None, ("role", "In", ["db", "cache"])), ingress=[([peer(sel(None, ("tier", "NotIn", ["fe"]), ("name", "Exists", [])))], [port(5000, TCP, 7000)])]))
        elif kind == 4:
            policies.append(policy(n, f"out{i}", sel({"tier": "be"}), egress=[([block("0.0.0.0/0", "10.0.0.0/8", f"172.{16 + i % 16}.0.0/16")], [port(443)]), ([peer(sel({"role": "db"}))], [port("http")])], types=[EG]))
        else:
            policies.append(policy(n, f"one{i}", sel({"name": f"w{rng.randrange(n_work)}"}), ingress=[([peer(sel({"app": f"app{rng.randrange(40)}"}), sel({"env": "prod"}))], [port("metrics"), port(8000, TCP, 8100)])]))
    return model(namespaces, workloads, policies)
