"""The finite vocabulary of an encoding (no z3 here): which namespaces, label keys and values,
named ports and workload classes the formula talks about.

Why a finite vocabulary is exact: a label selector only ever compares a key with constants, so
every value that no selector mentions behaves the same way; one OTHER code per key stands for
all of them. Keys that no selector mentions cannot change any verdict and are dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from npaudit.model.types import (
    NAMESPACE_NAME_LABEL,
    IPAddress,
    LabelSelector,
    Model,
    Protocol,
    Workload,
)


@dataclass(frozen=True, slots=True)
class PodClass:
    """Workloads that no selector, named port or address can tell apart. `workloads` is sorted;
    the first one represents the class in counterexamples."""

    namespace: str
    labels: tuple[tuple[str, str], ...]  # restricted to vocabulary keys, sorted
    named_ports: tuple[tuple[str, int, Protocol], ...]  # restricted to vocabulary names
    ips: tuple[IPAddress, ...]
    workloads: tuple[Workload, ...]


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Codes: namespace i = index in `namespaces`, OTHER = len(namespaces). Pod label key k:
    0 = absent, i+1 = `pod_values[k][i]`, len+1 = OTHER. Namespace label keys the same."""

    namespaces: tuple[str, ...]
    namespace_labels: Mapping[str, Mapping[str, str]]
    ns_values: Mapping[str, tuple[str, ...]]
    pod_values: Mapping[str, tuple[str, ...]]
    port_names: tuple[str, ...]
    classes: tuple[PodClass, ...]
    #: hostNetwork workloads: outside NetworkPolicy enforcement, left out of the classes.
    host_network: tuple[Workload, ...] = ()

    @property
    def other_ns(self) -> int:
        return len(self.namespaces)

    def ns_code(self, name: str) -> int:
        return self.namespaces.index(name)

    def pod_code(self, key: str, value: str | None) -> int:
        if value is None:
            return 0
        values = self.pod_values[key]
        return values.index(value) + 1 if value in values else len(values) + 1

    def ns_label_code(self, key: str, value: str | None) -> int:
        if value is None:
            return 0
        values = self.ns_values[key]
        return values.index(value) + 1 if value in values else len(values) + 1


def _collect(selectors: Iterable[LabelSelector], into: dict[str, set[str]]) -> None:
    for sel in selectors:
        for req in sel.requirements:
            into.setdefault(req.key, set()).update(req.values)


def _policy_selectors(model: Model) -> tuple[list[LabelSelector], list[LabelSelector], set[str]]:
    pod_sels: list[LabelSelector] = []
    ns_sels: list[LabelSelector] = []
    names: set[str] = set()
    for pol in model.policies:
        pod_sels.append(pol.pod_selector)
        for rule in (*pol.ingress, *pol.egress):
            for peer in rule.peers:
                if peer.pod_selector is not None:
                    pod_sels.append(peer.pod_selector)
                if peer.namespace_selector is not None:
                    ns_sels.append(peer.namespace_selector)
            names.update(p.port for p in rule.ports if isinstance(p.port, str))
    return pod_sels, ns_sels, names


def build_vocabulary(
    model: Model,
    *,
    extra_pod_selectors: Iterable[LabelSelector] = (),
    extra_ns_selectors: Iterable[LabelSelector] = (),
    extra_port_names: Iterable[str] = (),
) -> Vocabulary:
    """The vocabulary of `model` plus the selectors of the properties that will be asked."""
    pod_sels, ns_sels, names = _policy_selectors(model)
    pod_keys: dict[str, set[str]] = {}
    ns_keys: dict[str, set[str]] = {NAMESPACE_NAME_LABEL: set()}
    _collect([*pod_sels, *extra_pod_selectors], pod_keys)
    _collect([*ns_sels, *extra_ns_selectors], ns_keys)
    names.update(extra_port_names)
    namespaces = set(model.namespaces)
    namespaces.update(w.namespace for w in model.workloads)
    namespaces.update(p.namespace for p in model.policies)
    ns_labels = {n: dict(model.namespace_labels(n)) for n in sorted(namespaces)}
    for labels in ns_labels.values():
        for key in ns_keys.keys() & labels.keys():
            ns_keys[key].add(labels[key])
    enforced = [w for w in model.workloads if not w.host_network]
    for w in enforced:
        for key in pod_keys.keys() & w.labels.keys():
            pod_keys[key].add(w.labels[key])
    port_names = tuple(sorted(names))
    return Vocabulary(
        namespaces=tuple(sorted(namespaces)),
        namespace_labels=ns_labels,
        ns_values={k: tuple(sorted(v)) for k, v in sorted(ns_keys.items())},
        pod_values={k: tuple(sorted(v)) for k, v in sorted(pod_keys.items())},
        port_names=port_names,
        classes=_classes(enforced, frozenset(pod_keys), frozenset(port_names)),
        host_network=tuple(w for w in model.workloads if w.host_network),
    )


def workload_sort_key(w: Workload) -> tuple[str, str, str]:
    return (w.namespace, w.name, w.kind)


def _classes(workloads: list[Workload], keys: frozenset[str], names: frozenset[str]) -> tuple[PodClass, ...]:
    groups: dict[tuple[object, ...], list[Workload]] = {}
    for w in sorted(workloads, key=workload_sort_key):
        labels = tuple(sorted((k, v) for k, v in w.labels.items() if k in keys))
        ports = tuple(sorted({(p.name, p.port, p.protocol) for p in w.ports if p.name in names}))
        ips = tuple(sorted(set(w.pod_ips), key=lambda a: (a.version, int(a))))
        groups.setdefault((w.namespace, labels, ports, ips), []).append(w)
    out = [
        PodClass(ns, labels, ports, ips, tuple(ws))  # type: ignore[arg-type]
        for (ns, labels, ports, ips), ws in groups.items()
    ]
    return tuple(sorted(out, key=lambda c: workload_sort_key(c.workloads[0])))
