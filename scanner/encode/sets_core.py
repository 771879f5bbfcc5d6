"""Proof evidence for the set engine: which policies (and rules) alone make a workloads-scope
reach property hold.

Same meaning as the Z3 path's minimised unsat core over guard literals: a set of guards such
that, with those guards on and every other policy and rule free (absent or present, whichever
breaks the property), the property still holds. Free policies can isolate a pod (which only
helps deny-reach and can break must-reach) and free rules can add allowances (which only
breaks deny-reach), so:

- deny-reach, per (source, destination): the chosen policies isolate the source's egress and
  its egress admits nothing inside the property's ports even with every rule on, or the same
  for the destination's ingress, or they isolate both sides (the model denies the rest);
- must-reach, per side that some policy isolates: with some chosen policy selecting the side,
  the chosen rules of the chosen policies admit every required port; with none, the chosen
  rules of each selecting policy do on their own (a free policy present with its free rules
  absent would block the rest).

The set is minimised by deletion in guard order (policy, then its rules), so it is minimal
and deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from npaudit.algebra.ports import PortSet
from npaudit.encode.outcome import RuleRef
from npaudit.engine.build import Builder
from npaudit.model.types import Direction, Policy

if TYPE_CHECKING:
    from npaudit.encode.sets import Question, SetReach

Guard = tuple[int, int, str, int]  # (policy index, 0 policy / 1 rule, direction, rule index)


def enforcing(sr: SetReach, q: Question) -> tuple[Policy | RuleRef, ...]:
    index = {id(p): k for k, p in enumerate(sr.model.policies)}
    chosen = _must(sr, q, index) if q.must else _deny(sr, q, index)
    out: list[Policy | RuleRef] = []
    for k, kind, direction, ri in chosen:
        pol = sr.model.policies[k]
        if kind == 0:
            out.append(pol)
        else:
            d = Direction(direction)
            out.append(RuleRef(pol, next(r for r in pol.rules(d) if r.index == ri)))
    return tuple(out)


def _minimise(candidates: Iterable[Guard], holds: Callable[[set[Guard], Guard], bool]) -> list[Guard]:
    """Deletion in guard order: drop a guard when the rest still keeps the property.
    `holds(core, dropped)` checks `core` (which no longer holds `dropped`)."""
    core = set(candidates)
    for g in sorted(core):
        core.discard(g)
        if not holds(core, g):
            core.add(g)
    return sorted(core)


def _hits(token_masks: dict, groups: tuple, ports: PortSet) -> int:  # type: ignore[type-arg]
    """Destinations one side's token masks admit on some of `ports`."""
    out = 0
    for token, mask in token_masks.items():
        for named, gmask in groups:
            if mask & gmask and Builder.resolve_static(token, named) & ports:
                out |= mask & gmask
    return out


def _deny(sr: SetReach, q: Question, index: dict[int, int]) -> list[Guard]:
    t = sr.conn._t  # noqa: SLF001 - the engine's per-side token masks
    dmask = sr.dst_mask(q)
    ingress_sel: dict[int, int] = {}  # policy -> destination classes it isolates for ingress
    for j in q.dst:
        for p in sr.selecting(sr.vocab.classes[j].workloads[0], Direction.INGRESS):
            ingress_sel[index[id(p)]] = ingress_sel.get(index[id(p)], 0) | 1 << sr.engine_of[j]
    behaviours: dict[tuple[object, ...], tuple[frozenset[int], int, int]] = {}
    for i in q.src:
        e = sr.engine_of[i]
        es = frozenset(index[id(p)] for p in sr.selecting(sr.vocab.classes[i].workloads[0], Direction.EGRESS))
        key = (t.egress_of[e], t.ingress_of[e], es)
        if key not in behaviours:
            eh = _hits(t.egress_maps[t.egress_of[e]], t.groups, q.ports)
            ih = _hits(t.ingress_maps[t.ingress_of[e]], t.groups, q.ports)
            behaviours[key] = (es, dmask & ~eh, dmask & ~ih)
    rows = list(behaviours.values())
    by_policy: dict[int, list[int]] = {}
    for n, (es, _, _) in enumerate(rows):
        for k in es:
            by_policy.setdefault(k, []).append(n)

    def holds(core: set[Guard], dropped: Guard) -> bool:
        iso_in = 0
        for g in core:
            iso_in |= ingress_sel.get(g[0], 0)
        todo = range(len(rows)) if dropped[0] in ingress_sel else by_policy.get(dropped[0], ())
        keys = {g[0] for g in core}
        for n in todo:
            es, eb, ib = rows[n]
            ok = (eb | iso_in) if es & keys else (iso_in & ib)
            if dmask & ~ok:
                return False
        return True

    candidates = {(k, 0, "", 0) for k in (*ingress_sel, *by_policy)}
    return _minimise(candidates, holds)


