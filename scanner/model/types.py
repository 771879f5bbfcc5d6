"""The in-memory model: plain, immutable values built from manifests (no ruamel types past
`model/build.py`). Every object keeps the `Span` of the node a finding would point at.

Conventions used everywhere else:
- Label maps are `Mapping[str, str]` and are never mutated after construction.
- `span` fields are excluded from equality/hash (`compare=False`) so that two policies with
  the same content compare equal (content-addressed caches, moved-policy diffs).
- A selector is kept in canonical form: `matchLabels` entries become `In` requirements with one
  value; requirements are sorted; `values` are sorted and de-duplicated.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from npaudit.span import Span

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: The label the API server adds to every namespace (always present in the model).
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


class Direction(str, Enum):
    INGRESS = "Ingress"
    EGRESS = "Egress"


class Protocol(str, Enum):
    TCP = "TCP"
    UDP = "UDP"
    SCTP = "SCTP"


#: Protocols in the order every output lists them.
PROTOCOLS: tuple[Protocol, ...] = (Protocol.TCP, Protocol.UDP, Protocol.SCTP)


class Operator(str, Enum):
    IN = "In"
    NOT_IN = "NotIn"
    EXISTS = "Exists"
    DOES_NOT_EXIST = "DoesNotExist"


@dataclass(frozen=True, slots=True)
class Requirement:
    """One label requirement. `NotIn` is true when the key is absent (Kubernetes semantics)."""

    key: str
    operator: Operator
    values: tuple[str, ...] = ()  # sorted, unique; empty for Exists/DoesNotExist


@dataclass(frozen=True, slots=True)
class LabelSelector:
    """A label selector; no requirements = matches everything (also a null/empty selector)."""

    requirements: tuple[Requirement, ...] = ()
    span: Span | None = field(default=None, compare=False)

    @property
    def matches_all(self) -> bool:
        return not self.requirements

    def keys(self) -> frozenset[str]:
        return frozenset(r.key for r in self.requirements)


@dataclass(frozen=True, slots=True)
class PortSpec:
    """One entry of a rule's `ports` list.

    `port` is None (all ports of `protocol`), an int, or a str (a named port, resolved per
    destination pod against its containerPorts, name and protocol both matching).
    `end_port` is only set with a numeric `port`; the range is [port, end_port].
    """

    protocol: Protocol = Protocol.TCP
    port: int | str | None = None
    end_port: int | None = None
    span: Span | None = field(default=None, compare=False)

    @property
    def is_named(self) -> bool:
        return isinstance(self.port, str)


@dataclass(frozen=True, slots=True)
class IPBlock:
    """`cidr` minus every `except` (IPv4 or IPv6). Built only from valid input."""

    cidr: IPNetwork
    excepts: tuple[IPNetwork, ...] = ()
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Peer:
    """One entry of `from`/`to`.

    Exactly one of the shapes holds:
    - `ip_block` set, both selectors None;
    - `namespace_selector` None and `pod_selector` set: pods in the *policy's own* namespace;
    - `namespace_selector` set, `pod_selector` None: all pods in the matching namespaces;
    - both set: pods matching `pod_selector` in namespaces matching `namespace_selector` (AND).
    `namespaceSelector: {}` is a selector with no requirements: every namespace, never an
    address outside the cluster.
    """

    namespace_selector: LabelSelector | None = None
    pod_selector: LabelSelector | None = None
    ip_block: IPBlock | None = None
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Rule:
    """One ingress or egress rule. Empty `peers` = all peers (including outside the cluster);
    empty `ports` = all ports of all protocols. `index` is the position in the section."""

    direction: Direction
    index: int
    peers: tuple[Peer, ...] = ()
    ports: tuple[PortSpec, ...] = ()
    span: Span | None = field(default=None, compare=False)

    @property
    def path(self) -> str:
        return f"spec.{self.direction.value.lower()}[{self.index}]"


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """Identity of a Kubernetes object: kind, namespace ('' for cluster-scoped), name."""

    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}" if self.namespace else f"{self.kind} {self.name}"


@dataclass(frozen=True, slots=True)
class Policy:
    """A NetworkPolicy.

    `policy_types` is the *effective* set: explicit `policyTypes` when given; otherwise Ingress
    always, plus Egress only if `spec.egress` is non-empty. `ingress`/`egress` hold the rules as
    written even when their direction is not in `policy_types` (engines must ignore those; the
    hygiene rules report them). A listed direction with no rules denies everything.
    """

    namespace: str
    name: str
    pod_selector: LabelSelector
    policy_types: frozenset[Direction]
    ingress: tuple[Rule, ...] = ()
    egress: tuple[Rule, ...] = ()
    explicit_policy_types: bool = False
    annotations: Mapping[str, str] = field(default_factory=dict, compare=False)
    span: Span | None = field(default=None, compare=False)

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("NetworkPolicy", self.namespace, self.name)

    def rules(self, direction: Direction) -> tuple[Rule, ...]:
        """The rules that are in force for `direction` (empty if the direction is not listed)."""
        if direction not in self.policy_types:
            return ()
        return self.ingress if direction is Direction.INGRESS else self.egress


@dataclass(frozen=True, slots=True)
class ContainerPort:
    port: int
    protocol: Protocol = Protocol.TCP
    name: str | None = None
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Workload:
    """A set of pods with one pod template: Pod, Deployment, ReplicaSet, StatefulSet, DaemonSet,
    Job, CronJob (its job template), ReplicationController.

    `labels` are the *pod template's* labels (what selectors see). Bare Pods with a controller
    ownerReference are grouped into one Workload named after the owner (kind and name of the
    owner), as netpol-analyzer does. `pod_ips` are known only from cluster snapshots
    (`status.podIP`/`podIPs`); ipBlocks match a workload only through them.
    `host_network` pods are outside NetworkPolicy enforcement.
    """

    kind: str
    namespace: str
    name: str
    labels: Mapping[str, str] = field(default_factory=dict)
    ports: tuple[ContainerPort, ...] = ()
    host_network: bool = False
    pod_ips: tuple[IPAddress, ...] = ()
    replicas: int | None = None
    annotations: Mapping[str, str] = field(default_factory=dict, compare=False)
    span: Span | None = field(default=None, compare=False)
    labels_span: Span | None = field(default=None, compare=False)

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(self.kind, self.namespace, self.name)

    @property
    def display(self) -> str:
        """netpol-analyzer's peer notation: `namespace/name[Kind]`."""
        return f"{self.namespace}/{self.name}[{self.kind}]"


@dataclass(frozen=True, slots=True)
class Namespace:
    """A namespace; `labels` always include `kubernetes.io/metadata.name`. `declared` is False
    for namespaces that exist only because an object refers to them."""

    name: str
    labels: Mapping[str, str] = field(default_factory=dict)
    declared: bool = True
    annotations: Mapping[str, str] = field(default_factory=dict, compare=False)
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class ServicePort:
    port: int
    protocol: Protocol = Protocol.TCP
    target_port: int | str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Service:
    namespace: str
    name: str
    selector: Mapping[str, str] | None = None  # None: no selector (manually managed endpoints)
    ports: tuple[ServicePort, ...] = ()
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Model:
    """Everything the engines need. `namespaces` includes implicit ones (see Namespace.declared)."""

    namespaces: Mapping[str, Namespace] = field(default_factory=dict)
    workloads: tuple[Workload, ...] = ()
    policies: tuple[Policy, ...] = ()
    services: tuple[Service, ...] = ()

    def namespace_labels(self, name: str) -> Mapping[str, str]:
        ns = self.namespaces.get(name)
        return ns.labels if ns is not None else {NAMESPACE_NAME_LABEL: name}
