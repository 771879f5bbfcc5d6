"""Turn user text (`--from`, `--to`) into endpoints: `namespace/name`, `namespace/name[Kind]`,
`namespace/*` (every workload of a namespace), a bare `name` when unique, or an IP address."""

from __future__ import annotations

import re

from npaudit.engine.types import Endpoint, parse_address
from npaudit.errors import UserError
from npaudit.model.types import Model, Protocol, Workload

_SPEC = re.compile(r"^(?:(?P<ns>[^/\[\]]+)/)?(?P<name>[^/\[\]]+)(?:\[(?P<kind>[^\]]+)\])?$")


class EndpointError(UserError, ValueError):
    """The text names no endpoint, or more than one where one is needed."""


def find_workloads(model: Model, text: str) -> list[Workload]:
    m = _SPEC.match(text.strip())
    if m is None:
        raise EndpointError(f"not a workload reference: {text!r} (use namespace/name or namespace/name[Kind])")
    ns, name, kind = m.group("ns"), m.group("name"), m.group("kind")
    found = [
        w for w in model.workloads
        if (ns is None or w.namespace == ns)
        and (name == "*" or w.name == name)
        and (kind is None or w.kind.lower() == kind.lower())
    ]
    if not found:
        raise EndpointError(f"no workload matches {text!r}")
    return found


def find_endpoints(model: Model, text: str) -> list[Endpoint]:
    """All endpoints the text names (an IP address names one external address)."""
    address = parse_address(text.strip())
    if address is not None:
        return [address]
    return list(find_workloads(model, text))


def find_endpoint(model: Model, text: str) -> Endpoint:
    """Exactly one endpoint; several workloads of one name need a namespace or a [Kind]."""
    found = find_endpoints(model, text)
    if len(found) > 1:
        names = ", ".join(w.display for w in found if isinstance(w, Workload))
        raise EndpointError(f"{text!r} is ambiguous: {names}")
    return found[0]


def parse_port(text: str) -> tuple[int | None, Protocol | None]:
    """`N`, `N/PROTO` or `PROTO` -> (port or None, Protocol or None)."""
    number, _, proto = text.strip().partition("/")
    if not proto and not number.isdigit():
        number, proto = "", number
    protocol = None
    if proto:
        try:
            protocol = Protocol(proto.upper())
        except ValueError:
            raise EndpointError(f"unknown protocol {proto!r} (TCP, UDP or SCTP)") from None
    port = None
    if number:
        if not number.isdigit() or not 1 <= int(number) <= 65535:
            raise EndpointError(f"not a port number: {number!r} (1-65535)")
        port = int(number)
    return port, protocol
