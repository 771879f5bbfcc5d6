"""New access between two revisions, for any pod that could exist (Zelkova-style).

One z3 context holds both revisions' connection formulas over the same endpoint and packet
variables, with one vocabulary covering both sides' selectors; the query is
`allowed_head ∧ ¬allowed_base`. Every model of it is generalised into a *cube* (a conjunction of
namespace, label, named-port, address and port constraints) that lies wholly inside the
difference (checked: `cube ∧ ¬new` is unsatisfiable), then blocked, until no model is left
(the difference is exactly the union of the cubes) or the cap is reached.

Namespace labels are taken per revision (a label change on a Namespace is a policy-relevant
change); workload classes come from head (a pod that could exist has free labels anyway).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import z3

from npaudit.diff.types import AnyPodDiff, Cube
from npaudit.encode.compile import Compiler
from npaudit.encode.domain import endpoint_domain, packet_domain
from npaudit.encode.formula import Formula
from npaudit.encode.solver import SolverSettings, Status, check, make_solver
from npaudit.encode.symbols import PROTO_CODE, Endpoint, make_endpoint, make_packet
from npaudit.encode.vocab import Vocabulary, build_vocabulary
from npaudit.model.types import Direction, Model

_PROTO_NAME = {code: p.value for p, code in PROTO_CODE.items()}


@dataclass(frozen=True, slots=True)
class _Lit:
    """One constraint of a cube: `term` over the variable `var` (for display)."""

    group: str  # e.g. "src.labels"; a whole group is dropped first
    var: z3.ExprRef
    term: z3.BoolRef
    value: int
    hi: int | None = None  # interval literals: [value, hi]
    codes: tuple[int, ...] = ()  # set literals (label and namespace codes): var in codes


def _merged(base: Model, head: Model) -> Model:
    """Everything both sides' selectors and workloads mention, for one shared vocabulary."""
    workloads = {w.ref: w for w in base.workloads}
    workloads.update({w.ref: w for w in head.workloads})
    return Model(
        namespaces={**dict(base.namespaces), **dict(head.namespaces)},
        workloads=tuple(workloads.values()),
        policies=(*base.policies, *head.policies),
    )


class _Query:
    def __init__(self, base: Model, head: Model, settings: SolverSettings) -> None:
        self.vocab = build_vocabulary(_merged(base, head))
        base_vocab = replace(
            self.vocab, namespace_labels={n: dict(base.namespace_labels(n)) for n in self.vocab.namespaces}
        )
        self.ctx = z3.Context()
        self.src = make_endpoint("src", self.vocab, self.ctx)
        self.dst = make_endpoint("dst", self.vocab, self.ctx)
        self.pkt = make_packet(self.ctx)
        fh = Formula(head.policies, Compiler(self.vocab, self.ctx), self.src, self.dst, self.pkt)
        fb = Formula(base.policies, Compiler(base_vocab, self.ctx), self.src, self.dst, self.pkt)
        self.solver = make_solver(self.ctx, settings)
        self.solver.add(*endpoint_domain(self.src, self.vocab), *endpoint_domain(self.dst, self.vocab),
                        *packet_domain(self.pkt))
        self.new = z3.Bool("new_access", self.ctx)
        self.solver.add(self.new == z3.And(_allowed(fh), z3.Not(_allowed(fb))))
        self.guards = [*fh.guards(), *fb.guards()]

    def check(self, *terms: z3.BoolRef) -> tuple[Status, str]:
        return check(self.solver, [*terms, *self.guards])

    def inside(self, lits: Sequence[_Lit]) -> bool:
        """The cube lies wholly inside the new access (unknown counts as no)."""
        return self.check(z3.Not(self.new), *(lit.term for lit in lits))[0] is Status.UNSAT


def _allowed(f: Formula) -> z3.BoolRef:
    return z3.And(f.ok(Direction.EGRESS), f.ok(Direction.INGRESS))


