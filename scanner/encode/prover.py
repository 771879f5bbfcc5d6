"""The prover: one encoding per model, built once, asked many questions through assumptions.

Queries never push/pop (that switches z3 to its slower incremental core); each question is a
list of assumption terms on top of the asserted formula. A property holds when its
counterexample query is unsatisfiable, so no quantifiers are needed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import z3

from npaudit.gcpause import gc_paused
from npaudit.encode import anypod, isolation, prune, sets
from npaudit.encode.compile import Compiler, VocabularyGap
from npaudit.encode.dns import DnsModel, with_dns
from npaudit.encode.domain import endpoint_domain, packet_domain
from npaudit.encode.formula import Formula
from npaudit.encode.outcome import EndpointSelector, EndpointView, Outcome, Scope, Verdict, Witness
from npaudit.encode.solver import SolverSettings, Status, check, make_solver
from npaudit.encode.symbols import PROTO_CODE, Endpoint, hyp_index, make_endpoint, make_packet
from npaudit.encode.vocab import Vocabulary, build_vocabulary
from npaudit.encode.witness import Explainer
from npaudit.model.types import Direction, LabelSelector, Model, PortSpec, Protocol, Workload


@dataclass(frozen=True, slots=True)
class Extras:
    """Selectors the questions will use beyond the model's own (property endpoints)."""

    pod: frozenset[LabelSelector] = frozenset()
    ns: frozenset[LabelSelector] = frozenset()
    port_names: frozenset[str] = frozenset()

    def union(self, other: Extras) -> Extras:
        return Extras(self.pod | other.pod, self.ns | other.ns, self.port_names | other.port_names)

    @classmethod
    def of(cls, endpoints: Iterable[EndpointSelector], ports: Iterable[PortSpec] = ()) -> Extras:
        eps = list(endpoints)
        return cls(
            frozenset(e.pod_selector for e in eps if e.pod_selector is not None),
            frozenset(e.namespace_selector for e in eps if e.namespace_selector is not None),
            frozenset(p.port for p in ports if isinstance(p.port, str)),
        )


class Encoding:
    """z3 context, variables, the asserted formula and the solver for one vocabulary."""

    def __init__(self, model: Model, vocab: Vocabulary, settings: SolverSettings, keep: prune.Keep | None = None) -> None:
        """`keep`: compile only these sides of the policies (`encode/prune.py`); the formula is
        then exact only for the questions it was pruned for."""
        self.model, self.vocab = model, vocab
        self.ctx = z3.Context()
        self.comp = Compiler(vocab, self.ctx)
        self.src = make_endpoint("src", vocab, self.ctx)
        self.dst = make_endpoint("dst", vocab, self.ctx)
        self.pkt = make_packet(self.ctx)
        self.formula = (Formula(model.policies, self.comp, self.src, self.dst, self.pkt) if keep is None
                        else prune.PrunedFormula(model.policies, keep, self.comp, self.src, self.dst, self.pkt))
        self.solver = make_solver(self.ctx, settings)
        self.solver.add(*endpoint_domain(self.src, vocab), *endpoint_domain(self.dst, vocab), *packet_domain(self.pkt))
        # named literals for the derived facts, so queries can assume them or their negation
        self.allowed = z3.Bool("allowed", self.ctx)
        self.isolated = {d: z3.Bool(f"isolated.{d.value}", self.ctx) for d in Direction}
        self.solver.add(self.allowed == z3.And(self.formula.ok(Direction.EGRESS), self.formula.ok(Direction.INGRESS)))
        for d in Direction:
            self.solver.add(self.isolated[d] == self.formula.isolated[d])
        self.guards = self.formula.guards()
        # one literal switches every guard on: ordinary queries assume it instead of passing
        # each guard (thousands of assumptions per call); cores still use the single guards
        self.all_on = z3.Bool("guards.all_on", self.ctx)
        self.solver.add(z3.Implies(self.all_on, z3.And(self.guards) if self.guards else self.comp.true))
        self.hyp = hyp_index(vocab)

    def endpoints(self, sels: Sequence[EndpointSelector], e: Endpoint) -> z3.BoolRef:
        """Any of the endpoint selectors (a property's list is ORed like a rule's peers)."""
        return self.comp.or_([self.endpoint(s, e) for s in sels])

    def endpoint(self, sel: EndpointSelector, e: Endpoint) -> z3.BoolRef:
        if sel.ip_block is not None:
            return self.comp.and_([z3.Not(e.pod), self.comp.ip_block(sel.ip_block, e)])
        ns = self.comp.true if sel.namespace_selector is None else self.comp.namespace_selector(sel.namespace_selector, e)
        return self.comp.and_([e.pod, ns, self.comp.pod_selector(sel.pod_selector, e)])

    def scope(self, e: Endpoint, scope: Scope, allow_new_namespaces: bool) -> z3.BoolRef:
        if scope is Scope.WORKLOADS:
            return z3.Implies(e.pod, z3.ULT(e.cls, self.hyp))
        if allow_new_namespaces:
            return self.comp.true
        return z3.Implies(e.pod, e.ns != self.vocab.other_ns)


