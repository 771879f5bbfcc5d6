"""Is a policy, rule, peer or port entry redundant for ANY pod that could exist?

Direction-local, like the workloads-scope rules: an item of policy P (namespace N, direction
d) is redundant when, for every pod x that could exist in N, x's d-side verdict toward every
peer on every protocol and port is the same with and without it. The peer is any pod in any
namespace - the repository's, or a namespace created later (a peer's namespaceSelector is
written for those too, and the workloads scope already judges a representative pod there) -
or any address outside the cluster. Removing a whole policy can change a side both ways: its
rules stop allowing (narrowing), and when nothing else isolates x the side opens up
(widening); the question compares the side formula with and without P, so both count.
Removing a rule, peer or port entry only narrows.

Sliced per (namespace, direction): only the policies of N that list d can decide x's d-side,
so a question names only their compiled terms (compiled lazily, once) and passes their guards
as assumptions on one long-lived solver; no push/pop. The encoding is symbolic: a pod that
could exist has free labels and named ports, which covers every workload of the repository
except pods with recorded addresses (cluster snapshots), whose classes are kept so ipBlocks
match them as they do in the semantics. When redundant, a minimised unsat core over the other
guards names the covering policies (they keep x isolated) and rules (they admit the traffic);
guards outside the core are left free, so the item stays redundant whatever happens to them.

A session removes every item it finds redundant before the next question, so the items it
answers HOLDS for can all be removed together. Ask in the order the workloads-scope analysis
found its items (see checks/hygiene_anypod.py).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace

import z3

from npaudit.encode.compile import Compiler
from npaudit.encode.domain import endpoint_domain, packet_domain
from npaudit.encode.formula import Formula, PolicyTerms
from npaudit.encode.outcome import RuleRef, Verdict
from npaudit.encode.redundancy_canon import LAST_ENTRY_NEEDED, Answer, Canon, Change, Relevant, meaning, minimal_core
from npaudit.encode.solver import SolverSettings, Status, check, make_solver
from npaudit.encode.symbols import Endpoint, hyp_index, make_endpoint, make_packet
from npaudit.encode.vocab import Vocabulary, build_vocabulary
from npaudit.encode.witness import Explainer
from npaudit.model.types import PROTOCOLS, Direction, Model, Policy, Workload

RuleKey = tuple[int, Direction, int]  # (policy index, direction, rule index)


class Oracle:
    """The symbolic encoding the redundancy questions share (one z3 context and solver)."""

    def __init__(self, model: Model, vocab: Vocabulary, settings: SolverSettings) -> None:
        # pods with recorded addresses stay as classes (ipBlocks match them); everything else
        # is covered by the pod that could exist, whose labels and named ports are free
        self.vocab = replace(vocab, classes=tuple(c for c in vocab.classes if c.ips))
        self.model = model
        self.ctx = z3.Context()
        self.comp = Compiler(self.vocab, self.ctx)
        self.src = make_endpoint("src", self.vocab, self.ctx)
        self.dst = make_endpoint("dst", self.vocab, self.ctx)
        self.pkt = make_packet(self.ctx)
        self.formula = Formula(model.policies, self.comp, self.src, self.dst, self.pkt, lazy=True)
        self.settings = settings
        self.solver = make_solver(self.ctx, settings)
        self.domain = [*endpoint_domain(self.src, self.vocab), *endpoint_domain(self.dst, self.vocab),
                       *packet_domain(self.pkt)]
        self.solver.add(*self.domain)
        self.all_on = z3.Bool("on", self.ctx)  # the Explainer assumes it; guards are passed one by one
        self.solver.add(self.all_on)
        self.hyp = hyp_index(self.vocab)
        self.index = {id(p): i for i, p in enumerate(model.policies)}
        self.slices: dict[tuple[str, Direction], list[int]] = {}
        for i, p in enumerate(model.policies):
            for d in p.policy_types:
                self.slices.setdefault((p.namespace, d), []).append(i)
        self._terms: dict[int, PolicyTerms] = {}
        #: seconds of every question, per slice (namespace, direction)
        self.timings: dict[tuple[str, Direction], list[float]] = {}

    def terms(self, i: int, d: Direction) -> PolicyTerms:
        """Policy i's guarded terms with at least direction d compiled: a slice's questions
        never pay for the other direction's rules (compiling terms is most of the cost)."""
        t = self._terms.get(i)
        pol = self.model.policies[i]
        if t is None:
            t = self._terms[i] = PolicyTerms(i, pol, z3.Bool(f"g{i}:{pol.namespace}/{pol.name}", self.ctx))
        if d not in t.selects and d in pol.policy_types:
            comp, e = self.comp, self.formula.side(d)
            body = comp.and_([e.pod, comp.in_namespace(pol.namespace, e), comp.pod_selector(pol.pod_selector, e)])
            t.selects[d] = comp.and_([t.guard, body])
            for rule in pol.rules(d):
                g = z3.Bool(f"g{i}:{pol.namespace}/{pol.name}:{rule.path}", self.ctx)
                t.rule_guards[(d, rule.index)] = g
                body = self.formula._rule_body(pol, rule)  # noqa: SLF001 - shares its content cache
                t.rules[(d, rule.index)] = comp.and_([g, body])
        return t

    def compiled(self) -> list[PolicyTerms]:
        return [self._terms[i] for i in sorted(self._terms)]

    def session(self, *, allow_new_namespaces: bool = True, modelled: Workload | None = None) -> Session:
        """`allow_new_namespaces`: the peer may be a pod of a namespace not in the repository."""
        return Session(self, allow_new_namespaces, modelled)


