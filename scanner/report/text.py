"""Plain-text report: one `path:line:col: severity rule-id message` line per finding (the format
editors, pre-commit and `grep` understand), related places indented below, a blank line
between files, then a summary line and the info notes."""

from __future__ import annotations

import re

from npaudit.findings import Finding, Severity
from npaudit.report import Report, Summary, ordered, reportable, summarize

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_SEVERITY_STYLE = {
    Severity.ERROR: "\x1b[1;31m",
    Severity.WARNING: "\x1b[33m",
    Severity.NOTE: "\x1b[36m",
    Severity.INFO: "\x1b[2m",
}
#: C0 controls (except those folded to spaces below) and DEL: never let input text drive the terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def render(report: Report, *, color: bool, quiet: bool) -> str:
    lines: list[str] = []
    previous: str | None = None
    for finding in reportable(report.findings):
        if previous is not None and finding.span.path != previous and not quiet:
            lines.append("")  # a blank line between files, except in --quiet output
        previous = finding.span.path
        lines.append(_finding_line(finding, color))
        lines.extend(_related_lines(finding, color))
    if lines and not quiet:
        lines.append("")
    lines.append(_summary_line(summarize(report), color))
    if not quiet:
        lines.extend(_info_lines(report, color))
    return "\n".join(lines) + "\n"


def clean(text: str) -> str:
    """One printable line: newlines and tabs become spaces, other control characters (an ANSI
    escape inside a YAML value, say) are shown escaped instead of being sent to the terminal."""
    flat = " ".join(text.replace("\t", " ").splitlines()).strip()
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", flat) or "-"


def _paint(text: str, style: str, color: bool) -> str:
    return f"{style}{text}{_RESET}" if color else text


def _finding_line(f: Finding, color: bool) -> str:
    where = _paint(clean(f.span.path), _BOLD, color) + f":{f.span.line}:{f.span.col}"
    severity = _paint(f.severity.value, _SEVERITY_STYLE[f.severity], color)
    return f"{where}: {severity} {_paint(f.rule_id, _DIM, color)} {clean(f.message)}"


def _related_lines(f: Finding, color: bool) -> list[str]:
    # "note:" (with a colon) keeps these lines from parsing as findings of their own.
    return [
        f"  {clean(str(r.span))}: {_paint('note:', _SEVERITY_STYLE[Severity.NOTE], color)} {clean(r.message)}"
        for r in f.related
    ]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _summary_line(s: Summary, color: bool) -> str:
    text = (
        f"{_plural(s.errors, 'error')}, {_plural(s.warnings, 'warning')}, {_plural(s.notes, 'note')} "
        f"in {_plural(s.files, 'file')} ({s.suppressed} suppressed)"
    )
    worst = Severity.ERROR if s.errors else Severity.WARNING if s.warnings else None
    return _paint(text, _BOLD + _SEVERITY_STYLE[worst], color) if worst else _paint(text, _BOLD, color)


def _info_lines(report: Report, color: bool) -> list[str]:
    label = _paint("info:", _SEVERITY_STYLE[Severity.INFO], color)
    out = [f"{label} {clean(note)}" for note in report.notes]
    infos = ordered(f for f in report.findings if f.severity is Severity.INFO)
    out += [f"{label} {clean(str(f.span))}: {clean(f.message)} [{f.rule_id}]" for f in infos]
    return out
