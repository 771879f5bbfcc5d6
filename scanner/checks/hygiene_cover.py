"""Exact coverage of one allow by others, on the scanned workloads (the set engine of the
redundancy rules).

A *grant* is what one rule (or one peer or port entry of it) admits for a subject pod x in one
direction: a set of peer workloads and a set of external addresses, times the ports of its
`ports` list, resolved on the destination (x for ingress, the peer for egress; an address
outside the cluster has no named ports). `uncovered(target, others)` answers "does the union of
`others` admit everything `target` admits?" exactly, by refining the target's peers into
classes that the same covering grants contain and comparing port sets per class.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from npaudit.algebra.addresses import AddressSet
from npaudit.algebra.ports import PortSet
from npaudit.checks.hygiene_index import SelectionIndex, iter_bits
from npaudit.checks.hygiene_onesided import resolve_ports
from npaudit.model.types import Direction, Peer, Policy, PortSpec, Rule, Workload

ALL_ADDRESSES = AddressSet.from_network(ipaddress.ip_network("0.0.0.0/0")).union(
    AddressSet.from_network(ipaddress.ip_network("::/0"))
)
NO_ADDRESSES = AddressSet()


@dataclass(frozen=True, slots=True)
class Grant:
    """(peer workloads | external addresses) x ports; `label` names it in messages."""

    pods: int
    addresses: AddressSet
    ports: tuple[PortSpec, ...]
    label: str
    policy: Policy
    rule: Rule


def peers_grant(index: SelectionIndex, policy: Policy, rule: Rule, peers: Sequence[Peer] | None,
                ports: tuple[PortSpec, ...], label: str) -> Grant:
    """A grant for `peers` (None = the rule has no from/to: every pod and every address)."""
    if peers is None:
        return Grant(index.all, ALL_ADDRESSES, ports, label, policy, rule)
    pods = 0
    addresses = NO_ADDRESSES
    for p in peers:
        pods |= index.peer_pods(policy, p)
        if p.ip_block is not None:
            addresses = addresses.union(AddressSet.from_block(p.ip_block))
    return Grant(pods, addresses, ports, label, policy, rule)


def rule_grant(index: SelectionIndex, policy: Policy, rule: Rule) -> Grant:
    label = f"{policy.namespace}/{policy.name} {rule.path.removeprefix('spec.')}"
    return peers_grant(index, policy, rule, rule.peers if rule.peers else None, rule.ports, label)


def _intersect(a: AddressSet, b: AddressSet) -> AddressSet:
    return a.difference(a.difference(b))


class Coverage:
    """Decides coverage for one subject workload x and one direction."""

    def __init__(self, index: SelectionIndex, subject: Workload, direction: Direction) -> None:
        self.index = index
        self.subject = subject
        self.direction = direction
        self._no_ports = Workload("", "", "")  # an address outside the cluster: no containerPorts

    def _ports(self, specs: tuple[PortSpec, ...], peer: Workload | None) -> PortSet:
        """Ports of `specs` toward the destination: x for ingress; for egress the peer workload
        (None = an external address)."""
        if self.direction is Direction.INGRESS:
            return resolve_ports(specs, self.subject)
        return resolve_ports(specs, peer if peer is not None else self._no_ports)

    def uncovered(self, target: Grant, others: Iterable[Grant]) -> tuple[bool, list[Grant]]:
        """(True, []) when something `target` admits is admitted by none of `others`;
        otherwise (False, the covering grants that overlap it)."""
        others = list(others)
        used: dict[int, Grant] = {}
        for group_mask, peer in self._pod_groups(target, others):
            if self._pods_uncovered(target, others, group_mask, peer, used):
                return True, []
        if target.addresses and self._addresses_uncovered(target, others, used):
            return True, []
        return False, list(used.values())

    def _pod_groups(self, target: Grant, others: list[Grant]) -> list[tuple[int, Workload | None]]:
        """Peer workloads grouped so that every grant's ports are the same within a group:
        one group, unless egress ports use names (resolved on each destination)."""
        named = any(p.is_named for g in (target, *others) for p in g.ports)
        if self.direction is Direction.INGRESS or not named or not target.pods:
            first = next(iter_bits(target.pods), None)
            return [(target.pods, self.index.workloads[first] if first is not None else None)]
        out = []
        for mask in self.index.port_groups.values():
            part = target.pods & mask
            if part:
                out.append((part, self.index.workloads[next(iter_bits(part))]))
        return out

    def _pods_uncovered(self, target: Grant, others: list[Grant], mask: int, peer: Workload | None,
                        used: dict[int, Grant]) -> bool:
        need = self._ports(target.ports, peer)
        if not mask or not need:
            return False
        classes: dict[PortSet, int] = {PortSet.empty(): mask}
        for g in others:
            gp = self._ports(g.ports, peer) & need
            if not gp or not g.pods & mask:
                continue
            used[id(g)] = g
            refined: dict[PortSet, int] = {}
            for acc, m in classes.items():
                inside, outside = m & g.pods, m & ~g.pods
                for key, part in ((acc | gp, inside), (acc, outside)):
                    if part and not need.issubset(key):
                        refined[key] = refined.get(key, 0) | part
            classes = refined
            if not classes:
                return False
        return bool(classes)

    def _addresses_uncovered(self, target: Grant, others: list[Grant], used: dict[int, Grant]) -> bool:
        need = self._ports(target.ports, None)
        if not need:
            return False
        classes: list[tuple[PortSet, AddressSet]] = [(PortSet.empty(), target.addresses)]
        for g in others:
            gp = self._ports(g.ports, None) & need
            if not gp or not g.addresses:
                continue
            refined: list[tuple[PortSet, AddressSet]] = []
            for acc, part in classes:
                inside = _intersect(part, g.addresses)
                if inside:
                    used[id(g)] = g
                for key, piece in ((acc | gp, inside), (acc, part.difference(g.addresses))):
                    if piece and not need.issubset(key):
                        refined.append((key, piece))
            classes = refined
            if not classes:
                return False
        return bool(classes)
