"""Domain constraints: which values the endpoint variables may take, and the table that ties a
workload class index to its namespace, labels, named ports and addresses.

The class table is written as ranges of consecutive class indices that share a value
(classes are sorted by namespace, so a namespace is one range and a key absent from most
workloads is a few ranges): far fewer terms than one equation per class and key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import z3

from npaudit.encode.symbols import IPV4, IPV6, IPV_NONE, PROTO_CODE, Endpoint, Packet, hyp_index
from npaudit.encode.vocab import PodClass, Vocabulary
from npaudit.model.types import NAMESPACE_NAME_LABEL


def _runs(values: Sequence[int]) -> Iterator[tuple[int, int, int]]:
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            yield start, i - 1, values[start]
            start = i


def _in_range(cls: z3.BitVecRef, lo: int, hi: int) -> z3.BoolRef:
    if lo == hi:
        return cls == lo
    return z3.And(z3.ULE(lo, cls), z3.ULE(cls, hi))


def _table(cls: z3.BitVecRef, var: z3.BitVecRef, values: Sequence[int]) -> list[z3.BoolRef]:
    return [z3.Implies(_in_range(cls, lo, hi), var == v) for lo, hi, v in _runs(values)]


def class_table(e: Endpoint, vocab: Vocabulary) -> list[z3.BoolRef]:
    classes = vocab.classes
    if not classes:
        return []
    out = _table(e.cls, e.ns, [vocab.ns_code(c.namespace) for c in classes])
    for key in vocab.pod_values:
        out += _table(e.cls, e.labels[key], [vocab.pod_code(key, dict(c.labels).get(key)) for c in classes])
    for name in vocab.port_names:
        num: Callable[[PodClass], int] = lambda c: next((p for n, p, _ in c.named_ports if n == name), 0)
        proto: Callable[[PodClass], int] = lambda c: next(
            (PROTO_CODE[pr] for n, _, pr in c.named_ports if n == name), 0
        )
        out += _table(e.cls, e.port_num[name], [num(c) for c in classes])
        out += _table(e.cls, e.port_proto[name], [proto(c) for c in classes])
    out += [z3.Implies(e.cls == i, _address_of(e, c)) for i, c in enumerate(classes) if c.ips]
    # pods known only from manifests have no known address: ipBlocks never match them
    marks = [0 if c.ips else 1 for c in classes]
    out += [z3.Implies(_in_range(e.cls, lo, hi), e.ipv == IPV_NONE) for lo, hi, v in _runs(marks) if v]
    return out


def _address_of(e: Endpoint, c: PodClass) -> z3.BoolRef:
    """A pod of a cluster snapshot has one of its recorded addresses."""
    options = [
        z3.And(e.ipv == IPV4, e.ip4 == int(a)) if a.version == 4 else z3.And(e.ipv == IPV6, e.ip6 == int(a))
        for a in c.ips
    ]
    return z3.Or(options)


def endpoint_domain(e: Endpoint, vocab: Vocabulary) -> list[z3.BoolRef]:
    hyp = hyp_index(vocab)
    out: list[z3.BoolRef] = [
        z3.ULE(e.cls, hyp),
        z3.ULE(e.ns, vocab.other_ns),
        z3.ULE(e.ipv, IPV6),
        # an address outside the cluster always has an address family
        z3.Implies(z3.Not(e.pod), e.ipv != IPV_NONE),
        # manifests do not say which address a future pod gets: ipBlocks never match it
        z3.Implies(z3.And(e.pod, e.cls == hyp), e.ipv == IPV_NONE),
    ]
    out += [z3.ULE(v, len(vocab.pod_values[k]) + 1) for k, v in e.labels.items()]
    out += [z3.ULE(v, len(vocab.ns_values[k]) + 1) for k, v in e.ns_labels.items()]
    out += [z3.ULE(v, 2) for v in e.port_proto.values()]
    out += _other_namespace(e, vocab)
    out += class_table(e, vocab)
    return out


def _other_namespace(e: Endpoint, vocab: Vocabulary) -> list[z3.BoolRef]:
    """A namespace not in the repository still has a name (the API server's label), and that
    name is none of the known namespaces' names."""
    name = e.ns_labels[NAMESPACE_NAME_LABEL]
    known = [vocab.ns_label_code(NAMESPACE_NAME_LABEL, n) for n in vocab.namespaces]
    return [z3.Implies(e.ns == vocab.other_ns, z3.And(name != 0, *[name != k for k in known]))]


def packet_domain(p: Packet) -> list[z3.BoolRef]:
    return [z3.ULE(p.proto, 2), p.port != 0]
