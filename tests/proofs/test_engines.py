"""The two ways the prover answers a question must agree: the semantics-engine path (default
engine "auto": workloads-scope reach by `npaudit.engine`, default-deny per namespace) and the
whole-model Z3 encoding (engine "z3"), on Hypothesis-made clusters.

Checked: the same verdict; the same canonical counterexamples (pairs, protocol, port, and the
isolating policies and admitting rules of each side), each of them a real violation according
to the reference semantics (`engine.decide`); the same `vacuous` flag; and the set engine's
evidence for a proof really enforces it (asked of Z3) and is minimal (no item can be dropped).
"""

from __future__ import annotations

import os
from dataclasses import replace

from hypothesis import event, given, settings
from hypothesis import strategies as st

from npaudit.encode import EndpointSelector, Scope, Verdict, anypod, build_prover, prune
from npaudit.encode.prover import Extras
from npaudit.encode.whatif import keeps
from npaudit.engine import decide
from npaudit.model.types import Direction, Model, PortSpec
from tests.proofs.strategies import models, ns_selectors, port_specs, selectors

EXAMPLES = 400 if os.environ.get("CI") else 120
AUTO = {"dns": {"model": "never"}}
Z3 = {"dns": {"model": "never"}, "prove": {"engine": "z3"}}

endpoints = st.builds(
    EndpointSelector,
    namespace_selector=st.one_of(st.none(), ns_selectors()),
    pod_selector=st.one_of(st.none(), selectors()),
)
numeric_ports = st.lists(port_specs().filter(lambda p: not isinstance(p.port, str)), max_size=2).map(tuple)


@st.composite
def clusters(draw: st.DrawFn) -> Model:
    """The shared model strategy, sometimes with a hostNetwork workload (never an endpoint)."""
    model = draw(models())
    if draw(st.booleans()):
        first = replace(model.workloads[0], host_network=True)
        model = replace(model, workloads=(first, *model.workloads[1:]))
    return model


def _sides(w):  # type: ignore[no-untyped-def]
    return (w.describe(), w.egress.isolated_by, w.egress.allowed_by, w.ingress.isolated_by, w.ingress.allowed_by)


@settings(max_examples=EXAMPLES, deadline=None)
@given(clusters(), st.lists(endpoints, min_size=1, max_size=2).map(tuple),
       st.lists(endpoints, min_size=1, max_size=2).map(tuple), numeric_ports, st.booleans())
def test_reach_in_scope_workloads_agrees_with_z3(
    model: Model, src: tuple[EndpointSelector, ...], dst: tuple[EndpointSelector, ...],
    ports: tuple[PortSpec, ...], must: bool,
) -> None:
    fast = build_prover(model, AUTO).reach(must=must, src=src, dst=dst, ports=ports, limit=3)
    z3 = build_prover(model, Z3)
    slow = z3.reach(must=must, src=src, dst=dst, ports=ports, limit=3)
    assert slow.verdict is not Verdict.UNKNOWN
    assert fast.verdict is slow.verdict, (fast, slow)
    assert [_sides(w) for w in fast.witnesses or (fast.witness,) if w] == [_sides(w) for w in slow.witnesses or (slow.witness,) if w]
    for w in fast.witnesses or ((fast.witness,) if fast.witness else ()):
        assert w.src.workload is not None and w.dst.workload is not None
        assert decide(model, w.src.workload, w.dst.workload, w.protocol, w.port).allowed is not must
    if fast.verdict is Verdict.HOLDS:
        assert fast.vacuous == slow.vacuous
        evidence = fast.enforcing
        assert keeps(z3, must=must, src=src, dst=dst, ports=ports, evidence=evidence)
        for k in range(len(evidence)):
            fewer = evidence[:k] + evidence[k + 1:]
            assert not keeps(z3, must=must, src=src, dst=dst, ports=ports, evidence=fewer), (evidence, k)


