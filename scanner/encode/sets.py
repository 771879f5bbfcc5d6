"""Workloads-scope reach questions answered by the exact semantics engine instead of Z3.

In scope `workloads` the endpoints are the repository's workloads, so a deny-reach or
must-reach property is a finite question about the all-pairs result of `npaudit.engine.analyze`
(the oracle the Z3 encoding is differentially tested against): deny-reach is violated by an
allowed (source, destination, protocol, port) inside the property, must-reach by a required
one that is not allowed. The answer has the same shape as the Z3 path's, and the same
canonical counterexamples: pairs of encoding classes (`Vocabulary.classes`, represented by
their first workload) in class order, then the lowest protocol and port.

The proof evidence (`enforcing`) follows the Z3 path's meaning (a minimal set of policy and
rule guards that, switched on, keep the property whatever the other policies do), found by
deletion in guard order from every policy or rule that can matter.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from npaudit.algebra.ports import PortSet
from npaudit.encode.outcome import EndpointSelector, EndpointView, Outcome, RuleRef, Scope, SideExplanation, Verdict, Witness
from npaudit.encode.vocab import Vocabulary
from npaudit.engine import Connectivity, analyze
from npaudit.engine.build import Builder
from npaudit.engine.masks import bits
from npaudit.engine.portspec import resolve
from npaudit.engine.reference import isolating_policies, rule_admits, selects
from npaudit.engine.types import HostNetwork
from npaudit.model.selectors import matches
from npaudit.model.types import Direction, Model, Policy, PortSpec, Rule, Workload


def supported(src: Sequence[EndpointSelector], dst: Sequence[EndpointSelector], ports: Sequence[PortSpec]) -> bool:
    """Questions the set engine answers: pod endpoints only, numeric ports only (an address
    outside the cluster or a named property port goes to Z3)."""
    return all(e.ip_block is None for e in (*src, *dst)) and all(not isinstance(p.port, str) for p in ports)


def property_ports(ports: Sequence[PortSpec]) -> PortSet:
    return resolve(frozenset(ports) if ports else None, None)


class _Budget(Exception):
    """The work budget (the configured rlimit) ran out."""


@dataclass(frozen=True, slots=True)
class Question:
    must: bool
    src: tuple[int, ...]  # encoding class indices, in class order
    dst: tuple[int, ...]
    ports: PortSet


class SetReach:
    """The engine-backed reach answers for one model and vocabulary (built once, reused)."""

    def __init__(self, model: Model, vocab: Vocabulary, modelled: Workload | None) -> None:
        self.model, self.vocab, self.modelled = model, vocab, modelled
        # hostNetwork workloads are not in the vocabulary's classes: they are never endpoints here
        self.conn: Connectivity = analyze(model, HostNetwork.AS_POD)
        self.engine_of = tuple(self.conn.class_of(c.workloads[0]) for c in vocab.classes)
        self._rows = {s: row for s, row in self.conn.endpoint_rows()}

    def classes_matching(self, sels: Sequence[EndpointSelector]) -> tuple[int, ...]:
        def hit(w: Workload, sel: EndpointSelector) -> bool:
            ns_ok = sel.namespace_selector is None or matches(sel.namespace_selector, self.model.namespace_labels(w.namespace))
            return ns_ok and matches(sel.pod_selector, w.labels)

        return tuple(i for i, c in enumerate(self.vocab.classes) if any(hit(c.workloads[0], s) for s in sels))

    # -- verdict and counterexamples ----------------------------------------------------------
    def reach(self, *, must: bool, src: Sequence[EndpointSelector], dst: Sequence[EndpointSelector],
              ports: Sequence[PortSpec], limit: int, explain: bool, notes: tuple[str, ...],
              budget: int) -> Outcome:
        """`budget`: the solver's rlimit, here a bound on the row entries examined (a
        deterministic count of the work; exceeding it is UNKNOWN, as for z3)."""
        q = Question(must, self.classes_matching(src), self.classes_matching(dst), property_ports(ports))
        try:
            found = list(self._violations(q, max(1, limit), [budget - 1]))  # 1 for the question itself
        except _Budget:
            return Outcome(Verdict.UNKNOWN, Scope.WORKLOADS, reason="resource limit (rlimit) exceeded", notes=notes)
        if found:
            witnesses = tuple(self._witness(q, i, j) for i, j in found)
            return Outcome(Verdict.VIOLATED, Scope.WORKLOADS, witness=witnesses[0],
                           witnesses=witnesses if limit > 1 else (), notes=notes)
        vacuous = not q.src or not q.dst or not q.ports
        if not explain:
            return Outcome(Verdict.HOLDS, Scope.WORKLOADS, notes=notes)
        from npaudit.encode.sets_core import enforcing

        return Outcome(Verdict.HOLDS, Scope.WORKLOADS, enforcing=enforcing(self, q), vacuous=vacuous, notes=notes)

    def dst_mask(self, q: Question) -> int:
        mask = 0
        for j in q.dst:
            mask |= 1 << self.engine_of[j]
        return mask

    def _bad(self, q: Question, src_engine: int, dmask: int, cache: dict[int, int], left: list[int]) -> int:
        """Engine destination classes (inside `dmask`) that violate from one source class."""
        row = self._rows[src_engine]
        found = cache.get(id(row))
        if found is None:
            left[0] -= len(row) + 1
            if left[0] < 0:
                raise _Budget
            hit = 0
            for allowed, mask in row:
                if (q.ports.issubset(allowed) if q.must else allowed & q.ports):
                    hit |= mask
            # must-reach: a destination in no entry of the row is not reachable at all
            found = cache[id(row)] = dmask & ~hit if q.must else dmask & hit
        return found

    def _violations(self, q: Question, limit: int, left: list[int]) -> Iterator[tuple[int, int]]:
        """(source class, destination class) violating pairs in canonical (class) order."""
        if not q.ports or not q.dst:
            return
        dmask = self.dst_mask(q)
        by_engine: dict[int, list[int]] = {}
        for j in q.dst:
            by_engine.setdefault(self.engine_of[j], []).append(j)
        cache: dict[int, int] = {}
        count = 0
        for i in q.src:
            bad = self._bad(q, self.engine_of[i], dmask, cache, left)
            if not bad:
                continue
            for j in sorted(j for e in bits(bad) for j in by_engine[e]):
                yield i, j
                count += 1
                if count >= limit:
                    return

    def _witness(self, q: Question, i: int, j: int) -> Witness:
        s, d = self.vocab.classes[i].workloads[0], self.vocab.classes[j].workloads[0]
        allowed = self.conn.class_allowed(self.engine_of[i], self.engine_of[j])
        bad = q.ports - allowed if q.must else q.ports & allowed
        protocol, port, _ = next(bad.ranges())  # protocols in PROTOCOLS order, ports ascending
        return Witness(
            src=self._view(s), dst=self._view(d), protocol=protocol, port=port,
            egress=self.side(Direction.EGRESS, s, d, protocol, port),
            ingress=self.side(Direction.INGRESS, s, d, protocol, port),
        )

    def _view(self, w: Workload) -> EndpointView:
        return EndpointView("workload", namespace=w.namespace, workload=w, modelled=w == self.modelled)

    def side(self, direction: Direction, s: Workload, d: Workload, protocol: object, port: int) -> SideExplanation:
        """Policies isolating the side (model order) and their rules admitting this exact
        connection, as the Z3 witness reports them."""
        subject, peer = (s, d) if direction is Direction.EGRESS else (d, s)
        isolated = isolating_policies(self.model, subject, direction)
        allowed = tuple(
            RuleRef(p, r) for p in isolated for r in p.rules(direction)
            if rule_admits(self.model, p, r, peer, d, protocol, port)  # type: ignore[arg-type]
        )
        return SideExplanation(direction, isolated, allowed)

    # -- helpers for the proof evidence ------------------------------------------------------------
    def rule_ports(self, rule: Rule, dst_engine: int) -> PortSet:
        named = next(g for g, mask in self.conn._t.groups if mask >> dst_engine & 1)  # noqa: SLF001
        return Builder.resolve_static(frozenset(rule.ports) if rule.ports else None, named)

    def selecting(self, workload: Workload, direction: Direction) -> tuple[Policy, ...]:
        return tuple(p for p in self.model.policies if direction in p.policy_types and selects(p, workload))
