"""The result of the fast engine: allowed port sets between all endpoints of a model."""

from __future__ import annotations


from collections.abc import Iterator
from dataclasses import dataclass

from npaudit.gcpause import gc_paused
from npaudit.algebra.addresses import AddressRange
from npaudit.algebra.ports import PortSet
from npaudit.engine.build import Builder, Tables
from npaudit.engine.classes import Partition, WorkloadClass, display_ranges, partition
from npaudit.engine.masks import bits
from npaudit.engine.types import Endpoint, HostNetwork, endpoint_name
from npaudit.model.types import Direction, Model, Protocol, Workload


@dataclass(frozen=True, slots=True)
class Flow:
    """One allowed flow between two endpoints, with every allowed (protocol, port)."""

    src: Workload | AddressRange
    dst: Workload | AddressRange
    ports: PortSet

    @property
    def src_name(self) -> str:
        return endpoint_name(self.src)

    @property
    def dst_name(self) -> str:
        return endpoint_name(self.dst)

    @property
    def host_network(self) -> bool:
        """True when an end uses hostNetwork (the verdict is not NetworkPolicy's)."""
        return any(isinstance(e, Workload) and e.host_network for e in (self.src, self.dst))

    def __str__(self) -> str:
        return f"{self.src_name} => {self.dst_name} : {self.ports}"


@dataclass(frozen=True, slots=True)
class FlowGroup:
    """Allowed flows from each of `sources` to each `(destination, ports)` of `targets`,
    except a workload to itself (the sources are the workloads of one class, or one external
    range, and share every verdict)."""

    sources: tuple[Workload | AddressRange, ...]
    targets: tuple[tuple[Workload | AddressRange, PortSet], ...]

    def flows(self) -> Iterator[Flow]:
        for src in self.sources:
            for dst, ports in self.targets:
                if src is not dst:
                    yield Flow(src, dst, ports)


