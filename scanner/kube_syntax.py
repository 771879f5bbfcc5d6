"""Kubernetes value syntax, as apimachinery and the API server check it: label keys (qualified
names), label values, port names (IANA_SVC_NAME), and CIDRs.

CIDRs are parsed like `netutils.ParseCIDRSloppy` under the default feature gates
(`StrictIPCIDRValidation`, alpha since 1.33, is off by default): bits set after the prefix length,
leading zeros in IPv4 octets or in the prefix length, and IPv4-mapped IPv6 addresses are
accepted (the API server answers with a warning), and the network is the masked one. A missing
`/`, a netmask instead of a prefix length, a zone (`%eth0`) or surrounding spaces are rejected.

Pure functions returning problem strings; `validate.py` turns them into located issues.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# --- names and labels ------------------------------------------------------------------

_QUALIFIED_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_PORT_NAME_CHARS = re.compile(r"[-a-z0-9]+")


def qualified_name_problems(value: str) -> list[str]:
    """Label keys: `[prefix/]name`, name <= 63 chars of [A-Za-z0-9-_.] starting and ending
    alphanumeric, prefix a DNS-1123 subdomain (<= 253 chars)."""
    parts = value.split("/")
    if len(parts) > 2:
        return ["must be a name with an optional DNS subdomain prefix and one '/' (e.g. 'example.com/name')"]
    problems: list[str] = []
    name = parts[-1]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            problems.append("prefix part must be non-empty")
        elif len(prefix) > 253 or not _DNS1123_SUBDOMAIN.fullmatch(prefix):
            problems.append("prefix part must be a lowercase DNS subdomain of at most 253 characters")
    if not name:
        problems.append("name part must be non-empty")
    elif len(name) > 63:
        problems.append("name part must be no more than 63 characters")
    elif not _QUALIFIED_NAME.fullmatch(name):
        problems.append("name part must consist of alphanumerics, '-', '_' or '.', and start and end with an alphanumeric")
    return problems


def label_value_problems(value: str) -> list[str]:
    """Label values: empty, or <= 63 chars of [A-Za-z0-9-_.] starting and ending alphanumeric."""
    if len(value) > 63:
        return ["must be no more than 63 characters"]
    if value and not _QUALIFIED_NAME.fullmatch(value):
        return ["must be empty or consist of alphanumerics, '-', '_' or '.', and start and end with an alphanumeric"]
    return []


def port_name_problems(name: str) -> list[str]:
    """IANA_SVC_NAME (RFC 6335): 1-15 chars of [a-z0-9-], a letter, no '--', no '-' at an end."""
    problems: list[str] = []
    if len(name) > 15:
        problems.append("must be no more than 15 characters")
    if not _PORT_NAME_CHARS.fullmatch(name):
        problems.append("must contain only lowercase letters, digits and '-'")
    if not re.search(r"[a-z]", name):
        problems.append("must contain at least one letter (a-z)")
    if "--" in name:
        problems.append("must not contain consecutive hyphens")
    if name.startswith("-") or name.endswith("-"):
        problems.append("must not begin or end with a hyphen")
    return problems


# --- CIDRs -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParsedCidr:
    """`network` is None when the text is not a CIDR (then `error` says why); `warnings` lists
    the non-canonical forms the API server accepts with a warning."""

    network: IPNetwork | None
    error: str | None = None
    warnings: tuple[str, ...] = ()


def _parse_ipv4_sloppy(text: str) -> tuple[ipaddress.IPv4Address | None, bool]:
    """Go's pre-1.17 IPv4 parser: four dot-separated decimal octets, leading zeros allowed.
    Returns (address, had_leading_zeros)."""
    parts = text.split(".")
    if len(parts) != 4 or not all(p.isascii() and p.isdigit() for p in parts):
        return None, False
    octets = [int(p) for p in parts]
    if any(o > 255 for o in octets):
        return None, False
    leading = any(len(p) > 1 and p.startswith("0") for p in parts)
    return ipaddress.IPv4Address(".".join(map(str, octets))), leading


def parse_cidr(text: str) -> ParsedCidr:
    """Parse a NetworkPolicy CIDR as the API server does (see the module docstring)."""
    example = "(e.g. 10.9.8.0/24 or 2001:db8::/64)"
    addr_text, slash, prefix_text = text.partition("/")
    if not slash or not prefix_text.isascii() or not prefix_text.isdigit():
        return ParsedCidr(None, f"must be a valid CIDR value {example}")
    warnings: list[str] = []
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None
    address, leading = _parse_ipv4_sloppy(addr_text)
    if address is None:
        try:
            address = None if "%" in addr_text else ipaddress.IPv6Address(addr_text)
        except ValueError:
            address = None
    if address is None:
        return ParsedCidr(None, f"must be a valid CIDR value {example}")
    prefix = int(prefix_text)
    if prefix > address.max_prefixlen:
        return ParsedCidr(None, f"prefix length /{prefix} is larger than {address.max_prefixlen}")
    network = ipaddress.ip_network((address, prefix), strict=False)
    if leading or (len(prefix_text) > 1 and prefix_text.startswith("0")):
        warnings.append("has leading zeros")
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        warnings.append("uses an IPv4-mapped IPv6 address")
    if network.network_address != address:
        warnings.append(f"has bits set after the prefix length (it means {network}; for one address use {address}/{address.max_prefixlen})")
    return ParsedCidr(network, None, tuple(warnings))
