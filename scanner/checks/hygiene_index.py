"""Shared helpers of the hygiene rules: which workloads a selector, a policy or a peer selects
(bitsets over the model's workloads, memoised per model), and how to name things in messages.

Bit i of a mask stands for `model.workloads[i]`. Python ints are arbitrary-size bitsets, so a
selector over 10,000 workloads is a handful of big-int ANDs instead of 10,000 label lookups.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from npaudit.algebra.addresses import AddressSet
from npaudit.findings import Finding, Related, object_anchor
from npaudit.model.selectors import matches
from npaudit.model.types import (
    Direction,
    IPBlock,
    LabelSelector,
    Model,
    Operator,
    Peer,
    Policy,
    Requirement,
    Rule,
    Workload,
)
from npaudit.span import Span


class SelectionIndex:
    """Which workloads each selector, policy and peer selects (concrete: the scanned workloads)."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.workloads: tuple[Workload, ...] = model.workloads
        self.all = (1 << len(self.workloads)) - 1
        #: the scanned workloads (representative pods, when added, are outside this mask)
        self.real = self.all
        self._by_label: dict[tuple[str, str], int] = {}
        self._by_key: dict[str, int] = {}
        self._by_ns: dict[str, int] = {}
        for i, w in enumerate(self.workloads):
            bit = 1 << i
            self._by_ns[w.namespace] = self._by_ns.get(w.namespace, 0) | bit
            for key, value in w.labels.items():
                self._by_label[(key, value)] = self._by_label.get((key, value), 0) | bit
                self._by_key[key] = self._by_key.get(key, 0) | bit
        #: workloads grouped by their named container ports (what a named port resolves against)
        self.port_groups: dict[tuple[tuple[str, str, int], ...], int] = {}
        self.port_sig: list[tuple[tuple[str, str, int], ...]] = []
        for i, w in enumerate(self.workloads):
            sig = tuple(sorted((cp.name, cp.protocol.value, cp.port) for cp in w.ports if cp.name))
            self.port_sig.append(sig)
            self.port_groups[sig] = self.port_groups.get(sig, 0) | 1 << i
        self._pod_cache: dict[LabelSelector, int] = {}
        self._ns_cache: dict[LabelSelector, tuple[str, ...]] = {}
        self._isolated: dict[Direction, int] = {}
        self._block_cache: dict[IPBlock, int] = {}
        self._with_ips = [(i, w) for i, w in enumerate(self.workloads) if w.pod_ips]

    # -- selectors -------------------------------------------------------------------------
    def in_namespace(self, namespace: str) -> int:
        return self._by_ns.get(namespace, 0)

    def pods(self, selector: LabelSelector) -> int:
        """Mask of the workloads (any namespace) whose pod-template labels match `selector`."""
        cached = self._pod_cache.get(selector)
        if cached is None:
            cached = self.all
            for req in selector.requirements:
                cached &= self._requirement_mask(req)
            self._pod_cache[selector] = cached
        return cached

    def _requirement_mask(self, req: Requirement) -> int:
        if req.operator is Operator.IN:
            return _union(self._by_label.get((req.key, v), 0) for v in req.values)
        if req.operator is Operator.NOT_IN:
            # NotIn also matches pods without the key (Kubernetes semantics).
            return self.all & ~_union(self._by_label.get((req.key, v), 0) for v in req.values)
        if req.operator is Operator.EXISTS:
            return self._by_key.get(req.key, 0)
        return self.all & ~self._by_key.get(req.key, 0)

    def namespaces(self, selector: LabelSelector) -> tuple[str, ...]:
        """Names of the model's namespaces (declared or implied) whose labels match."""
        cached = self._ns_cache.get(selector)
        if cached is None:
            cached = tuple(sorted(n for n, ns in self.model.namespaces.items() if matches(selector, ns.labels)))
            self._ns_cache[selector] = cached
        return cached

    # -- policies and peers -----------------------------------------------------------------
    def selected(self, policy: Policy) -> int:
        """The workloads a policy applies to: its podSelector, in its own namespace only."""
        return self.pods(policy.pod_selector) & self.in_namespace(policy.namespace)

    def peer_pods(self, policy: Policy, peer: Peer) -> int:
        """The workloads a peer matches (an ipBlock: only pods with a known IP inside it).

        Only a podSelector: pods in the policy's own namespace. A namespaceSelector: pods in the
        matching namespaces (all of them when there is no podSelector)."""
        if peer.ip_block is not None:
            return self._block_pods(peer.ip_block)
        pods = self.pods(peer.pod_selector) if peer.pod_selector is not None else self.all
        if peer.namespace_selector is None:
            return pods & self.in_namespace(policy.namespace)
        return pods & _union(self.in_namespace(n) for n in self.namespaces(peer.namespace_selector))

    def _block_pods(self, block: IPBlock) -> int:
        """ipBlocks match a workload only through its known pod IPs (cluster snapshots)."""
        cached = self._block_cache.get(block)
        if cached is None:
            addresses = AddressSet.from_block(block)
            cached = _union(1 << i for i, w in self._with_ips if any(addresses.contains(a) for a in w.pod_ips))
            self._block_cache[block] = cached
        return cached

    def rule_peers(self, policy: Policy, rule: Rule) -> int:
        """Workloads on the other end of a rule; no peers = every pod (and every address)."""
        if not rule.peers:
            return self.all
        return _union(self.peer_pods(policy, p) for p in rule.peers)

    def isolated(self, direction: Direction) -> int:
        """Workloads selected by at least one policy whose effective policyTypes list `direction`."""
        mask = self._isolated.get(direction)
        if mask is None:
            mask = _union(self.selected(p) for p in self.model.policies if direction in p.policy_types)
            self._isolated[direction] = mask
        return mask

    def members(self, mask: int) -> list[Workload]:
        return [self.workloads[i] for i in iter_bits(mask)]