def new_access(
    base: Model, head: Model, settings: Mapping[str, Any] | None = None, *, limit: int = 20, count_limit: int = 100
) -> AnyPodDiff:
    """Cubes of connections head allows and base does not, for any pods (and outside addresses).
    The first `limit` are returned; enumeration stops after `count_limit` (`capped`)."""
    q = _Query(base, head, SolverSettings.from_config(settings or {}))
    cubes: list[Cube] = []
    blocks: list[z3.BoolRef] = []
    while True:
        status, reason = q.check(q.new, *blocks)
        if status is Status.UNKNOWN:
            return AnyPodDiff("unknown", tuple(cubes[:limit]), len(cubes), False, reason)
        if status is Status.UNSAT:
            return AnyPodDiff("none" if not cubes else "found", tuple(cubes[:limit]), len(cubes), False)
        if len(cubes) >= count_limit:
            return AnyPodDiff("found", tuple(cubes[:limit]), len(cubes), True)
        lits = _generalise(q, _point(q, q.solver.model()))
        cubes.append(_describe(q.vocab, lits))
        blocks.append(z3.Not(z3.And([lit.term for lit in lits])) if lits else z3.BoolVal(False, q.ctx))


# --- a model point as literals ----------------------------------------------------------------


def _value(model: z3.ModelRef, var: z3.ExprRef) -> int:
    got = model.eval(var, model_completion=True)
    return 1 if z3.is_true(got) else 0 if z3.is_false(got) else got.as_long()  # type: ignore[attr-defined]


def _eq(group: str, var: z3.ExprRef, value: int) -> _Lit:
    term = var == (z3.BoolVal(bool(value), var.ctx) if z3.is_bool(var) else value)
    return _Lit(group, var, term, value)


def _point(q: _Query, model: z3.ModelRef) -> list[_Lit]:
    lits: list[_Lit] = []
    for e in (q.src, q.dst):
        lits += _endpoint_point(q, e, model)
    lits.append(_eq("pkt.proto", q.pkt.proto, _value(model, q.pkt.proto)))
    port = _value(model, q.pkt.port)
    lits.append(_interval("pkt.port", q.pkt.port, port, port))
    return lits


def _endpoint_point(q: _Query, e: Endpoint, model: z3.ModelRef) -> list[_Lit]:
    name = e.name
    is_pod = _value(model, e.pod)
    out = [_eq(f"{name}.pod", e.pod, is_pod)]
    if not is_pod:
        ipv = _value(model, e.ipv)
        var = e.ip4 if ipv == 1 else e.ip6
        out.append(_eq(f"{name}.ipv", e.ipv, ipv))
        addr = _value(model, var)
        out.append(_interval(f"{name}.ip", var, addr, addr))
        return out
    ns = _value(model, e.ns)
    out.append(_eq(f"{name}.ns", e.ns, ns))
    if ns == q.vocab.other_ns:
        out += [_eq(f"{name}.nslabels", v, _value(model, v)) for v in e.ns_labels.values()]
    out += [_eq(f"{name}.labels", v, _value(model, v)) for v in e.labels.values()]
    for n in e.port_num:
        out += [_eq(f"{name}.ports", e.port_num[n], _value(model, e.port_num[n])),
                _eq(f"{name}.ports", e.port_proto[n], _value(model, e.port_proto[n]))]
    out.append(_eq(f"{name}.cls", e.cls, _value(model, e.cls)))
    return out


def _interval(group: str, var: z3.BitVecRef, lo: int, hi: int) -> _Lit:
    term = var == lo if lo == hi else z3.And(z3.ULE(lo, var), z3.ULE(var, hi))
    return _Lit(group, var, term, lo, hi)


# --- generalisation ---------------------------------------------------------------------------

#: Groups tried for dropping, in order. `pod` is never dropped: the other variables of an
#: endpoint mean nothing on the other side of it (an address has no labels, a pod from a
#: manifest no address), so a cube always says whether it is about pods or addresses.
_ORDER = ("cls", "ports", "nslabels", "labels", "ns", "ipv")


def _generalise(q: _Query, lits: list[_Lit]) -> list[_Lit]:
    """Drop what the cube does not need: whole groups first (most labels are irrelevant), then
    single literals; then widen the address and port intervals as far as they stay inside."""
    for suffix in _ORDER:
        for side in ("src", "dst"):
            group = f"{side}.{suffix}"
            members = [lit for lit in lits if lit.group == group]
            if not members:
                continue
            rest = [lit for lit in lits if lit.group != group]
            if q.inside(rest):
                lits = rest
                continue
            if len(members) > 1:
                for lit in members:
                    trial = [x for x in lits if x is not lit]
                    if q.inside(trial):
                        lits = trial
    for i, lit in enumerate(lits):
        limit = _code_limit(q.vocab, lit)
        if limit is not None:
            lits[i] = _grow(q, lits, i, limit)
    proto = [lit for lit in lits if lit.group == "pkt.proto"]
    if proto and q.inside([lit for lit in lits if lit not in proto]):
        lits = [lit for lit in lits if lit not in proto]
    for i, lit in enumerate(lits):
        if lit.hi is not None:
            lits[i] = _widen(q, lits, i)
    return [lit for lit in lits if lit.hi is None or not _is_full(lit)]


