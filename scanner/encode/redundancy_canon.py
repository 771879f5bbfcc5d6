"""The canonical counterexample of a redundancy question, cheaply.

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

from npaudit.encode.solver import Status, check
from npaudit.encode.symbols import IPV4, IPV6, Endpoint
from npaudit.model.types import NAMESPACE_NAME_LABEL, Direction, Policy


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
    """Canonicalises the models of the question asserted on `solver`."""

    def __init__(self, oracle: object, solver: z3.Solver, relevant: Relevant, direction: Direction) -> None:
        self.o = oracle
        self.solver = solver
        self.rel = relevant
        self.direction = direction

    def _fix(self, *terms: z3.BoolRef) -> None:
        """A chosen value becomes a fact of this question's own solver."""
        self.solver.add(*terms)

    def _sat(self, extra: list[z3.BoolRef]) -> bool:
        status, _ = check(self.solver, extra)
        if status is Status.UNKNOWN:
            raise _Budget
        return status is Status.SAT

    def _minimize(self, var: z3.BitVecRef, hi: int) -> int:
        """The lowest value of `var`, fixed. Starts from the value of a model: when nothing
        lower fits (one check) the binary search is not needed."""
        if not self._sat([]):
            raise _Budget  # cannot happen: every fact so far was checked satisfiable
        seen = self.solver.model().eval(var, model_completion=True).as_long()
        if seen == 0 or not self._sat([z3.ULE(var, seen - 1)]):
            self._fix(var == seen)
            return int(seen)
        lo, hi = 0, seen - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if self._sat([z3.ULE(var, mid)]):
                hi = mid
            else:
                lo = mid + 1
        self._fix(var == lo)
        return lo

    def _prefer(self, var: z3.BitVecRef, options: tuple[int, ...], hi: int) -> None:
        for value in options:
            if self._sat([var == value]):
                self._fix(var == value)
                return
        self._minimize(var, hi)

    def model(self, subject: Endpoint, peer: Endpoint, namespace: int) -> z3.ModelRef | None:
        """The canonical model: subject, then peer, then protocol and port (None: budget)."""
        o = self.o
        try:
            ingress = self.direction is Direction.INGRESS
            self._fix(subject.ns == namespace)
            self._endpoint(subject, self.rel.subject, set(), self.rel.ports if ingress else set())
            self._endpoint(peer, self.rel.peer, self.rel.peer_ns, set() if ingress else self.rel.ports, namespace)
            self._minimize(o.pkt.proto, 2)  # type: ignore[attr-defined]
            if not self._sat([]):
                return None
            self._lowest_port(o.pkt.port, peer if ingress else subject, self.solver.model())  # type: ignore[attr-defined]
            if not self._sat([]):
                return None
        except _Budget:
            return None
        return self.solver.model()

    def _lowest_port(self, port: z3.BitVecRef, dst: Endpoint, m: z3.ModelRef) -> None:
        """The lowest port is where an allowed interval starts: 1, a rule's port, one past a
        rule's endPort, or one of the (now fixed) named-port numbers of the destination, or
        one past it. Binary search over those candidates, then one check that nothing lower
        fits (else the plain search over the gap, so the answer is exact either way)."""
        marks = {1, *self.rel.numbers}
        marks |= {v + k for n in self.rel.ports if n in dst.port_num
                  for v in [m.eval(dst.port_num[n], model_completion=True).as_long()] for k in (0, 1)}
        cands = sorted(c for c in marks if 1 <= c <= 65535)
        lo, hi = 0, len(cands) - 1
        if not self._sat([z3.ULE(port, cands[hi])]):
            self._minimize(port, 65535)
            return
        while lo < hi:
            mid = (lo + hi) // 2
            if self._sat([z3.ULE(port, cands[mid])]):
                hi = mid
            else:
                lo = mid + 1
        below = cands[lo - 1] + 1 if lo else 1
        if below < cands[lo] and self._sat([z3.ULE(port, cands[lo] - 1)]):
            self._fix(z3.ULE(below, port))
            self._minimize(port, cands[lo] - 1)
            return
        self._fix(port == cands[lo])

    def _endpoint(self, e: Endpoint, keys: set[str], ns_keys: set[str], ports: set[str], near: int = -1) -> None:
        o, vocab = self.o, self.o.vocab  # type: ignore[attr-defined]
        is_pod = self._sat([e.pod])
        self._fix(e.pod if is_pod else z3.Not(e.pod))
        if not is_pod:
            ipv = self._minimize(e.ipv, IPV6)
            ip, bits = (e.ip4, 32) if ipv == IPV4 else (e.ip6, 128)
            self._minimize(ip, 2**bits - 1)
            return
        if self._minimize(e.cls, o.hyp) < o.hyp:  # type: ignore[attr-defined]
            return  # a pod with a recorded address: the class fixes everything else
        # the subject's namespace is fixed already; a peer in the same namespace comes first
        if near >= 0 and self._sat([e.ns == near]):
            self._fix(e.ns == near)
        other_ns = self._minimize(e.ns, vocab.other_ns) == vocab.other_ns
        plain = [v == 0 for k, v in e.labels.items() if k not in keys]
        plain += [v == 0 for n, v in e.port_num.items() if n not in ports]
        if other_ns:
            name_other = len(vocab.ns_values[NAMESPACE_NAME_LABEL]) + 1
            plain += [v == (name_other if k == NAMESPACE_NAME_LABEL else 0)
                      for k, v in e.ns_labels.items() if k not in ns_keys]
        if plain and self._sat(plain):
            self._fix(*plain)
        self._labels({k: e.labels[k] for k in sorted(keys) if k in e.labels},
                     {k: len(v) + 1 for k, v in vocab.pod_values.items()})
        if other_ns:
            self._labels({k: e.ns_labels[k] for k in sorted(ns_keys) if k in e.ns_labels},
                         {k: len(v) + 1 for k, v in vocab.ns_values.items()})
        names = sorted(ports & e.port_num.keys())
        undeclared = [e.port_num[n] == 0 for n in names] + [e.port_proto[n] == 0 for n in names]
        if undeclared and self._sat(undeclared):  # the common case: no named port needed
            self._fix(*undeclared)
            return
        for name in names:
            self._prefer(e.port_num[name], (0, 1), 65535)
            self._prefer(e.port_proto[name], (0,), 2)

    def _labels(self, vars_: dict[str, z3.BitVecRef], other: dict[str, int]) -> None:
        absent = [v == 0 for v in vars_.values()]
        if absent and self._sat(absent):  # the common case: one check for all keys
            self._fix(*absent)
            return
        for key, var in vars_.items():
            self._prefer(var, (0, other[key]), other[key])
