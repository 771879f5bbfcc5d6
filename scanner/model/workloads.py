"""Workload objects (Pod, Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob,
ReplicationController) -> `Workload` values, and bare Pods grouped by their controller.

- Labels are the *pod template's* labels: selectors see pods, not the controller object.
- Container ports: those of `containers` plus those of sidecar containers (init containers with
  `restartPolicy: Always`), the same set Kubernetes searches to resolve a named port
  (`FindPort`); ordinary init containers have finished before the pod serves traffic.
- A Pod with a controller `ownerReference` (`controller: true`) is grouped with the other pods
  of that owner into one Workload named after the owner (`ns/<replicaset>[ReplicaSet]`), as
  netpol-analyzer does; pod IPs accumulate, `replicas` counts the pods, and the first pod's
  labels stand for the group. When the owner object itself is in the input, its pods only add
  their IPs to it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from npaudit.document import JsonPath
from npaudit.model.objects import ObjectInfo, template_of
from npaudit.model.policies import string_map
from npaudit.model.types import ContainerPort, IPAddress, Protocol, Workload
from npaudit.validate import get_path, items_of

#: Labels Kubernetes sets per pod (not per template); they differ between the pods of one
#: owner by design, so they do not make a group's labels "inconsistent".
PER_POD_LABELS = frozenset({
    "statefulset.kubernetes.io/pod-name",
    "apps.kubernetes.io/pod-index",
    "batch.kubernetes.io/job-completion-index",
    "controller-revision-hash",
    "pod-template-generation",
    "pod-template-hash",
})

#: Controllers whose replica count defaults to 1 when `spec.replicas` is omitted.
_REPLICATED = frozenset({"Deployment", "ReplicaSet", "StatefulSet", "ReplicationController"})


def _container_ports(obj: ObjectInfo, template: JsonPath) -> tuple[ContainerPort, ...]:
    ports: list[ContainerPort] = []
    for section in ("containers", "initContainers"):
        for c_index, container in enumerate(items_of(get_path(obj.doc.data, template + ("spec", section)))):
            if section == "initContainers" and get_path(container, ("restartPolicy",)) != "Always":
                continue  # a plain init container has exited before the pod serves traffic
            for p_index, entry in enumerate(items_of(get_path(container, ("ports",)))):
                number = get_path(entry, ("containerPort",))
                if not isinstance(number, int) or isinstance(number, bool):
                    continue
                name = get_path(entry, ("name",))
                ports.append(
                    ContainerPort(
                        port=number,
                        protocol=Protocol(get_path(entry, ("protocol",)) or "TCP"),
                        name=name if isinstance(name, str) and name else None,
                        span=obj.doc.value_span(template + ("spec", section, c_index, "ports", p_index)),
                    )
                )
    return tuple(ports)


def pod_ips(data: Mapping[str, object]) -> tuple[IPAddress, ...]:
    """`status.podIP` and `status.podIPs[].ip` (cluster snapshots only), unique, in order."""
    texts = [get_path(data, ("status", "podIP"))]
    texts += [get_path(entry, ("ip",)) for entry in items_of(get_path(data, ("status", "podIPs")))]
    out: list[IPAddress] = []
    for text in texts:
        if not isinstance(text, str):
            continue
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            continue  # status is written by the kubelet; a garbled value carries no address
        if address not in out:
            out.append(address)
    return tuple(out)


def _replicas(obj: ObjectInfo) -> int | None:
    if obj.kind == "Pod":
        return 1
    value = get_path(obj.doc.data, ("spec", "replicas"))
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return 1 if obj.kind in _REPLICATED else None


def build_workload(obj: ObjectInfo) -> Workload:
    template = template_of(obj.kind)
    assert template is not None
    data = obj.doc.data
    return Workload(
        kind=obj.kind,
        namespace=obj.namespace,
        name=obj.name,
        labels=string_map(get_path(data, template + ("metadata", "labels"))),
        ports=_container_ports(obj, template),
        host_network=get_path(data, template + ("spec", "hostNetwork")) is True,
        pod_ips=pod_ips(data) if obj.kind == "Pod" else (),
        replicas=_replicas(obj),
        annotations=string_map(get_path(data, ("metadata", "annotations"))),
        span=obj.span,
        labels_span=obj.doc.key_span(template + ("metadata", "labels")),
    )


def controller_of(data: Mapping[str, object]) -> tuple[str, str] | None:
    """(kind, name) of the pod's managing controller (`ownerReferences[].controller: true`)."""
    for ref in items_of(get_path(data, ("metadata", "ownerReferences"))):
        if get_path(ref, ("controller",)) is True:
            kind, name = get_path(ref, ("kind",)), get_path(ref, ("name",))
            if isinstance(kind, str) and kind and isinstance(name, str) and name:
                return kind, name
    return None


@dataclass(slots=True)
class _Group:
    first: Workload
    ips: list[IPAddress] = field(default_factory=list)
    ports: list[ContainerPort] = field(default_factory=list)
    count: int = 0
    label_mismatch: bool = False


def group_workloads(objects: list[ObjectInfo]) -> tuple[tuple[Workload, ...], list[str]]:
    """Workloads in input order; owned Pods are folded into their owner's group. Returns the
    workloads and notes about groups whose pods disagree on template labels."""
    declared: dict[tuple[str, str, str], Workload] = {}
    groups: dict[tuple[str, str, str], _Group] = {}
    order: list[tuple[str, str, str]] = []
    for obj in objects:
        workload = build_workload(obj)
        owner = controller_of(obj.doc.data) if obj.kind == "Pod" else None
        if owner is None:
            declared[workload.ref.kind, workload.namespace, workload.name] = workload
            order.append((workload.kind, workload.namespace, workload.name))
            continue
        key = (owner[0], obj.namespace, owner[1])
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(replace(workload, kind=owner[0], name=owner[1], pod_ips=(), replicas=None))
            order.append(key)
        _add_pod(group, workload)
    return _assemble(order, declared, groups)


def _add_pod(group: _Group, pod: Workload) -> None:
    group.count += 1
    group.ips.extend(ip for ip in pod.pod_ips if ip not in group.ips)
    known = {(p.port, p.protocol, p.name) for p in group.ports}
    group.ports.extend(p for p in pod.ports if (p.port, p.protocol, p.name) not in known)
    stable = {k: v for k, v in pod.labels.items() if k not in PER_POD_LABELS}
    if stable != {k: v for k, v in group.first.labels.items() if k not in PER_POD_LABELS}:
        group.label_mismatch = True


def _assemble(
    order: list[tuple[str, str, str]],
    declared: dict[tuple[str, str, str], Workload],
    groups: dict[tuple[str, str, str], _Group],
) -> tuple[tuple[Workload, ...], list[str]]:
    out: list[Workload] = []
    notes: list[str] = []
    seen: set[tuple[str, str, str]] = set()
    for key in order:
        if key in seen:
            continue
        seen.add(key)
        group = groups.get(key)
        if key in declared:
            base = declared[key]
            if group is not None:  # the owner object is in the input: its pods add their IPs
                base = replace(base, pod_ips=tuple(dict.fromkeys((*base.pod_ips, *group.ips))))
            out.append(base)
            continue
        assert group is not None
        out.append(replace(group.first, pod_ips=tuple(group.ips), ports=tuple(group.ports), replicas=group.count))
        if group.label_mismatch:
            notes.append(
                f"the pods of {group.first.display} have different labels; the first pod's labels "
                f"({group.first.span}) stand for all {group.count}"
            )
    return tuple(out), notes
