"""One-sided allows: a rule admits traffic that the other end never admits back.

A connection needs the source's egress AND the destination's ingress. An egress peer is
one-sided when, for every pod the policy selects and every workload the peer matches, the
destination is isolated for ingress and none of its ingress rules admits that source on any of
the rule's ports - so nothing the peer allows can ever connect (mirror case: an ingress peer
whose sources' egress never reaches the selected pods). Decided exactly on the scanned
workloads, with ports as exact sets (named ports resolved on the destination).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from npaudit.algebra.ports import PortSet
from npaudit.checks.base import CheckContext, CheckKind, RuleMeta
from npaudit.checks.hygiene_representatives import extended_index_for
from npaudit.checks.hygiene_index import (
    SelectionIndex,
    first_span,
    names,
    policy_anchor,
    policy_name,
    render_peer,
)
from npaudit.findings import Finding, Related
from npaudit.model.types import Direction, Policy, PortSpec, Rule, Workload

ING, EG = Direction.INGRESS, Direction.EGRESS


def resolve_ports(specs: tuple[PortSpec, ...], dst: Workload) -> PortSet:
    """The ports a `ports` list admits toward `dst` (empty list = every port of every protocol)."""
    if not specs:
        return PortSet.all()
    out = PortSet.empty()
    for s in specs:
        if s.port is None:
            out |= PortSet.of(s.protocol)
        elif isinstance(s.port, int):
            out |= PortSet.of(s.protocol, s.port, s.end_port if s.end_port is not None else s.port)
        else:  # named: the destination's containerPort with that name and protocol
            for cp in dst.ports:
                if cp.name == s.port and cp.protocol is s.protocol:
                    out |= PortSet.of(s.protocol, cp.port)
    return out


@dataclass(frozen=True, slots=True)
class Verdict:
    """A dead peer: the other side's policies that refuse it, and one example pair."""

    blockers: tuple[Policy, ...]
    src: Workload
    dst: Workload
    ports: PortSet


class Sides:
    """Per-workload isolating policies and rule peer masks, built on demand."""

    def __init__(self, index: SelectionIndex) -> None:
        self.index = index
        self.host = sum(1 << i for i, w in enumerate(index.workloads) if w.host_network)
        self._isolating: dict[Direction, list[list[Policy]]] = {}
        self._peers: dict[tuple[int, Direction, int], int] = {}
        self._groups: dict[Direction, list[tuple[int, list[Policy]]]] = {}

    def isolating(self, direction: Direction, i: int) -> list[Policy]:
        table = self._isolating.get(direction)
        if table is None:
            table = [[] for _ in self.index.workloads]
            for p in self.index.model.policies:
                if direction in p.policy_types:
                    for k in _bits(self.index.selected(p)):
                        table[k].append(p)
            self._isolating[direction] = table
        return table[i]

    def peers(self, policy: Policy, rule: Rule) -> int:
        key = (id(policy), rule.direction, rule.index)
        mask = self._peers.get(key)
        if mask is None:
            mask = self.index.rule_peers(policy, rule)
            self._peers[key] = mask
        return mask

    def groups(self, direction: Direction) -> list[tuple[int, list[Policy]]]:
        """Workloads partitioned by (isolating policies, named container ports): members of a
        group get the same answer from every question below. Built once per direction."""
        cached = self._groups.get(direction)
        if cached is None:
            table: dict[tuple[object, ...], tuple[int, list[Policy]]] = {}
            for i in range(len(self.index.workloads)):
                policies = [] if self.host >> i & 1 else self.isolating(direction, i)
                key = (tuple(id(p) for p in policies), self.index.port_sig[i])
                mask, _ = table.get(key, (0, policies))
                table[key] = (mask | 1 << i, policies)
            cached = self._groups[direction] = list(table.values())
        return cached

    def egress_peer(self, r: Rule, sources: int, dests: int) -> Verdict | None:
        """Is every (source, destination) of an egress peer refused by the destination's ingress?"""
        blockers: dict[int, Policy] = {}
        example: Verdict | None = None
        for mask, policies in self.groups(ING):
            if not mask & dests:
                continue
            d = next(_bits(mask & dests))
            dst = self.index.workloads[d]
            wanted = resolve_ports(r.ports, dst)
            if not wanted:
                continue  # the rule's own (named) ports admit nothing here: named-port-undefined
            if not policies:
                return None  # not isolated for ingress (or hostNetwork): everything is admitted
            for p in policies:
                for q in p.rules(ING):
                    if self.peers(p, q) & sources and resolve_ports(q.ports, dst) & wanted:
                        return None
            blockers.update((id(p), p) for p in policies)
            if example is None:
                src = self.index.workloads[next(_bits(sources))]
                example = Verdict((), src, dst, wanted)
        if example is None:
            return None
        return Verdict(tuple(blockers.values()), example.src, example.dst, example.ports)

    def ingress_peer(self, r: Rule, sources: int, dests: int) -> Verdict | None:
        """Mirror: is every (source, destination) of an ingress peer refused by the source's egress?"""
        blockers: dict[int, Policy] = {}
        # destinations with the same named container ports resolve every port list the same way
        targets = [(m & dests, next(_bits(m & dests))) for m in self.index.port_groups.values() if m & dests]
        wanted = {d: resolve_ports(r.ports, self.index.workloads[d]) for _, d in targets}
        targets = [(m, d) for m, d in targets if wanted[d]]
        if not targets:
            return None
        for mask, policies in self.groups(EG):
            if not mask & sources:
                continue
            if not policies:
                return None  # a source not isolated for egress (or hostNetwork) sends anywhere
            for p in policies:
                for q in p.rules(EG):
                    hit = self.peers(p, q)
                    for m, d in targets:
                        if hit & m and resolve_ports(q.ports, self.index.workloads[d]) & wanted[d]:
                            return None
            blockers.update((id(p), p) for p in policies)
        m0, d0 = targets[0]
        src = self.index.workloads[next(_bits(sources))]
        return Verdict(tuple(blockers.values()), src, self.index.workloads[d0], wanted[d0])


