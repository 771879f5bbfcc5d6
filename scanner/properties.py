"""Property documents -> typed `Property` values.

A property is a rule of the catalogue (same schema as every rule, `schemas/rule.schema.json`)
whose `kind` is a property kind and whose `params` (`schemas/property.schema.json`) name the
endpoints like NetworkPolicy peers:

    kind: deny-reach
    params:
      from: {podSelector: {matchLabels: {app.kubernetes.io/name: ui}}}
      to:   {podSelector: {matchLabels: {app.kubernetes.io/team: database}}}
      ports: [{protocol: TCP}]
      scope: workloads          # or any-pod

Differences from a NetworkPolicy peer, because a property has no namespace of its own: an
absent `namespaceSelector` means every namespace, and `ipBlock` means addresses outside the
cluster.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from npaudit.document import JsonPath
from npaudit.encode.outcome import EndpointSelector, Scope
from npaudit.model.types import Direction, IPBlock, LabelSelector, Operator, PortSpec, Protocol, Requirement

PROPERTY_KINDS = ("deny-reach", "must-reach", "default-deny")
DEFAULT_EXCLUDED_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease")
Problem = tuple[JsonPath, str]


@dataclass(frozen=True, slots=True)
class Property:
    id: str
    kind: str
    src: tuple[EndpointSelector, ...] = (EndpointSelector(),)
    dst: tuple[EndpointSelector, ...] = (EndpointSelector(),)
    ports: tuple[PortSpec, ...] = ()
    scope: Scope = Scope.WORKLOADS
    allow_new_namespaces: bool = False
    direction: Direction | None = None  # default-deny
    namespaces: tuple[str, ...] | None = None  # default-deny: None = every namespace
    exclude_namespaces: tuple[str, ...] = DEFAULT_EXCLUDED_NAMESPACES

    @property
    def must(self) -> bool:
        return self.kind == "must-reach"


class PropertyError(ValueError):
    """Invalid property parameters; `problems` are (path inside params, message)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(f"{_dotted(p)}: {m}" if p else m for p, m in problems))
        self.problems = tuple(problems)


def _dotted(path: JsonPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_property(rule_id: str, kind: str, params: Mapping[str, Any], *, default_scope: Scope | None = None) -> Property:
    """Validate and convert; raises `PropertyError` with every problem found."""
    from npaudit.schema import validate_instance  # jsonschema lives in schema.py only

    problems = [(tuple(p[1:]) if p and p[0] == "kind" else tuple(p), m)
                for p, m in validate_instance({"kind": kind, **params}, "property.schema.json")]
    if problems:
        raise PropertyError(problems)
    if kind == "default-deny":
        return Property(
            rule_id, kind,
            scope=Scope(params.get("scope", (default_scope or Scope.ANY_POD).value)),
            direction=Direction.INGRESS if params["direction"] == "ingress" else Direction.EGRESS,
            namespaces=tuple(params["namespaces"]) if params.get("namespaces") is not None else None,
            exclude_namespaces=tuple(params.get("exclude_namespaces", DEFAULT_EXCLUDED_NAMESPACES)),
        )
    errors: list[Problem] = []
    src = _endpoints(params["from"], ("from",), errors)
    dst = _endpoints(params["to"], ("to",), errors)
    ports = tuple(_port(p, ("ports", i), errors) for i, p in enumerate(params.get("ports") or ()))
    if errors:
        raise PropertyError(errors)
    return Property(
        rule_id, kind, src, dst, ports,
        scope=Scope(params.get("scope", (default_scope or Scope.WORKLOADS).value)),
        allow_new_namespaces=bool(params.get("allow_new_namespaces", False)),
    )


def selector(data: Mapping[str, Any] | None) -> LabelSelector:
    """Canonical selector (the model's form): matchLabels entries become `In` with one value."""
    reqs: set[Requirement] = set()
    data = data or {}
    for key, value in (data.get("matchLabels") or {}).items():
        reqs.add(Requirement(str(key), Operator.IN, (str(value),)))
    for expr in data.get("matchExpressions") or ():
        values = tuple(sorted({str(v) for v in expr.get("values") or ()}))
        reqs.add(Requirement(str(expr["key"]), Operator(expr["operator"]), values))
    return LabelSelector(tuple(sorted(reqs, key=lambda r: (r.key, r.operator.value, r.values))))


def _endpoints(data: Mapping[str, Any] | Sequence[Mapping[str, Any]], path: JsonPath,
               errors: list[Problem]) -> tuple[EndpointSelector, ...]:
    if isinstance(data, Mapping):
        return (_endpoint(data, path, errors),)
    return tuple(_endpoint(item, path + (i,), errors) for i, item in enumerate(data))


def _endpoint(data: Mapping[str, Any], path: JsonPath, errors: list[Problem]) -> EndpointSelector:
    if "ipBlock" in data:
        return EndpointSelector(ip_block=_ip_block(data["ipBlock"], path + ("ipBlock",), errors))
    ns = selector(data["namespaceSelector"]) if "namespaceSelector" in data else None
    pods = selector(data["podSelector"]) if "podSelector" in data else None
    return EndpointSelector(namespace_selector=ns, pod_selector=pods)


def _network(text: str, path: JsonPath, errors: list[Problem]) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        errors.append((path, f"{text!r} is not a CIDR"))
        return None


def _ip_block(data: Mapping[str, Any], path: JsonPath, errors: list[Problem]) -> IPBlock | None:
    cidr = _network(str(data["cidr"]), path + ("cidr",), errors)
    excepts = []
    for i, text in enumerate(data.get("except") or ()):
        net = _network(str(text), path + ("except", i), errors)
        if net is not None and cidr is not None and (net.version != cidr.version or not net.subnet_of(cidr)):  # type: ignore[arg-type]
            errors.append((path + ("except", i), f"{text} is not inside {cidr}"))
        elif net is not None:
            excepts.append(net)
    return IPBlock(cidr, tuple(excepts)) if cidr is not None else None


def _port(data: Mapping[str, Any], path: JsonPath, errors: list[Problem]) -> PortSpec:
    port = data.get("port")
    end = data.get("endPort")
    if end is not None and not isinstance(port, int):
        errors.append((path + ("endPort",), "endPort needs a numeric port"))
    elif end is not None and isinstance(port, int) and end < port:
        errors.append((path + ("endPort",), f"endPort {end} is below port {port}"))
    return PortSpec(Protocol(data.get("protocol", "TCP")), port, end if isinstance(port, int) else None)
