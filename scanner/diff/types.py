"""The result of comparing two revisions: plain values that the renderers take."""

from __future__ import annotations

from dataclasses import dataclass, field

from npaudit.findings import Finding
from npaudit.span import Span

#: Change kinds of a connection between one ordered pair of endpoints.
ADDED, REMOVED, CHANGED = "added", "removed", "changed"


@dataclass(frozen=True, slots=True)
class Revision:
    """One side of the diff: `label` as the user wrote it (`main`, `HEAD~1`, `working tree`),
    `commit` the resolved hash (None for the working tree)."""

    label: str
    commit: str | None = None


@dataclass(frozen=True, slots=True)
class Grant:
    """A rule that admits (part of) a connection: which policy, which rule, where."""

    direction: str  # "Ingress" | "Egress"
    policy: str  # "namespace/name"
    rule: str  # "ingress[0]"
    span: Span | None = None

    def __str__(self) -> str:
        where = f" ({self.span.path}:{self.span.line})" if self.span is not None else ""
        return f"NetworkPolicy {self.policy} {self.rule}{where}"


@dataclass(frozen=True, slots=True)
class ConnectionChange:
    """What changed between `src` and `dst` (netpol-analyzer notation `ns/name[Kind]` or an
    external range `first-last[External]`). `base`/`head`: the whole allowed connection on
    each side (`All Connections`, `TCP 80,UDP 53`, or "" for none); `opened`/`closed`: exactly
    the protocols and ports that head adds / takes away. `grants`: the head rules that admit
    the opened part (both ends: the egress rule of the source, the ingress rule of the
    destination; empty when a direction is not isolated)."""

    change: str
    src: str
    dst: str
    base: str
    head: str
    opened: str = ""
    closed: str = ""
    grants: tuple[Grant, ...] = ()
    src_change: str = ""  # "added"/"removed" when the endpoint itself is new or gone
    dst_change: str = ""

    @property
    def is_new_access(self) -> bool:
        return bool(self.opened)


@dataclass(frozen=True, slots=True)
class PropertyChange:
    """A property whose verdict differs (`holds`, `violated`, `unknown`, `absent`).
    `counterexamples` are the head findings that show the violation (or, for a property that
    now holds, the base ones that no longer occur)."""

    rule_id: str
    summary: str
    base: str
    head: str
    counterexamples: tuple[Finding, ...] = ()


@dataclass(frozen=True, slots=True)
class Cube:
    """One block of new access for *any* pod (Z3): source and destination given as namespace
    and pod label constraints (`*` = any), the protocol and a port range."""

    src_namespace: str
    src_pod: str
    dst_namespace: str
    dst_pod: str
    protocol: str
    ports: str

    def __str__(self) -> str:
        return f"{_end(self.src_namespace, self.src_pod)} => {_end(self.dst_namespace, self.dst_pod)} : {self.protocol} {self.ports}"


def _end(namespace: str, pod: str) -> str:
    """netpol-analyzer's exposure notation: `[namespace x]/[pod {k=v}]`, or an address range."""
    if namespace == "external":
        return f"{pod}[External]"
    return f"[namespace {namespace}]/[pod {pod}]"


@dataclass(frozen=True, slots=True)
class AnyPodDiff:
    """`allowed_head ∧ ¬allowed_base` over pods that may exist. `status`: `none` (proved: no
    new access), `found` (cubes below), `unknown` (solver gave up: never read as "none")."""

    status: str
    cubes: tuple[Cube, ...] = ()
    total: int = 0  # cubes found before the cap (a lower bound when `capped`)
    capped: bool = False
    reason: str = ""


@dataclass(frozen=True, slots=True)
class DiffResult:
    base: Revision
    head: Revision
    workloads_added: tuple[str, ...] = ()
    workloads_removed: tuple[str, ...] = ()
    connections: tuple[ConnectionChange, ...] = ()
    properties: tuple[PropertyChange, ...] = ()
    new_findings: tuple[Finding, ...] = ()
    resolved_findings: tuple[Finding, ...] = ()
    any_pod: AnyPodDiff | None = None
    scope: str = "workloads"
    stats: dict[str, object] = field(default_factory=dict)

    @property
    def new_access(self) -> tuple[ConnectionChange, ...]:
        return tuple(c for c in self.connections if c.is_new_access)

    @property
    def has_new_access(self) -> bool:
        if self.scope == "any-pod" and self.any_pod is not None:
            return self.any_pod.status != "none" or bool(self.new_access)
        return bool(self.new_access)

    @property
    def is_empty(self) -> bool:
        return not (self.workloads_added or self.workloads_removed or self.connections or self.properties
                    or self.new_findings or (self.any_pod is not None and self.any_pod.status != "none"))
