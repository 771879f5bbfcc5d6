"""NetworkPolicy objects -> `Policy` values, with canonical selectors and effective policyTypes.

Only called for objects that passed the validity checks, so values have the right types and
ranges; unknown fields were already reported and are simply not read.
"""

from __future__ import annotations

from collections.abc import Mapping

from npaudit.document import Document, JsonPath
from npaudit.model.objects import ObjectInfo
from npaudit.model.types import (
    Direction,
    IPBlock,
    LabelSelector,
    Operator,
    Peer,
    Policy,
    PortSpec,
    Protocol,
    Requirement,
    Rule,
)
from npaudit.validate import get_path, items_of, parse_cidr


def string_map(value: object) -> dict[str, str]:
    """A labels/annotations map as str -> str; a YAML null value is the empty string, as Go
    decodes it into a map[string]string."""
    if not isinstance(value, Mapping):
        return {}
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


def build_selector(doc: Document, path: JsonPath) -> LabelSelector:
    """Canonical form: each `matchLabels` entry becomes `In` with one value; requirements are
    de-duplicated and sorted, values sorted and unique. `matchLabels: null`, `{}` and an absent
    selector all match everything. The span is the selector's key (`podSelector:`)."""
    data = get_path(doc.data, path)
    requirements: set[Requirement] = set()
    if isinstance(data, Mapping):
        for key, value in string_map(data.get("matchLabels")).items():
            requirements.add(Requirement(key, Operator.IN, (value,)))
        for expr in items_of(data.get("matchExpressions")):
            if isinstance(expr, Mapping):
                values = tuple(sorted({"" if v is None else str(v) for v in items_of(expr.get("values"))}))
                requirements.add(Requirement(str(expr.get("key")), Operator(str(expr.get("operator"))), values))
    ordered = tuple(sorted(requirements, key=lambda r: (r.key, r.operator.value, r.values)))
    return LabelSelector(ordered, doc.key_span(path))


def _peer(doc: Document, path: JsonPath) -> Peer:
    data = get_path(doc.data, path)
    data = data if isinstance(data, Mapping) else {}
    span = doc.value_span(path)
    block = data.get("ipBlock")
    if isinstance(block, Mapping):
        cidr = parse_cidr(str(block.get("cidr"))).network
        excepts = tuple(
            network
            for text in items_of(block.get("except"))
            if (network := parse_cidr(str(text)).network) is not None
        )
        assert cidr is not None  # validated before building
        return Peer(ip_block=IPBlock(cidr, excepts, doc.key_span(path + ("ipBlock",))), span=span)
    # A null selector is the same as an absent one (Go: nil pointer); `{}` selects everything.
    pods = build_selector(doc, path + ("podSelector",)) if data.get("podSelector") is not None else None
    namespaces = build_selector(doc, path + ("namespaceSelector",)) if data.get("namespaceSelector") is not None else None
    return Peer(namespace_selector=namespaces, pod_selector=pods, span=span)


def _port(doc: Document, path: JsonPath) -> PortSpec:
    data = get_path(doc.data, path)
    data = data if isinstance(data, Mapping) else {}
    # protocol defaults to TCP, also in an entry with no fields at all (`ports: [{}]`).
    protocol = Protocol(data.get("protocol") or "TCP")
    port = data.get("port")
    end_port = data.get("endPort")
    return PortSpec(
        protocol=protocol,
        port=port if isinstance(port, (int, str)) and not isinstance(port, bool) else None,
        end_port=end_port if isinstance(end_port, int) and isinstance(port, int) else None,
        span=doc.value_span(path),
    )


def _rules(doc: Document, direction: Direction) -> tuple[Rule, ...]:
    section = "ingress" if direction is Direction.INGRESS else "egress"
    peers_key = "from" if direction is Direction.INGRESS else "to"
    rules = []
    for index, rule in enumerate(items_of(get_path(doc.data, ("spec", section)))):
        path: JsonPath = ("spec", section, index)
        peers = tuple(_peer(doc, path + (peers_key, i)) for i, _ in enumerate(items_of(get_path(rule, (peers_key,)))))
        ports = tuple(_port(doc, path + ("ports", i)) for i, _ in enumerate(items_of(get_path(rule, ("ports",)))))
        rules.append(Rule(direction, index, peers, ports, doc.value_span(path)))
    return tuple(rules)


def effective_policy_types(spec: Mapping[str, object]) -> tuple[frozenset[Direction], bool]:
    """(effective types, explicit?). An omitted *or empty* `policyTypes` is defaulted by the
    API server: Ingress always, Egress only when `egress` has at least one rule."""
    listed = [t for t in items_of(spec.get("policyTypes")) if t in ("Ingress", "Egress")]
    if listed:
        return frozenset(Direction(t) for t in listed), True
    types = {Direction.INGRESS}
    if items_of(spec.get("egress")):
        types.add(Direction.EGRESS)
    return frozenset(types), False


def build_policy(obj: ObjectInfo) -> Policy:
    doc = obj.doc
    spec = doc.data.get("spec")
    spec = spec if isinstance(spec, Mapping) else {}
    types, explicit = effective_policy_types(spec)
    return Policy(
        namespace=obj.namespace,
        name=obj.name,
        pod_selector=build_selector(doc, ("spec", "podSelector")),
        policy_types=types,
        ingress=_rules(doc, Direction.INGRESS),
        egress=_rules(doc, Direction.EGRESS),
        explicit_policy_types=explicit,
        annotations=string_map(get_path(doc.data, ("metadata", "annotations"))),
        span=obj.span,
    )
