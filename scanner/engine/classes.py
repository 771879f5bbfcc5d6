"""Equivalence classes of workloads: two workloads are in one class when no policy can tell them
apart - same namespace, same values for every label key any pod selector mentions, same
resolution of every named port any rule mentions, same external-address pieces holding their
known pod IPs, same hostNetwork flag. 10,000 replicas or look-alike workloads cost one class.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from npaudit.algebra.addresses import AddressRange, split_address_space
from npaudit.model.types import Direction, IPAddress, IPBlock, Model, ObjectRef, Policy, Protocol, Workload

NamedPorts = tuple[tuple[str, Protocol, int], ...]


@dataclass(frozen=True, slots=True)
class WorkloadClass:
    """`labels` hold only the selector-relevant keys; `named_ports` only the referenced names."""

    id: int
    namespace: str
    labels: Mapping[str, str]
    named_ports: NamedPorts
    ip_atoms: frozenset[int]
    host_network: bool
    workloads: tuple[Workload, ...]

    @property
    def representative(self) -> Workload:
        return self.workloads[0]


@dataclass(frozen=True, slots=True)
class Partition:
    """The workload classes and the external address pieces of one model."""

    classes: tuple[WorkloadClass, ...]
    externals: tuple[AddressRange, ...]
    #: class id of `model.workloads[i]`
    class_index: tuple[int, ...]
    by_ref: Mapping[ObjectRef, int]

    def class_of(self, workload: Workload) -> int:
        return self.by_ref[workload.ref]

    def external_of(self, address: IPAddress) -> int:
        """Index (into `externals`) of the piece holding `address`."""
        return _find_atom(self.externals, address)


def _rules(policy: Policy) -> Iterator:  # type: ignore[type-arg]
    yield from policy.ingress
    yield from policy.egress


def relevant_label_keys(model: Model) -> frozenset[str]:
    keys: set[str] = set()
    for policy in model.policies:
        keys |= policy.pod_selector.keys()
        for rule in _rules(policy):
            for peer in rule.peers:
                if peer.pod_selector is not None:
                    keys |= peer.pod_selector.keys()
    return frozenset(keys)


def referenced_port_names(model: Model) -> frozenset[tuple[str, Protocol]]:
    return frozenset(
        (spec.port, spec.protocol)
        for policy in model.policies
        for rule in _rules(policy)
        for spec in rule.ports
        if isinstance(spec.port, str)
    )


def ip_blocks(model: Model, direction: Direction | None = None) -> tuple[IPBlock, ...]:
    """ipBlocks of all rules, or only of the rules in force for `direction`."""
    return tuple(
        peer.ip_block
        for policy in model.policies
        for rule in (_rules(policy) if direction is None else policy.rules(direction))
        for peer in rule.peers
        if peer.ip_block is not None
    )


def display_ranges(
    model: Model, atoms: tuple[AddressRange, ...], direction: Direction
) -> tuple[tuple[AddressRange, ...], tuple[int, ...]]:
    """The coarser pieces used to list external peers on one side, as netpol-analyzer does:
    sources are cut only at ingress ipBlock boundaries (only ingress rules can tell two outside
    sources apart), destinations only at egress ones. Returns the pieces and, per atom, the
    index of the piece holding it (every atom lies inside exactly one piece)."""
    pieces = split_address_space(ip_blocks(model, direction), ipv6=any(a.version == 6 for a in atoms))
    starts = [(p.version, p.first_int) for p in pieces]
    owner = tuple(bisect.bisect_right(starts, (a.version, a.first_int)) - 1 for a in atoms)
    return pieces, owner


def _find_atom(atoms: tuple[AddressRange, ...], address: IPAddress) -> int:
    keys = [(a.version, a.first_int) for a in atoms]
    i = bisect.bisect_right(keys, (address.version, int(address))) - 1
    if i < 0 or not atoms[i].contains(address):
        raise KeyError(str(address))
    return i


def _atom_lookup(atoms: tuple[AddressRange, ...]) -> dict[int, list[int]]:
    return {v: [a.first_int for a in atoms if a.version == v] for v in (4, 6)}


def _ip_atoms(workload: Workload, atoms: tuple[AddressRange, ...], starts: dict[int, list[int]]) -> frozenset[int]:
    found = set()
    offset6 = len(starts[4])
    for ip in workload.pod_ips:
        if ip.version == 6 and not starts[6]:
            continue  # no IPv6 ipBlock anywhere: no policy can match this address
        i = bisect.bisect_right(starts[ip.version], int(ip)) - 1
        found.add(i if ip.version == 4 else offset6 + i)
    return frozenset(found)


def partition(model: Model) -> Partition:
    keys = relevant_label_keys(model)
    names = referenced_port_names(model)
    atoms = split_address_space(ip_blocks(model))
    starts = _atom_lookup(atoms)
    index: dict[tuple[object, ...], int] = {}
    members: list[list[Workload]] = []
    class_index: list[int] = []
    for w in model.workloads:
        labels = tuple(sorted((k, v) for k, v in w.labels.items() if k in keys))
        ports = tuple(sorted((cp.name, cp.protocol, cp.port) for cp in w.ports if (cp.name, cp.protocol) in names))
        key = (w.namespace, labels, ports, _ip_atoms(w, atoms, starts), w.host_network)
        cid = index.setdefault(key, len(members))
        if cid == len(members):
            members.append([])
        members[cid].append(w)
        class_index.append(cid)
    classes = tuple(
        WorkloadClass(cid, key[0], dict(key[1]), key[2], key[3], key[4], tuple(members[cid]))  # type: ignore[arg-type]
        for key, cid in index.items()
    )
    by_ref = {w.ref: class_index[i] for i, w in enumerate(model.workloads)}
    return Partition(classes, atoms, tuple(class_index), by_ref)
