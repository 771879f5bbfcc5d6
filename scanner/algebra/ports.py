"""Exact sets of (protocol, port) pairs: one `IntervalSet` of ports 1-65535 per protocol.

`str(PortSet)` follows netpol-analyzer's connection notation so users can compare the tools:
`All Connections`, or protocol groups such as `TCP 80,8080-8090,UDP 53` (protocols in the
order of `PROTOCOLS`: TCP, UDP, SCTP; an empty set prints as `No Connections`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from npaudit.algebra.intervals import IntervalSet
from npaudit.model.types import PROTOCOLS, Protocol

PORT_MIN, PORT_MAX = 1, 65535
_FULL = IntervalSet.of(PORT_MIN, PORT_MAX)
_EMPTY = IntervalSet()
_INDEX = {p: i for i, p in enumerate(PROTOCOLS)}


@dataclass(frozen=True, slots=True)
class PortSet:
    """A set of ports per protocol; `by_protocol[i]` belongs to `PROTOCOLS[i]`. Immutable and
    hashable; build it with the class methods and the operators `| & -` and `~`."""

    by_protocol: tuple[IntervalSet, IntervalSet, IntervalSet] = (_EMPTY, _EMPTY, _EMPTY)

    @classmethod
    def all(cls) -> PortSet:
        return _ALL

    @classmethod
    def empty(cls) -> PortSet:
        return _NONE

    @classmethod
    def of(cls, protocol: Protocol, lo: int | None = None, hi: int | None = None) -> PortSet:
        """All ports of `protocol` (lo None), one port, or the inclusive range [lo, hi]."""
        ports = _FULL if lo is None else IntervalSet.of(lo, lo if hi is None else hi).intersection(_FULL)
        parts = [_EMPTY, _EMPTY, _EMPTY]
        parts[_INDEX[protocol]] = ports
        return cls((parts[0], parts[1], parts[2]))

    @classmethod
    def from_intervals(cls, mapping: dict[Protocol, IntervalSet]) -> PortSet:
        parts = [mapping.get(p, _EMPTY).intersection(_FULL) for p in PROTOCOLS]
        return cls((parts[0], parts[1], parts[2]))

    @classmethod
    def parse(cls, text: str) -> PortSet:
        """Parse the notation `str()` produces (also `tcp/80`-free forms like `UDP 53`).
        Raises ValueError on anything else (named ports included)."""
        text = text.strip()
        if text == "All Connections":
            return _ALL
        if text in ("", "No Connections"):
            return _NONE
        result = _NONE
        protocol: Protocol | None = None
        for item in text.split(","):
            item = item.strip()
            m = re.fullmatch(r"(?:(TCP|UDP|SCTP)\s+)?(\d+)(?:-(\d+))?", item, re.IGNORECASE)
            if m is None:
                raise ValueError(f"not a port set: {text!r}")
            if m.group(1):
                protocol = Protocol(m.group(1).upper())
            if protocol is None:
                raise ValueError(f"port without protocol in {text!r}")
            lo = int(m.group(2))
            hi = int(m.group(3)) if m.group(3) else lo
            if not PORT_MIN <= lo <= hi <= PORT_MAX:
                raise ValueError(f"bad port range {item!r}")
            result = result | cls.of(protocol, lo, hi)
        return result

    def ports(self, protocol: Protocol) -> IntervalSet:
        return self.by_protocol[_INDEX[protocol]]

    def contains(self, protocol: Protocol, port: int) -> bool:
        return self.by_protocol[_INDEX[protocol]].contains(port)

    @property
    def is_all(self) -> bool:
        return self == _ALL

    @property
    def is_empty(self) -> bool:
        return not any(self.by_protocol)

    def __bool__(self) -> bool:
        return not self.is_empty

    def items(self) -> Iterator[tuple[Protocol, IntervalSet]]:
        """(protocol, ports) for every protocol with at least one port, in output order."""
        for protocol, ports in zip(PROTOCOLS, self.by_protocol, strict=True):
            if ports:
                yield protocol, ports

    def ranges(self) -> Iterator[tuple[Protocol, int, int]]:
        for protocol, ports in self.items():
            for lo, hi in ports:
                yield protocol, lo, hi

    def union(self, other: PortSet) -> PortSet:
        if other is _NONE or self is _ALL:
            return self
        if self is _NONE or other is _ALL:
            return other
        a, b = self.by_protocol, other.by_protocol
        return PortSet((a[0] | b[0], a[1] | b[1], a[2] | b[2]))

    def intersection(self, other: PortSet) -> PortSet:
        if other is _ALL or self is _NONE:
            return self
        if self is _ALL or other is _NONE:
            return other
        a, b = self.by_protocol, other.by_protocol
        return PortSet((a[0] & b[0], a[1] & b[1], a[2] & b[2]))

    def difference(self, other: PortSet) -> PortSet:
        a, b = self.by_protocol, other.by_protocol
        return PortSet((a[0] - b[0], a[1] - b[1], a[2] - b[2]))

    def complement(self) -> PortSet:
        return _ALL.difference(self)

    def issubset(self, other: PortSet) -> bool:
        return self.difference(other).is_empty

    __or__ = union
    __and__ = intersection
    __sub__ = difference
    __invert__ = complement

    def __str__(self) -> str:
        if self.is_all:
            return "All Connections"
        if self.is_empty:
            return "No Connections"
        groups = []
        for protocol, ports in self.items():
            text = ",".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ports)
            groups.append(f"{protocol.value} {text}")
        return ",".join(groups)

    def to_json(self) -> list[dict[str, object]]:
        """Structured form for JSON reports: one entry per range, ports inclusive."""
        return [{"protocol": p.value, "port": lo, "end_port": hi} for p, lo, hi in self.ranges()]


_ALL = PortSet((_FULL, _FULL, _FULL))
_NONE = PortSet()
