"""Things never in a repository that connectivity questions depend on: the cluster DNS.

When the input holds no DNS pod but its policies refer to one, `with_cluster_dns` adds the
standard CoreDNS workload (kube-system, `k8s-app: kube-dns`, UDP/TCP 53) marked with the
annotation `ASSUMED_ANNOTATION`, so "ui reaches DNS" can be listed; outputs say it was assumed.
"""

from __future__ import annotations

import dataclasses

from npaudit.model.selectors import matches
from npaudit.model.types import NAMESPACE_NAME_LABEL, ContainerPort, Model, Namespace, Protocol, Workload

ASSUMED_ANNOTATION = "npaudit.io/assumed"
DNS_NAMESPACE = "kube-system"
DNS_LABELS = {"k8s-app": "kube-dns"}


def cluster_dns() -> Workload:
    return Workload(
        "Deployment", DNS_NAMESPACE, "coredns", dict(DNS_LABELS),
        ports=(ContainerPort(53, Protocol.UDP, "dns"), ContainerPort(53, Protocol.TCP, "dns-tcp"),
               ContainerPort(9153, Protocol.TCP, "metrics")),
        annotations={ASSUMED_ANNOTATION: "cluster DNS (not in the input)"},
    )


def has_dns(model: Model) -> bool:
    return any(w.namespace == DNS_NAMESPACE and matches_dns(w) for w in model.workloads)


def matches_dns(workload: Workload) -> bool:
    return all(workload.labels.get(k) == v for k, v in DNS_LABELS.items())


def refers_to_dns(model: Model) -> bool:
    """True when a rule peer picks the DNS pods by label (a non-empty podSelector matching them
    in a namespace that kube-system's labels satisfy)."""
    dns, ns_labels = cluster_dns(), model.namespace_labels(DNS_NAMESPACE)
    for policy in model.policies:
        for rule in (*policy.ingress, *policy.egress):
            for peer in rule.peers:
                if peer.pod_selector is None or peer.pod_selector.matches_all:
                    continue
                in_ns = (policy.namespace == DNS_NAMESPACE if peer.namespace_selector is None
                         else matches(peer.namespace_selector, ns_labels))
                if in_ns and matches(peer.pod_selector, dns.labels):
                    return True
    return False


def with_cluster_dns(model: Model) -> tuple[Model, Workload | None]:
    """The model plus an assumed DNS workload when policies refer to one the input lacks."""
    if has_dns(model) or not refers_to_dns(model):
        return model, None
    dns = cluster_dns()
    namespaces = dict(model.namespaces)
    if DNS_NAMESPACE not in namespaces:
        namespaces[DNS_NAMESPACE] = Namespace(DNS_NAMESPACE, {NAMESPACE_NAME_LABEL: DNS_NAMESPACE}, declared=False)
    return dataclasses.replace(model, namespaces=namespaces, workloads=(*model.workloads, dns)), dns


def is_assumed(workload: Workload) -> bool:
    return ASSUMED_ANNOTATION in workload.annotations
