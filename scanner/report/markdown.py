"""Markdown summary of a scan (GitHub job summaries, PR comments)."""

from __future__ import annotations

from collections import Counter

from npaudit.findings import Finding, Severity
from npaudit.report import Report

_ICON = {Severity.ERROR: "🔴 error", Severity.WARNING: "🟠 warning", Severity.NOTE: "🔵 note"}
MAX_ROWS = 200


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report, *, max_rows: int = MAX_ROWS) -> str:
    """A heading line with counts, then one table row per finding (capped, with a count)."""
    shown = [f for f in report.findings if f.severity is not Severity.INFO]
    counts = Counter(f.severity for f in shown)
    lines = [
        f"**npaudit {report.tool_version}**: {counts[Severity.ERROR]} errors, "
        f"{counts[Severity.WARNING]} warnings, {counts[Severity.NOTE]} notes"
        + (f", {report.suppressed} suppressed" if report.suppressed else ""),
        "",
    ]
    if not shown:
        return "\n".join(lines + ["No findings."]) + "\n"
    lines += ["| severity | rule | location | message |", "|---|---|---|---|"]
    for f in _ordered(shown)[:max_rows]:
        lines.append(f"| {_ICON[f.severity]} | `{f.rule_id}` | `{f.span}` | {_cell(f.message)} |")
    if len(shown) > max_rows:
        lines += ["", f"… and {len(shown) - max_rows} more findings (see the full report)."]
    return "\n".join(lines) + "\n"


def _ordered(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (-f.severity.rank, *f.sort_key()))
