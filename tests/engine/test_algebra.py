"""Property tests of the building blocks against brute-force definitions: interval sets and
port sets against Python sets, address-space cutting against per-address membership, and the
bitset selector masks against `selectors.matches`."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from npaudit.algebra import AddressSet, IntervalSet, PortSet, split_address_space
from npaudit.engine.classes import partition
from npaudit.engine.masks import MaskIndex
from npaudit.model.selectors import matches
from npaudit.model.types import IPBlock, Model, Protocol
from tests.engine.factory import model, ns, pod
from tests.engine.strategies import labels, selectors

U = 40  # brute-force universe 0..U
spans = st.lists(st.tuples(st.integers(0, U), st.integers(0, U)), max_size=5)


def _ivs(ranges: list[tuple[int, int]]) -> IntervalSet:
    return IntervalSet.from_ranges(ranges)


def _set(ranges: list[tuple[int, int]]) -> set[int]:
    return {x for lo, hi in ranges for x in range(lo, hi + 1)}


@given(spans, spans)
def test_interval_set_operations(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> None:
    x, y = _ivs(a), _ivs(b)
    assert _set(list(x.union(y))) == _set(a) | _set(b)
    assert _set(list(x.intersection(y))) == _set(a) & _set(b)
    assert _set(list(x.difference(y))) == _set(a) - _set(b)
    assert _set(list(x.complement(0, U))) == set(range(U + 1)) - _set(a)
    assert x.size == len(_set(a))
    assert all(x.contains(v) == (v in _set(a)) for v in range(-1, U + 2))
    # canonical: sorted, disjoint, non-adjacent -> equal sets have equal spans
    assert all(s[1] + 1 < t[0] for s, t in zip(x.spans, x.spans[1:]))
    assert (x == y) == (_set(a) == _set(b))


port_sets = st.lists(
    st.tuples(st.sampled_from(list(Protocol)), st.integers(1, 65535), st.integers(0, 40)), max_size=4
).map(lambda items: _ports(items))


def _ports(items: list[tuple[Protocol, int, int]]) -> PortSet:
    result = PortSet.empty()
    for protocol, lo, width in items:
        result = result | PortSet.of(protocol, lo, min(lo + width, 65535))
    return result


def _probe(ps: PortSet, probes: list[tuple[Protocol, int]]) -> set[tuple[Protocol, int]]:
    return {(p, n) for p, n in probes if ps.contains(p, n)}


@given(port_sets, port_sets, st.lists(st.tuples(st.sampled_from(list(Protocol)), st.integers(1, 65535)), max_size=30))
def test_port_set_algebra_and_notation(a: PortSet, b: PortSet, probes: list[tuple[Protocol, int]]) -> None:
    for lo, hi in (*(r for _, ivs in a.items() for r in ivs), *(r for _, ivs in b.items() for r in ivs)):
        probes += [(p, n) for p in Protocol for n in (lo - 1, lo, hi, hi + 1) if 1 <= n <= 65535]
    pa, pb = _probe(a, probes), _probe(b, probes)
    assert _probe(a | b, probes) == pa | pb
    assert _probe(a & b, probes) == pa & pb
    assert _probe(a - b, probes) == pa - pb
    assert _probe(~a, probes) == set(probes) - pa
    assert PortSet.parse(str(a)) == a
    assert (~~a) == a


def test_port_set_notation_examples() -> None:
    ps = PortSet.of(Protocol.TCP, 80) | PortSet.of(Protocol.TCP, 8080, 8090) | PortSet.of(Protocol.UDP, 53)
    assert str(ps) == "TCP 80,8080-8090,UDP 53"
    assert str(PortSet.all()) == "All Connections"
    assert str(~PortSet.of(Protocol.TCP, 80) & (PortSet.of(Protocol.TCP) | PortSet.of(Protocol.UDP, 53))) == "TCP 1-79,81-65535,UDP 53"


# Address cutting: blocks inside 10.0.0.0/26 so every address can be checked.
BASE = int(ipaddress.ip_address("10.0.0.0"))
nets = st.tuples(st.integers(0, 63), st.integers(26, 32)).map(
    lambda t: ipaddress.ip_network(f"{ipaddress.ip_address(BASE + t[0])}/{t[1]}", strict=False)
)


@st.composite
def blocks(draw: st.DrawFn) -> IPBlock:
    cidr = draw(nets)
    excepts = tuple(e for e in draw(st.lists(nets, max_size=2)) if e.subnet_of(cidr) and e != cidr)
    return IPBlock(cidr, excepts)


@settings(max_examples=150)
@given(st.lists(blocks(), min_size=1, max_size=4))
def test_cut_is_exact_and_minimal(bs: list[IPBlock]) -> None:
    pieces = split_address_space(bs)
    sets = [AddressSet.from_block(b) for b in bs]
    # the pieces partition the IPv4 space
    assert pieces[0].first_int == 0 and pieces[-1].last_int == 2**32 - 1
    assert all(p.last_int + 1 == q.first_int for p, q in zip(pieces, pieces[1:]))

    def membership(addr: int) -> tuple[bool, ...]:
        return tuple(s.contains(ipaddress.IPv4Address(addr)) for s in sets)

    for piece in pieces:
        lo, hi = max(piece.first_int, BASE - 1), min(piece.last_int, BASE + 64)
        if lo > hi:
            continue
        # exact: every block either covers the whole piece or none of it (brute force)
        for s in sets:
            inside = {s.contains(ipaddress.IPv4Address(a)) for a in range(lo, hi + 1)}
            assert len(inside) == 1
    # minimal: two neighbours differ in the membership of some block
    for p, q in zip(pieces, pieces[1:]):
        assert membership(p.last_int) != membership(q.first_int)


@settings(max_examples=200)
@given(st.lists(st.tuples(st.sampled_from(["x", "y"]), labels), min_size=1, max_size=6), selectors())
def test_selector_masks_match_brute_force(pods: list[tuple[str, dict[str, str]]], selector) -> None:  # type: ignore[no-untyped-def]
    m: Model = model([ns("x"), ns("y")], [pod(n, f"w{i}", lab) for i, (n, lab) in enumerate(pods)], [])
    # every key is relevant here: use the selector in a policy so classes keep its keys
    from tests.engine.factory import policy

    m = Model(m.namespaces, m.workloads, (policy("x", "p", selector),))
    part = partition(m)
    mask = MaskIndex(m, part).pod_selector(selector)
    for w in m.workloads:
        assert bool(mask >> part.class_of(w) & 1) == matches(selector, w.labels)
