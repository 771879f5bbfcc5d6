"""The cluster DNS model. CoreDNS (pods labelled `k8s-app: kube-dns` in `kube-system`, UDP and
TCP 53) is part of every cluster but almost never part of the repository that holds the
policies; properties such as "every workload can resolve names" need it, so it is added to the
model when absent, and the output says it was assumed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from npaudit.model.selectors import matches
from npaudit.model.types import (
    NAMESPACE_NAME_LABEL,
    ContainerPort,
    LabelSelector,
    Model,
    Namespace,
    Operator,
    Protocol,
    Requirement,
    Workload,
)

DEFAULT_DNS: Mapping[str, Any] = {
    "model": "auto",
    "namespace": "kube-system",
    "name": "coredns",
    "labels": {"k8s-app": "kube-dns"},
    "ports": [
        {"name": "dns", "port": 53, "protocol": "UDP"},
        {"name": "dns-tcp", "port": 53, "protocol": "TCP"},
    ],
}


@dataclass(frozen=True, slots=True)
class DnsModel:
    mode: str  # auto | always | never
    namespace: str
    name: str
    labels: Mapping[str, str]
    ports: tuple[ContainerPort, ...]

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DnsModel:
        raw = {**DEFAULT_DNS, **(config.get("dns") or {})}
        ports = tuple(
            ContainerPort(int(p["port"]), Protocol(str(p.get("protocol", "TCP"))), p.get("name"))
            for p in raw["ports"]
        )
        labels = {str(k): str(v) for k, v in dict(raw["labels"]).items()}
        return cls(str(raw["model"]), str(raw["namespace"]), str(raw["name"]), labels, ports)

    @classmethod
    def never(cls) -> DnsModel:
        """No modelled DNS (for models that already hold it)."""
        return replace(cls.from_config({}), mode="never")

    @property
    def selector(self) -> LabelSelector:
        return LabelSelector(tuple(Requirement(k, Operator.IN, (v,)) for k, v in sorted(self.labels.items())))

    def present(self, model: Model) -> bool:
        return any(w.namespace == self.namespace and matches(self.selector, w.labels) for w in model.workloads)


def with_dns(model: Model, dns: DnsModel) -> tuple[Model, Workload | None]:
    """The model plus the modelled DNS workload (and its namespace) when the config asks for it."""
    if dns.mode == "never" or (dns.mode == "auto" and dns.present(model)):
        return model, None
    workload = Workload("Deployment", dns.namespace, dns.name, dict(dns.labels), dns.ports)
    namespaces = dict(model.namespaces)
    if dns.namespace not in namespaces:
        namespaces[dns.namespace] = Namespace(dns.namespace, {NAMESPACE_NAME_LABEL: dns.namespace}, declared=False)
    return replace(model, namespaces=namespaces, workloads=(*model.workloads, workload)), workload
