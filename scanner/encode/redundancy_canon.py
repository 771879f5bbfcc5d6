"""What a redundancy question answers: the verdict, a minimal covering set from an unsat
core, and the canonical counterexample - found cheaply.

Same order and preferences as witness.Explainer (a workload class before a pod that could
exist, the lowest namespace, an absent label before "any other value" before a listed value,
the lowest protocol and port), with two savings that matter when hundreds of items are asked:
- only the label keys, namespace label keys and port names the question's slice mentions are
  canonicalised one by one; every other variable cannot change the answer and is set to its
  plain value (absent; a new namespace's name to "any other value") in one check;
- the checks run on a solver that holds this one question (guards asserted as facts), not
  on the shared solver that every question makes bigger; the subject's namespace is known.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import z3

from npaudit.encode.formula import PolicyTerms
from npaudit.encode.outcome import EndpointView, RuleRef, Verdict
from npaudit.encode.solver import Status, check
from npaudit.encode.symbols import IPV4, IPV6, Endpoint
from npaudit.encode.witness import MAX_CORE_TO_MINIMISE
from npaudit.model.types import NAMESPACE_NAME_LABEL, Direction, Policy, Protocol


@dataclass(frozen=True, slots=True)
class Change:
    """A connection whose `direction` side changes without the item: `subject` is the pod of
    that side (destination for ingress, source for egress), `peer` the other end."""

    direction: Direction
    subject: EndpointView
    peer: EndpointView
    protocol: Protocol
    port: int
    lost: bool  # True: the side allows it only with the item; False: only without (widening)

    def describe(self) -> str:
        verb = "lose" if self.lost else "gain"
        way = "from" if self.direction is Direction.INGRESS else "to"
        text = (f"{self.subject.describe()} would {verb} {self.direction.value.lower()} {way} "
                f"{self.peer.describe()} on {self.protocol.value} {self.port}")
        # a side only gains when the pod is no longer isolated in that direction
        return text if self.lost else f"{text} (no other policy would isolate it)"


@dataclass(frozen=True, slots=True)
class Answer:
    """HOLDS: redundant for any pod (`covering` = a minimal set of policies that keep the pods
    isolated and rules that admit the traffic). VIOLATED: `change` is a pod that could exist
    whose side the item decides (None if the witness could not be canonicalised). UNKNOWN:
    the solver ran out of budget (`reason`); never read as redundant."""

    verdict: Verdict
    covering: tuple[Policy | RuleRef, ...] = ()
    change: Change | None = None
    reason: str = ""

    @property
    def redundant(self) -> bool:
        return self.verdict is Verdict.HOLDS


#: the answer for an entry that cannot go: the last peer or port entry of a rule
LAST_ENTRY_NEEDED = Answer(Verdict.VIOLATED, reason="the last peer or port entry of its rule")


def minimal_core(solver: z3.Solver, fixed: list[z3.BoolRef], others: list[z3.BoolRef]) -> list[z3.BoolRef]:
    """A minimal set of the `others` guards that keeps the last (unsatisfiable) question
    unsatisfiable: deletion in their order; a big core is returned as it is (correct, not
    minimal). Guards left out are free, so the item stays redundant whatever they are."""
    names = {g.get_id() for g in others}
    core = [g for g in solver.unsat_core() if g.get_id() in names]
    order = {g.get_id(): n for n, g in enumerate(others)}
    core.sort(key=lambda g: order[g.get_id()])
    if len(core) > MAX_CORE_TO_MINIMISE:
        return core
    for g in list(core):
        if all(x.get_id() != g.get_id() for x in core):
            continue  # dropped by a smaller core already
        trial = [x for x in core if x.get_id() != g.get_id()]
        status, _ = check(solver, [*fixed, *trial])
        if status is Status.UNSAT:
            kept = {x.get_id() for x in solver.unsat_core()}
            core = [x for x in trial if x.get_id() in kept]
    return core


def meaning(guard: z3.BoolRef, compiled: Iterable[PolicyTerms]) -> Policy | RuleRef:
    """The policy or rule a guard literal switches."""
    for t in compiled:
        if t.guard.get_id() == guard.get_id():
            return t.policy
        for (d, index), g in t.rule_guards.items():
            if g.get_id() == guard.get_id():
                return RuleRef(t.policy, t.policy.rules(d)[index])
    raise KeyError(str(guard))


class _Budget(Exception):
    """The solver said unknown while canonicalising."""


@dataclass(slots=True)
class Relevant:
    """The variables a slice's policies can look at: the subject's pod labels (their
    podSelectors), the peer's pod and namespace labels (their rules' peers), port names."""

    subject: set[str] = field(default_factory=set)
    peer: set[str] = field(default_factory=set)
    peer_ns: set[str] = field(default_factory=set)
    ports: set[str] = field(default_factory=set)
    numbers: set[int] = field(default_factory=set)  # numeric ports and one past each endPort

    @classmethod
    def of(cls, policies: Iterable[Policy], direction: Direction) -> Relevant:
        out = cls()
        for p in policies:
            out.subject.update(r.key for r in p.pod_selector.requirements)
            for rule in p.rules(direction):
                out.ports.update(s.port for s in rule.ports if isinstance(s.port, str))
                out.numbers.update(n for s in rule.ports if isinstance(s.port, int)
                                   for n in (s.port, (s.end_port or s.port) + 1))
                for peer in rule.peers:
                    if peer.pod_selector is not None:
                        out.peer.update(r.key for r in peer.pod_selector.requirements)
                    if peer.namespace_selector is not None:
                        out.peer_ns.update(r.key for r in peer.namespace_selector.requirements)
        return out


class Canon:
    """Canonicalises the models of the question asserted on `solver`.

    `m` is always a model of the facts fixed so far: a choice the model already makes costs
    no check (the earlier, preferred options were refuted first), and after an unsatisfiable
    check the model already satisfies the negation that gets fixed."""

    def __init__(self, oracle: object, solver: z3.Solver, relevant: Relevant, direction: Direction) -> None:
        self.o = oracle
        self.solver = solver
        self.rel = relevant
        self.direction = direction
        self.m: z3.ModelRef | None = None

    def _fix(self, *terms: z3.BoolRef) -> None:
        """A chosen value becomes a fact of this question's own solver."""
        self.solver.add(*terms)

    def _sat(self, extra: list[z3.BoolRef]) -> bool:
        status, _ = check(self.solver, extra)
        if status is Status.UNKNOWN:
            raise _Budget
        if status is Status.SAT:
            self.m = self.solver.model()
        return status is Status.SAT

    def _val(self, term: z3.ExprRef) -> int:
        assert self.m is not None
        return int(self.m.eval(term, model_completion=True).as_long())

    def _try(self, *terms: z3.BoolRef) -> bool:
        """Fix `terms` if they can hold (free when the current model satisfies them)."""
        assert self.m is not None
        if all(z3.is_true(self.m.eval(t, model_completion=True)) for t in terms) or self._sat(list(terms)):
            self._fix(*terms)
            return True
        return False

    def _minimize(self, var: z3.BitVecRef, hi: int) -> int:
        """The lowest value of `var`, fixed: the model's value when nothing lower fits (one
        check), else a binary search below it."""
        seen = self._val(var)
        if seen == 0 or not self._sat([z3.ULE(var, seen - 1)]):
            self._fix(var == seen)
            return seen
        lo, hi = 0, seen - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if self._sat([z3.ULE(var, mid)]):
                hi = mid
            else:
                lo = mid + 1
        self._fix(var == lo)  # the last satisfiable check had var <= lo, and nothing lower fits
        return lo

    def _prefer(self, var: z3.BitVecRef, options: tuple[int, ...], hi: int) -> None:
        for value in options:
            if self._try(var == value):
                return
        self._minimize(var, hi)

    def model(self, subject: Endpoint, peer: Endpoint, namespace: int) -> z3.ModelRef | None:
        """The canonical model: subject, then peer, then protocol and port (None: budget)."""
        o = self.o
        try:
            if not self._sat([]):
                return None
            ingress = self.direction is Direction.INGRESS
            self._fix(subject.ns == namespace)  # the domain of the question says so already
            self._endpoint(subject, self.rel.subject, set(), self.rel.ports if ingress else set())
            self._endpoint(peer, self.rel.peer, self.rel.peer_ns, set() if ingress else self.rel.ports, namespace)
            self._minimize(o.pkt.proto, 2)  # type: ignore[attr-defined]
            self._lowest_port(o.pkt.port, peer if ingress else subject)  # type: ignore[attr-defined]
        except _Budget:
            return None
        return self.m

    def _lowest_port(self, port: z3.BitVecRef, dst: Endpoint) -> None:
        """The lowest port is where an allowed interval starts: 1, a rule's port, one past a
        rule's endPort, or one of the (now fixed) named-port numbers of the destination, or
        one past it. Binary search over those candidates, then one check that nothing lower
        fits (else the plain search over the gap, so the answer is exact either way)."""
        marks = {1, *self.rel.numbers}
        marks |= {self._val(dst.port_num[n]) + k for n in self.rel.ports if n in dst.port_num for k in (0, 1)}
        cands = sorted(c for c in marks if 1 <= c <= 65535 and c <= self._val(port))
        lo, hi = 0, len(cands) - 1
        if not cands:
            self._minimize(port, 65535)
            return
        while lo < hi:
            mid = (lo + hi) // 2
            if self._sat([z3.ULE(port, cands[mid])]):
                hi = mid
            else:
                lo = mid + 1
        if self._val(port) <= cands[lo]:  # the model is at or below the candidate: exact below?
            self._minimize(port, cands[lo])
            return
        self._minimize(port, 65535)

    def _endpoint(self, e: Endpoint, keys: set[str], ns_keys: set[str], ports: set[str], near: int = -1) -> None:
        o, vocab = self.o, self.o.vocab  # type: ignore[attr-defined]
        if not self._try(e.pod):
            self._fix(z3.Not(e.pod))
            ipv = self._minimize(e.ipv, IPV6)
            ip, bits = (e.ip4, 32) if ipv == IPV4 else (e.ip6, 128)
            self._minimize(ip, 2**bits - 1)
            return
        if self._minimize(e.cls, o.hyp) < o.hyp:  # type: ignore[attr-defined]
            return  # a pod with a recorded address: the class fixes everything else
        # the subject's namespace is fixed already; a peer in the same namespace comes first
        if near < 0 or not self._try(e.ns == near):
            self._minimize(e.ns, vocab.other_ns)
        other_ns = self._val(e.ns) == vocab.other_ns
        plain = [v == 0 for k, v in e.labels.items() if k not in keys]
        plain += [v == 0 for n, v in e.port_num.items() if n not in ports]
        if other_ns:
            name_other = len(vocab.ns_values[NAMESPACE_NAME_LABEL]) + 1
            plain += [v == (name_other if k == NAMESPACE_NAME_LABEL else 0)
                      for k, v in e.ns_labels.items() if k not in ns_keys]
        if plain:
            self._try(*plain)
        pod_other = {k: len(v) + 1 for k, v in vocab.pod_values.items()}
        self._absent([(e.labels[k], pod_other[k]) for k in sorted(keys & e.labels.keys())])
        if other_ns:
            ns_other = {k: len(v) + 1 for k, v in vocab.ns_values.items()}
            self._absent([(e.ns_labels[k], ns_other[k]) for k in sorted(ns_keys & e.ns_labels.keys())])
        for name in self._undeclared(e, sorted(ports & e.port_num.keys())):
            self._prefer(e.port_num[name], (0, 1), 65535)
            self._prefer(e.port_proto[name], (0,), 2)

    def _absent(self, labels: list[tuple[z3.BitVecRef, int]]) -> None:
        """Labels in key order, each absent if it can be, else "any other value", else the
        lowest listed value - the same as one by one, but a run of keys that can all be
        absent costs one check (halving the run when it cannot)."""
        if not labels or self._try(*[v == 0 for v, _ in labels]):
            return
        if len(labels) == 1:
            var, other = labels[0]
            self._prefer(var, (other,), other)  # absent was just refuted
            return
        half = len(labels) // 2
        self._absent(labels[:half])
        self._absent(labels[half:])

    def _undeclared(self, e: Endpoint, names: list[str]) -> list[str]:
        """The port names (in order) that must be declared; the others are fixed undeclared,
        a run of them in one check (halving the run when it cannot)."""
        if not names or self._try(*[t for n in names for t in (e.port_num[n] == 0, e.port_proto[n] == 0)]):
            return []
        if len(names) == 1:
            return names
        half = len(names) // 2
        return self._undeclared(e, names[:half]) + self._undeclared(e, names[half:])
