"""encode/prune.py: selector disjointness and the policy sides a reach question can see, against
brute force over a label universe that is exhaustive for the selectors drawn (every key of the
alphabet absent or carrying one of the alphabet's values or a value no selector names)."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from npaudit.encode.outcome import EndpointSelector
from npaudit.encode.prune import compatible, kept_sides, may_select
from npaudit.model.selectors import matches
from npaudit.model.types import NAMESPACE_NAME_LABEL, Direction, LabelSelector, Operator, Policy, Requirement
from tests.proofs.strategies import KEYS, NAMESPACES, VALUES, ns_selectors, selectors

FRESH = "fresh"  # stands for every value no selector mentions
LABEL_SETS = [
    {k: v for k, v in zip(KEYS, combo, strict=True) if v is not None}
    for combo in itertools.product((None, *VALUES, FRESH), repeat=len(KEYS))
]
NS_LABELS = {n: {NAMESPACE_NAME_LABEL: n, "env": v} for n, v in zip(NAMESPACES, ("x", "y", "x"), strict=True)}


def _overlap(a: LabelSelector | None, b: LabelSelector | None) -> bool:
    return any(matches(a, labels) and matches(b, labels) for labels in LABEL_SETS)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.none(), selectors()), st.one_of(st.none(), selectors()))
def test_compatible_is_exact(a: LabelSelector | None, b: LabelSelector | None) -> None:
    assert compatible(a, b) is _overlap(a, b), (a, b)


def test_compatible_conflicts_by_hand() -> None:
    def sel(*reqs: Requirement) -> LabelSelector:
        return LabelSelector(reqs)

    app_x, app_y = Requirement("app", Operator.IN, ("x",)), Requirement("app", Operator.IN, ("y",))
    assert not compatible(sel(app_x), sel(app_y))  # matchLabels app=x vs app=y
    assert compatible(sel(app_x), sel(Requirement("tier", Operator.IN, ("y",))))  # other keys: both labels
    assert not compatible(sel(app_x), sel(Requirement("app", Operator.NOT_IN, ("x",))))
    assert compatible(sel(Requirement("app", Operator.NOT_IN, ("x",))), sel(Requirement("app", Operator.EXISTS)))
    assert not compatible(sel(Requirement("app", Operator.EXISTS)), sel(Requirement("app", Operator.DOES_NOT_EXIST)))
    assert compatible(sel(Requirement("app", Operator.NOT_IN, ("x",))), sel(Requirement("app", Operator.DOES_NOT_EXIST)))
    assert not compatible(sel(Requirement("app", Operator.IN, ("x", "y"))), sel(Requirement("app", Operator.NOT_IN, ("x", "y"))))
    assert compatible(None, sel(app_x)) and compatible(LabelSelector(), sel(app_y))


def _brute_may_select(pol: Policy, endpoints: tuple[EndpointSelector, ...]) -> bool:
    """Some pod of the policy's namespace, with some labels, is selected by the policy and by
    one of the endpoints."""
    ns_labels = NS_LABELS[pol.namespace]
    return any(
        e.ip_block is None
        and (e.namespace_selector is None or matches(e.namespace_selector, ns_labels))
        and matches(e.pod_selector, labels) and matches(pol.pod_selector, labels)
        for e in endpoints for labels in LABEL_SETS
    )


endpoints = st.lists(st.builds(EndpointSelector, namespace_selector=st.one_of(st.none(), ns_selectors()),
                               pod_selector=st.one_of(st.none(), selectors())), min_size=1, max_size=2).map(tuple)
policies = st.builds(Policy, st.sampled_from(NAMESPACES), st.just("p"), selectors(),
                     st.sets(st.sampled_from(list(Direction)), min_size=1).map(frozenset))


@settings(max_examples=400, deadline=None)
@given(policies, endpoints, endpoints)
def test_kept_sides_are_the_sides_that_can_select_an_endpoint_pod(pol: Policy, src: tuple[EndpointSelector, ...],
                                                                  dst: tuple[EndpointSelector, ...]) -> None:
    assert may_select(pol, src, NS_LABELS) is _brute_may_select(pol, src)
    kept = kept_sides((pol,), src, dst, NS_LABELS).get(0, frozenset())
    want = {d for d, ends in ((Direction.EGRESS, src), (Direction.INGRESS, dst))
            if d in pol.policy_types and _brute_may_select(pol, ends)}
    assert kept == want


def test_a_namespace_without_known_labels_keeps_the_policy() -> None:
    pol = Policy("elsewhere", "p", LabelSelector(), frozenset({Direction.INGRESS}))
    only_a = EndpointSelector(namespace_selector=LabelSelector((Requirement(NAMESPACE_NAME_LABEL, Operator.IN, ("a",)),)))
    assert may_select(pol, (only_a,), NS_LABELS)
    assert not may_select(Policy("b", "p", LabelSelector(), frozenset({Direction.INGRESS})), (only_a,), NS_LABELS)
