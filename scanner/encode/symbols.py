"""Z3 variables of one encoding: the packet and two symbolic endpoints (source, destination).

Everything is a quantifier-free bit-vector: codes for the namespace and each label key (see
vocab.py), a class index (which workload class the endpoint is, or HYP for a pod that does not
exist yet), named-port numbers and protocols, and the addresses for ipBlock peers.
"""

from __future__ import annotations

from dataclasses import dataclass

import z3

from npaudit.encode.vocab import Vocabulary
from npaudit.model.types import PROTOCOLS, Protocol

PROTO_CODE: dict[Protocol, int] = {p: i for i, p in enumerate(PROTOCOLS)}
IPV_NONE, IPV4, IPV6 = 0, 1, 2


def width(max_value: int) -> int:
    """Bits needed for codes 0..max_value."""
    return max(1, int(max_value).bit_length())


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One side of a connection. `pod` false = an address outside the cluster (ipBlock only)."""

    name: str
    pod: z3.BoolRef
    cls: z3.BitVecRef
    ns: z3.BitVecRef
    ns_labels: dict[str, z3.BitVecRef]
    labels: dict[str, z3.BitVecRef]
    port_num: dict[str, z3.BitVecRef]  # 0 = the pod does not declare this port name
    port_proto: dict[str, z3.BitVecRef]
    ipv: z3.BitVecRef  # 0 = unknown address (pods from manifests), 1 = IPv4, 2 = IPv6
    ip4: z3.BitVecRef
    ip6: z3.BitVecRef


@dataclass(frozen=True, slots=True)
class Packet:
    proto: z3.BitVecRef  # PROTO_CODE
    port: z3.BitVecRef  # destination port 1..65535


def make_endpoint(name: str, vocab: Vocabulary, ctx: z3.Context) -> Endpoint:
    def bv(suffix: str, bits: int) -> z3.BitVecRef:
        return z3.BitVec(f"{name}.{suffix}", bits, ctx)

    return Endpoint(
        name=name,
        pod=z3.Bool(f"{name}.pod", ctx),
        cls=bv("cls", width(len(vocab.classes))),
        ns=bv("ns", width(vocab.other_ns)),
        ns_labels={k: bv(f"nsl[{k}]", width(len(v) + 1)) for k, v in vocab.ns_values.items()},
        labels={k: bv(f"l[{k}]", width(len(v) + 1)) for k, v in vocab.pod_values.items()},
        port_num={n: bv(f"port[{n}]", 16) for n in vocab.port_names},
        port_proto={n: bv(f"pproto[{n}]", 2) for n in vocab.port_names},
        ipv=bv("ipv", 2),
        ip4=bv("ip4", 32),
        ip6=bv("ip6", 128),
    )


def make_packet(ctx: z3.Context) -> Packet:
    return Packet(proto=z3.BitVec("pkt.proto", 2, ctx), port=z3.BitVec("pkt.port", 16, ctx))


def hyp_index(vocab: Vocabulary) -> int:
    """The class index of a pod that is not one of the repository's workloads."""
    return len(vocab.classes)
