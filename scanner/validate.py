"""Validity checks the JSON Schemas cannot express, as the API server performs them.

Each function takes plain data (already shaped by the loader) and returns `Issue`s located by a
JSON path relative to the object. Values of the wrong type are skipped here: the schema check
reports them. The rules follow Kubernetes' own validation code:

- NetworkPolicy (`pkg/apis/networking/validation`): protocol TCP/UDP/SCTP; numeric port
  1-65535; named port an IANA_SVC_NAME; `endPort` only with a numeric `port` and `>= port`;
  a peer sets at least one of podSelector/namespaceSelector/ipBlock, and ipBlock alone;
  `cidr` and every `except` parse as CIDRs and each `except` is a *strict* subset of `cidr`;
  `policyTypes` holds at most two values, each Ingress or Egress.
- CIDRs are parsed like `netutils.ParseCIDRSloppy` under the default feature gates (the
  `StrictIPCIDRValidation` gate is alpha and off): bits set after the prefix length, leading
  zeros in IPv4 octets or the prefix length, and IPv4-mapped IPv6 are accepted, and the API
  server answers with a warning. npaudit reports those as `noncanonical-cidr` warnings and
  models the masked network (`10.0.0.1/8` is `10.0.0.0/8`).
- Label selectors (`apimachinery/pkg/apis/meta/v1/validation`): operator In/NotIn/Exists/
  DoesNotExist; `values` non-empty for In/NotIn and empty for Exists/DoesNotExist; keys are
  qualified names and values valid label values.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from npaudit.findings import Severity
from npaudit.kube_syntax import (
    IPNetwork,
    label_value_problems,
    parse_cidr,
    port_name_problems,
    qualified_name_problems,
)

JsonPath = tuple[str | int, ...]

RULE_IPBLOCK = "invalid-ipblock"
RULE_NONCANONICAL_CIDR = "noncanonical-cidr"
RULE_PEER = "invalid-peer"
RULE_PORT = "invalid-port"
RULE_SELECTOR = "invalid-selector"
RULE_LABEL = "invalid-label"
RULE_POLICY_TYPES = "invalid-policy-types"

PROTOCOLS = ("TCP", "UDP", "SCTP")
POLICY_TYPES = ("Ingress", "Egress")
OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


@dataclass(frozen=True, slots=True)
class Issue:
    """One validity problem. `at_key`: point at the key of `path` rather than at its value."""

    rule_id: str
    severity: Severity
    path: JsonPath
    message: str
    at_key: bool = False


def _error(rule: str, path: JsonPath, message: str, *, at_key: bool = False) -> Issue:
    return Issue(rule, Severity.ERROR, path, message, at_key)



def labels_issues(labels: object, path: JsonPath) -> list[Issue]:
    """Object or pod-template labels (the API server validates them like selector terms)."""
    if not isinstance(labels, Mapping):
        return []
    issues: list[Issue] = []
    for key, value in labels.items():
        if key in _VALID_KEYS and (not isinstance(value, str) or value in _VALID_VALUES):
            continue  # the same few keys and values repeat on every workload
        key_s = str(key)
        for msg in qualified_name_problems(key_s):
            issues.append(_error(RULE_LABEL, path + (key_s,), f'label key "{key_s}": {msg}', at_key=True))
        if not issues and len(_VALID_KEYS) < _MEMO_LIMIT and type(key) is str:
            _VALID_KEYS.add(key)
        if isinstance(value, str):
            problems = label_value_problems(value)
            for msg in problems:
                issues.append(_error(RULE_LABEL, path + (key_s,), f'label value "{value}": {msg}'))
            if not problems and len(_VALID_VALUES) < _MEMO_LIMIT:
                _VALID_VALUES.add(value)
    return issues


#: Label keys and values already found valid (the checks are pure functions of the string).
_VALID_KEYS: set[str] = set()
_VALID_VALUES: set[str] = set()
_MEMO_LIMIT = 100_000


# --- label selectors -------------------------------------------------------------------


def selector_issues(selector: object, path: JsonPath) -> list[Issue]:
    """A LabelSelector: matchLabels like labels, then every matchExpressions requirement."""
    if not isinstance(selector, Mapping):
        return []
    issues = [
        Issue(RULE_SELECTOR, i.severity, i.path, i.message, i.at_key)
        for i in labels_issues(selector.get("matchLabels"), path + ("matchLabels",))
    ]
    expressions = selector.get("matchExpressions")
    if isinstance(expressions, Sequence) and not isinstance(expressions, str):
        for index, expr in enumerate(expressions):
            if isinstance(expr, Mapping):
                issues.extend(_requirement_issues(expr, path + ("matchExpressions", index)))
    return issues


def _requirement_issues(expr: Mapping[str, object], path: JsonPath) -> Iterator[Issue]:
    operator, values, key = expr.get("operator"), expr.get("values"), expr.get("key")
    values_list = list(values) if isinstance(values, Sequence) and not isinstance(values, str) else []
    if operator in ("In", "NotIn") and not values_list:
        where = path + ("values",) if "values" in expr else path
        yield _error(RULE_SELECTOR, where, f"values must be non-empty when operator is {operator}", at_key=True)
    elif operator in ("Exists", "DoesNotExist") and values_list:
        yield _error(RULE_SELECTOR, path + ("values",), f"values must not be set when operator is {operator}", at_key=True)
    elif isinstance(operator, str) and operator not in OPERATORS:
        yield _error(RULE_SELECTOR, path + ("operator",), f'unknown operator "{operator}" (use {", ".join(OPERATORS)})')
    if isinstance(key, str):
        for msg in qualified_name_problems(key):
            yield _error(RULE_SELECTOR, path + ("key",), f'label key "{key}": {msg}')
    for index, value in enumerate(values_list):
        if isinstance(value, str):
            for msg in label_value_problems(value):
                yield _error(RULE_SELECTOR, path + ("values", index), f'label value "{value}": {msg}')



def ipblock_issues(block: object, path: JsonPath) -> list[Issue]:
    if not isinstance(block, Mapping):
        return []
    cidr_text = block.get("cidr")
    if not isinstance(cidr_text, str):
        return []  # missing/wrong type: the schema check reports it
    if cidr_text == "":
        return [_error(RULE_IPBLOCK, path + ("cidr",), "cidr must not be empty")]
    issues: list[Issue] = []
    cidr = _cidr_issues(cidr_text, path + ("cidr",), issues)
    excepts = block.get("except")
    if not isinstance(excepts, Sequence) or isinstance(excepts, str):
        return issues
    for index, text in enumerate(excepts):
        if not isinstance(text, str):
            continue
        sub = _cidr_issues(text, path + ("except", index), issues)
        if cidr is None or sub is None:
            continue
        # Kubernetes: cidr.Contains(except.IP) and a strictly longer prefix; so an except of
        # the other IP family, equal to cidr, or reaching outside it is rejected.
        if sub.version != cidr.version or sub.prefixlen <= cidr.prefixlen or sub.network_address not in cidr:
            issues.append(_error(RULE_IPBLOCK, path + ("except", index), f'except "{text}" is not a strict subset of cidr "{cidr_text}"'))
    return issues


def _cidr_issues(text: str, path: JsonPath, issues: list[Issue]) -> IPNetwork | None:
    parsed = parse_cidr(text)
    if parsed.error is not None:
        issues.append(_error(RULE_IPBLOCK, path, f'invalid CIDR "{text}": {parsed.error}'))
    for warning in parsed.warnings:
        issues.append(Issue(RULE_NONCANONICAL_CIDR, Severity.WARNING, path, f'CIDR "{text}" {warning}'))
    return parsed.network


# --- ports -----------------------------------------------------------------------------


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def policy_port_issues(entry: object, path: JsonPath) -> list[Issue]:
    """One entry of a rule's `ports` (NetworkPolicyPort)."""
    if not isinstance(entry, Mapping):
        return []
    issues = protocol_issues(entry.get("protocol"), path + ("protocol",))
    port, end_port = entry.get("port"), entry.get("endPort")
    if _is_int(port):
        issues += _port_number_issues(port, path + ("port",))
        if _is_int(end_port):
            if end_port < port:
                issues.append(_error(RULE_PORT, path + ("endPort",), f"endPort {end_port} must be greater than or equal to port {port}"))
            issues += _port_number_issues(end_port, path + ("endPort",))
    elif isinstance(port, str):
        if end_port is not None:
            issues.append(_error(RULE_PORT, path + ("endPort",), f'endPort must not be set with a named port ("{port}")', at_key=True))
        issues += [_error(RULE_PORT, path + ("port",), f'named port "{port}" {msg}') for msg in port_name_problems(port)]
    elif port is None and end_port is not None:
        issues.append(_error(RULE_PORT, path + ("endPort",), "endPort must not be set without port", at_key=True))
    return issues


