"""Values shared by the engine modules: endpoints, rule references and the host-network mode."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import Enum

from npaudit.algebra.addresses import AddressRange
from npaudit.model.types import Direction, IPAddress, Policy, Rule, Workload
from npaudit.span import Span

#: An end of a connection: a workload (all its pods), one external address, or a range of
#: external addresses (the pieces of the address space cut at ipBlock boundaries).
Endpoint = Workload | IPAddress | AddressRange


class HostNetwork(str, Enum):
    """How workloads with `hostNetwork: true` are treated.

    ALLOW (default): NetworkPolicy does not apply to them (the Kubernetes docs leave their
    behaviour undefined; most plugins see their traffic as node traffic, which is always allowed
    from the pod's own node), so every connection to and from them is reported as allowed and
    they are flagged. AS_POD: evaluate them like ordinary pods (what netpol-analyzer does).
    """

    ALLOW = "allow"
    AS_POD = "as-pod"


@dataclass(frozen=True, slots=True)
class RuleRef:
    """One rule of one policy: `orders/allow-ui ingress[0]` at its file:line."""

    policy: Policy
    rule: Rule

    @property
    def direction(self) -> Direction:
        return self.rule.direction

    @property
    def span(self) -> Span | None:
        return self.rule.span or self.policy.span

    def __str__(self) -> str:
        return f"{self.policy.namespace}/{self.policy.name} {self.rule.direction.value.lower()}[{self.rule.index}]"


def endpoint_name(endpoint: Endpoint) -> str:
    """netpol-analyzer's notation: `ns/name[Kind]`, `first-last[External]`, `1.2.3.4[External]`."""
    if isinstance(endpoint, Workload):
        return endpoint.display
    return f"{endpoint}[External]"


def is_workload(endpoint: Endpoint) -> bool:
    return isinstance(endpoint, Workload)


def parse_address(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None
