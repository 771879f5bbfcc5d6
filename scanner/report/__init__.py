"""Renderers: a `Report` (plain data) in, a string out. No I/O, no engines.

Three formats share this data: `render_text` (terminals, pre-commit), `render_json` (the
documented contract in schemas/findings.schema.json) and `render_sarif` (GitHub code
scanning). The submodules are imported lazily, so a text scan never loads sarif-om.
"""

from __future__ import annotations

import dataclasses
import enum
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from npaudit.checks.base import RuleMeta
from npaudit.findings import Finding, Severity
from npaudit.span import Span

__all__ = ["Report", "Summary", "render_json", "render_sarif", "render_text", "summarize", "to_jsonable"]


@dataclass(frozen=True, slots=True)
class Report:
    """Everything a renderer needs about one scan.

    `findings` are the kept findings (suppressed ones already removed; `suppressed` counts them).
    `rules` is the whole catalogue (SARIF `tool.driver.rules[]`). `notes` are info lines about
    the input (skipped kinds, helm charts). `inputs` are the scanned paths as given.
    """

    findings: tuple[Finding, ...]
    rules: tuple[RuleMeta, ...]
    notes: tuple[str, ...]
    inputs: tuple[str, ...]
    tool_version: str
    suppressed: int = 0
    stats: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Summary:
    """Counts shared by the text summary line and the JSON `summary` object."""

    errors: int
    warnings: int
    notes: int
    infos: int
    files: int
    suppressed: int
    by_rule: Mapping[str, int]


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in report order: path, line, column, rule id, message."""
    return sorted(findings, key=Finding.sort_key)


def reportable(findings: Iterable[Finding]) -> list[Finding]:
    """Findings that are problems (error/warning/note). `info` findings are notes about the
    input: they never fail a run and are kept out of SARIF and the text finding lines."""
    return ordered(f for f in findings if f.severity is not Severity.INFO)


def summarize(report: Report) -> Summary:
    counts = Counter(f.severity for f in report.findings)
    shown = reportable(report.findings)
    return Summary(
        errors=counts[Severity.ERROR],
        warnings=counts[Severity.WARNING],
        notes=counts[Severity.NOTE],
        infos=counts[Severity.INFO],
        files=len({f.span.path for f in shown}),
        suppressed=report.suppressed,
        by_rule=dict(sorted(Counter(f.rule_id for f in shown).items())),
    )


def to_jsonable(value: object) -> object:
    """`Finding.properties` values as plain JSON data, keys sorted, so output is stable and a
    stray Python object can never crash a renderer or leak a repr-like dump into JSON/SARIF."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if isinstance(value, Span):
        return span_dict(value)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (set, frozenset)):
        return sorted((to_jsonable(v) for v in value), key=str)
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return str(value)


def span_dict(span: Span) -> dict[str, object]:
    """A location as JSON: path, line, col, and the end when known."""
    out: dict[str, object] = {"path": span.path, "line": span.line, "col": span.col}
    if span.end_line is not None:
        out["end_line"] = span.end_line
    if span.end_col is not None:
        out["end_col"] = span.end_col
    return out


def render_text(report: Report, *, color: bool, quiet: bool) -> str:
    """`path:line:col: severity rule-id message` lines grouped by file, then a summary."""
    from npaudit.report.text import render

    return render(report, color=color, quiet=quiet)


def render_json(report: Report) -> str:
    """The `--format json` document (schemas/findings.schema.json)."""
    from npaudit.report.json_report import render

    return render(report)


def render_sarif(report: Report, *, repo_root: str | None) -> str:
    """A SARIF 2.1.0 log with one run, as GitHub code scanning reads it."""
    from npaudit.report.sarif import render

    return render(report, repo_root=repo_root)