def protocol_issues(protocol: object, path: JsonPath) -> list[Issue]:
    if protocol is None or protocol in PROTOCOLS:
        return []
    shown = f'"{protocol}"' if isinstance(protocol, str) else str(protocol)
    return [_error(RULE_PORT, path, f"unsupported protocol {shown} (use TCP, UDP or SCTP)")]


def _port_number_issues(number: int, path: JsonPath) -> list[Issue]:
    if 1 <= number <= 65535:
        return []
    return [_error(RULE_PORT, path, f"port {number} is outside 1-65535")]


def container_port_issues(entry: object, path: JsonPath) -> list[Issue]:
    """A container's `ports[]` entry: containerPort 1-65535, optional IANA_SVC_NAME, protocol."""
    if not isinstance(entry, Mapping):
        return []
    issues = protocol_issues(entry.get("protocol"), path + ("protocol",))
    number = entry.get("containerPort")
    if _is_int(number):
        issues += _port_number_issues(number, path + ("containerPort",))
    name = entry.get("name")
    if isinstance(name, str) and name:
        issues += [_error(RULE_PORT, path + ("name",), f'port name "{name}" {msg}') for msg in port_name_problems(name)]
    return issues


# --- objects ---------------------------------------------------------------------------

#: Where each workload kind keeps its pod template (metadata + spec); a Pod is its own template.
POD_TEMPLATE_PATH: dict[str, JsonPath] = {
    "Pod": (),
    "Deployment": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}


