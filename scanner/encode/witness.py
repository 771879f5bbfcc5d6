"""From z3 answers back to model types: canonical counterexamples, the rules behind them, and
minimal sets of enforcing policies.

Canonical means the same input always gives the same counterexample, whatever model z3 found
first: variables are fixed one at a time in a fixed order to the smallest value that keeps
the query satisfiable (a workload of the repository before a pod that could exist, workloads
in sorted order, an absent label before "any other value" before a listed value, the lowest
protocol and port).
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

import z3

from npaudit.encode.outcome import EndpointView, RuleRef, SideExplanation, Witness
from npaudit.encode.solver import Status, check
from npaudit.encode.symbols import IPV4, IPV6, Endpoint
from npaudit.model.types import PROTOCOLS, Direction, Policy, Workload

if TYPE_CHECKING:
    from npaudit.encode.prover import Encoding


#: deletion-based minimisation costs one solver call per guard: bounded for big cores
MAX_CORE_TO_MINIMISE = 24


class _Budget(Exception):
    """The solver said unknown while canonicalising."""


class Explainer:
    def __init__(self, enc: Encoding, modelled: Workload | None) -> None:
        self.enc = enc
        self.modelled = modelled

    def _sat(self, assumptions: list[z3.BoolRef]) -> bool:
        status, _ = check(self.enc.solver, [*assumptions, self.enc.all_on])
        if status is Status.UNKNOWN:
            raise _Budget
        return status is Status.SAT

    def _minimize(self, var: z3.BitVecRef, fixed: list[z3.BoolRef], hi: int) -> int:
        lo = 0
        while lo < hi:
            mid = (lo + hi) // 2
            if self._sat([*fixed, z3.ULE(var, mid)]):
                hi = mid
            else:
                lo = mid + 1
        return lo

    def _prefer(self, var: z3.BitVecRef, options: tuple[int, ...], fixed: list[z3.BoolRef], hi: int) -> None:
        for value in options:
            if self._sat([*fixed, var == value]):
                fixed.append(var == value)
                return
        fixed.append(var == self._minimize(var, fixed, hi))

    # -- counterexamples --------------------------------------------------------------------
    def canonical_model(self, query: list[z3.BoolRef], subjects: tuple[Endpoint, ...]) -> z3.ModelRef | None:
        """The canonical model of `query`: `subjects` fixed in that order, then (for two
        subjects) the protocol and port. None when the budget ran out."""
        enc = self.enc
        fixed = list(query)
        try:
            for e in subjects:
                self._canon_endpoint(e, fixed)
            if len(subjects) == 2:
                fixed.append(enc.pkt.proto == self._minimize(enc.pkt.proto, fixed, 2))
                fixed.append(enc.pkt.port == self._minimize(enc.pkt.port, fixed, 65535))
            if not self._sat(fixed):
                return None
        except _Budget:
            return None
        return enc.solver.model()

    def view(self, e: Endpoint, m: z3.ModelRef) -> EndpointView:
        """One endpoint of a model in model types."""
        return self._view(e, m)

    def witness(self, query: list[z3.BoolRef], subjects: tuple[Endpoint, ...]) -> tuple[Witness | None, EndpointView | None] | None:
        enc = self.enc
        m = self.canonical_model(query, subjects)
        if m is None:
            return None
        if len(subjects) == 1:
            return None, self._view(subjects[0], m)
        return Witness(
            src=self._view(enc.src, m),
            dst=self._view(enc.dst, m),
            protocol=PROTOCOLS[m.eval(enc.pkt.proto, model_completion=True).as_long()],
            port=m.eval(enc.pkt.port, model_completion=True).as_long(),
            egress=self._side(Direction.EGRESS, m),
            ingress=self._side(Direction.INGRESS, m),
        ), None

    def _canon_endpoint(self, e: Endpoint, fixed: list[z3.BoolRef]) -> None:
        enc, vocab = self.enc, self.enc.vocab
        is_pod = self._sat([*fixed, e.pod])
        fixed.append(e.pod if is_pod else z3.Not(e.pod))
        if not is_pod:
            ipv = self._minimize(e.ipv, fixed, IPV6)
            fixed.append(e.ipv == ipv)
            ip, bits = (e.ip4, 32) if ipv == IPV4 else (e.ip6, 128)
            fixed.append(ip == self._minimize(ip, fixed, 2**bits - 1))
            return
        cls = self._minimize(e.cls, fixed, enc.hyp)
        fixed.append(e.cls == cls)
        if cls < enc.hyp:
            return
        ns = self._minimize(e.ns, fixed, vocab.other_ns)
        fixed.append(e.ns == ns)
        self._canon_labels(e.labels, {k: len(v) + 1 for k, v in vocab.pod_values.items()}, fixed)
        if ns == vocab.other_ns:
            self._canon_labels(e.ns_labels, {k: len(v) + 1 for k, v in vocab.ns_values.items()}, fixed)
        for name in sorted(e.port_num):
            self._prefer(e.port_num[name], (0,), fixed, 65535)
            self._prefer(e.port_proto[name], (0,), fixed, 2)

    def _canon_labels(self, vars_: dict[str, z3.BitVecRef], other: dict[str, int], fixed: list[z3.BoolRef]) -> None:
        absent = [v == 0 for v in vars_.values()]
        if absent and self._sat([*fixed, *absent]):  # the common case: one check for all keys
            fixed.extend(absent)
            return
        for key in sorted(vars_):
            self._prefer(vars_[key], (0, other[key]), fixed, other[key])

    def _view(self, e: Endpoint, m: z3.ModelRef) -> EndpointView:
        enc, vocab = self.enc, self.enc.vocab

        def val(t: z3.ExprRef) -> int:
            return int(m.eval(t, model_completion=True).as_long())

        if not z3.is_true(m.eval(e.pod, model_completion=True)):
            ipv = val(e.ipv)
            addr = ipaddress.IPv4Address(val(e.ip4)) if ipv == IPV4 else ipaddress.IPv6Address(val(e.ip6))
            return EndpointView("external", address=str(addr))
        cls = val(e.cls)
        if cls < enc.hyp:
            w = vocab.classes[cls].workloads[0]
            return EndpointView("workload", namespace=w.namespace, workload=w, modelled=w == self.modelled)
        ns = val(e.ns)

        def labels(vars_: dict[str, z3.BitVecRef], values: dict[str, tuple[str, ...]]) -> tuple[tuple[str, str | None], ...]:
            out: list[tuple[str, str | None]] = []
            for key in sorted(vars_):
                code = val(vars_[key])
                if code:
                    out.append((key, values[key][code - 1] if code <= len(values[key]) else None))
            return tuple(out)

        ports = tuple(
            (n, val(e.port_num[n]), PROTOCOLS[val(e.port_proto[n])]) for n in sorted(e.port_num) if val(e.port_num[n])
        )
        other = ns == vocab.other_ns
        return EndpointView(
            "pod",
            namespace=None if other else vocab.namespaces[ns],
            labels=labels(e.labels, dict(vocab.pod_values)),
            namespace_labels=labels(e.ns_labels, dict(vocab.ns_values)) if other else (),
            named_ports=ports,
        )

    def _side(self, direction: Direction, m: z3.ModelRef) -> SideExplanation:
        formula = self.enc.formula
        e = formula.side(direction)
        if not z3.is_true(m.eval(e.pod, model_completion=True)):
            return SideExplanation(direction, outside=True)
        isolated: list[Policy] = []
        allowed: list[RuleRef] = []
        for t in formula.policies:
            if direction not in t.selects or not z3.is_true(m.eval(t.selects[direction], model_completion=True)):
                continue
            isolated.append(t.policy)
            for rule in t.policy.rules(direction):
                if z3.is_true(m.eval(t.rules[(direction, rule.index)], model_completion=True)):
                    allowed.append(RuleRef(t.policy, rule))
        return SideExplanation(direction, tuple(isolated), tuple(allowed))

    # -- proofs -----------------------------------------------------------------------------
    def enforcing(self, query: list[z3.BoolRef]) -> tuple[Policy | RuleRef, ...]:
        """A minimal set of guards that alone keep the query unsatisfiable (deletion-based
        minimisation in policy order, so the answer is deterministic)."""
        enc = self.enc
        names = {g.get_id(): g for g in enc.guards}
        status, _ = check(enc.solver, [*query, *enc.guards])
        if status is not Status.UNSAT:
            return ()
        core = [g for g in enc.solver.unsat_core() if g.get_id() in names]
        order = {g.get_id(): i for i, g in enumerate(enc.guards)}
        core.sort(key=lambda g: order[g.get_id()])
        if len(core) > MAX_CORE_TO_MINIMISE:
            return tuple(self._meaning(g) for g in core)  # a correct but not minimal set
        for g in list(core):
            if all(x.get_id() != g.get_id() for x in core):
                continue  # already dropped by a smaller core
            trial = [x for x in core if x.get_id() != g.get_id()]
            status, _ = check(enc.solver, [*query, *trial])
            if status is Status.UNSAT:
                kept = {x.get_id() for x in enc.solver.unsat_core()}
                core = [x for x in trial if x.get_id() in kept]
        return tuple(self._meaning(g) for g in core)

    def _meaning(self, guard: z3.BoolRef) -> Policy | RuleRef:
        for t in self.enc.formula.policies:
            if t.guard.get_id() == guard.get_id():
                return t.policy
            for (direction, index), g in t.rule_guards.items():
                if g.get_id() == guard.get_id():
                    rule = next(r for r in t.policy.rules(direction) if r.index == index)
                    return RuleRef(t.policy, rule)
        raise KeyError(str(guard))

    def vacuous(self, domain: list[z3.BoolRef]) -> bool:
        """No endpoint in scope matches the property's selectors (or no port fits)."""
        status, _ = check(self.enc.solver, [*domain, self.enc.all_on])
        return status is Status.UNSAT
