"""Selectors, peers and ports -> formulas over one endpoint (hash-consed).

Selector formulas are cached by (selector content, endpoint): many policies share selectors,
and building Python z3 terms is the dominant cost of an encoding.
"""

from __future__ import annotations

from collections.abc import Sequence

import z3

from npaudit.encode.symbols import IPV4, IPV6, PROTO_CODE, Endpoint, Packet
from npaudit.encode.vocab import Vocabulary
from npaudit.model.selectors import matches
from npaudit.model.types import IPBlock, IPNetwork, LabelSelector, Operator, Peer, PortSpec, Requirement


class VocabularyGap(KeyError):
    """A selector mentions a key or value the vocabulary lacks (the prover rebuilds)."""


class Compiler:
    def __init__(self, vocab: Vocabulary, ctx: z3.Context) -> None:
        self.vocab = vocab
        self.ctx = ctx
        self.true = z3.BoolVal(True, ctx)
        self.false = z3.BoolVal(False, ctx)
        self._pod: dict[tuple[LabelSelector, str], z3.BoolRef] = {}
        self._ns: dict[tuple[LabelSelector, str], z3.BoolRef] = {}
        self._ip: dict[tuple[IPBlock, str], z3.BoolRef] = {}

    def and_(self, terms: Sequence[z3.BoolRef]) -> z3.BoolRef:
        terms = [t for t in terms if not z3.is_true(t)]
        if any(z3.is_false(t) for t in terms):
            return self.false
        return terms[0] if len(terms) == 1 else (z3.And(terms) if terms else self.true)

    def or_(self, terms: Sequence[z3.BoolRef]) -> z3.BoolRef:
        terms = [t for t in terms if not z3.is_false(t)]
        if any(z3.is_true(t) for t in terms):
            return self.true
        return terms[0] if len(terms) == 1 else (z3.Or(terms) if terms else self.false)

    # -- label selectors -------------------------------------------------------------------
    def _atom(self, var: z3.BitVecRef, values: tuple[str, ...], req: Requirement) -> z3.BoolRef:
        if req.operator is Operator.EXISTS:
            return var != 0
        if req.operator is Operator.DOES_NOT_EXIST:
            return var == 0
        missing = [v for v in req.values if v not in values]
        if missing:
            raise VocabularyGap(f"{req.key}={missing[0]}")
        codes = [values.index(v) + 1 for v in req.values]
        if req.operator is Operator.IN:
            return self.or_([var == c for c in codes])
        # NotIn holds when the key is absent too (code 0 is not among the codes)
        return self.and_([var != c for c in codes])

    def _symbolic(self, sel: LabelSelector, vars_: dict[str, z3.BitVecRef], values: dict[str, tuple[str, ...]]) -> z3.BoolRef:
        atoms = []
        for req in sel.requirements:
            if req.key not in vars_:
                raise VocabularyGap(req.key)
            atoms.append(self._atom(vars_[req.key], values[req.key], req))
        return self.and_(atoms)

    def pod_selector(self, sel: LabelSelector | None, e: Endpoint) -> z3.BoolRef:
        """The endpoint's pod labels satisfy `sel` (None or empty = every pod)."""
        if sel is None or sel.matches_all:
            return self.true
        key = (sel, e.name)
        if key not in self._pod:
            self._pod[key] = self._symbolic(sel, e.labels, dict(self.vocab.pod_values))
        return self._pod[key]

    def in_namespace(self, namespace: str, e: Endpoint) -> z3.BoolRef:
        return e.ns == self.vocab.ns_code(namespace)

    def namespace_selector(self, sel: LabelSelector, e: Endpoint) -> z3.BoolRef:
        """The endpoint's namespace matches `sel`: decided concretely for the namespaces in the
        repository, symbolically (namespace label codes) for a namespace that is not."""
        key = (sel, e.name)
        if key not in self._ns:
            known = [
                e.ns == i
                for i, name in enumerate(self.vocab.namespaces)
                if matches(sel, self.vocab.namespace_labels[name])
            ]
            other = self._symbolic(sel, e.ns_labels, dict(self.vocab.ns_values))
            self._ns[key] = self.or_([*known, self.and_([e.ns == self.vocab.other_ns, other])])
        return self._ns[key]

    # -- peers -----------------------------------------------------------------------------
    def ip_block(self, block: IPBlock, e: Endpoint) -> z3.BoolRef:
        key = (block, e.name)
        if key not in self._ip:
            inside = self._cidr(block.cidr, e)
            outs = [z3.Not(self._cidr(x, e)) for x in block.excepts if x.version == block.cidr.version]
            self._ip[key] = self.and_([inside, *outs])
        return self._ip[key]

    def _cidr(self, net: IPNetwork, e: Endpoint) -> z3.BoolRef:
        ip, fam = (e.ip4, IPV4) if net.version == 4 else (e.ip6, IPV6)
        if net.prefixlen == 0:
            return e.ipv == fam
        mask = int(net.netmask)
        return z3.And(e.ipv == fam, (ip & mask) == int(net.network_address))

    def peer(self, peer: Peer, policy_namespace: str, e: Endpoint) -> z3.BoolRef:
        """One `from`/`to` entry matched against the other end of the connection."""
        if peer.ip_block is not None:
            return self.ip_block(peer.ip_block, e)
        if peer.namespace_selector is None:
            # a peer with only podSelector: pods in the policy's own namespace
            ns = self.in_namespace(policy_namespace, e)
        else:
            ns = self.namespace_selector(peer.namespace_selector, e)
        return self.and_([e.pod, ns, self.pod_selector(peer.pod_selector, e)])

    # -- ports -----------------------------------------------------------------------------
    def port_spec(self, spec: PortSpec, dst: Endpoint, pkt: Packet) -> z3.BoolRef:
        proto = PROTO_CODE[spec.protocol]
        same_proto = pkt.proto == proto
        if spec.port is None:
            return same_proto  # every port of that protocol
        if isinstance(spec.port, str):
            # named port: resolved on the destination pod (name and protocol must both match);
            # an address outside the cluster has no container ports
            if spec.port not in dst.port_num:
                raise VocabularyGap(spec.port)
            num, pproto = dst.port_num[spec.port], dst.port_proto[spec.port]
            return z3.And(same_proto, dst.pod, num != 0, pproto == proto, num == pkt.port)
        if spec.end_port is None:
            return z3.And(same_proto, pkt.port == spec.port)
        return z3.And(same_proto, z3.ULE(spec.port, pkt.port), z3.ULE(pkt.port, spec.end_port))

    def ports(self, specs: Sequence[PortSpec], dst: Endpoint, pkt: Packet) -> z3.BoolRef:
        if not specs:
            return self.true  # no ports: all ports of all protocols
        return self.or_([self.port_spec(s, dst, pkt) for s in specs])
