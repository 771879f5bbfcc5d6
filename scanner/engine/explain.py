"""Why is a connection allowed or denied? Per side, the rules that admit it, or every policy that
isolates that side and does not admit it (all blockers, so a user sees everything that could
be changed). Built on the reference semantics, one pair at a time."""

from __future__ import annotations

from dataclasses import dataclass

from npaudit.algebra.ports import PortSet
from npaudit.engine.portspec import named_ports_of, resolve, token_of
from npaudit.engine.reference import isolating_policies, peer_matches
from npaudit.engine.types import Endpoint, HostNetwork, RuleRef
from npaudit.model.types import PROTOCOLS, Direction, Model, Policy, Protocol, Rule, Workload


@dataclass(frozen=True, slots=True)
class RuleContribution:
    """A rule that admits (part of) the connection, and the ports it admits for this pair."""

    ref: RuleRef
    ports: PortSet


@dataclass(frozen=True, slots=True)
class SideExplanation:
    """One side: egress of the source or ingress of the destination (`subject`)."""

    direction: Direction
    subject: Endpoint
    focus: PortSet
    allowed: PortSet
    isolated: bool
    exempt: str | None
    admitting: tuple[RuleContribution, ...]
    isolating: tuple[Policy, ...]

    @property
    def denied(self) -> PortSet:
        return self.focus - self.allowed

    @property
    def blockers(self) -> tuple[tuple[Policy, PortSet], ...]:
        """Every isolating policy with what it admits, when this side denies anything."""
        if not self.denied:
            return ()
        return tuple((p, _policy_ports(p, self.admitting)) for p in self.isolating)


def _policy_ports(policy: Policy, admitting: tuple[RuleContribution, ...]) -> PortSet:
    ports = PortSet.empty()
    for c in admitting:
        if c.ref.policy is policy:
            ports = ports | c.ports
    return ports


@dataclass(frozen=True, slots=True)
class Explanation:
    src: Endpoint
    dst: Endpoint
    focus: PortSet
    egress: SideExplanation
    ingress: SideExplanation

    @property
    def allowed(self) -> PortSet:
        return self.egress.allowed & self.ingress.allowed

    @property
    def denied(self) -> PortSet:
        return self.focus - self.allowed


def focus_ports(protocol: Protocol | None = None, port: int | None = None) -> PortSet:
    """The ports a question is about: everything, one protocol, one port (any protocol), or both."""
    protocols = (protocol,) if protocol is not None else PROTOCOLS
    result = PortSet.empty()
    for p in protocols:
        result = result | PortSet.of(p, port)
    return result


def rule_ports(rule: Rule, dst: Endpoint) -> PortSet:
    """The ports a rule admits towards `dst` (named ports resolved against it)."""
    return resolve(token_of(rule), named_ports_of(dst) if isinstance(dst, Workload) else None)


def _side(
    model: Model, direction: Direction, src: Endpoint, dst: Endpoint, focus: PortSet, exempt: str | None
) -> SideExplanation:
    subject, other = (src, dst) if direction is Direction.EGRESS else (dst, src)
    if exempt is None and not isinstance(subject, Workload):
        exempt = "external"
    if exempt is not None or not isinstance(subject, Workload):
        return SideExplanation(direction, subject, focus, focus, False, exempt, (), ())
    isolating = isolating_policies(model, subject, direction)
    if not isolating:
        return SideExplanation(direction, subject, focus, focus, False, None, (), ())
    admitting = []
    for policy in isolating:
        for rule in policy.rules(direction):
            if rule.peers and not any(peer_matches(model, policy, p, other) for p in rule.peers):
                continue
            ports = rule_ports(rule, dst) & focus
            if ports:
                admitting.append(RuleContribution(RuleRef(policy, rule), ports))
    allowed = PortSet.empty()
    for c in admitting:
        allowed = allowed | c.ports
    return SideExplanation(direction, subject, focus, allowed, True, None, tuple(admitting), isolating)


def explain(
    model: Model,
    src: Endpoint,
    dst: Endpoint,
    port: int | None = None,
    protocol: Protocol | None = None,
    host_network: HostNetwork = HostNetwork.ALLOW,
) -> Explanation:
    """Explain the connection from `src` to `dst` (optionally one port and/or protocol)."""
    focus = focus_ports(protocol, port)
    exempt = None
    if host_network is HostNetwork.ALLOW and any(isinstance(e, Workload) and e.host_network for e in (src, dst)):
        exempt = "hostNetwork"
    return Explanation(
        src,
        dst,
        focus,
        _side(model, Direction.EGRESS, src, dst, focus, exempt),
        _side(model, Direction.INGRESS, src, dst, focus, exempt),
    )