def _code_limit(vocab: Vocabulary, lit: _Lit) -> int | None:
    """Largest code of a label or namespace literal (None: not a coded literal)."""
    kind = lit.group.split(".", 1)[1]
    if kind == "ns":
        return vocab.other_ns
    if kind in ("labels", "nslabels"):
        tag = ".l[" if kind == "labels" else ".nsl["
        values = vocab.pod_values if kind == "labels" else vocab.ns_values
        return len(values.get(_key(lit, tag), ())) + 1
    return None


def _key(lit: _Lit, tag: str) -> str:
    return str(lit.var).split(tag, 1)[-1][:-1]


def _set(lit: _Lit, codes: tuple[int, ...]) -> _Lit:
    var = lit.var
    term = z3.Or([var == c for c in codes]) if len(codes) > 1 else var == codes[0]
    return _Lit(lit.group, var, term, codes[0], None, codes)


def _grow(q: _Query, lits: list[_Lit], i: int, limit: int) -> _Lit:
    """Widen `var == v` into the largest set of codes that keeps the cube inside (so one cube
    says `app not in (web)` instead of one cube per other value)."""
    lit = _set(lits[i], (lits[i].value,))
    others = lits[:i] + lits[i + 1:]
    for code in range(limit + 1):
        if code in lit.codes:
            continue
        trial = _set(lit, tuple(sorted((*lit.codes, code))))
        if q.inside([*others, trial]):
            lit = trial
    return lit


def _is_full(lit: _Lit) -> bool:
    return lit.value <= _min_of(lit) and lit.hi == _max_of(lit)


def _min_of(lit: _Lit) -> int:
    return 1 if lit.group == "pkt.port" else 0


def _max_of(lit: _Lit) -> int:
    return (1 << lit.var.size()) - 1  # type: ignore[attr-defined]


def _widen(q: _Query, lits: list[_Lit], i: int) -> _Lit:
    lit = lits[i]
    others = lits[:i] + lits[i + 1:]

    def ok(lo: int, hi: int) -> bool:
        return q.inside([*others, _interval(lit.group, lit.var, lo, hi)])  # type: ignore[arg-type]

    lo_bound, hi_bound = _min_of(lit), _max_of(lit)
    if ok(lo_bound, hi_bound):
        return _interval(lit.group, lit.var, lo_bound, hi_bound)  # type: ignore[arg-type]
    assert lit.hi is not None
    lo = _search(lambda x: ok(x, lit.hi), lo_bound, lit.value, smallest=True)  # type: ignore[arg-type]
    hi = _search(lambda x: ok(lo, x), lit.hi, hi_bound, smallest=False)
    return _interval(lit.group, lit.var, lo, hi)  # type: ignore[arg-type]


def _search(ok: Callable[[int], bool], lo: int, hi: int, *, smallest: bool) -> int:
    """Binary search for the smallest (or largest) x in [lo, hi] with ok(x); ok is monotone and
    holds at the end the current interval already reaches (hi when smallest, lo otherwise)."""
    while lo < hi:
        mid = (lo + hi) // 2 if smallest else (lo + hi + 1) // 2
        if smallest:
            lo, hi = (lo, mid) if ok(mid) else (mid + 1, hi)
        else:
            lo, hi = (mid, hi) if ok(mid) else (lo, mid - 1)
    return lo


# --- display ----------------------------------------------------------------------------------