def iter_bits(mask: int) -> Iterator[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def _union(masks: object) -> int:
    out = 0
    for m in masks:  # type: ignore[attr-defined]
        out |= m
    return out


_INDEX: list[SelectionIndex] = []


def index_for(model: Model) -> SelectionIndex:
    """The index of `model`, built once per model (all hygiene rules of a scan share it)."""
    if _INDEX and _INDEX[0].model is model:
        return _INDEX[0]
    index = SelectionIndex(model)
    _INDEX[:] = [index]
    return index


# -- wording -----------------------------------------------------------------------------------

def render_selector(selector: LabelSelector | None) -> str:
    """`{app=ui, tier in (a,b), !legacy}`; `{}` selects everything."""
    if selector is None or not selector.requirements:
        return "{}"
    parts: list[str] = []
    for r in selector.requirements:
        if r.operator is Operator.IN:
            parts.append(f"{r.key}={r.values[0]}" if len(r.values) == 1 else f"{r.key} in ({','.join(r.values)})")
        elif r.operator is Operator.NOT_IN:
            parts.append(f"{r.key} notin ({','.join(r.values)})")
        elif r.operator is Operator.EXISTS:
            parts.append(r.key)
        else:
            parts.append(f"!{r.key}")
    return "{" + ", ".join(parts) + "}"


def render_peer(peer: Peer) -> str:
    if peer.ip_block is not None:
        excepts = f" except {', '.join(str(e) for e in peer.ip_block.excepts)}" if peer.ip_block.excepts else ""
        return f"ipBlock {peer.ip_block.cidr}{excepts}"
    parts = []
    if peer.namespace_selector is not None:
        parts.append(f"namespaceSelector {render_selector(peer.namespace_selector)}")
    if peer.pod_selector is not None:
        parts.append(f"podSelector {render_selector(peer.pod_selector)}")
    return " + ".join(parts)


def names(workloads: list[Workload], limit: int = 3) -> str:
    """`a/b[Deployment], c/d[StatefulSet] and 4 more`."""
    shown = ", ".join(w.display for w in workloads[:limit])
    rest = len(workloads) - limit
    return f"{shown} and {rest} more" if rest > 0 else shown


def policy_name(policy: Policy) -> str:
    return f"NetworkPolicy {policy.namespace}/{policy.name}"


UNKNOWN_SPAN = Span("<unknown>", 1, 1)


def first_span(*candidates: Span | None) -> Span:
    """The first known span (the most specific place first)."""
    for span in candidates:
        if span is not None:
            return span
    return UNKNOWN_SPAN


def policy_anchor(policy: Policy, path: str = "") -> str:
    return object_anchor("NetworkPolicy", policy.namespace, policy.name, path)


def related_workloads(workloads: list[Workload], why: str, limit: int = 5) -> tuple[Related, ...]:
    return tuple(Related(w.span, f"{w.display} {why}") for w in workloads[:limit] if w.span is not None)


def related_policy(policy: Policy, why: str) -> tuple[Related, ...]:
    return (Related(policy.span, f"{policy_name(policy)} {why}"),) if policy.span is not None else ()


def param_list(params: Mapping[str, object], key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = params.get(key)
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
    return default


def directions_param(params: Mapping[str, object], default: tuple[str, ...] = ("Ingress",)) -> tuple[Direction, ...]:
    return tuple(Direction(d) for d in param_list(params, "directions", default))


__all__ = ["Finding", "SelectionIndex", "index_for"]
