"""The `--format json` document. Its contract is schemas/findings.schema.json (format version
`FORMAT_VERSION`); docs/output-formats.md describes every field. Named `json_report` so it can
never be mistaken for the standard library's `json`."""

from __future__ import annotations

import json

from npaudit.findings import Finding
from npaudit.report import Report, ordered, span_dict, summarize, to_jsonable

#: Bumped only on an incompatible change (a field removed or its meaning changed); new
#: optional fields keep the version.
FORMAT_VERSION = 1


def render(report: Report) -> str:
    return json.dumps(document(report), indent=2, ensure_ascii=False) + "\n"


def document(report: Report) -> dict[str, object]:
    """The report as plain data, in a fixed key order."""
    s = summarize(report)
    names = {r.id: r.name for r in report.rules}
    return {
        "version": FORMAT_VERSION,
        "tool": {"name": "npaudit", "version": report.tool_version},
        "inputs": list(report.inputs),
        "findings": [_finding(f, names.get(f.rule_id)) for f in ordered(report.findings)],
        "summary": {
            "errors": s.errors,
            "warnings": s.warnings,
            "notes": s.notes,
            "infos": s.infos,
            "files": s.files,
            "suppressed": s.suppressed,
            "by_rule": dict(s.by_rule),
        },
        "stats": {str(k): int(v) for k, v in sorted(report.stats.items())},
        "notes": list(report.notes),
    }


def _finding(f: Finding, rule_name: str | None) -> dict[str, object]:
    out: dict[str, object] = {
        "rule_id": f.rule_id,
        "severity": f.severity.value,
        "message": f.message,
        "location": span_dict(f.span),
        "related": [{"location": span_dict(r.span), "message": r.message} for r in f.related],
        "fingerprint": f.fingerprint,
        "anchor": f.anchor,
        "properties": to_jsonable(f.properties),
    }
    if rule_name is not None:
        out["rule_name"] = rule_name
    return out