class Connectivity:
    """All-pairs connectivity of one model.

    Endpoint indexes: `0..n-1` are workload classes (`classes[i]`), `n..n+m-1` are the external
    address pieces (`externals[j]` at index n + j). Workloads map to their class; an IP address
    maps to the piece holding it.
    """

    def __init__(self, model: Model, part: Partition, tables: Tables, mode: HostNetwork) -> None:
        self.model = model
        self.partition = part
        self.host_network_mode = mode
        self._t = tables
        self._n = len(part.classes)

    @property
    def classes(self) -> tuple[WorkloadClass, ...]:
        return self.partition.classes

    @property
    def externals(self) -> tuple[AddressRange, ...]:
        return self.partition.externals

    def class_of(self, workload: Workload) -> int:
        return self.partition.class_of(workload)

    def index_of(self, endpoint: Endpoint) -> int:
        if isinstance(endpoint, Workload):
            return self.partition.class_of(endpoint)
        if isinstance(endpoint, AddressRange):
            return self._n + self.externals.index(endpoint)
        return self._n + self.partition.external_of(endpoint)

    def class_allowed(self, src: int, dst: int) -> PortSet:
        """Allowed ports between endpoint indexes (a class to itself: between its replicas)."""
        for ports, mask in self._t.rows[self._t.row_of[src]]:
            if mask >> dst & 1:
                return ports
        return PortSet.empty()

    def allowed(self, src: Endpoint, dst: Endpoint) -> PortSet:
        return self.class_allowed(self.index_of(src), self.index_of(dst))

    def is_allowed(self, src: Endpoint, dst: Endpoint, protocol: Protocol, port: int) -> bool:
        return self.allowed(src, dst).contains(protocol, port)

    def egress_allowed(self, src: Endpoint, dst: Endpoint) -> PortSet:
        """What the source's egress side alone allows (everything if it is not isolated)."""
        s, d = self.index_of(src), self.index_of(dst)
        if s >= self._n:
            return PortSet.all()
        return self._side(self._t.egress_maps[self._t.egress_of[s]], d)

    def ingress_allowed(self, src: Endpoint, dst: Endpoint) -> PortSet:
        """What the destination's ingress side alone allows."""
        s, d = self.index_of(src), self.index_of(dst)
        return self._side(self._t.ingress_maps[self._t.ingress_of[s]], d)

    def _side(self, token_masks: dict, dst: int) -> PortSet:  # type: ignore[type-arg]
        named = next(g for g, mask in self._t.groups if mask >> dst & 1)
        ports = PortSet.empty()
        for token, mask in token_masks.items():
            if mask >> dst & 1:
                ports = ports | Builder.resolve_static(token, named)
        return ports

    def ingress_isolated(self, workload: Workload) -> bool:
        return bool(self._t.ingress_isolated >> self.class_of(workload) & 1)

    def egress_isolated(self, workload: Workload) -> bool:
        return bool(self._t.egress_isolated >> self.class_of(workload) & 1)

    @property
    def host_network_workloads(self) -> tuple[Workload, ...]:
        return tuple(w for w in self.model.workloads if w.host_network)

    def endpoint_rows(self) -> Iterator[tuple[int, tuple[tuple[PortSet, int], ...]]]:
        """(source endpoint index, ((ports, destination mask), ...)) for every source."""
        for s, r in enumerate(self._t.row_of):
            yield s, self._t.rows[r]

    def flow_groups(self, sources: set[int] | None = None, destinations: int | None = None) -> Iterator[FlowGroup]:
        """Every allowed flow between two different workloads or a workload and an external
        range, as groups: the workloads of one class share one row of the table, so a map of
        millions of flows is a few thousand groups (unsorted; a workload to itself is
        omitted). External sources are listed by the pieces cut at ingress ipBlocks, external
        destinations by those cut at egress ipBlocks (`display_ranges`). `sources`: endpoint
        indexes to list from; `destinations`: a mask of endpoint indexes to list to."""
        src_pieces, src_owner = display_ranges(self.model, self.externals, Direction.INGRESS)
        dst_pieces, dst_owner = display_ranges(self.model, self.externals, Direction.EGRESS)
        first_atom: dict[int, int] = {}
        for atom, piece in enumerate(src_owner):
            first_atom.setdefault(piece, atom)
        targets_of: dict[int, tuple[tuple[Workload | AddressRange, PortSet], ...]] = {}
        for s, r in enumerate(self._t.row_of):
            if sources is not None and s not in sources:
                continue
            if s >= self._n and first_atom.get(src_owner[s - self._n]) != s - self._n:
                continue  # one atom per listed source piece: all of them share the verdict
            targets = targets_of.get(r)
            if targets is None:
                targets = targets_of[r] = self._targets(self._t.rows[r], destinations, dst_pieces, dst_owner)
            srcs = self.classes[s].workloads if s < self._n else (src_pieces[src_owner[s - self._n]],)
            if targets:
                yield FlowGroup(srcs, targets)

    def _targets(self, row: tuple[tuple[PortSet, int], ...], destinations: int | None,
                 dst_pieces: tuple[AddressRange, ...], dst_owner: tuple[int, ...],
                 ) -> tuple[tuple[Workload | AddressRange, PortSet], ...]:
        out: list[tuple[Workload | AddressRange, PortSet]] = []
        for ports, mask in row:
            mask = mask if destinations is None else mask & destinations
            for d in bits(mask & self._t.index.classes_mask):
                out.extend((w, ports) for w in self.classes[d].workloads)
            pieces = sorted({dst_owner[d - self._n] for d in bits(mask >> self._n << self._n)})
            out.extend((dst_pieces[i], ports) for i in pieces)
        return tuple(out)

    def flows(self, sources: set[int] | None = None, destinations: int | None = None) -> Iterator[Flow]:
        """The flows of `flow_groups`, one by one."""
        for group in self.flow_groups(sources, destinations):
            yield from group.flows()

    def count_pairs(self, include_external: bool = True) -> int:
        """Number of allowed ordered endpoint pairs (workloads expanded; a workload to itself
        excluded; external addresses counted per piece of `externals`, the finest cut),
        computed with popcounts instead of listing the flows."""
        sizes = [len(c.workloads) for c in self.classes] + [1] * len(self.externals)
        multi = 0
        for i, size in enumerate(sizes):
            if size > 1:
                multi |= 1 << i
        total = 0
        keep = -1 if include_external else self._t.index.classes_mask
        for s, row in self.endpoint_rows():
            if s >= self._n and not include_external:
                break
            for _, mask in row:
                mask &= keep
                weight = (mask & ~multi).bit_count() + sum(sizes[d] for d in bits(mask & multi))
                total += sizes[s] * weight - (sizes[s] if mask >> s & 1 else 0)
        return total


def analyze(model: Model, host_network: HostNetwork = HostNetwork.ALLOW) -> Connectivity:
    """Compute the allowed port sets between all workloads and external address pieces."""
    with gc_paused():
        part = partition(model)
        tables = Builder(model, part, host_network).tables()
    return Connectivity(model, part, tables, host_network)


