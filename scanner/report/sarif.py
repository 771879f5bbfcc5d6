"""SARIF 2.1.0 for GitHub code scanning. The only module that imports sarif-om and
jschema-to-python (unmaintained since 2019: keep them confined here).

sarif-om objects are serialised with `jschema_to_python.to_json`, which drops every field equal
to its schema default. Two of those defaults change meaning when dropped, so they are put back
afterwards: `result.level` (a missing level is inherited from the rule's
`defaultConfiguration.level`, SARIF §3.27.10, so a warning under an error rule would read as
an error) and `defaultConfiguration.level` itself ("warning"). `run.results` is always
present (`[]` when clean: GitHub rejects a run without it), and keys are sorted so the same
scan gives the same bytes.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath
from urllib.parse import quote

import sarif_om as om
from jschema_to_python.to_json import to_json

from npaudit.checks.base import RuleMeta
from npaudit.findings import Finding, Severity
from npaudit.report import Report, reportable, to_jsonable
from npaudit.span import Span

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/npaudit/npaudit"
#: Our own partial fingerprint. GitHub computes `primaryLocationLineHash` itself from the line
#: text and warns when a given one differs, so we never emit that key; ours ignores lines.
FINGERPRINT_KEY = "npaudit/v1"
SRCROOT = "%SRCROOT%"
#: GitHub limits (docs: "SARIF support for code scanning"): descriptions ≤ 1024 characters,
#: tags: 20 accepted.
MAX_DESCRIPTION = 1024
MAX_TAGS = 20

LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note", Severity.INFO: "note"}
#: GitHub's `problem.severity` for rules that carry no security-severity score.
PROBLEM_SEVERITY = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "recommendation",
                    Severity.INFO: "recommendation"}
_SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
_ENABLED_STATUSES = ("stable", "preview")


def render(report: Report, *, repo_root: str | None) -> str:
    findings = reportable(report.findings)
    rules = _rule_table(report.rules, findings)
    index = {rule.id: i for i, rule in enumerate(rules)}
    log = om.SarifLog(
        version="2.1.0",
        schema_uri=SCHEMA_URI,
        runs=[
            om.Run(
                tool=om.Tool(driver=_driver(report.tool_version, rules)),
                results=[_result(f, index[f.rule_id], repo_root) for f in findings],
                column_kind="unicodeCodePoints",
            )
        ],
    )
    data = json.loads(to_json(log))
    _restore_defaults(data["runs"][0], rules, findings, index)
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _restore_defaults(run: dict[str, object], rules: Sequence[RuleMeta], findings: Sequence[Finding],
                      index: dict[str, int]) -> None:
    """Put back what to_json dropped because it equalled a schema default."""
    results = run.setdefault("results", [])
    assert isinstance(results, list) and len(results) == len(findings)
    for result, finding in zip(results, findings):
        result["level"] = LEVEL[finding.severity]
        result["ruleIndex"] = index[finding.rule_id]
    tool = run["tool"]
    assert isinstance(tool, dict)
    descriptors = tool["driver"].setdefault("rules", [])
    for descriptor, rule in zip(descriptors, rules):
        descriptor.setdefault("defaultConfiguration", {})["level"] = LEVEL[rule.severity]


def _rule_table(catalogue: Iterable[RuleMeta], findings: Sequence[Finding]) -> list[RuleMeta]:
    """The full catalogue, sorted by id, plus a stand-in for any rule id a finding uses that the
    catalogue lacks, so every result has a valid `ruleIndex`."""
    rules = {r.id: r for r in catalogue}
    for f in findings:
        if f.rule_id not in rules:
            rules[f.rule_id] = _stand_in(f)
    return [rules[k] for k in sorted(rules)]


def _stand_in(f: Finding) -> RuleMeta:
    name = "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", f.rule_id)) or "Finding"
    text = f"npaudit reported a {f.rule_id} finding."
    return RuleMeta(id=f.rule_id, name=name, kind="unknown", severity=f.severity, summary=text, docs={"what": text})


def _driver(version: str, rules: Sequence[RuleMeta]) -> om.ToolComponent:
    return om.ToolComponent(
        name="npaudit",
        version=version,
        semantic_version=version if _SEMVER.match(version) else None,
        information_uri=INFORMATION_URI,
        rules=[_descriptor(r) for r in rules],
    )


def _descriptor(rule: RuleMeta) -> om.ReportingDescriptor:
    from npaudit.rulebook import help_markdown

    return om.ReportingDescriptor(
        id=rule.id,
        name=rule.name,
        short_description=om.MultiformatMessageString(text=_limit(rule.summary)),
        full_description=om.MultiformatMessageString(text=_limit(_flat(rule.docs.get("what", "")) or rule.summary)),
        help=om.MultiformatMessageString(text=_help_text(rule), markdown=help_markdown(rule)),
        default_configuration=_configuration(rule),
        properties=_rule_properties(rule),
    )


def _configuration(rule: RuleMeta) -> om.ReportingConfiguration:
    # `enabled` defaults to true; only a rule turned off in the config (or retired) says so.
    if rule.status in _ENABLED_STATUSES:
        return om.ReportingConfiguration(level=LEVEL[rule.severity])
    return om.ReportingConfiguration(level=LEVEL[rule.severity], enabled=False)


def _rule_properties(rule: RuleMeta) -> dict[str, object]:
    props: dict[str, object] = {
        "tags": list(dict.fromkeys(rule.tags))[:MAX_TAGS],
        # Checks are exact semantics or proofs; a rule tagged "heuristic" says it may guess.
        "precision": "high" if "heuristic" in rule.tags else "very-high",
    }
    if rule.security_severity is not None:
        # A string score makes GitHub treat the rule as a security rule (critical > 9.0).
        props["security-severity"] = f"{rule.security_severity:.1f}"
    else:
        props["problem.severity"] = PROBLEM_SEVERITY[rule.severity]
    return props


def _help_text(rule: RuleMeta) -> str:
    parts = [f"{rule.name} ({rule.id}): {rule.summary}"]
    for heading, key in (("What it checks", "what"), ("Why it matters", "why"),
                         ("Example", "example"), ("How to fix", "fix")):
        text = rule.docs.get(key, "").strip()
        if text:
            parts.append(f"{heading}:\n{text}")
    return "\n\n".join(parts)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _limit(text: str) -> str:
    return text if len(text) <= MAX_DESCRIPTION else text[: MAX_DESCRIPTION - 1] + "…"


def _result(f: Finding, rule_index: int, repo_root: str | None) -> om.Result:
    related = [
        om.Location(id=i, physical_location=_physical(r.span, repo_root), message=om.Message(text=r.message))
        for i, r in enumerate(f.related, start=1)
    ]
    properties = to_jsonable(f.properties)
    return om.Result(
        rule_id=f.rule_id,
        rule_index=rule_index,
        level=LEVEL[f.severity],
        message=om.Message(text=f.message),
        locations=[om.Location(physical_location=_physical(f.span, repo_root))],
        related_locations=related or None,
        partial_fingerprints={FINGERPRINT_KEY: f.fingerprint},
        properties=properties or None,
    )


def _physical(span: Span, repo_root: str | None) -> om.PhysicalLocation:
    uri, base = artifact_uri(span.path, repo_root)
    return om.PhysicalLocation(artifact_location=om.ArtifactLocation(uri=uri, uri_base_id=base), region=region(span))


def region(span: Span) -> om.Region:
    """SARIF lines and columns are 1-based like ours. Our end column is inclusive; SARIF's
    `endColumn` is the column *after* the region, hence the + 1."""
    start_line, start_col = max(1, span.line), max(1, span.col)
    end_line = span.end_line if span.end_line is not None else (start_line if span.end_col is not None else None)
    end_col = span.end_col + 1 if span.end_col is not None else None
    if end_line is not None and (end_line < start_line or (end_line == start_line and end_col is not None
                                                              and end_col <= start_col)):
        end_line = end_col = None  # a malformed end is dropped rather than sent to GitHub
    return om.Region(start_line=start_line, start_column=start_col, end_line=end_line, end_column=end_col)


def artifact_uri(path: str, repo_root: str | None) -> tuple[str, str | None]:
    """(uri, uriBaseId) for a finding path. Relative paths are repository-relative already and
    resolve against %SRCROOT%; an absolute path under `repo_root` is made relative to it; any
    other absolute path becomes a file:// URI. Characters outside the URI grammar (spaces,
    `<stdin>`, a colon in the first segment) are percent-encoded."""
    posix = path.replace("\\", "/")
    if posixpath.isabs(posix):
        root = posixpath.normpath(repo_root.replace("\\", "/")) if repo_root else None
        normal = posixpath.normpath(posix)
        if root is None or not posixpath.isabs(root) or not (normal == root or normal.startswith(root.rstrip("/") + "/")):
            return PurePosixPath(normal).as_uri(), None
        posix = posixpath.relpath(normal, root)
    relative = posixpath.normpath(posix)
    return quote(relative, safe="/"), SRCROOT
