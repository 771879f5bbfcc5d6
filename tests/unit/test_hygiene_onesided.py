"""One-sided allow: hand cases, and a property test against the reference semantics
(`npaudit.engine.reference`) on small random models."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from npaudit.checks.hygiene_representatives import with_representatives
from npaudit.engine.reference import peer_matches, port_matches, side_verdict
from npaudit.model.types import Direction, Model, Policy, Protocol, Rule, Workload
from tests.unit.hygiene_models import model, ns_peer, pod_peer, policy, port, rule, run, sel, workload

ING, EG = Direction.INGRESS, Direction.EGRESS
PORTS = (80, 8080, 9090)


def test_egress_to_a_destination_that_refuses() -> None:
    ui = workload("ui", "ui", {"app": "ui"})
    orders = workload("orders", "orders", {"app": "orders"})
    out = policy("ui", "out", sel({}), egress=[rule(EG, 0, [ns_peer({"kubernetes.io/metadata.name": "orders"})])],
                 types=[EG])
    deny = policy("orders", "deny", sel({}), types=[ING])
    found = run("one-sided-allow", model([ui, orders], [out, deny]))
    assert [f.anchor for f in found] == ["NetworkPolicy ui/out spec.egress[0].to[0]"]
    assert "orders/deny" in found[0].message and "ui/out" in found[0].message


def test_ports_must_overlap() -> None:
    ui = workload("ui", "ui", {"app": "ui"})
    db = workload("ui", "db", {"app": "db"}, [("pg", 5432, Protocol.TCP)])
    out = policy("ui", "out", sel({"app": "ui"}), egress=[rule(EG, 0, [pod_peer({"app": "db"})], [port(5432)])],
                 types=[EG])
    named = policy("ui", "db-in", sel({"app": "db"}), ingress=[rule(ING, 0, [pod_peer({"app": "ui"})], [port("pg")])])
    other = policy("ui", "db-in", sel({"app": "db"}), ingress=[rule(ING, 0, [pod_peer({"app": "ui"})], [port(5433)])])
    assert run("one-sided-allow", model([ui, db], [out, named])) == []
    assert len(run("one-sided-allow", model([ui, db], [out, other]))) == 2  # both directions of the pair


# -- property: agrees with the reference semantics -------------------------------------------

LABELS = st.sampled_from([{"app": "a"}, {"app": "b"}, {"app": "a", "tier": "x"}])
NAMESPACES = st.sampled_from(["n1", "n2"])


@st.composite
def models(draw: st.DrawFn) -> Model:
    ws = [
        workload(draw(NAMESPACES), f"w{i}", draw(LABELS),
                 [("http", draw(st.sampled_from(PORTS)), Protocol.TCP)] if draw(st.booleans()) else [])
        for i in range(draw(st.integers(1, 4)))
    ]
    peer = st.one_of(
        st.builds(lambda l: pod_peer(l), LABELS),
        st.builds(lambda n: ns_peer({"kubernetes.io/metadata.name": n}), NAMESPACES),
        st.builds(lambda l, n: pod_peer(l, {"kubernetes.io/metadata.name": n}), LABELS, NAMESPACES),
    )
    ports = st.lists(st.sampled_from([port(80), port(8080), port("http"), port(9090, end=9100)]), max_size=2)
    ps = []
    for i in range(draw(st.integers(1, 3))):
        d = draw(st.sampled_from([ING, EG]))
        rules = [rule(d, k, draw(st.lists(peer, min_size=1, max_size=2)), draw(ports)) for k in range(draw(st.integers(0, 2)))]
        selector = sel(draw(st.sampled_from([{}, {"app": "a"}, {"app": "b"}])))
        ps.append(policy(draw(NAMESPACES), f"p{i}", selector, types=[d],
                         ingress=rules if d is ING else (), egress=rules if d is EG else ()))
    return model(ws, ps)


def _expected_dead(m: Model, p: Policy, r: Rule, j: int) -> bool | None:
    """None: the peer admits nothing by itself (not judged); True: nothing it admits connects."""
    admitted = connected = False
    selected = [w for w in m.workloads if w.namespace == p.namespace and _sel(p, w)]
    m = with_representatives(m)  # the peer may also match pods outside the scan
    peers = [w for w in m.workloads if peer_matches(m, p, r.peers[j], w)]
    for own in selected:
        for other in peers:
            src, dst = (own, other) if r.direction is EG else (other, own)
            for proto in (Protocol.TCP, Protocol.UDP):
                for number in (*PORTS, 9095, 1):
                    if r.ports and not any(port_matches(s, proto, number, dst) for s in r.ports):
                        continue
                    admitted = True
                    opposite = ING if r.direction is EG else EG
                    if side_verdict(m, opposite, src, dst, proto, number).allowed:
                        connected = True
    return None if not admitted else not connected


def _sel(p: Policy, w: Workload) -> bool:
    from npaudit.model.selectors import matches

    return matches(p.pod_selector, w.labels)


@settings(max_examples=300, deadline=None)
@given(models())
def test_one_sided_agrees_with_reference(m: Model) -> None:
    found = {f.anchor for f in run("one-sided-allow", m)}
    for p in m.policies:
        for d in (ING, EG):
            for r in p.rules(d):
                for j in range(len(r.peers)):
                    anchor = f"NetworkPolicy {p.namespace}/{p.name} {r.path}.{'from' if d is ING else 'to'}[{j}]"
                    dead = _expected_dead(m, p, r, j)
                    assert (anchor in found) == bool(dead), (anchor, dead)
