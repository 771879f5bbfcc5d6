"""IP address sets (IPv4 and IPv6 as integer interval sets) and the cut of the address space
into the minimal ranges that no ipBlock or `except` boundary splits."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from npaudit.algebra.intervals import IntervalSet
from npaudit.model.types import IPAddress, IPBlock, IPNetwork

V4_MAX = (1 << 32) - 1
V6_MAX = (1 << 128) - 1


def _address(version: int, value: int) -> IPAddress:
    return ipaddress.IPv4Address(value) if version == 4 else ipaddress.IPv6Address(value)


def network_interval(net: IPNetwork) -> IntervalSet:
    return IntervalSet.of(int(net.network_address), int(net.broadcast_address))


@dataclass(frozen=True, slots=True, order=True)
class AddressRange:
    """An inclusive range of addresses of one IP version; prints as `first-last`."""

    version: int
    first_int: int
    last_int: int

    @property
    def first(self) -> IPAddress:
        return _address(self.version, self.first_int)

    @property
    def last(self) -> IPAddress:
        return _address(self.version, self.last_int)

    def contains(self, address: IPAddress) -> bool:
        return address.version == self.version and self.first_int <= int(address) <= self.last_int

    def __str__(self) -> str:
        return f"{self.first}-{self.last}"

    def cidrs(self) -> list[IPNetwork]:
        """The smallest list of CIDRs covering exactly this range."""
        return list(ipaddress.summarize_address_range(self.first, self.last))  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class AddressSet:
    """A set of IPv4 and IPv6 addresses."""

    v4: IntervalSet = IntervalSet()
    v6: IntervalSet = IntervalSet()

    @classmethod
    def from_block(cls, block: IPBlock) -> AddressSet:
        """`cidr` minus every `except` (an except of the other IP version removes nothing)."""
        result = cls.from_network(block.cidr)
        for exc in block.excepts:
            result = result.difference(cls.from_network(exc))
        return result

    @classmethod
    def from_network(cls, net: IPNetwork) -> AddressSet:
        ivs = network_interval(net)
        return cls(v4=ivs) if net.version == 4 else cls(v6=ivs)

    def part(self, version: int) -> IntervalSet:
        return self.v4 if version == 4 else self.v6

    def contains(self, address: IPAddress) -> bool:
        return self.part(address.version).contains(int(address))

    def covers(self, rng: AddressRange) -> bool:
        return IntervalSet.of(rng.first_int, rng.last_int).issubset(self.part(rng.version))

    def union(self, other: AddressSet) -> AddressSet:
        return AddressSet(self.v4 | other.v4, self.v6 | other.v6)

    def difference(self, other: AddressSet) -> AddressSet:
        return AddressSet(self.v4 - other.v4, self.v6 - other.v6)

    def __bool__(self) -> bool:
        return bool(self.v4) or bool(self.v6)


def _cuts(blocks: Iterable[IPBlock], version: int) -> set[int]:
    """Start addresses of new ranges: where each block's set (cidr minus excepts) starts, and
    one past where it ends. An except nested in another except cuts nothing."""
    cuts = {0}
    for block in blocks:
        for lo, hi in AddressSet.from_block(block).part(version):
            cuts.add(lo)
            cuts.add(hi + 1)
    return cuts


def split_address_space(blocks: Iterable[IPBlock], *, ipv6: bool | None = None) -> tuple[AddressRange, ...]:
    """The IPv4 space (and the IPv6 space when any block or except is IPv6, or `ipv6` is True)
    cut at every boundary of an ipBlock's set (cidr minus excepts): every ipBlock is exactly a
    union of the returned ranges, and no two neighbours could be merged without breaking that
    for some block."""
    blocks = tuple(blocks)
    out: list[AddressRange] = []
    if ipv6 is None:
        ipv6 = any(net.version == 6 for b in blocks for net in (b.cidr, *b.excepts))
    for version, top in ((4, V4_MAX), (6, V6_MAX)):
        if version == 6 and not ipv6:
            continue
        starts = sorted(c for c in _cuts(blocks, version) if c <= top)
        for i, start in enumerate(starts):
            end = starts[i + 1] - 1 if i + 1 < len(starts) else top
            out.append(AddressRange(version, start, end))
    return tuple(out)
