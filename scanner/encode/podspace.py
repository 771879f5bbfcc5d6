"""Pods that could exist, per namespace: the default-deny question "is every pod of N isolated
for D?" for pods with any labels, on one small lazily built encoding.

Only N's own policies can select a pod of N, and only their podSelectors matter (rules never
isolate), so the encoding holds the policies without rules and no workloads, and compiles a
namespace's policies the first time it is asked (`Formula(lazy=True)`): each question is a
few terms, not the whole model. The label values only other namespaces' selectors mention
behave like "any other value" for N's selectors, so the canonical pod (witness.py) is the one
the whole-model encoding gives.
"""

from __future__ import annotations

from dataclasses import replace

import z3

from npaudit.encode.compile import Compiler
from npaudit.encode.domain import endpoint_domain, packet_domain
from npaudit.encode.formula import Formula, PolicyTerms
from npaudit.encode.outcome import Outcome, Scope, Verdict
from npaudit.encode.solver import SolverSettings, Status, check, make_solver
from npaudit.encode.symbols import hyp_index, make_endpoint, make_packet
from npaudit.encode.vocab import build_vocabulary
from npaudit.encode.witness import MAX_CORE_TO_MINIMISE, Explainer
from npaudit.model.types import Direction, Model, Policy, Workload


class PodSpace:
    """Duck-types the parts of `prover.Encoding` the witness `Explainer` reads."""

    def __init__(self, model: Model, settings: SolverSettings, modelled: Workload | None) -> None:
        self.originals = model.policies
        bare = tuple(replace(p, ingress=(), egress=()) for p in model.policies)
        self.vocab = build_vocabulary(replace(model, workloads=(), policies=bare))
        self.ctx = z3.Context()
        self.comp = Compiler(self.vocab, self.ctx)
        self.src = make_endpoint("src", self.vocab, self.ctx)
        self.dst = make_endpoint("dst", self.vocab, self.ctx)
        self.pkt = make_packet(self.ctx)
        self.formula = Formula(bare, self.comp, self.src, self.dst, self.pkt, lazy=True)
        self.solver = make_solver(self.ctx, settings)
        self.solver.add(*endpoint_domain(self.src, self.vocab), *endpoint_domain(self.dst, self.vocab), *packet_domain(self.pkt))
        self.all_on = z3.Bool("guards.all_on", self.ctx)
        self.hyp = hyp_index(self.vocab)
        self.modelled = modelled
        self._by_ns: dict[str, list[int]] = {}
        for i, p in enumerate(model.policies):
            self._by_ns.setdefault(p.namespace, []).append(i)
        self._isolated: dict[tuple[str, Direction], tuple[z3.BoolRef, list[PolicyTerms]]] = {}

    def _literal(self, namespace: str, direction: Direction) -> tuple[z3.BoolRef, list[PolicyTerms]]:
        """isolated.N.D == some policy of N listing D selects the pod (defined on first use)."""
        key = (namespace, direction)
        if key not in self._isolated:
            own = [self.formula.terms(i) for i in self._by_ns.get(namespace, ())]
            own = [t for t in own if direction in t.selects]
            lit = z3.Bool(f"isolated.{namespace}.{direction.value}", self.ctx)
            self.solver.add(lit == self.comp.or_([t.selects[direction] for t in own]))
            if own:
                self.solver.add(z3.Implies(self.all_on, z3.And([t.guard for t in own])))
            self._isolated[key] = (lit, own)
        return self._isolated[key]

    def isolation(self, direction: Direction, namespace: str, explain: bool) -> Outcome:
        """Scope any-pod, `namespace` known: VIOLATED with the canonical pod, or HOLDS."""
        lit, own = self._literal(namespace, direction)
        e = self.formula.side(direction)
        query = [e.pod, self.comp.in_namespace(namespace, e), z3.Not(lit)]
        status, reason = check(self.solver, [*query, self.all_on])
        if status is Status.UNKNOWN:
            return Outcome(Verdict.UNKNOWN, Scope.ANY_POD, reason=reason)
        if status is Status.SAT:
            found = Explainer(self, self.modelled).witness(query, (e,))  # type: ignore[arg-type]
            if found is None:
                return Outcome(Verdict.UNKNOWN, Scope.ANY_POD, reason="counterexample could not be canonicalised")
            return Outcome(Verdict.VIOLATED, Scope.ANY_POD, subject=found[1])
        # a pod of a known namespace can always exist in scope any-pod: never vacuous
        enforcing = self._core(query, own) if explain else ()
        return Outcome(Verdict.HOLDS, Scope.ANY_POD, enforcing=enforcing)

    def _core(self, query: list[z3.BoolRef], own: list[PolicyTerms]) -> tuple[Policy, ...]:
        """A minimal set of N's policies that alone isolate every pod: an unsat core over their
        guards, then deletion in policy order (as `Explainer.enforcing`)."""
        status, _ = check(self.solver, [*query, *(t.guard for t in own)])
        if status is not Status.UNSAT:
            return ()
        kept = {g.get_id() for g in self.solver.unsat_core()}
        core = [t for t in own if t.guard.get_id() in kept]
        if len(core) <= MAX_CORE_TO_MINIMISE:
            for t in list(core):
                trial = [x for x in core if x is not t]
                if t in core and check(self.solver, [*query, *(x.guard for x in trial)])[0] is Status.UNSAT:
                    kept = {g.get_id() for g in self.solver.unsat_core()}
                    core = [x for x in trial if x.guard.get_id() in kept]
        return tuple(self.originals[t.index] for t in core)
