"""The Z3 encoding on small hand-made models whose verdicts follow from the Kubernetes rules
(semantics.md), plus the solver's three outcomes, canonical witnesses and enforcing cores."""

from __future__ import annotations

import ipaddress
from dataclasses import replace

from npaudit.encode import EndpointSelector, Scope, Verdict, build_prover
from npaudit.model.types import (
    NAMESPACE_NAME_LABEL,
    ContainerPort,
    Direction,
    IPBlock,
    LabelSelector,
    Model,
    Namespace,
    Operator,
    Peer,
    Policy,
    PortSpec,
    Protocol,
    Requirement,
    Rule,
    Workload,
)

NO_DNS = {"dns": {"model": "never"}}


def sel(**labels: str) -> LabelSelector:
    return LabelSelector(tuple(sorted(Requirement(k, Operator.IN, (v,)) for k, v in labels.items())))


def ep(ns: str | None = None, **labels: str) -> tuple[EndpointSelector, ...]:
    return (EndpointSelector(sel(**{NAMESPACE_NAME_LABEL: ns}) if ns else None, sel(**labels)),)


def namespaces(*names: str) -> dict[str, Namespace]:
    return {n: Namespace(n, {NAMESPACE_NAME_LABEL: n}) for n in names}


UI = Workload("Deployment", "ui", "ui", {"app": "ui"})
DB = Workload("StatefulSet", "db", "pg", {"app": "pg"}, (ContainerPort(5432, Protocol.TCP, "pg"),))
DENY_UI_EGRESS = Policy("ui", "deny", LabelSelector(), frozenset({Direction.EGRESS}))


def egress_rule(*peers: Peer, ports: tuple[PortSpec, ...] = ()) -> Rule:
    return Rule(Direction.EGRESS, 0, peers, ports)


def model(*policies: Policy, workloads: tuple[Workload, ...] = (UI, DB)) -> Model:
    return Model(namespaces("ui", "db"), workloads, policies)


def test_no_policy_means_everything_is_allowed() -> None:
    out = build_prover(model(), NO_DNS).reach(must=False, src=ep(app="ui"), dst=ep(app="pg"))
    assert out.verdict is Verdict.VIOLATED
    w = out.witness
    assert w is not None and w.src.workload == UI and w.dst.workload == DB
    # canonical: lowest protocol (TCP) and lowest port
    assert (w.protocol, w.port) == (Protocol.TCP, 1)
    assert w.egress.describe() == "egress: not isolated" and w.ingress.describe() == "ingress: not isolated"


def test_egress_isolation_without_rules_denies_and_names_the_enforcing_policy() -> None:
    out = build_prover(model(DENY_UI_EGRESS), NO_DNS).reach(must=False, src=ep(app="ui"), dst=ep(app="pg"))
    assert out.verdict is Verdict.HOLDS
    assert out.enforcing == (DENY_UI_EGRESS,)


def test_named_port_resolves_on_the_destination_pod() -> None:
    allow = Policy("ui", "allow", LabelSelector(), frozenset({Direction.EGRESS}),
                   egress=(egress_rule(Peer(LabelSelector(), LabelSelector()), ports=(PortSpec(Protocol.TCP, "pg"),)),))
    out = build_prover(model(allow), NO_DNS).reach(must=False, src=ep(app="ui"), dst=ep(app="pg"))
    assert out.verdict is Verdict.VIOLATED and out.witness is not None
    # only the port the destination declares under that name and protocol
    assert (out.witness.protocol, out.witness.port) == (Protocol.TCP, 5432)
    udp = replace(allow, egress=(egress_rule(Peer(LabelSelector(), LabelSelector()), ports=(PortSpec(Protocol.UDP, "pg"),)),))
    assert build_prover(model(udp), NO_DNS).reach(must=False, src=ep(app="ui"), dst=ep(app="pg")).verdict is Verdict.HOLDS


