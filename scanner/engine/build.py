"""The fast all-pairs computation behind `analyze` (see connectivity.py for the result type).

Per source endpoint, the allowed destinations are
    egress(src) ∩ ingress-columns(src)
where egress(src) maps each port token to the destinations the source's egress rules admit
(everything when the source is not egress-isolated), and ingress-columns(src) maps each port
token to the destinations whose ingress rules admit this source (plus every destination that
is not ingress-isolated). Sources with the same egress policies and the same set of ingress
peer masks share one computed row. Destinations of a row are split into blocks by which
tokens admit them, so port sets are computed once per block, never per pair.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from npaudit.algebra.ports import PortSet
from npaudit.engine.classes import Partition
from npaudit.engine.masks import MaskIndex, bits
from npaudit.engine.portspec import Named, Token, resolve, token_is_named
from npaudit.engine.portspec import token_of as _token_of
from npaudit.engine.types import HostNetwork
from npaudit.model.types import Direction, Model, Policy, Rule

TokenMasks = dict[Token, int]
Row = tuple[tuple[PortSet, int], ...]


@dataclass(frozen=True, slots=True)
class Tables:
    """Everything the result needs: one row per distinct source behaviour."""

    index: MaskIndex
    egress_isolated: int
    ingress_isolated: int
    host_network: int
    egress_maps: tuple[TokenMasks, ...]
    egress_of: tuple[int, ...]  # per class
    ingress_maps: tuple[TokenMasks, ...]
    ingress_of: tuple[int, ...]  # per endpoint (classes and externals)
    rows: tuple[Row, ...]
    row_of: tuple[int, ...]  # per endpoint
    groups: tuple[tuple[Named, int], ...]  # destination named-port groups and their masks


class Builder:
    def __init__(self, model: Model, part: Partition, mode: HostNetwork) -> None:
        self.model = model
        self.part = part
        self.idx = MaskIndex(model, part)
        self.mode = mode
        self.n, self.m = self.idx.n, self.idx.m
        self._resolved: dict[tuple[Token, Named], PortSet] = {}
        self._rule_tokens: dict[int, Token] = {}
        self._tokens: dict[Token, Token] = {}
        self._block_ports: dict[tuple[tuple[Token, ...], tuple[Token, ...], Named], PortSet] = {}
        groups: dict[Named, int] = defaultdict(int)
        for c in part.classes:
            groups[c.named_ports] |= 1 << c.id
        self.groups = (*groups.items(), (None, self.idx.externals_mask))
        self.host = 0
        if mode is HostNetwork.ALLOW:
            for c in part.classes:
                if c.host_network:
                    self.host |= 1 << c.id

    def token_of(self, rule: Rule) -> Token:
        """A rule's port token, one object per distinct port list (cheap dict keys)."""
        found = self._rule_tokens.get(id(rule))
        if found is None:
            token = _token_of(rule)
            found = self._rule_tokens[id(rule)] = self._tokens.setdefault(token, token)  # type: ignore[arg-type]
        return found

    def _policies(self, direction: Direction) -> list[tuple[Policy, int]]:
        out = []
        for p in self.model.policies:
            if direction in p.policy_types:
                out.append((p, self.idx.selected(p) & ~self.host))
        return out

    def egress(self) -> tuple[int, list[TokenMasks], list[int]]:
        """Group classes by the egress policies that select them; one token map per group."""
        policies = self._policies(Direction.EGRESS)
        sigs: list[list[int]] = [[] for _ in range(self.n)]
        isolated = 0
        for pi, (_, sel) in enumerate(policies):
            isolated |= sel
            for c in bits(sel):
                sigs[c].append(pi)
        maps, of = _grouped(sigs, lambda key: self._egress_map(policies, key))
        return isolated, maps, of

    def _egress_map(self, policies: list[tuple[Policy, int]], sig: tuple[int, ...]) -> TokenMasks:
        if not sig:
            return {None: self.idx.universe}  # not isolated for egress: everything
        out: TokenMasks = defaultdict(int)
        for pi in sig:
            policy = policies[pi][0]
            for rule in policy.rules(Direction.EGRESS):
                out[self.token_of(rule)] |= self.idx.peers(policy, rule.peers)
        return dict(out)

    def ingress(self) -> tuple[int, list[TokenMasks], list[int]]:
        """Transpose ingress rules: for each source, token -> destinations admitting it."""
        entries: dict[int, TokenMasks] = defaultdict(lambda: defaultdict(int))
        isolated = 0
        for policy, sel in self._policies(Direction.INGRESS):
            isolated |= sel
            for rule in policy.rules(Direction.INGRESS):
                entries[self.idx.peers(policy, rule.peers)][self.token_of(rule)] |= sel
        base: TokenMasks = defaultdict(int)
        base[None] = self.idx.universe & ~isolated  # destinations not isolated for ingress
        for tok, dst in entries.pop(self.idx.universe, {}).items():
            base[tok] |= dst
        peer_masks = list(entries)
        sigs: list[list[int]] = [[] for _ in range(self.n + self.m)]
        for j, pm in enumerate(peer_masks):
            for s in bits(pm):
                sigs[s].append(j)
        def merged(key: tuple[int, ...]) -> TokenMasks:
            out = defaultdict(int, base)
            for j in key:
                for tok, dst in entries[peer_masks[j]].items():
                    out[tok] |= dst
            return dict(out)

        maps, of = _grouped(sigs, merged)
        return isolated, maps, of

    def resolve(self, token: Token, named: Named) -> PortSet:
        key = (token, named)
        found = self._resolved.get(key)
        if found is None:
            found = self._resolved[key] = resolve(token, named)
        return found

    @staticmethod
    def resolve_static(token: Token, named: Named) -> PortSet:
        return resolve(token, named)

    def _ports(self, es: tuple[Token, ...], ins: tuple[Token, ...], named: Named) -> PortSet:
        key = (es, ins, named)
        found = self._block_ports.get(key)
        if found is None:
            eg = PortSet.empty()
            for tok in es:
                eg = eg | self.resolve(tok, named)
            ing = PortSet.empty()
            for tok in ins:
                ing = ing | self.resolve(tok, named)
            found = self._block_ports[key] = eg & ing
        return found

    def row(self, em: TokenMasks, ic: TokenMasks) -> Row:
        """Split the destinations into blocks with the same admitting tokens on both sides."""
        blocks: list[tuple[int, tuple[Token, ...], tuple[Token, ...]]] = [(self.idx.universe, (), ())]
        for tok, mask in em.items():
            blocks = [
                part
                for b, es, ins in blocks
                for part in ((b & mask, (*es, tok), ins), (b & ~mask, es, ins))
                if part[0]
            ]
        blocks = [(b, es, ins) for b, es, ins in blocks if es]  # egress admits nothing there
        for tok, mask in ic.items():
            blocks = [
                part
                for b, es, ins in blocks
                for part in ((b & mask, es, (*ins, tok)), (b & ~mask, es, ins))
                if part[0]
            ]
        named = any(token_is_named(t) for t in (*em, *ic))
        out: dict[PortSet, int] = defaultdict(int)
        groups = self.groups if named else (((), self.idx.universe),)
        for b, es, ins in blocks:
            if not ins:
                continue
            for group, gmask in groups:
                if b & gmask:
                    ports = self._ports(es, ins, group)
                    if ports:
                        out[ports] |= b & gmask
        return tuple(out.items())

    def tables(self) -> Tables:
        eg_iso, eg_maps, eg_of = self.egress()
        in_iso, in_maps, in_of = self.ingress()
        all_ext: TokenMasks = {None: self.idx.universe}  # outside the cluster: no egress policy
        rows: list[Row] = []
        seen: dict[tuple[int, int, str], int] = {}
        row_of = []
        for s in range(self.n + self.m):
            kind = "ext" if s >= self.n else ("host" if self.host >> s & 1 else "pod")
            key = (eg_of[s] if s < self.n else -1, in_of[s], kind)
            if key not in seen:
                seen[key] = len(rows)
                em = eg_maps[eg_of[s]] if s < self.n else all_ext
                rows.append(self._finish(self.row(em, in_maps[in_of[s]]), kind))
            row_of.append(seen[key])
        return Tables(
            self.idx, eg_iso, in_iso, self.host, tuple(eg_maps), tuple(eg_of), tuple(in_maps),
            tuple(in_of), tuple(rows), tuple(row_of), self.groups,
        )

    def _finish(self, row: Row, kind: str) -> Row:
        """Traffic between two external addresses is not listed; hostNetwork pods (ALLOW mode)
        are outside enforcement, so everything to and from them is reported as allowed."""
        if kind == "host":
            return ((PortSet.all(), self.idx.universe),)
        keep = ~self.host & (self.idx.classes_mask if kind == "ext" else self.idx.universe)
        out: dict[PortSet, int] = defaultdict(int)
        for ports, mask in row:
            if mask & keep:
                out[ports] |= mask & keep
        if self.host:
            out[PortSet.all()] |= self.host
        return tuple(out.items())


def _grouped(sigs: list[list[int]], make: Callable[[tuple[int, ...]], TokenMasks]) -> tuple[list[TokenMasks], list[int]]:
    """Members with the same signature share one token map: the maps (one per distinct
    signature, built by `make`) and, per member, the index of its map."""
    groups: dict[tuple[int, ...], int] = {}
    maps: list[TokenMasks] = []
    of = []
    for sig in sigs:
        key = tuple(sig)
        if key not in groups:
            groups[key] = len(maps)
            maps.append(make(key))
        of.append(groups[key])
    return maps, of
