"""Bitsets over the endpoints of a partition (Python ints): bit i < n is workload class i, bit
n + j is external address piece j. Selectors and peers become masks through an index of
(label key, value) -> classes, so no selector is ever evaluated class by class."""

from __future__ import annotations

from collections import defaultdict

from npaudit.algebra.addresses import AddressSet
from npaudit.engine.classes import Partition
from npaudit.model.selectors import matches
from npaudit.model.types import IPBlock, LabelSelector, Model, Operator, Peer, Policy


def bits(mask: int) -> list[int]:
    """Positions of the set bits, ascending (string scan: fast for wide, sparse masks)."""
    text = bin(mask)[:1:-1]
    out = []
    i = text.find("1")
    while i >= 0:
        out.append(i)
        i = text.find("1", i + 1)
    return out


class MaskIndex:
    """Selector, namespace and peer masks for one model and partition (cached)."""

    def __init__(self, model: Model, part: Partition) -> None:
        self.model = model
        self.n = len(part.classes)
        self.m = len(part.externals)
        self.classes_mask = (1 << self.n) - 1
        self.externals_mask = ((1 << self.m) - 1) << self.n
        self.universe = self.classes_mask | self.externals_mask
        self._part = part
        self._key: dict[str, int] = defaultdict(int)
        self._kv: dict[tuple[str, str], int] = defaultdict(int)
        self._ns: dict[str, int] = defaultdict(int)
        self._atom_classes: dict[int, int] = defaultdict(int)
        for c in part.classes:
            bit = 1 << c.id
            self._ns[c.namespace] |= bit
            for k, v in c.labels.items():
                self._key[k] |= bit
                self._kv[(k, v)] |= bit
            for a in c.ip_atoms:
                self._atom_classes[a] |= bit
        self._pod_cache: dict[LabelSelector, int] = {}
        # Hashing a selector dataclass is slow: cache by identity too (the model outlives the
        # index, so ids are stable while it is used).
        self._by_id: dict[int, int] = {}
        self._ns_cache: dict[LabelSelector, int] = {}
        self._block_cache: dict[IPBlock, int] = {}

    def namespace_mask(self, name: str) -> int:
        return self._ns.get(name, 0)

    def pod_selector(self, selector: LabelSelector | None) -> int:
        """Classes whose labels satisfy the selector (any namespace)."""
        if selector is None or selector.matches_all:
            return self.classes_mask
        cached = self._by_id.get(id(selector))
        if cached is not None:
            return cached
        cached = self._pod_cache.get(selector)
        if cached is not None:
            self._by_id[id(selector)] = cached
            return cached
        mask = self.classes_mask
        for req in selector.requirements:
            if req.operator is Operator.EXISTS:
                mask &= self._key.get(req.key, 0)
            elif req.operator is Operator.DOES_NOT_EXIST:
                mask &= ~self._key.get(req.key, 0)
            else:
                listed = 0
                for value in req.values:
                    listed |= self._kv.get((req.key, value), 0)
                # NotIn holds when the key is absent, or present with another value.
                mask &= listed if req.operator is Operator.IN else ~listed
        self._pod_cache[selector] = self._by_id[id(selector)] = mask & self.classes_mask
        return mask & self.classes_mask

    def namespace_selector(self, selector: LabelSelector) -> int:
        """Classes in namespaces whose labels (with metadata.name) satisfy the selector."""
        cached = self._ns_cache.get(selector)
        if cached is None:
            cached = 0
            for name, mask in self._ns.items():
                if matches(selector, self.model.namespace_labels(name)):
                    cached |= mask
            self._ns_cache[selector] = cached
        return cached

    def ip_block(self, block: IPBlock) -> int:
        """External pieces inside the block, plus classes with a known pod IP inside it."""
        cached = self._block_cache.get(block)
        if cached is None:
            addresses = AddressSet.from_block(block)
            cached = 0
            for j, rng in enumerate(self._part.externals):
                if addresses.covers(rng):
                    cached |= 1 << (self.n + j) | self._atom_classes.get(j, 0)
            self._block_cache[block] = cached
        return cached

    def selected(self, policy: Policy) -> int:
        """Pods the policy applies to: its own namespace, spec.podSelector."""
        return self.namespace_mask(policy.namespace) & self.pod_selector(policy.pod_selector)

    def peer(self, policy: Policy, peer: Peer) -> int:
        if peer.ip_block is not None:
            return self.ip_block(peer.ip_block)
        if peer.namespace_selector is None:
            ns = self.namespace_mask(policy.namespace)  # podSelector alone: own namespace
        else:
            ns = self.namespace_selector(peer.namespace_selector)
        return ns & self.pod_selector(peer.pod_selector)

    def peers(self, policy: Policy, peers: tuple[Peer, ...]) -> int:
        """Empty from/to: every peer, inside and outside the cluster."""
        if not peers:
            return self.universe
        mask = 0
        for peer in peers:
            mask |= self.peer(policy, peer)
        return mask