def _rule_items(sr: SetReach, policies: tuple[Policy, ...], direction: Direction, peer: object, dst_engine: int,
                dst: object, ports: PortSet, index: dict[int, int]) -> tuple[tuple[Guard, Guard, PortSet], ...]:
    from npaudit.engine.reference import peer_matches

    out = []
    for p in policies:
        k = index[id(p)]
        for r in p.rules(direction):
            if r.peers and not any(peer_matches(sr.model, p, x, peer) for x in r.peers):  # type: ignore[arg-type]
                continue
            got = sr.rule_ports(r, dst_engine) & ports
            if got:
                out.append(((k, 0, "", 0), (k, 1, direction.value, r.index), got))
    return tuple(out)


def _must(sr: SetReach, q: Question, index: dict[int, int]) -> list[Guard]:
    # per isolated side: (the selecting policies, their rules admitting the connection)
    constraints: dict[tuple[object, ...], tuple[tuple[int, ...], tuple[tuple[Guard, Guard, PortSet], ...]]] = {}
    selecting: dict[tuple[int, Direction], tuple[Policy, ...]] = {}

    def policies(cls: int, direction: Direction) -> tuple[Policy, ...]:
        key = (sr.engine_of[cls], direction)
        if key not in selecting:
            selecting[key] = sr.selecting(sr.vocab.classes[cls].workloads[0], direction)
        return selecting[key]

    for i in q.src:
        s = sr.vocab.classes[i].workloads[0]
        for j in q.dst:
            d = sr.vocab.classes[j].workloads[0]
            for direction, subject, peer, other in ((Direction.EGRESS, i, d, j), (Direction.INGRESS, j, s, i)):
                pols = policies(subject, direction)
                ids = tuple(index[id(p)] for p in pols)
                key = (direction, ids, sr.engine_of[other], sr.engine_of[j])
                if pols and key not in constraints:
                    constraints[key] = (ids, _rule_items(sr, pols, direction, peer, sr.engine_of[j], d, q.ports, index))
    rows = list(constraints.values())
    by_guard: dict[Guard, list[int]] = {}
    for n, (ids, items) in enumerate(rows):
        for k in ids:
            by_guard.setdefault((k, 0, "", 0), []).append(n)
        for _, rg, _ in items:
            by_guard.setdefault(rg, []).append(n)

    def side_holds(core: set[Guard], ids: tuple[int, ...], items: tuple[tuple[Guard, Guard, PortSet], ...]) -> bool:
        # a free policy may be absent (its rules then admit nothing, but it isolates nothing
        # either) or present with its free rules absent: with some chosen policy on, the
        # chosen rules of the chosen policies must admit everything; with none, the chosen
        # rules of each selecting policy alone must
        admitted = {k: PortSet.empty() for k in ids}
        for pg, rg, ports in items:
            if rg in core:
                admitted[pg[0]] = admitted[pg[0]] | ports
        on = [k for k in ids if (k, 0, "", 0) in core]
        if on:
            got = PortSet.empty()
            for k in on:
                got = got | admitted[k]
            return q.ports.issubset(got)
        return all(q.ports.issubset(admitted[k]) for k in ids)

    def holds(core: set[Guard], dropped: Guard) -> bool:
        return all(side_holds(core, *rows[n]) for n in by_guard.get(dropped, ()))

    return _minimise(by_guard, holds)
