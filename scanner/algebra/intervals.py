"""Finite unions of closed integer intervals, kept canonical (sorted, disjoint, non-adjacent),
so two sets are equal iff their `spans` are equal."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass


def _normalize(ranges: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(r for r in ranges if r[0] <= r[1]):
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class IntervalSet:
    """A set of integers as inclusive `(lo, hi)` spans; build it with `of` / `from_ranges`."""

    spans: tuple[tuple[int, int], ...] = ()

    @classmethod
    def of(cls, lo: int, hi: int | None = None) -> IntervalSet:
        hi = lo if hi is None else hi
        return cls(((lo, hi),)) if lo <= hi else cls()

    @classmethod
    def from_ranges(cls, ranges: Iterable[tuple[int, int]]) -> IntervalSet:
        return cls(_normalize(ranges))

    def __bool__(self) -> bool:
        return bool(self.spans)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(self.spans)

    def __len__(self) -> int:
        return len(self.spans)

    @property
    def size(self) -> int:
        """The number of integers in the set."""
        return sum(hi - lo + 1 for lo, hi in self.spans)

    def contains(self, value: int) -> bool:
        return any(lo <= value <= hi for lo, hi in self.spans)

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int) and self.contains(value)

    def union(self, other: IntervalSet) -> IntervalSet:
        if not other.spans:
            return self
        if not self.spans:
            return other
        return IntervalSet(_normalize(self.spans + other.spans))

    def intersection(self, other: IntervalSet) -> IntervalSet:
        out: list[tuple[int, int]] = []
        a, b = self.spans, other.spans
        i = j = 0
        while i < len(a) and j < len(b):
            lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
            if lo <= hi:
                out.append((lo, hi))
            if a[i][1] < b[j][1]:
                i += 1
            else:
                j += 1
        return IntervalSet(tuple(out))

    def difference(self, other: IntervalSet) -> IntervalSet:
        if not other.spans or not self.spans:
            return self
        out: list[tuple[int, int]] = []
        for lo, hi in self.spans:
            cur = lo
            for olo, ohi in other.spans:
                if ohi < cur or olo > hi:
                    continue
                if olo > cur:
                    out.append((cur, olo - 1))
                cur = max(cur, ohi + 1)
                if cur > hi:
                    break
            if cur <= hi:
                out.append((cur, hi))
        return IntervalSet(tuple(out))

    def complement(self, lo: int, hi: int) -> IntervalSet:
        """Everything in `[lo, hi]` that is not in the set."""
        return IntervalSet.of(lo, hi).difference(self)

    def issubset(self, other: IntervalSet) -> bool:
        return not self.difference(other)

    __or__ = union
    __and__ = intersection
    __sub__ = difference
