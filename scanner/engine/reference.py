"""The reference semantics: a direct, readable transcription of the Kubernetes NetworkPolicy
documentation for one concrete connection. No optimisation on purpose - this is the oracle the
fast engine (`npaudit.engine.connectivity`) and the Z3 encoding are tested against.

A connection (src, dst, protocol, port) is allowed iff the source's egress side allows it AND
the destination's ingress side allows it. A side is "isolated" iff some policy selecting the
pod lists that direction in its effective policyTypes; a side that is not isolated allows
everything; an isolated side allows exactly the union of its policies' rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from npaudit.algebra.addresses import AddressRange, AddressSet
from npaudit.engine.types import Endpoint, HostNetwork, RuleRef
from npaudit.model.selectors import matches
from npaudit.model.types import Direction, Model, Peer, Policy, PortSpec, Protocol, Rule, Workload


def selects(policy: Policy, workload: Workload) -> bool:
    """A policy applies only to pods of its own namespace matched by spec.podSelector."""
    return workload.namespace == policy.namespace and matches(policy.pod_selector, workload.labels)


def isolating_policies(model: Model, workload: Workload, direction: Direction) -> tuple[Policy, ...]:
    """The policies that select the pod and have `direction` in their effective policyTypes."""
    return tuple(p for p in model.policies if direction in p.policy_types and selects(p, workload))


def ip_block_matches(peer: Peer, endpoint: Endpoint) -> bool:
    """ipBlock = cidr minus excepts. It matches an external address, and a workload only through
    its known pod IPs (cluster snapshots): any pod IP inside the block."""
    assert peer.ip_block is not None
    block = AddressSet.from_block(peer.ip_block)
    if isinstance(endpoint, Workload):
        return any(block.contains(ip) for ip in endpoint.pod_ips)
    if isinstance(endpoint, AddressRange):
        return block.covers(endpoint)
    return block.contains(endpoint)


def peer_matches(model: Model, policy: Policy, peer: Peer, endpoint: Endpoint) -> bool:
    """One entry of from/to. Selectors match pods only, never an address outside the cluster."""
    if peer.ip_block is not None:
        return ip_block_matches(peer, endpoint)
    if not isinstance(endpoint, Workload):
        return False
    if peer.namespace_selector is None:
        # A podSelector without namespaceSelector means the policy's own namespace.
        in_namespace = endpoint.namespace == policy.namespace
    else:
        # namespaceSelector {} matches every namespace; labels include metadata.name.
        in_namespace = matches(peer.namespace_selector, model.namespace_labels(endpoint.namespace))
    # A missing podSelector in a peer with namespaceSelector means all pods there.
    return in_namespace and matches(peer.pod_selector, endpoint.labels)


def port_matches(spec: PortSpec, protocol: Protocol, port: int, dst: Endpoint) -> bool:
    """One entry of `ports` (protocol defaults to TCP in the model already)."""
    if spec.protocol is not protocol:
        return False
    if spec.port is None:
        return True  # no port: every port of that protocol
    if isinstance(spec.port, int):
        return spec.port <= port <= (spec.end_port if spec.end_port is not None else spec.port)
    # A named port resolves against the destination pod's containerPorts, name and protocol
    # both matching; an address outside the cluster has no container ports.
    if not isinstance(dst, Workload):
        return False
    return any(cp.name == spec.port and cp.protocol is protocol and cp.port == port for cp in dst.ports)


def rule_admits(
    model: Model, policy: Policy, rule: Rule, peer: Endpoint, dst: Endpoint, protocol: Protocol, port: int
) -> bool:
    """Peers are ORed, ports are ORed; an empty list means everything."""
    peer_ok = not rule.peers or any(peer_matches(model, policy, p, peer) for p in rule.peers)
    port_ok = not rule.ports or any(port_matches(s, protocol, port, dst) for s in rule.ports)
    return peer_ok and port_ok


@dataclass(frozen=True, slots=True)
class SideVerdict:
    """The verdict of one side: `subject` is the pod whose policies apply (the source for
    egress, the destination for ingress). `exempt` names why no policy can apply ("external":
    not a pod; "hostNetwork": outside NetworkPolicy enforcement), else None."""

    direction: Direction
    allowed: bool
    isolated: bool
    admitting: tuple[RuleRef, ...] = ()
    isolating: tuple[Policy, ...] = ()
    exempt: str | None = None

    @property
    def blockers(self) -> tuple[Policy, ...]:
        """Every policy that isolates this side and does not admit the connection."""
        return () if self.allowed else self.isolating


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    egress: SideVerdict
    ingress: SideVerdict


def _exemption(endpoint: Endpoint, mode: HostNetwork) -> str | None:
    if not isinstance(endpoint, Workload):
        return "external"
    if endpoint.host_network and mode is HostNetwork.ALLOW:
        return "hostNetwork"
    return None


def side_verdict(
    model: Model, direction: Direction, src: Endpoint, dst: Endpoint, protocol: Protocol, port: int,
    mode: HostNetwork = HostNetwork.ALLOW,
) -> SideVerdict:
    subject, other = (src, dst) if direction is Direction.EGRESS else (dst, src)
    exempt = _exemption(subject, mode)
    if exempt is not None or not isinstance(subject, Workload):
        return SideVerdict(direction, allowed=True, isolated=False, exempt=exempt or "external")
    isolating = isolating_policies(model, subject, direction)
    if not isolating:
        return SideVerdict(direction, allowed=True, isolated=False)
    admitting = tuple(
        RuleRef(policy, rule)
        for policy in isolating
        for rule in policy.rules(direction)
        if rule_admits(model, policy, rule, other, dst, protocol, port)
    )
    return SideVerdict(direction, bool(admitting), True, admitting, isolating)


def decide(
    model: Model, src: Endpoint, dst: Endpoint, protocol: Protocol, port: int,
    host_network: HostNetwork = HostNetwork.ALLOW,
) -> Decision:
    """Is a connection from `src` to `dst` on `protocol`/`port` allowed? Both ends may be
    workloads or external addresses. A workload "to itself" means another replica of the same
    workload (a pod reaching itself is always allowed and is not modelled here)."""
    if host_network is HostNetwork.ALLOW and any(
        isinstance(e, Workload) and e.host_network for e in (src, dst)
    ):
        # hostNetwork pods are outside NetworkPolicy enforcement: reported as always allowed.
        return Decision(
            True,
            SideVerdict(Direction.EGRESS, True, False, exempt="hostNetwork"),
            SideVerdict(Direction.INGRESS, True, False, exempt="hostNetwork"),
        )
    egress = side_verdict(model, Direction.EGRESS, src, dst, protocol, port, host_network)
    ingress = side_verdict(model, Direction.INGRESS, src, dst, protocol, port, host_network)
    return Decision(egress.allowed and ingress.allowed, egress, ingress)
