"""Kubernetes manifests (plain data) for the synthetic topology of `cluster.py`."""

from __future__ import annotations

import random

from benchmarks.cluster import ROLES, NamespaceSpec, Workload

_SELECTOR_KEYS = ("app", "app.kubernetes.io/instance")


def namespace_doc(ns: NamespaceSpec) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns.name, "labels": dict(ns.labels)}}


def _container(rng: random.Random, w: Workload) -> dict[str, object]:
    _, _, _, ports = ROLES[w.role]
    container: dict[str, object] = {
        "name": w.role,
        "image": f"registry.example.com/{w.app}/{w.role}:{w.labels['version']}.{rng.randrange(20)}",
        "ports": [{"name": name, "containerPort": number, "protocol": proto} for name, number, proto in ports],
        "resources": {
            "requests": {"cpu": f"{rng.choice((50, 100, 250, 500))}m", "memory": f"{rng.choice((64, 128, 256, 512))}Mi"},
            "limits": {"memory": f"{rng.choice((256, 512, 1024))}Mi"},
        },
    }
    if ports[0][2] == "TCP":
        container["readinessProbe"] = {"tcpSocket": {"port": ports[0][0]}, "periodSeconds": 10}
    return container


def _sidecar(rng: random.Random) -> dict[str, object]:
    """An exporter sidecar; its named port (`admin`) is declared only on some workloads."""
    return {
        "name": "exporter",
        "image": f"registry.example.com/tools/exporter:1.{rng.randrange(9)}",
        "ports": [{"name": "admin", "containerPort": 15000, "protocol": "TCP"}],
    }


def workload_doc(rng: random.Random, w: Workload) -> dict[str, object]:
    kind, _, _, _ = ROLES[w.role]
    containers = [_container(rng, w)]
    if rng.random() < 0.2:
        containers.append(_sidecar(rng))
    match = {k: w.labels[k] for k in _SELECTOR_KEYS}
    spec: dict[str, object] = {}
    if kind != "DaemonSet":
        spec["replicas"] = w.replicas
    if kind == "StatefulSet":
        spec["serviceName"] = w.name
    spec["selector"] = {"matchLabels": match}
    spec["template"] = {
        "metadata": {"labels": dict(w.labels)},
        "spec": {"serviceAccountName": w.app, "containers": containers},
    }
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": w.name, "namespace": w.namespace, "labels": {"app": w.name}},
        "spec": spec,
    }


def service_doc(w: Workload) -> dict[str, object]:
    _, _, _, ports = ROLES[w.role]
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": w.name, "namespace": w.namespace},
        "spec": {
            "selector": {k: w.labels[k] for k in _SELECTOR_KEYS},
            "ports": [
                {"name": name, "port": number, "targetPort": name, "protocol": proto}
                for name, number, proto in ports
            ],
        },
    }


def app_docs(rng: random.Random, members: list[Workload]) -> list[dict[str, object]]:
    """One application file: each workload followed by its Service (DaemonSets have none)."""
    docs: list[dict[str, object]] = []
    for w in members:
        docs.append(workload_doc(rng, w))
        if ROLES[w.role][0] != "DaemonSet":
            docs.append(service_doc(w))
    return docs


def coredns_docs() -> list[dict[str, object]]:
    """kube-system and CoreDNS as most clusters run them (labels `k8s-app: kube-dns`)."""
    labels = {"k8s-app": "kube-dns"}
    ports = [
        {"name": "dns", "containerPort": 53, "protocol": "UDP"},
        {"name": "dns-tcp", "containerPort": 53, "protocol": "TCP"},
        {"name": "metrics", "containerPort": 9153, "protocol": "TCP"},
    ]
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-system"}},
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "coredns", "namespace": "kube-system", "labels": dict(labels)},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": dict(labels)},
                "template": {
                    "metadata": {"labels": dict(labels)},
                    "spec": {"containers": [{"name": "coredns", "image": "registry.k8s.io/coredns/coredns:v1.11.1", "ports": ports}]},
                },
            },
        },
    ]
