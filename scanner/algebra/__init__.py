"""Exact set algebra used by the engines and the reports: integer interval sets, port sets per
protocol, and IP address ranges. The one home of these concepts."""

from __future__ import annotations

from npaudit.algebra.addresses import AddressRange, AddressSet, split_address_space
from npaudit.algebra.intervals import IntervalSet
from npaudit.algebra.ports import PORT_MAX, PORT_MIN, PortSet

__all__ = [
    "PORT_MAX",
    "PORT_MIN",
    "AddressRange",
    "AddressSet",
    "IntervalSet",
    "PortSet",
    "split_address_space",
]