def build_oracle(model: Model, settings: SolverSettings = SolverSettings()) -> Oracle:
    """The any-pod redundancy oracle of `model` (vocabulary from the model's own selectors)."""
    return Oracle(model, build_vocabulary(model), settings)


class Session:
    """Questions in order, with the removals of the items found redundant so far."""

    def __init__(self, oracle: Oracle, allow_new_namespaces: bool, modelled: Workload | None) -> None:
        self.o = oracle
        self.allow_new = allow_new_namespaces
        self.explainer = Explainer(oracle, modelled)  # type: ignore[arg-type]  # duck-typed encoding
        self.removed: set[int] = set()
        self.removed_rules: set[RuleKey] = set()
        self.kept: dict[RuleKey, tuple[list[int], list[int]]] = {}  # rules that lost peers/ports
        self._questions = 0
        self._relevant: dict[tuple[str, Direction], Relevant] = {}
        #: policy i's allow term per direction, until one of its rules changes
        self._allow_cache: dict[tuple[int, Direction], z3.BoolRef] = {}
        self._solvers: dict[tuple[str, Direction], z3.Solver] = {}

    # -- public questions -----------------------------------------------------------------
    def policy(self, policy: Policy) -> Answer:
        """Redundant for every direction of its policyTypes; removed when it is."""
        i = self.o.index[id(policy)]
        covering: list[Policy | RuleRef] = []
        for d in sorted(policy.policy_types, key=lambda x: x.value):
            with_ = self._ok(policy.namespace, d, {})
            without = self._ok(policy.namespace, d, {}, skip=i)
            t = self.o.terms(i, d)
            mine = [t.guard, *(g for (rd, _), g in t.rule_guards.items() if rd is d)]
            answer = self._ask(policy.namespace, d, [z3.Xor(with_, without)], mine,
                               parts=(with_, without))
            if not answer.redundant:
                return answer
            covering += [c for c in answer.covering if c not in covering]
        self.removed.add(i)
        return Answer(Verdict.HOLDS, tuple(covering))

    def rule(self, policy: Policy, direction: Direction, index: int) -> Answer:
        key = (self.o.index[id(policy)], direction, index)
        target = self._rule_term(key)
        answer = self._entry(policy, key, target, {key: None})
        if answer.redundant:
            self.removed_rules.add(key)
            self._allow_cache.pop(key[:2], None)
        return answer

    def peer(self, policy: Policy, direction: Direction, index: int, j: int) -> Answer:
        key = (self.o.index[id(policy)], direction, index)
        peers, ports = self._kept(key)
        if j not in peers or len(peers) < 2:
            return LAST_ENTRY_NEEDED  # without its last peer the rule would admit every peer
        rule = policy.rules(direction)[index]
        guard = self.o.terms(key[0], direction).rule_guards[(direction, index)]
        other = self._other(direction)
        ports_term = self.o.comp.ports([rule.ports[k] for k in ports], self.o.dst, self.o.pkt)
        target = self.o.comp.and_([guard, self.o.comp.peer(rule.peers[j], policy.namespace, other), ports_term])
        rest = self._body(policy, key, [m for m in peers if m != j], ports)
        answer = self._entry(policy, key, target, {key: rest})
        if answer.redundant:
            peers.remove(j)
            self._allow_cache.pop(key[:2], None)
        return answer

    def port(self, policy: Policy, direction: Direction, index: int, k: int) -> Answer:
        key = (self.o.index[id(policy)], direction, index)
        peers, ports = self._kept(key)
        if k not in ports or len(ports) < 2:
            return LAST_ENTRY_NEEDED  # without its last port entry the rule would admit every port
        rule = policy.rules(direction)[index]
        guard = self.o.terms(key[0], direction).rule_guards[(direction, index)]
        target = self.o.comp.and_([guard, self._peers_term(policy, key, peers),
                                   self.o.comp.port_spec(rule.ports[k], self.o.dst, self.o.pkt)])
        rest = self._body(policy, key, peers, [m for m in ports if m != k])
        answer = self._entry(policy, key, target, {key: rest})
        if answer.redundant:
            ports.remove(k)
            self._allow_cache.pop(key[:2], None)
        return answer

    # -- terms of the current state ----------------------------------------------------------
    def _other(self, d: Direction) -> Endpoint:
        return self.o.src if d is Direction.INGRESS else self.o.dst

    def _kept(self, key: RuleKey) -> tuple[list[int], list[int]]:
        if key not in self.kept:
            rule = self.o.model.policies[key[0]].rules(key[1])[key[2]]
            self.kept[key] = (list(range(len(rule.peers))), list(range(len(rule.ports))))
        return self.kept[key]

    def _peers_term(self, policy: Policy, key: RuleKey, peers: Sequence[int]) -> z3.BoolRef:
        rule = policy.rules(key[1])[key[2]]
        if not rule.peers:
            return self.o.comp.true  # no from/to: every peer
        other = self._other(key[1])
        return self.o.comp.or_([self.o.comp.peer(rule.peers[j], policy.namespace, other) for j in peers])

    def _body(self, policy: Policy, key: RuleKey, peers: Sequence[int], ports: Sequence[int]) -> z3.BoolRef:
        rule = policy.rules(key[1])[key[2]]
        guard = self.o.terms(key[0], key[1]).rule_guards[(key[1], key[2])]
        ports_term = self.o.comp.ports([rule.ports[k] for k in ports], self.o.dst, self.o.pkt)
        return self.o.comp.and_([guard, self._peers_term(policy, key, peers), ports_term])

    def _rule_term(self, key: RuleKey) -> z3.BoolRef:
        if key in self.kept:
            return self._body(self.o.model.policies[key[0]], key, *self.kept[key])
        return self.o.terms(key[0], key[1]).rules[(key[1], key[2])]

    def _slice(self, namespace: str, d: Direction, skip: int | None = None) -> list[int]:
        return [i for i in self.o.slices.get((namespace, d), ()) if i not in self.removed and i != skip]

    def _ok(self, namespace: str, d: Direction, swap: dict[RuleKey, z3.BoolRef | None], skip: int | None = None) -> z3.BoolRef:
        """The d-side of a pod in `namespace` lets the connection through: not isolated, or a
        rule of a selecting policy admits it. `swap` replaces (term) or drops (None) rules."""
        comp, isolated, allows = self.o.comp, [], []
        for i in self._slice(namespace, d, skip):
            isolated.append(self.o.terms(i, d).selects[d])
            swapped = {key: term for key, term in swap.items() if key[0] == i}
            if swapped:
                allows.append(self._allows(i, d, swapped))
                continue
            if (i, d) not in self._allow_cache:
                self._allow_cache[(i, d)] = self._allows(i, d, {})
            allows.append(self._allow_cache[(i, d)])
        return comp.or_([z3.Not(comp.or_(isolated)), comp.or_(allows)])

    def _allows(self, i: int, d: Direction, swap: dict[RuleKey, z3.BoolRef | None]) -> z3.BoolRef:
        """Policy i selects the pod and one of its d-rules in force admits the connection."""
        t, comp = self.o.terms(i, d), self.o.comp
        rules = []
        for (rd, r) in t.rules:
            key = (i, rd, r)
            if rd is d and key not in self.removed_rules:
                rules.append(swap[key] if key in swap else self._rule_term(key))
        rules = [x for x in rules if x is not None]
        return comp.and_([t.selects[d], comp.or_(rules)]) if rules else comp.false

    def _guards(self, namespace: str, d: Direction) -> list[z3.BoolRef]:
        out = []
        for i in self._slice(namespace, d):
            t = self.o.terms(i, d)
            out.append(t.guard)
            out += [g for (rd, r), g in t.rule_guards.items() if rd is d and (i, rd, r) not in self.removed_rules]
        return out

    # -- asking ------------------------------------------------------------------------------
    def _entry(self, policy: Policy, key: RuleKey, target: z3.BoolRef, swap: dict[RuleKey, z3.BoolRef | None]) -> Answer:
        """Removing an entry only narrows: is there traffic the entry admits (for a pod the
        policy selects) that nothing else left admits?"""
        d = key[1]
        t = self.o.terms(key[0], d)
        without = self._ok(policy.namespace, d, swap)
        query = self.o.comp.and_([t.selects[d], target, z3.Not(without)])
        return self._ask(policy.namespace, d, [query], [t.guard, t.rule_guards[(d, key[2])]],
                         parts=None)

    def _domain(self, namespace: str, d: Direction) -> list[z3.BoolRef]:
        x, other = (self.o.dst, self.o.src) if d is Direction.INGRESS else (self.o.src, self.o.dst)
        out = [x.pod, self.o.comp.in_namespace(namespace, x)]
        if not self.allow_new:
            out.append(z3.Implies(other.pod, other.ns != self.o.vocab.other_ns))
        return out

    def _ask(self, namespace: str, d: Direction, query: list[z3.BoolRef], mine: list[z3.BoolRef], *,
             parts: tuple[z3.BoolRef, z3.BoolRef] | None) -> Answer:
        start = time.perf_counter()
        try:
            return self._decide(namespace, d, query, mine, parts)
        finally:
            self.o.timings.setdefault((namespace, d), []).append(time.perf_counter() - start)

    def _solver(self, namespace: str, d: Direction) -> z3.Solver:
        """One solver per slice: a question's checks only see the few questions of its own
        namespace and direction, not every question asked before (checks stay fast)."""
        key = (namespace, d)
        if key not in self._solvers:
            self._solvers[key] = make_solver(self.o.ctx, self.o.settings)
            self._solvers[key].add(*self.o.domain)
        return self._solvers[key]

    def _indicator(self, solver: z3.Solver, terms: list[z3.BoolRef]) -> z3.BoolRef:
        """A fresh literal q asserted as q => And(terms): z3 internalises a question once, and
        every later check (core minimisation) assumes only q."""
        self._questions += 1
        q = z3.Bool(f"question#{self._questions}", self.o.ctx)
        solver.add(z3.Implies(q, self.o.comp.and_(terms)))
        return q

    def _decide(self, namespace: str, d: Direction, query: list[z3.BoolRef], mine: list[z3.BoolRef],
                parts: tuple[z3.BoolRef, z3.BoolRef] | None) -> Answer:
        ids = {g.get_id() for g in mine}
        others = [g for g in self._guards(namespace, d) if g.get_id() not in ids]
        domain = self._domain(namespace, d)
        solver = self._solver(namespace, d)
        fixed = [self._indicator(solver, [*domain, *query]), *mine]
        status, reason = check(solver, [*fixed, *others])
        if status is Status.UNKNOWN:
            return Answer(Verdict.UNKNOWN, reason=reason)
        if status is Status.UNSAT:
            return Answer(Verdict.HOLDS, self._cover(solver, fixed, others))
        gone, change = True, [*domain, *query]
        if parts is not None:  # a policy: a lost connection if there is one, else a gained one
            with_, without = parts
            change = [*domain, with_, z3.Not(without)]
            status, reason = check(solver, [self._indicator(solver, change), *mine, *others])
            if status is Status.UNKNOWN:
                return Answer(Verdict.VIOLATED, reason=reason)
            gone = status is Status.SAT
            if not gone:
                change = [*domain, without, z3.Not(with_)]
        return Answer(Verdict.VIOLATED, change=self._change(namespace, d, [*change, *mine, *others], gone))

    def _change(self, namespace: str, d: Direction, query: list[z3.BoolRef], lost: bool) -> Change | None:
        x, other = (self.o.dst, self.o.src) if d is Direction.INGRESS else (self.o.src, self.o.dst)
        key = (namespace, d)
        if key not in self._relevant:
            self._relevant[key] = Relevant.of((self.o.model.policies[i] for i in self.o.slices.get(key, ())), d)
        # a solver of its own: the canonical model takes dozens of small checks, which stay
        # fast on this one question rather than on the shared solver every question grows
        solver = make_solver(self.o.ctx, self.o.settings)
        solver.add(*self.o.domain, *query)
        m = Canon(self.o, solver, self._relevant[key], d).model(x, other, self.o.vocab.ns_code(namespace))
        if m is None:
            return None
        return Change(d, self.explainer.view(x, m), self.explainer.view(other, m),
                      PROTOCOLS[m.eval(self.o.pkt.proto, model_completion=True).as_long()],
                      m.eval(self.o.pkt.port, model_completion=True).as_long(), lost)

    def _cover(self, solver: z3.Solver, fixed: list[z3.BoolRef], others: list[z3.BoolRef]) -> tuple[Policy | RuleRef, ...]:
        compiled = self.o.compiled()
        return tuple(meaning(g, compiled) for g in minimal_core(solver, fixed, others))
