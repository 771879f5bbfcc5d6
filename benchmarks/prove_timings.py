"""Prove timings on a synthetic size-L model (10,000 workloads, 1,000 policies, 50 namespaces):
formula build, then each built-in property query. Run: `python -m benchmarks.prove_timings`."""

from __future__ import annotations

import ipaddress
import random
import time

from npaudit.encode import EndpointSelector, Scope, build_prover
from npaudit.model.types import (
    NAMESPACE_NAME_LABEL,
    ContainerPort,
    Direction,
    IPBlock,
    LabelSelector,
    Model,
    Namespace,
    Operator,
    Peer,
    Policy,
    PortSpec,
    Protocol,
    Requirement,
    Rule,
    Workload,
)
from npaudit.properties import parse_property


def _sel(**kv: str) -> LabelSelector:
    return LabelSelector(tuple(sorted(Requirement(k, Operator.IN, (v,)) for k, v in kv.items())))


def synthetic(n_workloads: int = 10_000, n_policies: int = 1_000, n_ns: int = 50, seed: int = 7) -> Model:
    rnd = random.Random(seed)
    names = [f"ns{i}" for i in range(n_ns)]
    namespaces = {n: Namespace(n, {NAMESPACE_NAME_LABEL: n, "env": rnd.choice(["prod", "dev"])}) for n in names}
    tiers = ["web", "api", "db", "cache"]
    workloads = tuple(
        Workload("Deployment", names[i % n_ns], f"w{i}",
                 {"app": f"app{i % 1000}", "tier": tiers[i % 4], "app.kubernetes.io/name": "ui" if i % 97 == 0 else f"svc{i % 50}",
                  **({"app.kubernetes.io/team": "database"} if i % 4 == 2 else {})},
                 (ContainerPort(8080, Protocol.TCP, "http"), ContainerPort(5432 + i % 3, Protocol.TCP, "db")))
        for i in range(n_workloads)
    )
    policies = []
    for i in range(n_policies):
        ns = names[i % n_ns]
        pod = _sel(app=f"app{rnd.randrange(1000)}") if i % 5 else LabelSelector()
        peers = (
            Peer(_sel(env="prod"), _sel(tier=rnd.choice(tiers))),
            Peer(pod_selector=LabelSelector((Requirement("tier", Operator.IN, ("api", "web")),
                                             Requirement("canary", Operator.DOES_NOT_EXIST)))),
            Peer(ip_block=IPBlock(ipaddress.ip_network(f"10.{i % 256}.0.0/16"), (ipaddress.ip_network(f"10.{i % 256}.1.0/24"),))),
        )
        ports = (PortSpec(Protocol.TCP, "http"), PortSpec(Protocol.TCP, 8000 + i % 100, 8100 + i % 100), PortSpec(Protocol.UDP, 53))
        ingress = (Rule(Direction.INGRESS, 0, peers[: 1 + i % 3], ports[: 1 + i % 3]),)
        egress = (Rule(Direction.EGRESS, 0, (Peer(_sel(**{NAMESPACE_NAME_LABEL: "kube-system"}), _sel(**{"k8s-app": "kube-dns"})),),
                       (PortSpec(Protocol.UDP, 53), PortSpec(Protocol.TCP, 53))),)
        types = frozenset({Direction.INGRESS, Direction.EGRESS}) if i % 3 == 0 else frozenset({Direction.INGRESS})
        policies.append(Policy(ns, f"p{i}", pod, types, ingress, egress if i % 3 == 0 else ()))
    return Model(namespaces, workloads, tuple(policies))


def main() -> None:
    from npaudit.rulebook import builtin_catalogue

    t0 = time.perf_counter()
    model = synthetic()
    t1 = time.perf_counter()
    rules = [r for r in builtin_catalogue().rules.values() if r.kind in ("deny-reach", "must-reach", "default-deny")]
    settings = {"properties": [{"id": r.id, "kind": r.kind, "params": dict(r.params)} for r in rules]}
    prover = build_prover(model, settings)
    t2 = time.perf_counter()
    print(f"model: {len(model.workloads)} workloads, {len(model.policies)} policies, "
          f"{len(prover.enc.vocab.classes)} classes (generated in {t1 - t0:.2f} s)")
    print(f"build formula: {t2 - t1:.2f} s")
    for rule in rules:
        prop = parse_property(rule.id, rule.kind, rule.params)
        for scope in (Scope.WORKLOADS, Scope.ANY_POD):
            start = time.perf_counter()
            if prop.kind == "default-deny":
                assert prop.direction is not None
                out = prover.isolation(prop.direction, "ns1", scope=scope)
            else:
                out = prover.reach(must=prop.must, src=prop.src, dst=prop.dst, ports=prop.ports, scope=scope)
            print(f"{rule.id:22} {scope.value:9} {out.verdict.value:9} {time.perf_counter() - start:6.2f} s")
    start = time.perf_counter()
    prover.reach(must=False, src=(EndpointSelector(),), dst=(EndpointSelector(),), scope=Scope.ANY_POD)
    print(f"{'any -> any':22} any-pod   {time.perf_counter() - start:6.2f} s")


if __name__ == "__main__":
    main()