def get_path(data: object, path: JsonPath) -> object:
    """The value at `path`, or None when any step is missing or of the wrong type."""
    for step in path:
        if type(step) is str and type(data) is dict:
            data = data.get(step)  # the common case, same result as below
            continue
        if isinstance(step, int):
            if not isinstance(data, Sequence) or isinstance(data, str) or not -len(data) <= step < len(data):
                return None
        elif not isinstance(data, Mapping):
            return None
        data = data[step] if isinstance(step, int) else data.get(step)
    return data


def items_of(value: object) -> list[object]:
    """A list field as a list (None or a wrong type -> empty; the schema reports the type)."""
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return list(value)
    return []


def object_issues(kind: str, data: Mapping[str, object]) -> list[Issue]:
    """Every validity issue of one object of a modelled kind (other kinds: none)."""
    issues = labels_issues(get_path(data, ("metadata", "labels")), ("metadata", "labels"))
    if kind == "NetworkPolicy":
        issues += policy_issues(data.get("spec"))
    elif kind in POD_TEMPLATE_PATH:
        issues += pod_template_issues(data, POD_TEMPLATE_PATH[kind])
        selector_path = ("spec", "jobTemplate", "spec", "selector") if kind == "CronJob" else ("spec", "selector")
        if kind == "ReplicationController":  # a plain map of labels, like a Service's
            issues += _map_selector_issues(get_path(data, selector_path), selector_path)
        elif kind != "Pod":
            issues += selector_issues(get_path(data, selector_path), selector_path)
    elif kind == "Service":
        issues += _map_selector_issues(get_path(data, ("spec", "selector")), ("spec", "selector"))
        for index, entry in enumerate(items_of(get_path(data, ("spec", "ports")))):
            if isinstance(entry, Mapping):
                issues += protocol_issues(entry.get("protocol"), ("spec", "ports", index, "protocol"))
    return issues


