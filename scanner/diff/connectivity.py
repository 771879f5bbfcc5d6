"""Connectivity diff between two models, exact to the port, without listing every pair.

Both engines' results are compared through *groups*: workloads that are in the same base class
and the same head class (a workload only on one side has no class on the other). Two members
of a group are indistinguishable on both sides, so comparing one representative pair of groups
decides every pair of their workloads. Rows become per-port-set bitmasks over groups; XOR of
the base and head masks gives exactly the destination groups whose allowed ports changed. Only
those pairs are expanded into workload pairs.

External addresses: each side cuts the address space at its own ipBlock boundaries, so the two
cuts are refined into one (every boundary of either side), compared piece by piece, and
neighbouring pieces with the same (base, head) ports are merged again.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from npaudit.algebra.addresses import AddressRange
from npaudit.algebra.ports import PortSet
from npaudit.engine.connectivity import Connectivity
from npaudit.engine.masks import bits
from npaudit.model.types import Workload

_NONE = PortSet.empty()


@dataclass(frozen=True, slots=True)
class PairChange:
    """Allowed ports between `src` and `dst` at base and at head (they differ)."""

    src: Workload | AddressRange
    dst: Workload | AddressRange
    base: PortSet
    head: PortSet


@dataclass(frozen=True, slots=True)
class _Group:
    base: int | None  # class index in the base result, None: the workloads are new at head
    head: int | None
    members: tuple[Workload, ...]  # head objects when present at head (for explanations)


def _groups(base: Connectivity, head: Connectivity) -> list[_Group]:
    keyed: dict[tuple[int | None, int | None], list[Workload]] = {}
    base_class = dict(zip(((w.kind, w.namespace, w.name) for w in base.model.workloads), base.partition.class_index))
    head_refs = set()
    for w, h in zip(head.model.workloads, head.partition.class_index):
        key = (w.kind, w.namespace, w.name)
        head_refs.add(key)
        keyed.setdefault((base_class.get(key), h), []).append(w)
    for w, b in zip(base.model.workloads, base.partition.class_index):
        if (w.kind, w.namespace, w.name) not in head_refs:
            keyed.setdefault((b, None), []).append(w)
    return [_Group(b, h, tuple(ms)) for (b, h), ms in sorted(keyed.items(), key=lambda kv: kv[1][0].display)]


class _GroupRows:
    """One side's rows as {ports: mask over groups}, cached per engine row."""

    def __init__(self, conn: Connectivity, groups: Sequence[_Group], side: str) -> None:
        self.n = len(conn.classes)
        self.rows: dict[int, tuple[tuple[PortSet, int], ...]] = dict(conn.endpoint_rows())
        self.by_class: dict[int, int] = {}
        for g, group in enumerate(groups):
            cls = group.base if side == "base" else group.head
            if cls is not None:
                self.by_class[cls] = self.by_class.get(cls, 0) | (1 << g)
        self._cache: dict[int, dict[PortSet, int]] = {}

    def of(self, cls: int | None) -> dict[PortSet, int]:
        if cls is None:
            return {}
        row = self.rows[cls]
        key = id(row)
        cached = self._cache.get(key)
        if cached is None:
            cached = {}
            for ports, mask in row:
                gmask = 0
                for d in bits(mask):
                    if d < self.n:
                        gmask |= self.by_class.get(d, 0)
                if gmask:
                    cached[ports] = cached.get(ports, 0) | gmask
            self._cache[key] = cached
        return cached


def _port_at(row: Mapping[PortSet, int], g: int) -> PortSet:
    for ports, mask in row.items():
        if mask >> g & 1:
            return ports
    return _NONE


def workload_changes(base: Connectivity, head: Connectivity) -> Iterator[PairChange]:
    """Every ordered pair of different workloads whose allowed ports differ."""
    groups = _groups(base, head)
    brows, hrows = _GroupRows(base, groups, "base"), _GroupRows(head, groups, "head")
    pair_cache: dict[tuple[int, int], int] = {}
    for src in groups:
        b, h = brows.of(src.base), hrows.of(src.head)
        key = (id(b), id(h))
        changed = pair_cache.get(key)
        if changed is None:
            changed = 0
            for ports in b.keys() | h.keys():
                changed |= b.get(ports, 0) ^ h.get(ports, 0)
            pair_cache[key] = changed
        for g in bits(changed):
            bp, hp = _port_at(b, g), _port_at(h, g)
            for s in src.members:
                for d in groups[g].members:
                    if s is not d:
                        yield PairChange(s, d, bp, hp)


def external_changes(base: Connectivity, head: Connectivity) -> Iterator[PairChange]:
    """Changes between workloads and outside addresses, on the refined cut, both directions.

    A class's ports to (or from) every external piece form a vector; vectors are interned per
    side, so the refinement of a (base vector, head vector) pair is computed once, however
    many of the 10,000 groups share it (most share the unchanged ones, which yield nothing)."""
    pieces = {"base": _Pieces(base), "head": _Pieces(head)}
    refined: dict[tuple[int, int, bool], list[tuple[AddressRange, PortSet, PortSet]]] = {}
    for group in _groups(base, head):
        for egress in (True, False):
            vb = pieces["base"].vector(group.base, egress)
            vh = pieces["head"].vector(group.head, egress)
            key = (id(vb), id(vh), egress)
            changes = refined.get(key)
            if changes is None:
                changes = refined[key] = _refine(pieces["base"].pairs(vb), pieces["head"].pairs(vh))
            for rng, bp, hp in changes:
                for w in group.members:
                    yield PairChange(w, rng, bp, hp) if egress else PairChange(rng, w, bp, hp)