@settings(max_examples=EXAMPLES, deadline=None)
@given(clusters(), st.sampled_from(list(Direction)), st.sampled_from(list(Scope)))
def test_default_deny_per_namespace_agrees_with_z3(model: Model, direction: Direction, scope: Scope) -> None:
    fast, slow = build_prover(model, AUTO), build_prover(model, Z3)
    for ns in (*fast.namespaces(), "elsewhere"):
        a = fast.isolation(direction, ns, scope=scope)
        b = slow.isolation(direction, ns, scope=scope)
        assert b.verdict is not Verdict.UNKNOWN
        assert (a.verdict, a.subject, a.vacuous) == (b.verdict, b.subject, b.vacuous), ns
        if a.verdict is Verdict.HOLDS:
            # evidence may be a different minimal set; every item is a policy of the namespace
            assert all(p.namespace == ns for p in a.enforcing)


@settings(max_examples=EXAMPLES, deadline=None)
@given(clusters(), st.lists(endpoints, min_size=1, max_size=2).map(tuple),
       st.lists(endpoints, min_size=1, max_size=2).map(tuple), numeric_ports, st.booleans())
def test_reach_in_scope_any_pod_without_the_class_table_agrees_with_z3(
    model: Model, src: tuple[EndpointSelector, ...], dst: tuple[EndpointSelector, ...],
    ports: tuple[PortSpec, ...], must: bool,
) -> None:
    reduced = build_prover(model, AUTO)
    reduced.full_canonical_max = 0  # the large-model path, on a small model
    fast = reduced.reach(must=must, src=src, dst=dst, ports=ports, scope=Scope.ANY_POD, limit=3)
    z3 = build_prover(model, Z3)
    slow = z3.reach(must=must, src=src, dst=dst, ports=ports, scope=Scope.ANY_POD, limit=3)
    assert slow.verdict is not Verdict.UNKNOWN
    assert fast.verdict is slow.verdict, (fast, slow)
    for w in fast.witnesses or ((fast.witness,) if fast.witness else ()):
        if w.src.workload is not None and w.dst.workload is not None:
            assert decide(model, w.src.workload, w.dst.workload, w.protocol, w.port).allowed is not must
    if fast.verdict is Verdict.HOLDS:
        assert fast.vacuous == slow.vacuous
        assert keeps(z3, must=must, src=src, dst=dst, ports=ports, evidence=fast.enforcing, scope=Scope.ANY_POD)


@settings(max_examples=EXAMPLES, deadline=None)
@given(clusters(), st.lists(endpoints, min_size=1, max_size=2).map(tuple),
       st.lists(endpoints, min_size=1, max_size=2).map(tuple), numeric_ports, st.booleans(), st.booleans())
def test_any_pod_reach_on_the_pruned_formula_is_the_reduced_formula(
    model: Model, src: tuple[EndpointSelector, ...], dst: tuple[EndpointSelector, ...],
    ports: tuple[PortSpec, ...], must: bool, allow_new: bool,
) -> None:
    """Dropping the policy sides that cannot select a from/to pod (selector disjointness) changes
    nothing: same verdict, counterexamples (pods that could exist included), evidence, vacuity;
    the evidence still keeps the property on the whole-model Z3 formula."""
    prover = build_prover(model, AUTO)
    prover.prepare(Extras.of((*src, *dst), ports))
    whole, pruned = anypod._reduced(prover), anypod._pruned(prover, src, dst)  # noqa: SLF001
    kept = prune.kept_sides(whole.model.policies, src, dst, whole.vocab.namespace_labels)
    sides = sum(len(p.policy_types) for p in whole.model.policies)
    event(f"policy sides pruned: {'none' if sum(map(len, kept.values())) == sides else 'some'}")
    ask = {"must": must, "src": src, "dst": dst, "ports": ports, "scope": Scope.ANY_POD,
           "allow_new_namespaces": allow_new, "limit": 3}
    a, b = pruned.reach(**ask), whole.reach(**ask)
    assert b.verdict is not Verdict.UNKNOWN
    assert (a.verdict, a.vacuous, a.enforcing) == (b.verdict, b.vacuous, b.enforcing)
    assert [_sides(w) for w in a.witnesses or (a.witness,) if w] == [_sides(w) for w in b.witnesses or (b.witness,) if w]
    if a.verdict is Verdict.HOLDS:
        # the evidence keeps the property on the whole-model formula (without new namespaces: the
        # smaller domain, so a proof for allow_new must hold there too)
        z3 = build_prover(model, Z3)
        assert keeps(z3, must=must, src=src, dst=dst, ports=ports, evidence=a.enforcing, scope=Scope.ANY_POD)

