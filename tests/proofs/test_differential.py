"""The Z3 encoding against the reference semantics (`npaudit.engine.decide`), on Hypothesis-made
clusters: every (source workload, destination workload, protocol, boundary port) verdict must
agree, and `deny-reach`/`must-reach` in scope `workloads` must be violated exactly when the
oracle finds a violating pair. CI runs derandomized with 2,000 examples."""

from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st

from npaudit.encode import EndpointSelector, Scope, Verdict, build_prover
from npaudit.engine import decide
from npaudit.model.selectors import matches
from npaudit.model.types import Model, PortSpec, Protocol, Workload
from npaudit.properties import Property
from tests.proofs.strategies import boundary_ports, models, ns_selectors, port_specs, selectors

EXAMPLES = 2000 if os.environ.get("CI") else 300
NO_DNS = {"dns": {"model": "never"}}


def _intervals(model: Model, s: Workload, d: Workload, proto: Protocol, ports: tuple[int, ...]) -> list[tuple[int, int]]:
    """The reference's allowed ports as intervals. Boundary ports include every place a rule's
    port set starts or ends (and the neighbours), so the verdict is constant from one boundary
    port up to the next."""
    out: list[tuple[int, int]] = []
    for k, port in enumerate(ports):
        if not decide(model, s, d, proto, port).allowed:
            continue
        hi = ports[k + 1] - 1 if k + 1 < len(ports) else 65535
        if out and out[-1][1] == port - 1:
            out[-1] = (out[-1][0], hi)
        else:
            out.append((port, hi))
    return out


def _table(model: Model) -> list[tuple[Workload, Workload, Protocol, list[tuple[int, int]]]]:
    ports = boundary_ports(model)
    return [
        (s, d, proto, _intervals(model, s, d, proto, ports))
        for s in model.workloads
        for d in model.workloads
        for proto in Protocol
    ]


@settings(max_examples=EXAMPLES, deadline=None)
@given(models())
def test_every_concrete_verdict_agrees_with_the_reference(model: Model) -> None:
    prover = build_prover(model, NO_DNS)
    disagreement = prover.cross_check(_table(model))
    assert disagreement is None, f"z3 says allowed={disagreement[4]} for {disagreement[:4]}" if disagreement else ""
    # and the prover's own answer for a single point agrees too (exercises the witness path)


endpoints = st.builds(
    EndpointSelector,
    namespace_selector=st.one_of(st.none(), ns_selectors()),
    pod_selector=st.one_of(st.none(), selectors()),
)


def _selected(model: Model, sel: EndpointSelector) -> list[Workload]:
    return [
        w for w in model.workloads
        if matches(sel.pod_selector, w.labels)
        and (sel.namespace_selector is None or matches(sel.namespace_selector, model.namespace_labels(w.namespace)))
    ]


def _in_ports(specs: tuple[PortSpec, ...], proto: Protocol, port: int, dst: Workload) -> bool:
    from npaudit.engine.reference import port_matches

    return not specs or any(port_matches(s, proto, port, dst) for s in specs)


@settings(max_examples=EXAMPLES // 8, deadline=None)
@given(models(), endpoints, endpoints, st.lists(port_specs(), max_size=1).map(tuple), st.booleans())
def test_prove_is_violated_exactly_when_the_reference_finds_a_pair(
    model: Model, src: EndpointSelector, dst: EndpointSelector, ports: tuple[PortSpec, ...], must: bool
) -> None:
    prop = Property("p", "must-reach" if must else "deny-reach", (src,), (dst,), ports, Scope.WORKLOADS)
    outcome = build_prover(model, NO_DNS).reach(must=must, src=prop.src, dst=prop.dst, ports=ports, scope=Scope.WORKLOADS)
    assert outcome.verdict is not Verdict.UNKNOWN
    boundary = boundary_ports(model, ports)
    violating = [
        (s, d, proto, port)
        for s in _selected(model, src)
        for d in _selected(model, dst)
        for proto in Protocol
        for port in boundary
        if _in_ports(ports, proto, port, d) and decide(model, s, d, proto, port).allowed is not must
    ]
    assert (outcome.verdict is Verdict.VIOLATED) == bool(violating), (outcome, violating[:3])
    if outcome.witness is not None:
        w = outcome.witness
        assert w.src.workload is not None and w.dst.workload is not None
        # the witness itself is a violation according to the reference
        assert decide(model, w.src.workload, w.dst.workload, w.protocol, w.port).allowed is not must
