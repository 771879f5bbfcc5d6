"""Concrete label-selector semantics (the one home of `matches`)."""

from __future__ import annotations

from collections.abc import Mapping

from npaudit.model.types import LabelSelector, Operator, Requirement


def requirement_matches(req: Requirement, labels: Mapping[str, str]) -> bool:
    value = labels.get(req.key)
    if req.operator is Operator.IN:
        return value is not None and value in req.values
    if req.operator is Operator.NOT_IN:
        # NotIn is true when the key is absent, or present with an unlisted value.
        return value is None or value not in req.values
    if req.operator is Operator.EXISTS:
        return value is not None
    return value is None  # DoesNotExist


def matches(selector: LabelSelector | None, labels: Mapping[str, str]) -> bool:
    """True when `labels` satisfy every requirement; a None or empty selector matches all."""
    if selector is None:
        return True
    return all(requirement_matches(r, labels) for r in selector.requirements)
