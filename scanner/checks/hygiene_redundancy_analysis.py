"""The workloads-scope redundancy analysis behind redundant-policy and redundant-rule.

Removing a policy changes a pod's side of a connection in two ways: its rules no longer allow,
and - if no other policy selects the pod for that direction - the pod stops being isolated and
everything is allowed again. So a policy is redundant for a pod x and a direction when either
other policies keep x isolated and allow everything the policy allows, or nothing else isolates
x and the policy itself allows everything. A rule, peer or port entry is redundant when the
other rules of the policies selecting x (and the rest of the rule) admit all it admits.

Decided exactly on the scanned workloads, sliced per pod (only policies of x's namespace
select x) and direction. Items are removed one at a time in reverse order, so of two
duplicates the later one is reported and the earlier one stays needed. The items are listed
in the order they were found, which is the order the any-pod questions are asked in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from npaudit.checks.hygiene_anypod import AnyPod
from npaudit.checks.hygiene_cover import ALL_ADDRESSES, Coverage, Grant, peers_grant, rule_grant
from npaudit.checks.hygiene_index import render_peer
from npaudit.checks.hygiene_onesided import Sides
from npaudit.checks.hygiene_representatives import extended_index_for
from npaudit.model.types import Direction, Model, Policy, Rule, Workload
from npaudit.span import Span

SCOPE_WORKLOADS = "workloads"


@dataclass(slots=True)
class Redundant:
    """One redundant item: `path` inside `policy`, what covers it, who it was decided for."""

    policy: Policy
    path: str
    what: str
    span: Span | None
    covering: list[Grant] = field(default_factory=list)
    keepers: list[Policy] = field(default_factory=list)
    subjects: list[Workload] = field(default_factory=list)
    #: what the any-pod oracle is asked: ("policy",) or (kind, direction, rule index[, j])
    key: tuple[Any, ...] = ("policy",)
    any_pod: AnyPod | None = None


class Analysis:
    def __init__(self, model: Model) -> None:
        # peers may match pods outside the scan: one representative pod per peer selector
        self.index = extended_index_for(model)
        self.sides = Sides(self.index)
        self.dropped: set[int] = set()  # ids of policies found redundant (treated as removed)
        self._grants: dict[tuple[int, Direction, int], Grant] = {}
        self.policies: list[Redundant] = []
        self.entries: list[Redundant] = []
        self.removed: set[tuple[int, Direction, int]] = set()
        self._kept_entries: dict[tuple[int, Direction, int], tuple[list[int], list[int]]] = {}
        for p in reversed(model.policies):
            self._policy(p)
        for p in reversed(model.policies):
            if id(p) not in self.dropped:
                self._entries(p)

    def grant(self, p: Policy, r: Rule) -> Grant:
        key = (id(p), r.direction, r.index)
        g = self._grants.get(key)
        if g is None:
            g = self._grants[key] = rule_grant(self.index, p, r)
        return g

    def subjects(self, p: Policy) -> list[int]:
        return list(_bits(self.index.selected(p) & self.index.real & ~self.sides.host))

    def others(self, p: Policy, d: Direction, i: int) -> list[Policy]:
        return [q for q in self.sides.isolating(d, i) if q is not p and id(q) not in self.dropped]

    # -- whole policies --------------------------------------------------------------------
    def _policy(self, p: Policy) -> None:
        subjects = self.subjects(p)
        if not subjects:
            # redundant for the scanned workloads, vacuously (policy-selects-no-workload
            # reports it): a candidate for the any-pod question only, never reported otherwise
            self.policies.append(Redundant(p, "", "", p.span))
            return
        found = Redundant(p, "", "", p.span, subjects=[self.index.workloads[i] for i in subjects])
        for d in sorted(p.policy_types, key=lambda x: x.value):
            # subjects with the same other policies (and, for ingress, the same named ports)
            # get the same answer: decide once per group
            seen: set[tuple[object, ...]] = set()
            for i in subjects:
                key = (tuple(id(q) for q in self.others(p, d, i)), self.index.port_sig[i] if d is Direction.INGRESS else ())
                if key in seen:
                    continue
                seen.add(key)
                if not self._policy_redundant_for(p, d, i, found):
                    return
        self.dropped.add(id(p))
        self.policies.append(found)

    def _policy_redundant_for(self, p: Policy, d: Direction, i: int, found: Redundant) -> bool:
        cov = Coverage(self.index, self.index.workloads[i], d)
        own = [self.grant(p, r) for r in p.rules(d)]
        keepers = self.others(p, d, i)
        if not keepers:
            # nothing else isolates x: redundant only if the policy allows everything anyway
            everything = Grant(self.index.all, ALL_ADDRESSES, (), "everything", p, Rule(d, -1))
            open_, _ = cov.uncovered(everything, own)
            return not open_
        pool = [self.grant(q, r) for q in keepers for r in q.rules(d)]
        for g in own:
            open_, used = cov.uncovered(g, pool)
            if open_:
                return False
            found.covering += [u for u in used if u not in found.covering]
        found.keepers += [q for q in keepers if q not in found.keepers]
        return True

    # -- rules, peers, ports -----------------------------------------------------------------
    # Removals are global: a rule, peer or port found redundant is treated as gone for every
    # later question (other policies included), so everything reported can be removed together.
    def _entries(self, p: Policy) -> None:
        subjects = self.subjects(p)
        if not subjects:
            return
        for d in sorted(p.policy_types, key=lambda x: x.value):
            rules = list(p.rules(d))
            for r in reversed(rules):
                if self._covered(p, d, subjects, self.grant(p, r), r, [], (p, r.path, "rule", r.span, ("rule", d, r.index))):
                    self.removed.add((id(p), d, r.index))
            for r in rules:
                if (id(p), d, r.index) not in self.removed:
                    self._peer_entries(p, d, subjects, r)
                    self._port_entries(p, d, subjects, r)

    def _kept(self, p: Policy, r: Rule) -> tuple[list[int], list[int]]:
        key = (id(p), r.direction, r.index)
        if key not in self._kept_entries:
            self._kept_entries[key] = (list(range(len(r.peers))), list(range(len(r.ports))))
        return self._kept_entries[key]

    def _shrink(self, p: Policy, r: Rule) -> None:
        """The rule without its removed peers and ports, for every later question."""
        peers, ports = self._kept(p, r)
        label = f"{p.namespace}/{p.name} {r.path.removeprefix('spec.')}"
        self._grants[(id(p), r.direction, r.index)] = peers_grant(
            self.index, p, r, [r.peers[j] for j in peers] if r.peers else None, tuple(r.ports[k] for k in ports), label
        )

    def _peer_entries(self, p: Policy, d: Direction, subjects: list[int], r: Rule) -> None:
        key = "from" if d is Direction.INGRESS else "to"
        peers, ports = self._kept(p, r)
        specs = tuple(r.ports[k] for k in ports)
        for j in reversed(range(len(r.peers))):
            if len(peers) < 2:
                break  # the last peer left is needed: without it the rule admits every peer
            rest = [r.peers[m] for m in peers if m != j]
            target = peers_grant(self.index, p, r, [r.peers[j]], specs, "")
            extra = peers_grant(self.index, p, r, rest, specs, f"{p.namespace}/{p.name} {r.path.removeprefix('spec.')} (its other peers)")
            what = f"peer ({render_peer(r.peers[j])})"
            found = (p, f"{r.path}.{key}[{j}]", what, r.peers[j].span, ("peer", d, r.index, j))
            if self._covered(p, d, subjects, target, r, [extra], found):
                peers.remove(j)
                self._shrink(p, r)

    def _port_entries(self, p: Policy, d: Direction, subjects: list[int], r: Rule) -> None:
        peers, ports = self._kept(p, r)
        chosen = [r.peers[m] for m in peers] if r.peers else None
        for k in reversed(range(len(r.ports))):
            if len(ports) < 2:
                break  # the last entry left is needed: without it the rule admits every port
            rest = tuple(r.ports[m] for m in ports if m != k)
            target = peers_grant(self.index, p, r, chosen, (r.ports[k],), "")
            extra = peers_grant(self.index, p, r, chosen, rest, f"{p.namespace}/{p.name} {r.path.removeprefix('spec.')} (its other ports)")
            port = r.ports[k]
            number = "all" if port.port is None else f"{port.port}" + (f"-{port.end_port}" if port.end_port is not None else "")
            what = f"port entry ({port.protocol.value} {number})"
            found = (p, f"{r.path}.ports[{k}]", what, port.span, ("port", d, r.index, k))
            if self._covered(p, d, subjects, target, r, [extra], found):
                ports.remove(k)
                self._shrink(p, r)

    def _pool(self, p: Policy, d: Direction, i: int, skip: Rule) -> list[Grant]:
        """Current grants of every rule that applies to workload i in direction d, except `skip`."""
        out = []
        for q in (p, *self.others(p, d, i)):
            for r in q.rules(d):
                if (q is p and r.index == skip.index) or (id(q), d, r.index) in self.removed:
                    continue
                out.append(self.grant(q, r))
        return out

    def _covered(self, p: Policy, d: Direction, subjects: list[int], target: Grant, skip: Rule,
                 extra: list[Grant], found: tuple[Policy, str, str, Span | None, tuple[Any, ...]]) -> bool:
        item = Redundant(found[0], found[1], found[2], found[3], subjects=[self.index.workloads[i] for i in subjects],
                         key=found[4])
        seen: set[tuple[object, ...]] = set()
        for i in subjects:
            key = (tuple(id(q) for q in self.others(p, d, i)), self.index.port_sig[i] if d is Direction.INGRESS else ())
            if key in seen:
                continue  # same policies and named ports as a subject already decided
            seen.add(key)
            pool = extra + self._pool(p, d, i, skip)
            open_, used = Coverage(self.index, self.index.workloads[i], d).uncovered(target, pool)
            if open_:
                return False
            item.covering += [u for u in used if u not in item.covering]
        self.entries.append(item)
        return True


def _bits(mask: int) -> Iterator[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low