def _bits(mask: int) -> Iterator[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def _one_sided(ctx: CheckContext, rule: RuleMeta) -> Iterator[Finding]:
    # peers are matched against the scanned workloads plus one representative pod per peer
    # selector: a peer that can match pods outside the scan is never judged dead
    index = extended_index_for(ctx.model)
    sides = Sides(index)
    for policy in ctx.model.policies:
        selected = index.selected(policy) & index.real & ~sides.host
        if not selected:
            continue
        for direction in (EG, ING):
            for r in policy.rules(direction):
                for j, peer in enumerate(r.peers):
                    if peer.ip_block is not None:
                        continue  # addresses outside the cluster have no policies of their own
                    others = index.peer_pods(policy, peer) & ~sides.host
                    if not others:
                        continue  # peer-selects-nothing reports it
                    verdict = (
                        sides.egress_peer(r, selected, others) if direction is EG
                        else sides.ingress_peer(r, others, selected)
                    )
                    if verdict is not None:
                        yield _finding(rule, index, policy, r, j, verdict, selected, others)


def _finding(
    rule: RuleMeta, index: SelectionIndex, policy: Policy, r: Rule, j: int, v: Verdict, selected: int, others: int
) -> Finding:
    egress = r.direction is EG
    key = "to" if egress else "from"
    path = f"{r.path}.{key}[{j}]"
    peer = r.peers[j]
    real = index.real
    srcs, dsts = (selected, others & real) if egress else (others & real, selected)
    srcs_w, dsts_w = index.members(srcs), index.members(dsts)
    blockers = ", ".join(f"{b.namespace}/{b.name}" for b in v.blockers)
    other_side = "ingress of the destinations" if egress else "egress of the sources"
    message = (
        f"{policy_name(policy)} {path} ({render_peer(peer)}) allows {names(srcs_w) or 'pods that could exist there'} -> {names(dsts_w) or 'pods that could exist there'} "
        f"(e.g. {v.src.display} -> {v.dst.display} on {v.ports}), but the {other_side} never admits it: "
        f"they are isolated by NetworkPolicy {blockers} and no {'ingress' if egress else 'egress'} rule there "
        f"admits this traffic; the connection can never succeed"
    )
    related = tuple(
        Related(b.span, f"{policy_name(b)} isolates the {'destination' if egress else 'source'} and does not admit it")
        for b in v.blockers[:5] if b.span is not None
    )
    return Finding(
        rule.id,
        rule.severity,
        message,
        first_span(peer.span, r.span, policy.span),
        policy_anchor(policy, path),
        related=related,
        properties={
            "direction": r.direction.value,
            "blocking_policies": [f"{b.namespace}/{b.name}" for b in v.blockers],
            "example": {"src": v.src.display, "dst": v.dst.display, "ports": str(v.ports)},
        },
    )


KINDS: tuple[CheckKind, ...] = (
    CheckKind(
        "one-sided-allow",
        _one_sided,
        {"type": "object", "additionalProperties": False, "properties": {}},
        "An allow whose other end (destination ingress, or source egress) never admits the traffic.",
    ),
)