def test_podselector_only_peer_means_the_policys_own_namespace() -> None:
    allow = Policy("ui", "allow", LabelSelector(), frozenset({Direction.EGRESS}),
                   egress=(egress_rule(Peer(pod_selector=sel(app="pg"))),))
    assert build_prover(model(allow), NO_DNS).reach(must=False, src=ep(app="ui"), dst=ep(app="pg")).verdict is Verdict.HOLDS


def test_endport_range_witness_is_its_lowest_port() -> None:
    allow = Policy("ui", "allow", LabelSelector(), frozenset({Direction.EGRESS}),
                   egress=(egress_rule(ports=(PortSpec(Protocol.TCP, 8000, 8100),)),))
    out = build_prover(model(allow), NO_DNS).reach(must=False, src=ep(app="ui"), dst=ep(app="pg"))
    assert out.witness is not None and out.witness.port == 8000
    assert [r.policy.name for r in out.witness.egress.allowed_by] == ["allow"]


def test_notin_matches_pods_without_the_key_in_any_pod_scope() -> None:
    # ingress isolation for pods whose tier is NotIn [web]: a new pod without a tier label
    notin = LabelSelector((Requirement("tier", Operator.NOT_IN, ("web",)),))
    iso = Policy("db", "iso", notin, frozenset({Direction.INGRESS}))
    prover = build_prover(model(iso), NO_DNS)
    out = prover.isolation(Direction.INGRESS, "db", scope=Scope.ANY_POD)
    assert out.verdict is Verdict.VIOLATED and out.subject is not None
    # DB has no tier label -> NotIn holds -> isolated; the open pod must carry tier=web
    assert out.subject.kind == "pod" and out.subject.namespace == "db"
    assert dict(out.subject.labels) == {"tier": "web"}
    assert prover.isolation(Direction.INGRESS, "db", scope=Scope.WORKLOADS).verdict is Verdict.HOLDS


def test_any_pod_scope_finds_a_pod_that_could_exist() -> None:
    # the db is isolated for ingress but a new db-labelled pod elsewhere in "db" namespace is not
    iso = Policy("db", "iso", sel(app="pg"), frozenset({Direction.INGRESS}))
    prover = build_prover(model(iso), NO_DNS)
    to = (EndpointSelector(None, sel(team="database")),)
    db = replace(DB, labels={"app": "pg", "team": "database"})
    prover = build_prover(model(iso, workloads=(UI, db)), NO_DNS)
    assert prover.reach(must=False, src=ep(app="ui"), dst=to, scope=Scope.WORKLOADS).verdict is Verdict.HOLDS
    out = prover.reach(must=False, src=ep(app="ui"), dst=to, scope=Scope.ANY_POD)
    assert out.verdict is Verdict.VIOLATED and out.witness is not None
    dst = out.witness.dst
    assert dst.kind == "pod" and dst.workload is None
    # app must not be pg (else isolated); the witness says "any other value" or absent
    assert ("team", "database") in dst.labels and dict(dst.labels).get("app") != "pg"
    assert "could exist" in dst.describe()


def test_new_namespaces_only_with_allow_new_namespaces() -> None:
    deny_all = Policy("ui", "deny", LabelSelector(), frozenset({Direction.EGRESS}))
    iso_db = Policy("db", "iso", LabelSelector(), frozenset({Direction.INGRESS, Direction.EGRESS}))
    prover = build_prover(model(deny_all, iso_db), NO_DNS)
    anyone = (EndpointSelector(),)
    # every known namespace denies egress: no pod of the repository's namespaces reaches anything
    assert prover.reach(must=False, src=anyone, dst=anyone, scope=Scope.ANY_POD).verdict is Verdict.HOLDS
    out = prover.reach(must=False, src=anyone, dst=anyone, scope=Scope.ANY_POD, allow_new_namespaces=True)
    assert out.verdict is Verdict.VIOLATED and out.witness is not None
    assert out.witness.src.namespace is None and "new namespace" in out.witness.src.describe()


