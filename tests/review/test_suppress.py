"""Suppressions: object annotation and YAML comment, each requiring a reason."""

from __future__ import annotations

from npaudit.findings import Finding, Severity, object_anchor
from npaudit.span import Span
from npaudit.suppress import MISSING_REASON_RULE_ID, apply_suppressions, parse_comment

from tests.review.helpers import doc

POLICY_LINES = [
    "apiVersion: networking.k8s.io/v1",  # 1
    "kind: NetworkPolicy",  # 2
    "metadata:",  # 3
    "  name: allow-all",  # 4
    "  namespace: orders",  # 5
    "spec:",  # 6
    "  podSelector: {}",  # 7
    "  ingress:",  # 8
    "  # npaudit: ignore[no-db-from-ui] reporting job reads replicas",  # 9
    "  - {}",  # 10
    "  egress:",  # 11
    "  - ports: [{port: 53}]  # npaudit: ignore[dns-open]",  # 12
    "  - {}",  # 13
]
POLICY = {"kind": "NetworkPolicy", "metadata": {"name": "allow-all", "namespace": "orders"}, "spec": {}}


def finding(rule: str, line: int, path: str = "p.yaml", anchor: str | None = None) -> Finding:
    anchor = anchor or object_anchor("NetworkPolicy", "orders", "allow-all", f"spec.x[{line}]")
    return Finding(rule, Severity.ERROR, f"{rule} at {line}", Span(path, line, 3), anchor)


def lines_of(files: dict[str, list[str]]):
    return lambda path: files[path]


def test_comment_on_line_above_suppresses_only_that_rule() -> None:
    docs = [doc("p.yaml", POLICY)]
    hit = finding("no-db-from-ui", 10)
    other_rule = finding("shadowed-rule", 10)
    result = apply_suppressions([hit, other_rule], docs, lines_of=lines_of({"p.yaml": POLICY_LINES}))
    assert result.suppressed_findings == (hit,)
    assert result.kept == (other_rule,)
    assert result.suppressed == 1


def test_comment_does_not_reach_past_code_lines() -> None:
    docs = [doc("p.yaml", POLICY)]
    far = finding("no-db-from-ui", 11)  # line 10 (code) sits between the comment and line 11
    result = apply_suppressions([far], docs, lines_of=lines_of({"p.yaml": POLICY_LINES}))
    assert result.kept == (far,)


def test_comment_without_reason_is_a_finding_and_does_not_suppress() -> None:
    docs = [doc("p.yaml", POLICY)]
    hit = finding("dns-open", 12)
    result = apply_suppressions([hit], docs, lines_of=lines_of({"p.yaml": POLICY_LINES}))
    assert result.kept == (hit,)
    [problem] = result.new_findings
    assert problem.rule_id == MISSING_REASON_RULE_ID
    assert (problem.span.path, problem.span.line, problem.span.col) == ("p.yaml", 12, POLICY_LINES[11].index("#") + 1)
    assert "dns-open" in problem.message


def test_trailing_comment_on_the_line_above_does_not_cover_the_next_line() -> None:
    docs = [doc("p.yaml", POLICY)]
    lines = [*POLICY_LINES]
    lines[11] = "  - ports: [{port: 53}]  # npaudit: ignore[dns-open] resolver is external"
    hit12, hit13 = finding("dns-open", 12), finding("dns-open", 13)
    result = apply_suppressions([hit12, hit13], docs, lines_of=lines_of({"p.yaml": lines}))
    assert result.suppressed_findings == (hit12,)
    assert result.kept == (hit13,)
    assert result.new_findings == ()


def test_comment_parser_forms() -> None:
    s = parse_comment("  - x  # npaudit: ignore[a-b, c] -- because", "f", 3)
    assert s is not None and s.rule_ids == {"a-b", "c"} and s.reason == "because" and s.span.col == 8
    assert parse_comment("  key: 'a # npaudit: ignore[a] no'", "f", 1) is None  # inside a quoted scalar
    assert parse_comment("  key: a#npaudit: ignore[a] no", "f", 1) is None  # '#' glued to text is data
    bad = parse_comment("# npaudit: ignore everything", "f", 1)
    assert bad is not None and not bad.rule_ids and not bad.reason


def test_unreadable_comment_is_reported() -> None:
    lines = ["kind: NetworkPolicy", "# npaudit: ignore all of it"]
    result = apply_suppressions([], [doc("p.yaml", POLICY)], lines_of=lines_of({"p.yaml": lines}))
    [problem] = result.new_findings
    assert problem.rule_id == MISSING_REASON_RULE_ID and problem.span.line == 2


def _annotated(value: str, start: int = 1) -> dict:
    return {
        "kind": "NetworkPolicy",
        "metadata": {"name": "allow-all", "namespace": "orders", "annotations": {"npaudit.io/ignore": value}},
    }


def test_annotation_suppresses_listed_rules_of_findings_inside_the_object() -> None:
    d = doc("p.yaml", _annotated("no-db-from-ui, shadowed-rule -- accepted in ADR-12"), start=1,
            lines={("metadata", "annotations", "npaudit.io/ignore"): 6})
    other = doc("p.yaml", {"kind": "Deployment", "metadata": {"name": "w"}}, start=20)
    inside = finding("shadowed-rule", 15)
    next_doc = finding("shadowed-rule", 22, anchor=object_anchor("Deployment", "default", "w"))
    unlisted = finding("dns-open", 15)
    result = apply_suppressions([inside, next_doc, unlisted], [d, other], lines_of=None)
    assert result.suppressed_findings == (inside,)
    assert set(result.kept) == {next_doc, unlisted}
    assert result.new_findings == ()


def test_annotation_applies_through_the_anchor_when_the_span_is_elsewhere() -> None:
    d = doc("rendered.yaml", _annotated("no-db-from-ui -- ok"))
    elsewhere = finding("no-db-from-ui", 99, path="other.yaml")  # anchor names orders/allow-all
    result = apply_suppressions([elsewhere], [d])
    assert result.suppressed_findings == (elsewhere,)


def test_annotation_without_reason_is_a_finding_at_the_value() -> None:
    d = doc("p.yaml", _annotated("no-db-from-ui"), lines={("metadata", "annotations", "npaudit.io/ignore"): 7})
    hit = finding("no-db-from-ui", 12)
    result = apply_suppressions([hit], [d])
    assert result.kept == (hit,)
    [problem] = result.new_findings
    assert problem.rule_id == MISSING_REASON_RULE_ID and problem.span.line == 7
    assert "orders/allow-all" in problem.message and "no-db-from-ui" in problem.message


def test_missing_reason_findings_cannot_be_suppressed() -> None:
    d = doc("p.yaml", _annotated(f"{MISSING_REASON_RULE_ID} -- hush"))
    meta = finding(MISSING_REASON_RULE_ID, 3)
    assert apply_suppressions([meta], [d]).kept == (meta,)
