"""What a proof returns, in model types only (no z3 terms leave scanner/encode/)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from npaudit.model.types import Direction, IPBlock, LabelSelector, Policy, Protocol, Rule, Workload
from npaudit.span import Span


class Scope(str, Enum):
    """`workloads`: the endpoints are the repository's workloads. `any-pod`: any pod with any
    labels in the repository's namespaces (and in new namespaces when allowed)."""

    WORKLOADS = "workloads"
    ANY_POD = "any-pod"


class Verdict(str, Enum):
    HOLDS = "holds"
    VIOLATED = "violated"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class EndpointSelector:
    """A property endpoint, written like a NetworkPolicy peer. An absent namespaceSelector means
    every namespace (a property has no namespace of its own); `ip_block` means addresses
    outside the cluster."""

    namespace_selector: LabelSelector | None = None
    pod_selector: LabelSelector | None = None
    ip_block: IPBlock | None = None


@dataclass(frozen=True, slots=True)
class EndpointView:
    """One end of a counterexample.

    kind: "workload" (a workload of the repository, or a modelled one such as the cluster DNS),
    "pod" (a pod that could exist: `labels` are the ones it needs, None = any other value) or
    "external" (an address outside the cluster)."""

    kind: str
    namespace: str | None = None  # None: a namespace that is not in the repository
    workload: Workload | None = None
    labels: tuple[tuple[str, str | None], ...] = ()
    namespace_labels: tuple[tuple[str, str | None], ...] = ()
    named_ports: tuple[tuple[str, int, Protocol], ...] = ()
    address: str | None = None
    modelled: bool = False

    def describe(self) -> str:
        if self.kind == "external":
            return f"address {self.address}"
        if self.workload is not None:
            text = self.workload.display
            return f"{text} (modelled, not in the repository)" if self.modelled else text
        labels = ", ".join(f"{k}={_value(v)}" for k, v in self.labels)
        if self.namespace is None:
            ns_labels = ", ".join(f"{k}={_value(v)}" for k, v in self.namespace_labels)
            where = f"a new namespace ({ns_labels})" if ns_labels else "a new namespace"
        else:
            where = f"namespace {self.namespace}"
        ports = "".join(f", port {n}={p}/{pr.value}" for n, p, pr in self.named_ports)
        described = f"labels {{{labels}}}" if labels else "no labels"
        return f"a pod that could exist in {where} with {described}{ports}"

    @property
    def span(self) -> Span | None:
        return self.workload.span if self.workload is not None else None


def _value(v: str | None) -> str:
    return "<any other value>" if v is None else v


@dataclass(frozen=True, slots=True)
class RuleRef:
    policy: Policy
    rule: Rule

    def describe(self) -> str:
        where = f" ({self.rule.span})" if self.rule.span else ""
        return f"NetworkPolicy {self.policy.namespace}/{self.policy.name} {self.rule.path.removeprefix('spec.')}{where}"

    @property
    def span(self) -> Span | None:
        return self.rule.span or self.policy.span


@dataclass(frozen=True, slots=True)
class SideExplanation:
    """Why one direction lets the traffic through or not: the policies that isolate the
    endpoint in that direction and the rules among them that match."""

    direction: Direction
    isolated_by: tuple[Policy, ...] = ()
    allowed_by: tuple[RuleRef, ...] = ()
    outside: bool = False  # the endpoint is outside the cluster: nothing is enforced there

    @property
    def ok(self) -> bool:
        return self.outside or not self.isolated_by or bool(self.allowed_by)

    def describe(self) -> str:
        side = self.direction.value.lower()
        if self.outside:
            return f"{side}: outside the cluster (not enforced)"
        if not self.isolated_by:
            return f"{side}: not isolated"
        if self.allowed_by:
            return f"{side}: allowed by " + ", ".join(r.describe() for r in self.allowed_by)
        names = ", ".join(f"NetworkPolicy {p.namespace}/{p.name}" for p in self.isolated_by)
        return f"{side}: isolated by {names}; no rule allows it"


@dataclass(frozen=True, slots=True)
class Witness:
    src: EndpointView
    dst: EndpointView
    protocol: Protocol
    port: int
    egress: SideExplanation
    ingress: SideExplanation

    def describe(self) -> str:
        return f"{self.src.describe()} -> {self.dst.describe()} on {self.protocol.value} {self.port}"


@dataclass(frozen=True, slots=True)
class Outcome:
    """PROVED (`HOLDS`), VIOLATED with a canonical witness, or UNKNOWN with the reason.

    `enforcing`: for a proof, a minimal set of policies (and rules) that alone make it hold,
    from a minimised unsat core over the guard literals. `vacuous`: no endpoint in scope
    matches one of the property's selectors, so the proof says nothing. `notes` say what was
    assumed (a modelled cluster DNS, hostNetwork workloads left out)."""

    verdict: Verdict
    scope: Scope
    witness: Witness | None = None
    reason: str = ""
    enforcing: tuple[Policy | RuleRef, ...] = ()
    vacuous: bool = False
    notes: tuple[str, ...] = ()
    #: for isolation questions (default-deny): the pod that is not isolated
    subject: EndpointView | None = None
    #: with `limit` > 1: counterexamples for distinct class pairs, `witness` first
    witnesses: tuple[Witness, ...] = ()
