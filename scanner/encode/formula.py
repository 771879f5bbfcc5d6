"""The connection formula: allowed(src, dst, pkt) = egressOK(src, ...) and ingressOK(dst, ...).

Each policy carries a guard literal g_P (in its `selects`, so a switched-off policy neither
isolates nor allows) and each rule a guard g_r. Guards are passed as assumptions: all on for a
normal query, a subset for "what if" questions, and an unsat core over them names the policies
that enforce a property.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import z3

from npaudit.encode.compile import Compiler
from npaudit.encode.symbols import Endpoint, Packet
from npaudit.model.types import Direction, Policy, Rule


@dataclass(slots=True)
class PolicyTerms:
    index: int
    policy: Policy
    guard: z3.BoolRef
    rule_guards: dict[tuple[Direction, int], z3.BoolRef] = field(default_factory=dict)
    #: selects(P, endpoint) per direction (the endpoint is dst for ingress, src for egress)
    selects: dict[Direction, z3.BoolRef] = field(default_factory=dict)
    #: guarded rule match per (direction, rule index)
    rules: dict[tuple[Direction, int], z3.BoolRef] = field(default_factory=dict)


class Formula:
    """Builds the guarded terms of every policy once and the direction formulas from them."""

    def __init__(self, policies: Sequence[Policy], comp: Compiler, src: Endpoint, dst: Endpoint, pkt: Packet,
                 *, lazy: bool = False) -> None:
        """`lazy`: compile a policy only when `terms(i)` asks for it (sliced questions touch a
        few namespaces); `policies`, `isolated` and `allows` then stay empty."""
        self.comp, self.src, self.dst, self.pkt = comp, src, dst, pkt
        self._rule_cache: dict[tuple[object, ...], z3.BoolRef] = {}
        self._source = tuple(policies)
        self._compiled: dict[int, PolicyTerms] = {}
        self.policies: list[PolicyTerms] = [] if lazy else [self.terms(i) for i in range(len(policies))]
        self.isolated = {} if lazy else {d: self._isolated(d) for d in Direction}
        self.allows = {} if lazy else {d: self._allows(d) for d in Direction}

    def terms(self, index: int) -> PolicyTerms:
        """The guarded terms of the policy at `index`, compiled once."""
        found = self._compiled.get(index)
        if found is None:
            found = self._compiled[index] = self._policy(index, self._source[index])
        return found

    def compiled(self) -> list[PolicyTerms]:
        """Every policy compiled so far, in model order."""
        return [self._compiled[i] for i in sorted(self._compiled)]

    def side(self, direction: Direction) -> Endpoint:
        """The endpoint a policy of `direction` selects."""
        return self.dst if direction is Direction.INGRESS else self.src

    def _policy(self, index: int, pol: Policy) -> PolicyTerms:
        ctx = self.comp.ctx
        terms = PolicyTerms(index, pol, z3.Bool(f"g{index}:{pol.namespace}/{pol.name}", ctx))
        for direction in sorted(pol.policy_types, key=lambda d: d.value):
            e = self.side(direction)
            body = self.comp.and_(
                [e.pod, self.comp.in_namespace(pol.namespace, e), self.comp.pod_selector(pol.pod_selector, e)]
            )
            terms.selects[direction] = self.comp.and_([terms.guard, body])
            for rule in pol.rules(direction):
                g = z3.Bool(f"g{index}:{pol.namespace}/{pol.name}:{rule.path}", ctx)
                terms.rule_guards[(direction, rule.index)] = g
                terms.rules[(direction, rule.index)] = self.comp.and_([g, self._rule_body(pol, rule)])
        return terms

    def _rule_body(self, pol: Policy, rule: Rule) -> z3.BoolRef:
        """Rule terms are cached by content: equal rules of different policies share terms."""
        key = (pol.namespace, rule.direction, rule.peers, rule.ports)
        if key not in self._rule_cache:
            # the peer is the other end: the source for ingress, the destination for egress
            other = self.src if rule.direction is Direction.INGRESS else self.dst
            peers = (
                self.comp.or_([self.comp.peer(p, pol.namespace, other) for p in rule.peers])
                if rule.peers
                else self.comp.true  # no from/to: every peer, inside or outside the cluster
            )
            ports = self.comp.ports(rule.ports, self.dst, self.pkt)
            self._rule_cache[key] = self.comp.and_([peers, ports])
        return self._rule_cache[key]

    def _isolated(self, direction: Direction) -> z3.BoolRef:
        return self.comp.or_([t.selects[direction] for t in self.policies if direction in t.selects])

    def _allows(self, direction: Direction) -> z3.BoolRef:
        allow = []
        for t in self.policies:
            if direction not in t.selects:
                continue
            rules = [term for (d, _), term in t.rules.items() if d is direction]
            if rules:
                allow.append(self.comp.and_([t.selects[direction], self.comp.or_(rules)]))
        return self.comp.or_(allow)

    def ok(self, direction: Direction) -> z3.BoolRef:
        """The direction lets the connection through: the endpoint is outside the cluster, not
        isolated in that direction, or some selecting policy has a matching rule."""
        e = self.side(direction)
        return self.comp.or_([z3.Not(e.pod), z3.Not(self.isolated[direction]), self.allows[direction]])

    def guards(self) -> list[z3.BoolRef]:
        out: list[z3.BoolRef] = []
        for t in self.policies:
            out.append(t.guard)
            out.extend(t.rule_guards.values())
        return out