def _map_selector_issues(selector: object, path: JsonPath) -> list[Issue]:
    return [Issue(RULE_SELECTOR, i.severity, i.path, i.message, i.at_key) for i in labels_issues(selector, path)]


def pod_template_issues(data: Mapping[str, object], template: JsonPath) -> list[Issue]:
    """Template labels (not for a Pod: its metadata labels are checked already) and the
    container ports of containers and init containers."""
    issues = [] if not template else labels_issues(get_path(data, template + ("metadata", "labels")), template + ("metadata", "labels"))
    for section in ("containers", "initContainers"):
        containers = items_of(get_path(data, template + ("spec", section)))
        for c_index, container in enumerate(containers):
            ports = items_of(get_path(container, ("ports",)))
            for p_index, entry in enumerate(ports):
                issues += container_port_issues(entry, template + ("spec", section, c_index, "ports", p_index))
    return issues


def policy_issues(spec: object) -> list[Issue]:
    """A NetworkPolicySpec: pod selector, every rule's ports and peers, policyTypes."""
    if not isinstance(spec, Mapping):
        return []
    base: JsonPath = ("spec",)
    issues = selector_issues(spec.get("podSelector"), base + ("podSelector",))
    for section, peers_key in (("ingress", "from"), ("egress", "to")):
        for r_index, rule in enumerate(items_of(spec.get(section))):
            rule_path = base + (section, r_index)
            for p_index, entry in enumerate(items_of(get_path(rule, ("ports",)))):
                issues += policy_port_issues(entry, rule_path + ("ports", p_index))
            for p_index, peer in enumerate(items_of(get_path(rule, (peers_key,)))):
                issues += peer_issues(peer, rule_path + (peers_key, p_index))
    issues += policy_types_issues(spec.get("policyTypes"), base + ("policyTypes",))
    return issues


def peer_issues(peer: object, path: JsonPath) -> list[Issue]:
    """A NetworkPolicyPeer. A null selector counts as absent (Go decodes it to a nil pointer);
    `{}` is present and selects everything."""
    peer = peer if isinstance(peer, Mapping) else {}
    present = [k for k in ("podSelector", "namespaceSelector", "ipBlock") if peer.get(k) is not None]
    issues: list[Issue] = []
    if not present:
        issues.append(_error(RULE_PEER, path, "peer must set podSelector, namespaceSelector or ipBlock (an empty peer is rejected)"))
    elif "ipBlock" in present and len(present) > 1:
        others = " and ".join(k for k in present if k != "ipBlock")
        issues.append(_error(RULE_PEER, path + ("ipBlock",), f"ipBlock cannot be combined with {others} in one peer (use separate peers)", at_key=True))
    for key in ("podSelector", "namespaceSelector"):
        issues += selector_issues(peer.get(key), path + (key,))
    issues += ipblock_issues(peer.get("ipBlock"), path + ("ipBlock",))
    return issues


def policy_types_issues(value: object, path: JsonPath) -> list[Issue]:
    types = items_of(value)
    issues: list[Issue] = []
    if len(types) > len(POLICY_TYPES):
        # The API server stops here ("may not specify more than two policyTypes").
        return [_error(RULE_POLICY_TYPES, path, f"policyTypes has {len(types)} entries; at most two (Ingress, Egress) are allowed")]
    seen: set[object] = set()
    for index, entry in enumerate(types):
        if entry not in POLICY_TYPES:
            shown = f'"{entry}"' if isinstance(entry, str) else str(entry)
            issues.append(_error(RULE_POLICY_TYPES, path + (index,), f"unknown policy type {shown} (use Ingress or Egress)"))
        elif entry in seen:
            # Accepted by the API server, but almost always a copy-paste slip for the other type.
            issues.append(Issue(RULE_POLICY_TYPES, Severity.WARNING, path + (index,), f'policy type "{entry}" is listed twice'))
        seen.add(entry)
    return issues
