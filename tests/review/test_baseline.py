"""Baseline file: fingerprints, not lines."""

from __future__ import annotations

import pytest

from npaudit.baseline import apply_baseline, make_baseline, parse_baseline, render_baseline
from npaudit.errors import UserError
from npaudit.findings import Finding, Severity, object_anchor
from npaudit.span import Span


def f(rule: str, name: str, line: int, path: str = "a.yaml") -> Finding:
    return Finding(rule, Severity.ERROR, f"{rule} {name}", Span(path, line, 1), object_anchor("NetworkPolicy", "ns", name, "spec.ingress[0]"))


def test_round_trip_and_moved_lines_still_match() -> None:
    old = [f("r1", "a", 3), f("r2", "b", 10)]
    baseline = parse_baseline(render_baseline(make_baseline(old)))
    moved = [f("r1", "a", 40, path="moved/a.yaml"), f("r2", "b", 2)]
    result = apply_baseline(moved, baseline)
    assert result.new == () and len(result.known) == 2 and result.stale == ()


def test_only_new_findings_are_reported_and_stale_entries_listed() -> None:
    baseline = make_baseline([f("r1", "a", 3), f("r2", "gone", 10)])
    fresh = f("r1", "c", 3)
    result = apply_baseline([f("r1", "a", 5), fresh], baseline)
    assert result.new == (fresh,)
    assert [e.anchor for e in result.stale] == [object_anchor("NetworkPolicy", "ns", "gone", "spec.ingress[0]")]


def test_baseline_file_is_sorted_and_deduplicated() -> None:
    text = render_baseline(make_baseline([f("r2", "b", 1), f("r1", "a", 9), f("r1", "a", 12)]))
    entries = parse_baseline(text).entries
    assert [e.rule_id for e in entries] == ["r1", "r2"]


@pytest.mark.parametrize("text", ["", "[]", '{"npaudit_baseline": 1, "entries": [{}]}', '{"entries": []}'])
def test_unusable_baseline_is_a_user_error(text: str) -> None:
    with pytest.raises(UserError):
        parse_baseline(text, "b.json")