def test_ipblock_endpoint_and_except() -> None:
    block = IPBlock(ipaddress.ip_network("10.0.0.0/8"), (ipaddress.ip_network("10.0.0.0/16"),))
    allow = Policy("ui", "allow", LabelSelector(), frozenset({Direction.EGRESS}), egress=(egress_rule(Peer(ip_block=block)),))
    prover = build_prover(model(allow), NO_DNS)
    internet = (EndpointSelector(ip_block=IPBlock(ipaddress.ip_network("0.0.0.0/0"))),)
    out = prover.reach(must=False, src=ep(app="ui"), dst=internet)
    assert out.witness is not None and out.witness.dst.address == "10.1.0.0"  # first address outside the except
    inside_except = (EndpointSelector(ip_block=IPBlock(ipaddress.ip_network("10.0.5.0/24"))),)
    assert prover.reach(must=False, src=ep(app="ui"), dst=inside_except).verdict is Verdict.HOLDS


def test_must_reach_names_the_blocker() -> None:
    out = build_prover(model(DENY_UI_EGRESS), NO_DNS).reach(
        must=True, src=ep(app="ui"), dst=ep(app="pg"), ports=(PortSpec(Protocol.TCP, 5432),))
    assert out.verdict is Verdict.VIOLATED and out.witness is not None
    assert out.witness.egress.isolated_by == (DENY_UI_EGRESS,) and not out.witness.egress.ok


def test_dns_is_modelled_when_absent_and_said_so() -> None:
    prover = build_prover(model(), {})
    out = prover.reach(must=True, src=ep(app="ui"), dst=ep("kube-system", **{"k8s-app": "kube-dns"}),
                       ports=(PortSpec(Protocol.UDP, 53),))
    assert out.verdict is Verdict.HOLDS and not out.vacuous
    assert any("modelled" in n for n in out.notes)
    never = build_prover(model(), NO_DNS).reach(must=True, src=ep(app="ui"), dst=ep("kube-system", **{"k8s-app": "kube-dns"}))
    assert never.vacuous


def test_unknown_is_never_holds() -> None:
    prover = build_prover(model(DENY_UI_EGRESS), {**NO_DNS, "prove": {"rlimit": 1}})
    out = prover.reach(must=False, src=ep(app="ui"), dst=ep(app="pg"))
    assert out.verdict is Verdict.UNKNOWN and "rlimit" in out.reason


def test_witness_is_canonical_under_reordering() -> None:
    w2 = Workload("Deployment", "db", "another", {"app": "pg"})
    allow = Policy("ui", "allow", LabelSelector(), frozenset({Direction.EGRESS}), egress=(egress_rule(ports=(PortSpec(Protocol.UDP, 99, 120),)),))
    a = build_prover(Model(namespaces("ui", "db"), (UI, DB, w2), (DENY_UI_EGRESS, allow)), NO_DNS)
    b = build_prover(Model(namespaces("db", "ui"), (w2, DB, UI), (allow, DENY_UI_EGRESS)), NO_DNS)
    wa = a.reach(must=False, src=ep(app="ui"), dst=ep(app="pg")).witness
    wb = b.reach(must=False, src=ep(app="ui"), dst=ep(app="pg")).witness
    assert wa is not None and wb is not None
    assert (wa.dst.workload, wa.protocol, wa.port) == (w2, Protocol.UDP, 99)  # db/another sorts first
    assert wa.describe() == wb.describe()


def test_hostnetwork_workloads_are_left_out_with_a_note() -> None:
    host = Workload("DaemonSet", "db", "agent", {"app": "pg"}, host_network=True)
    prover = build_prover(model(workloads=(UI, host)), NO_DNS)
    out = prover.reach(must=False, src=ep(app="ui"), dst=ep(app="pg"))
    assert out.verdict is Verdict.HOLDS and out.vacuous
    assert any("hostNetwork" in n for n in out.notes)