def _describe(vocab: Vocabulary, lits: list[_Lit]) -> Cube:
    by_group: dict[str, list[_Lit]] = {}
    for lit in lits:
        by_group.setdefault(lit.group, []).append(lit)
    src_ns, src_pod = _endpoint_text(vocab, "src", by_group)
    dst_ns, dst_pod = _endpoint_text(vocab, "dst", by_group)
    proto = by_group.get("pkt.proto")
    port = by_group.get("pkt.port")
    ports = "all" if not port else _range_text(port[0].value, port[0].hi or port[0].value)
    return Cube(src_ns, src_pod, dst_ns, dst_pod, _PROTO_NAME.get(proto[0].value, "?") if proto else "any", ports)


def _range_text(lo: int, hi: int) -> str:
    return str(lo) if lo == hi else f"{lo}-{hi}"


def _endpoint_text(vocab: Vocabulary, side: str, by_group: Mapping[str, list[_Lit]]) -> tuple[str, str]:
    pod = by_group.get(f"{side}.pod")
    if pod and not pod[0].value:
        ip = by_group.get(f"{side}.ip")
        ipv = by_group.get(f"{side}.ipv")
        if not ip:
            return "external", "IPv4" if ipv and ipv[0].value == 1 else "IPv6" if ipv else "any address"
        make = ipaddress.IPv4Address if ipv and ipv[0].value == 1 else ipaddress.IPv6Address
        lo, hi = ip[0].value, ip[0].hi or ip[0].value
        return "external", str(make(lo)) if lo == hi else f"{make(lo)}-{make(hi)}"
    ns = by_group.get(f"{side}.ns")
    names = (*vocab.namespaces, "<other>")
    namespace = "*" if not ns else _set_text("", ns[0].codes or (ns[0].value,), names)
    if not ns or vocab.other_ns in (ns[0].codes or (ns[0].value,)):
        labels = _labels_text(vocab.ns_values, by_group.get(f"{side}.nslabels", []), ".nsl[")
        namespace += f" {labels}" if labels and namespace != "*" else labels if labels else ""
    parts = [_labels_text(vocab.pod_values, by_group.get(f"{side}.labels", []), ".l[")]
    parts += [_port_text(lit) for lit in by_group.get(f"{side}.ports", [])]
    cls = by_group.get(f"{side}.cls")
    if cls:
        parts.append("a new pod" if cls[0].value >= len(vocab.classes) else
                      f"like {vocab.classes[cls[0].value].workloads[0].display}")
    text = " ".join(p for p in parts if p)
    return namespace, text or "*"


def _port_text(lit: _Lit) -> str:
    """A named-port literal: `port http=8080`, `port http/TCP`, `no port http`."""
    var = str(lit.var)
    name = var.split("[", 1)[-1].rstrip("]")
    if ".pproto[" in var:
        return f"port {name}/{_PROTO_NAME.get(lit.value, '?')}"
    return f"no port {name}" if lit.value == 0 else f"port {name}={lit.value}"


def _labels_text(values: Mapping[str, tuple[str, ...]], lits: Sequence[_Lit], tag: str) -> str:
    """`{app not in (web), tier=db, !debug}` from label-code literals."""
    items = []
    for lit in lits:
        key = _key(lit, tag)
        items.append(_set_text(key, lit.codes or (lit.value,), ("", *values.get(key, ()), "")))
    return "{" + ", ".join(items) + "}" if items else ""


def _set_text(key: str, codes: Sequence[int], names: Sequence[str]) -> str:
    """A set of codes in selector words. For labels `names` is ("", v1..vn, "") = absent,
    the known values, any other value; for namespaces the names plus "<other>"."""
    if not key:  # namespaces
        chosen = [names[c] for c in codes]
        rest = [n for i, n in enumerate(names) if i not in codes]
        if len(chosen) == 1:
            return chosen[0]
        return f"in ({', '.join(chosen)})" if len(chosen) <= len(rest) else f"not in ({', '.join(rest)})"
    other = len(names) - 1
    known = [names[c] for c in codes if 0 < c < other]
    missing = [names[i] for i in range(1, other) if i not in codes]
    absent, others = 0 in codes, other in codes
    if absent and others:  # NotIn semantics: absent or any value but these
        return f"{key} not in ({', '.join(missing)})" if missing else f"any {key}"
    if others:
        return f"{key} exists, not in ({', '.join(missing)})" if missing else f"{key} exists"
    words = [f"{key}={v}" for v in known] + ([f"!{key}"] if absent else [])
    return words[0] if len(words) == 1 else "(" + " or ".join(words) + ")"
