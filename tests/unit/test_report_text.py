"""Text renderer: every finding is one `path:line:col: severity rule-id message` line that the
usual editor/CI regex parses back to the finding; related places, grouping, summary and notes."""

from __future__ import annotations

import dataclasses
import re

from hypothesis import given, settings

from npaudit.findings import Related, Severity
from npaudit.report import Report, render_text
from npaudit.span import Span
from tests.unit.report_samples import empty_report, finding, reports, sample_report

LINE = re.compile(r"^(.+):(\d+):(\d+): (error|warning|note) ([a-z0-9-]+) (.+)$")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def parsed(text: str) -> list[tuple[str, int, int, str, str, str]]:
    out = []
    for line in text.splitlines():
        m = LINE.match(line)
        if m:
            out.append((m[1], int(m[2]), int(m[3]), m[4], m[5], m[6]))
    return out


def test_each_finding_parses_back_in_place_order() -> None:
    report = sample_report()
    rows = parsed(render_text(report, color=False, quiet=False))
    expected = sorted(
        (f.span.path, f.span.line, f.span.col, f.severity.value, f.rule_id, f.message)
        for f in report.findings if f.severity is not Severity.INFO
    )
    assert rows == expected


def test_related_places_are_indented_notes_below_their_finding() -> None:
    lines = render_text(sample_report(), color=False, quiet=False).splitlines()
    i = next(n for n, line in enumerate(lines) if "ui/ui[Deployment] can reach" in line)
    assert lines[i + 1] == "  k8s/ui/deploy.yaml:5:3: note: source: ui/ui[Deployment]"
    assert lines[i + 2] == "  k8s/orders/db.yaml:9:5: note: destination: orders/orders-postgresql[StatefulSet]"
    assert not LINE.match(lines[i + 1])


def test_files_are_grouped_in_blocks_separated_by_a_blank_line() -> None:
    text = render_text(sample_report(), color=False, quiet=False)
    *blocks, summary = text.rstrip("\n").split("\n\n")
    paths = []
    for block in blocks:
        rows = parsed(block)
        assert rows and len({row[0] for row in rows}) == 1, block  # one file per block
        paths.append(rows[0][0])
    assert paths == ["k8s/broken.yaml", "k8s/catalog/netpol.yaml", "k8s/orders/netpol.yaml"]
    assert summary.startswith("2 errors")


def test_quiet_output_has_no_blank_lines() -> None:
    text = render_text(sample_report(), color=False, quiet=True)
    assert "" not in text.rstrip("\n").split("\n")
    assert text.rstrip("\n").split("\n")[-1].startswith("2 errors")


def test_summary_line_and_notes() -> None:
    text = render_text(sample_report(), color=False, quiet=False)
    assert "2 errors, 1 warning, 1 note in 3 files (2 suppressed)" in text.splitlines()
    assert "info: skipped 3 objects of other kinds (ConfigMap: 2, Secret: 1)" in text
    assert "info: k8s/catalog/configmap.yaml:1:1: skipped-kind at k8s/catalog/configmap.yaml:1 [skipped-kind]" in text


def test_quiet_prints_only_findings_and_summary() -> None:
    text = render_text(sample_report(), color=False, quiet=True)
    assert "info:" not in text
    assert len(parsed(text)) == 4
    assert text.splitlines()[-1].startswith("2 errors, 1 warning, 1 note")


def test_clean_scan() -> None:
    assert render_text(empty_report(), color=False, quiet=False) == "0 errors, 0 warnings, 0 notes in 0 files (0 suppressed)\n"


def test_color_only_when_asked_and_never_changes_the_text() -> None:
    plain = render_text(sample_report(), color=False, quiet=False)
    colored = render_text(sample_report(), color=True, quiet=False)
    assert "\x1b[" not in plain
    assert "\x1b[1;31merror" in colored
    assert ANSI.sub("", colored) == plain


def test_messages_stay_on_one_line_and_cannot_drive_the_terminal() -> None:
    f = dataclasses.replace(
        finding("policy-shadowed", Severity.WARNING, "a.yaml", 2),
        message="first\nsecond\r\nthird \x1b[2J\tend",
        related=(Related(Span("b.yaml", 1, 1), "x\ny"),),
    )
    text = render_text(dataclasses.replace(empty_report(), findings=(f,)), color=False, quiet=False)
    rows = parsed(text)
    assert rows == [("a.yaml", 2, 3, "warning", "policy-shadowed", "first second third \\x1b[2J end")]
    assert "  b.yaml:1:1: note: x y" in text.splitlines()
    assert "\x1b" not in text


def test_no_python_reprs() -> None:
    text = render_text(sample_report(), color=False, quiet=False)
    for leak in ("Severity.", "Span(", "Finding(", "Related(", "{'", "None"):
        assert leak not in text


@settings(max_examples=80)
@given(reports)
def test_every_problem_is_exactly_one_parseable_line(report: Report) -> None:
    text = render_text(report, color=False, quiet=False)
    rows = parsed(text)
    problems = [f for f in report.findings if f.severity is not Severity.INFO]
    assert len(rows) == len(problems)
    assert [(r[1], r[2], r[3], r[4]) for r in rows] == [
        (f.span.line, f.span.col, f.severity.value, f.rule_id)
        for f in sorted(problems, key=lambda f: f.sort_key())
    ]