class Prover:
    """Answers property questions about one model. Build with `build_prover`.

    `engine`: "auto" answers workloads-scope reach questions with the semantics engine
    (`encode/sets.py`, exact and fast on large models) and default-deny per namespace on a
    slice holding only that namespace's policies; "z3" asks the whole-model encoding for
    everything (the differential tests compare the two)."""

    def __init__(self, model: Model, settings: SolverSettings, dns: DnsModel, extras: Extras = Extras(),
                 engine: str = "auto") -> None:
        self.source_model = model
        self.model, self.modelled_dns = with_dns(model, dns)
        self.settings = settings
        self.engine = engine
        self._extras = extras
        self._enc: Encoding | None = None
        self._vocab: Vocabulary | None = None
        self._sets: Any = None
        self._slices: dict[Any, Any] = {}  # smaller encodings (encode/isolation.py, encode/anypod.py)
        #: any-pod reach on more classes than this: counterexamples without the class table
        self.full_canonical_max = anypod.FULL_CANONICAL_MAX_CLASSES

    @property
    def vocab(self) -> Vocabulary:
        """The vocabulary of the model and the properties asked so far (no z3 needed)."""
        if self._vocab is None:
            with gc_paused():
                self._vocab = self._build_vocabulary()
        return self._vocab

    def _build_vocabulary(self) -> Vocabulary:
        return build_vocabulary(
            self.model,
            extra_pod_selectors=sorted(self._extras.pod, key=repr),
            extra_ns_selectors=sorted(self._extras.ns, key=repr),
            extra_port_names=self._extras.port_names,
        )

    @property
    def enc(self) -> Encoding:
        """The whole-model z3 encoding, built on first use."""
        if self._enc is None:
            self._enc = Encoding(self.model, self.vocab, self.settings)
        return self._enc

    def _encode(self) -> Encoding:
        self._vocab, self._sets = None, None
        self._enc = Encoding(self.model, self.vocab, self.settings)
        return self._enc

    def prepare(self, extras: Extras) -> None:
        """Make sure the vocabulary covers `extras`; the encodings are rebuilt lazily."""
        merged = self._extras.union(extras)
        if merged != self._extras:
            self._extras = merged
            self._enc, self._vocab, self._sets = None, None, None

    def notes(self) -> tuple[str, ...]:
        out = []
        if self.modelled_dns is not None:
            w = self.modelled_dns
            labels = ", ".join(f"{k}={v}" for k, v in sorted(w.labels.items()))
            out.append(f"the cluster DNS is not in the repository: modelled as {w.display} ({labels}; UDP/TCP 53)")
        for w in self.model.workloads:
            if w.host_network:
                out.append(f"{w.display} uses hostNetwork: outside NetworkPolicy enforcement, left out")
        return tuple(out)

    # -- questions ---------------------------------------------------------------------------
    def reach(
        self,
        *,
        must: bool,
        src: Sequence[EndpointSelector],
        dst: Sequence[EndpointSelector],
        ports: Sequence[PortSpec] = (),
        scope: Scope = Scope.WORKLOADS,
        allow_new_namespaces: bool = False,
        limit: int = 1,
        explain: bool = True,
    ) -> Outcome:
        """deny-reach (`must=False`): no connection from `src` to `dst` on `ports` is allowed.
        must-reach (`must=True`): every such connection is allowed.
        `limit`: how many counterexamples (distinct source/destination classes) to list."""
        self.prepare(Extras.of((*src, *dst), ports))
        if self.engine != "z3" and scope is Scope.WORKLOADS and sets.supported(src, dst, ports):
            with gc_paused():
                return self._set_reach().reach(must=must, src=src, dst=dst, ports=ports, limit=limit,
                                               explain=explain, notes=self.notes(), budget=self.settings.rlimit)
        if self.engine != "z3" and scope is Scope.ANY_POD and len(self.vocab.classes) > self.full_canonical_max:
            return anypod.reach(self, must=must, src=src, dst=dst, ports=ports,
                                allow_new_namespaces=allow_new_namespaces, limit=limit, explain=explain)
        try:
            return self._reach(must, src, dst, ports, scope, allow_new_namespaces, limit, explain)
        except VocabularyGap:  # a selector value only a previous build lacked: cannot recur
            self._encode()
            return self._reach(must, src, dst, ports, scope, allow_new_namespaces, limit, explain)

    def _reach(self, must: bool, src: Sequence[EndpointSelector], dst: Sequence[EndpointSelector], ports: Sequence[PortSpec],
               scope: Scope, allow_new: bool, limit: int, explain: bool) -> Outcome:
        enc = self.enc
        domain = [
            enc.endpoints(src, enc.src), enc.scope(enc.src, scope, allow_new),
            enc.endpoints(dst, enc.dst), enc.scope(enc.dst, scope, allow_new),
            enc.comp.ports(ports, enc.dst, enc.pkt),
        ]
        query = [*domain, z3.Not(enc.allowed) if must else enc.allowed]
        outcome = self._decide(query, domain, scope, subjects=(enc.src, enc.dst), explain=explain)
        if outcome.verdict is not Verdict.VIOLATED or limit <= 1:
            return outcome
        return replace(outcome, witnesses=self._more(query, outcome, limit))

    def _set_reach(self) -> sets.SetReach:
        if self._sets is None:
            self._sets = sets.SetReach(self.model, self.vocab, self.modelled_dns)
        return self._sets

    def _more(self, query: list[z3.BoolRef], first: Outcome, limit: int) -> tuple[Witness, ...]:
        """Further canonical counterexamples, each with a (source, destination) class pair not
        seen before (the pair of every earlier one is excluded)."""
        enc = self.enc
        explainer = Explainer(enc, self.modelled_dns)
        found = [first.witness] if first.witness else []
        blocked = list(query)
        # only pairs of concrete workloads are enumerated: a pod that could exist stands for all
        while len(found) < limit and found and found[-1].src.workload and found[-1].dst.workload:
            blocked.append(z3.Not(z3.And(enc.src.cls == self._cls(found[-1].src), enc.dst.cls == self._cls(found[-1].dst))))
            status, _ = check(enc.solver, [*blocked, enc.all_on])
            if status is not Status.SAT:
                break
            nxt = explainer.witness(blocked, (enc.src, enc.dst))
            if nxt is None or nxt[0] is None:
                break
            found.append(nxt[0])
        return tuple(found)

    def _cls(self, view: EndpointView) -> int:
        if view.workload is None:
            return self.enc.hyp
        return next(i for i, c in enumerate(self.enc.vocab.classes) if view.workload in c.workloads)

    def isolation(
        self, direction: Direction, namespace: str, *, scope: Scope = Scope.ANY_POD, explain: bool = True
    ) -> Outcome:
        """default-deny: every pod of `namespace` is isolated for `direction`."""
        if self.engine != "z3":
            return isolation.decide(self, direction, namespace, scope, explain)
        return self.isolation_whole(direction, namespace, scope=scope, explain=explain)

    def isolation_whole(
        self, direction: Direction, namespace: str, *, scope: Scope = Scope.ANY_POD, explain: bool = True
    ) -> Outcome:
        """`isolation` on this prover's whole encoding."""
        enc = self.enc
        e = enc.formula.side(direction)
        if namespace not in enc.vocab.namespaces:
            return Outcome(Verdict.HOLDS, scope, vacuous=True, notes=self.notes())
        domain = [e.pod, enc.comp.in_namespace(namespace, e), enc.scope(e, scope, False)]
        query = [*domain, z3.Not(enc.isolated[direction])]
        return self._decide(query, domain, scope, subjects=(e,), explain=explain)

    def _decide(self, query: list[z3.BoolRef], domain: list[z3.BoolRef], scope: Scope,
                subjects: tuple[Endpoint, ...], explain: bool = True) -> Outcome:
        enc = self.enc
        explainer = Explainer(enc, self.modelled_dns)
        status, reason = check(enc.solver, [*query, enc.all_on])
        if status is Status.UNKNOWN:
            return Outcome(Verdict.UNKNOWN, scope, reason=reason, notes=self.notes())
        if status is Status.SAT:
            found = explainer.witness(query, subjects)
            if found is None:  # canonicalisation ran out of budget: still a violation
                return Outcome(Verdict.UNKNOWN, scope, reason="counterexample could not be canonicalised", notes=self.notes())
            return Outcome(Verdict.VIOLATED, scope, witness=found[0], subject=found[1], notes=self.notes())
        if not explain:  # a scan reports nothing for a proof that holds: skip the core work
            return Outcome(Verdict.HOLDS, scope, notes=self.notes())
        enforcing = explainer.enforcing(query)
        vacuous = explainer.vacuous(domain)
        return Outcome(Verdict.HOLDS, scope, enforcing=enforcing, vacuous=vacuous, notes=self.notes())

    def cross_check(
        self, table: Sequence[tuple[Workload, Workload, Protocol, Sequence[tuple[int, int]]]]
    ) -> tuple[Workload, Workload, Protocol, int, bool] | None:
        """Compare the encoding with the semantics engine in one query. `table` rows are
        (src, dst, protocol, allowed port intervals) and must cover every pair to compare; every
        port 1..65535 is compared. Returns (src, dst, protocol, port, z3's verdict) where they
        disagree, or None."""
        enc = self.enc
        index = {id(w): i for i, c in enumerate(enc.vocab.classes) for w in c.workloads}
        rows = [r for r in table if id(r[0]) in index and id(r[1]) in index]
        port = enc.pkt.port
        cases = []
        for s, d, proto, intervals in rows:
            expected = enc.comp.or_([z3.And(z3.ULE(lo, port), z3.ULE(port, hi)) for lo, hi in intervals])
            cases.append(z3.And(enc.src.pod, enc.dst.pod, enc.src.cls == index[id(s)], enc.dst.cls == index[id(d)],
                                enc.pkt.proto == PROTO_CODE[proto], enc.allowed != expected))
        status, reason = check(enc.solver, [enc.comp.or_(cases), enc.all_on])
        if status is Status.UNKNOWN:
            raise RuntimeError(f"cross-check undecided: {reason}")
        if status is Status.UNSAT:
            return None
        m = enc.solver.model()
        got = [m.eval(t, model_completion=True).as_long() for t in (enc.src.cls, enc.dst.cls, enc.pkt.proto, port)]
        allowed = z3.is_true(m.eval(enc.allowed, model_completion=True))
        for s, d, proto, intervals in rows:
            inside = any(lo <= got[3] <= hi for lo, hi in intervals)
            if [index[id(s)], index[id(d)], PROTO_CODE[proto]] == got[:3] and inside != allowed:
                return s, d, proto, got[3], allowed
        raise AssertionError("cross-check model matches no table entry")

    def namespaces(self) -> tuple[str, ...]:
        """The repository's namespaces (declared or used by an object), sorted; not the ones
        only the DNS model adds."""
        m = self.source_model
        names = set(m.namespaces) | {w.namespace for w in m.workloads} | {p.namespace for p in m.policies}
        return tuple(sorted(names))

    def workloads_matching(self, sels: Sequence[EndpointSelector]) -> tuple[Workload, ...]:
        """Concrete workloads (modelled DNS included) that any of the endpoint selectors selects."""
        from npaudit.model.selectors import matches

        def hit(w: Workload, sel: EndpointSelector) -> bool:
            ns_ok = sel.namespace_selector is None or matches(sel.namespace_selector, self.model.namespace_labels(w.namespace))
            return sel.ip_block is None and ns_ok and matches(sel.pod_selector, w.labels)

        return tuple(w for c in self.vocab.classes for w in c.workloads if any(hit(w, s) for s in sels))


def build_prover(model: Model, config: Mapping[str, Any] | None = None) -> Prover:
    """The prover factory the pipeline injects into `CheckContext` (`ctx.prover`)."""
    from npaudit.properties import PropertyError, parse_property

    config = config or {}
    extras = Extras()
    # the enabled properties' selectors go into the vocabulary now: one build for all of them
    for item in config.get("properties") or ():
        try:
            prop = parse_property(str(item["id"]), str(item["kind"]), item.get("params") or {})
        except PropertyError:
            continue  # reported by the check itself
        extras = extras.union(Extras.of((*prop.src, *prop.dst), prop.ports))
    engine = str((config.get("prove") or {}).get("engine", "auto"))
    return Prover(model, SolverSettings.from_config(config), DnsModel.from_config(config), extras, engine=engine)
