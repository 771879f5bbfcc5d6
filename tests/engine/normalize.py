"""Normalise connectivity lists (netpol-analyzer's `SRC => DST : CONNS` lines) to sets of
(src, dst, protocol, first port, last port) so two tools' outputs compare as sets: external
ranges are cut at the union of both sides' boundaries, port groups split into ranges, and a
named port that a tool could not resolve stays as its name (`(proto, name, name)`)."""

from __future__ import annotations

import ipaddress
import re

from npaudit.algebra.intervals import IntervalSet
from collections.abc import Iterable

Tuple5 = tuple[str, str, str, object, object]
_EXT = re.compile(r"^(?P<a>[0-9a-fA-F.:]+)-(?P<b>[0-9a-fA-F.:]+)\[External\]$")


def parse_line(line: str) -> tuple[str, str, str]:
    left, _, conns = line.partition(" : ")
    src, _, dst = left.partition(" => ")
    return src.strip(), dst.strip(), conns.strip()


def conn_items(conns: str) -> list[tuple[str, object, object]]:
    if conns == "All Connections":
        return [(p, 1, 65535) for p in ("TCP", "UDP", "SCTP")]
    out: list[tuple[str, object, object]] = []
    proto = ""
    for item in conns.split(","):
        item = item.strip()
        if " " in item:
            proto, item = item.split(" ", 1)
        if re.fullmatch(r"\d+(-\d+)?", item):
            lo, _, hi = item.partition("-")
            out.append((proto, int(lo), int(hi or lo)))
        else:
            out.append((proto, item, item))  # unresolved named port
    return out


def _ext_range(name: str) -> tuple[int, int, int] | None:
    m = _EXT.match(name)
    if m is None:
        return None
    a, b = ipaddress.ip_address(m.group("a")), ipaddress.ip_address(m.group("b"))
    return a.version, int(a), int(b)


def _cut(rng: tuple[int, int, int], cuts: set[tuple[int, int]]) -> list[str]:
    version, lo, hi = rng
    starts = sorted({lo} | {c for v, c in cuts if v == version and lo < c <= hi})
    ends = [s - 1 for s in starts[1:]] + [hi]
    addr = ipaddress.IPv4Address if version == 4 else ipaddress.IPv6Address
    return [f"{addr(s)}-{addr(e)}[External]" for s, e in zip(starts, ends, strict=True)]


def normalize(lines: Iterable[str], cuts: set[tuple[int, int]], drop: str = "{ingress-controller}") -> set[Tuple5]:
    out: set[Tuple5] = set()
    for line in lines:
        if not line.strip() or drop in line:
            continue
        src, dst, conns = parse_line(line)
        srcs = _cut(r, cuts) if (r := _ext_range(src)) else [src]
        dsts = _cut(r, cuts) if (r := _ext_range(dst)) else [dst]
        for s in srcs:
            for d in dsts:
                for proto, lo, hi in conn_items(conns):
                    out.add((s, d, proto, lo, hi))
    return out


def boundaries(lines: Iterable[str]) -> set[tuple[int, int]]:
    """Start addresses of every external range (and one past each end) in the lines."""
    cuts: set[tuple[int, int]] = set()
    for line in lines:
        src, dst, _ = parse_line(line)
        for name in (src, dst):
            if (r := _ext_range(name)) is not None:
                cuts |= {(r[0], r[1]), (r[0], r[2] + 1)}
    return cuts


def compare(ours: list[str], theirs: list[str]) -> tuple[set[Tuple5], set[Tuple5]]:
    """(only in ours, only in theirs) after normalising both with the same cuts."""
    cuts = boundaries(ours) | boundaries(theirs)
    a, b = normalize(ours, cuts), normalize(theirs, cuts)
    return a - b, b - a


def as_intervals(tuples: Iterable[Tuple5]) -> dict[tuple[str, str, str], IntervalSet]:
    """Numeric tuples grouped per (src, dst, protocol) as interval sets."""
    out: dict[tuple[str, str, str], IntervalSet] = {}
    for s, d, proto, lo, hi in tuples:
        if isinstance(lo, int) and isinstance(hi, int):
            out[(s, d, proto)] = out.get((s, d, proto), IntervalSet()) | IntervalSet.of(lo, hi)
    return out


def compare_sets(ours: list[str], theirs: list[str]) -> tuple[dict, dict]:  # type: ignore[type-arg]
    """Per (src, dst, protocol) interval sets of both sides, normalised with the same cuts."""
    cuts = boundaries(ours) | boundaries(theirs)
    return as_intervals(normalize(ours, cuts)), as_intervals(normalize(theirs, cuts))