#: The vector of a workload absent on one side: no pieces at all.
_ABSENT: tuple[PortSet, ...] = ()


class _Pieces:
    """Per class, the ports to every external piece (egress) or from every piece (ingress),
    as interned tuples indexed like `conn.externals`."""

    def __init__(self, conn: Connectivity) -> None:
        self.conn = conn
        self.n = len(conn.classes)
        self.m = len(conn.externals)
        self.rows: dict[int, tuple[tuple[PortSet, int], ...]] = dict(conn.endpoint_rows())
        self._intern: dict[tuple[int, ...], tuple[PortSet, ...]] = {}
        self._canonical: dict[PortSet, PortSet] = {}
        self._egress: dict[int, tuple[PortSet, ...]] = {}
        self._ingress: list[tuple[PortSet, ...]] | None = None

    def pairs(self, vector: tuple[PortSet, ...]) -> list[tuple[AddressRange, PortSet]]:
        return list(zip(self.conn.externals, vector))

    def vector(self, cls: int | None, egress: bool) -> tuple[PortSet, ...]:
        if cls is None:
            return _ABSENT
        return self._egress_vector(cls) if egress else self._ingress_vectors()[cls]

    def _interned(self, vector: tuple[PortSet, ...]) -> tuple[PortSet, ...]:
        """Vectors of canonical port sets, keyed by identity (hashing 100+ port sets per
        vector would cost more than the comparison saves)."""
        return self._intern.setdefault(tuple(map(id, vector)), vector)

    def _port_set(self, ports: PortSet) -> PortSet:
        return self._canonical.setdefault(ports, ports)

    def _egress_vector(self, cls: int) -> tuple[PortSet, ...]:
        row = self.rows[cls]
        found = self._egress.get(id(row))
        if found is None:
            vec = [_NONE] * self.m
            for ports, mask in row:
                ports = self._port_set(ports)
                for j in bits(mask >> self.n):
                    vec[j] = ports
            found = self._egress[id(row)] = self._interned(tuple(vec))
        return found

    def _ingress_vectors(self) -> list[tuple[PortSet, ...]]:
        """Column `cls` of the external pieces' rows, for every class at once: the pieces
        share few distinct rows, so each class gets a short signature first."""
        if self._ingress is None:
            distinct: dict[int, int] = {}
            ext_rows = [self.rows[self.n + j] for j in range(self.m)]
            slot = [distinct.setdefault(id(r), len(distinct)) for r in ext_rows]
            sig = [[_NONE] * len(distinct) for _ in range(self.n)]
            done = set()
            for r in ext_rows:
                if id(r) in done:
                    continue
                done.add(id(r))
                k = distinct[id(r)]
                for ports, mask in r:
                    ports = self._port_set(ports)
                    for c in bits(mask & ((1 << self.n) - 1)):
                        sig[c][k] = ports
            by_sig: dict[tuple[int, ...], tuple[PortSet, ...]] = {}
            out = []
            for c in range(self.n):
                key = tuple(map(id, sig[c]))
                vec = by_sig.get(key)
                if vec is None:
                    vec = by_sig[key] = self._interned(tuple(sig[c][slot[j]] for j in range(self.m)))
                out.append(vec)
            self._ingress = out
        return self._ingress


def _refine(
    base: Sequence[tuple[AddressRange, PortSet]], head: Sequence[tuple[AddressRange, PortSet]]
) -> list[tuple[AddressRange, PortSet, PortSet]]:
    """Pieces of the common refinement where base and head ports differ, merged when adjacent
    pieces carry the same pair of port sets."""
    out: list[tuple[AddressRange, PortSet, PortSet]] = []
    for version in (4, 6):
        bs = sorted((r, p) for r, p in base if r.version == version)
        hs = sorted((r, p) for r, p in head if r.version == version)
        cuts = sorted({r.first_int for r, _ in bs} | {r.first_int for r, _ in hs}
                      | {r.last_int + 1 for r, _ in bs} | {r.last_int + 1 for r, _ in hs})
        current: tuple[int, int, PortSet, PortSet] | None = None
        for lo, nxt in zip(cuts, cuts[1:]):
            bp, hp = _lookup(bs, lo), _lookup(hs, lo)
            if current is not None and current[1] + 1 == lo and (current[2], current[3]) == (bp, hp):
                current = (current[0], nxt - 1, bp, hp)
                continue
            if current is not None and current[2] != current[3]:
                out.append((AddressRange(version, current[0], current[1]), current[2], current[3]))
            current = (lo, nxt - 1, bp, hp)
        if current is not None and current[2] != current[3]:
            out.append((AddressRange(version, current[0], current[1]), current[2], current[3]))
    return out


def _lookup(pieces: Sequence[tuple[AddressRange, PortSet]], value: int) -> PortSet:
    lo, hi = 0, len(pieces) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        rng = pieces[mid][0]
        if value < rng.first_int:
            hi = mid - 1
        elif value > rng.last_int:
            lo = mid + 1
        else:
            return pieces[mid][1]
    return _NONE
