"""Connectivity flows in netpol-analyzer's line order (byte order of the source name, then of
the destination name), computed on flow groups instead of flow by flow.

A map at 10,000 workloads has ~2 million flows but only ~10,000 endpoints and a few hundred
distinct port sets: every name and port text is computed once per object, the sources are
sorted once, and each group's destination list is sorted once and shared by every workload of
the group's class. Nothing here changes which flows are listed or their text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import NamedTuple

from npaudit.algebra.addresses import AddressRange
from npaudit.algebra.ports import PortSet
from npaudit.engine.connectivity import Flow, FlowGroup
from npaudit.engine.types import endpoint_name
from npaudit.model.types import Workload

End = Workload | AddressRange


class Row(NamedTuple):
    """One flow with its rendered parts: `src => dst : conn`."""

    src: str
    dst: str
    conn: str
    src_end: End
    dst_end: End
    ports: PortSet


class _Target(NamedTuple):
    end: End
    name: str
    conn: str
    ports: PortSet


def as_groups(items: Iterable[Flow] | Iterable[FlowGroup]) -> list[FlowGroup]:
    """Flow groups as they are, or each flow as a group of one."""
    return [i if isinstance(i, FlowGroup) else FlowGroup((i.src,), ((i.dst, i.ports),)) for i in items]


class FlowOrder:
    """The flows of some groups, sorted. A workload's flows to itself are never listed."""

    def __init__(self, items: Iterable[Flow] | Iterable[FlowGroup]) -> None:
        self._groups = as_groups(items)
        names: dict[int, str] = {}
        conns: dict[int, str] = {}
        seen: set[int] = set()
        for g in self._groups:
            for e in g.sources:
                if id(e) not in names:
                    names[id(e)] = endpoint_name(e)
            if id(g.targets) in seen:
                continue
            seen.add(id(g.targets))
            for e, ports in g.targets:
                if id(e) not in names:
                    names[id(e)] = endpoint_name(e)
                if id(ports) not in conns:
                    conns[id(ports)] = str(ports)
        self._names, self._conns = names, conns
        by_name = {n: i for i, n in enumerate(sorted(set(self._names.values()), key=str.encode))}
        self._rank = {k: by_name[n] for k, n in self._names.items()}
        self._sorted: dict[int, list[_Target]] = {}
        self._text: dict[int, list[tuple[End, str]]] = {}

    def _runs(self) -> Iterator[list[tuple[End, tuple[tuple[End, PortSet], ...]]]]:
        """(source, targets) entries in source-name order; entries of one name together."""
        rank = self._rank
        entries = [(s, g.targets) for g in self._groups for s in g.sources]
        entries.sort(key=lambda e: rank[id(e[0])])
        run: list[tuple[End, tuple[tuple[End, PortSet], ...]]] = []
        for entry in entries:
            if run and rank[id(run[0][0])] != rank[id(entry[0])]:
                yield run
                run = []
            run.append(entry)
        if run:
            yield run

    def _sorted_targets(self, targets: tuple[tuple[End, PortSet], ...], keep: bool = True) -> list[_Target]:
        found = self._sorted.get(id(targets))
        if found is None:
            rank, names, conns = self._rank, self._names, self._conns
            found = [_Target(e, names[id(e)], conns[id(p)], p) for e, p in targets]
            found.sort(key=lambda t: rank[id(t.end)])
            if keep:
                self._sorted[id(targets)] = found
        return found

    def _merged(self, run: list[tuple[End, tuple[tuple[End, PortSet], ...]]]) -> Iterator[tuple[End, list[_Target]]]:
        """One source name: its targets in destination order (stable across entries)."""
        if len(run) == 1:
            src, targets = run[0]
            yield src, [t for t in self._sorted_targets(targets) if t.end is not src]
            return
        merged = [(src, t) for src, targets in run for t in self._sorted_targets(targets) if t.end is not src]
        merged.sort(key=lambda st: self._rank[id(st[1].end)])
        for src, t in merged:
            yield src, [t]

    def rows(self) -> Iterator[Row]:
        for run in self._runs():
            for src, targets in self._merged(run):
                name = self._names[id(src)]
                for t in targets:
                    yield Row(name, t.name, t.conn, src, t.end, t.ports)

    def txt(self) -> str:
        """The `src => dst : conn` lines (one string; per source a single join)."""
        parts: list[str] = []
        for run in self._runs():
            if len(run) > 1:
                parts.extend(f"{r.src} => {r.dst} : {r.conn}\n" for r in self._run_rows(run))
                continue
            src, targets = run[0]
            suffixes = [text for end, text in self._suffixes(targets) if end is not src]
            if suffixes:
                name = self._names[id(src)]
                parts.append(name + name.join(suffixes))
        return "".join(parts)

    def _run_rows(self, run: list[tuple[End, tuple[tuple[End, PortSet], ...]]]) -> Iterator[Row]:
        for src, targets in self._merged(run):
            for t in targets:
                yield Row(self._names[id(src)], t.name, t.conn, src, t.end, t.ports)

    def _suffixes(self, targets: tuple[tuple[End, PortSet], ...]) -> list[tuple[End, str]]:
        found = self._text.get(id(targets))
        if found is None:
            rank, names, conns = self._rank, self._names, self._conns
            ranked = [(rank[id(e)], e, p) for e, p in targets]
            ranked.sort(key=_first)  # stable: equal names keep their order
            found = self._text[id(targets)] = [(e, f" => {names[id(e)]} : {conns[id(p)]}\n") for _, e, p in ranked]
        return found


def _first(item: tuple[int, object, object]) -> int:
    return item[0]
