"""The rule catalogue: built-in rules are data in `rules/<id>.yaml` (shipped in the package as
`npaudit.rules`), user properties use the same schema. This module loads and validates them,
applies config overrides, and renders the generated rules reference (docs/rules.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib.resources import files
from typing import Any

from npaudit.checks.base import RuleMeta
from npaudit.document import Document
from npaudit.findings import Finding, Severity, object_anchor
from npaudit.span import file_span

#: Rule id of problems in rule, property and config files themselves.
CONFIG_RULE_ID = "config"


@dataclass(frozen=True, slots=True)
class Catalogue:
    """All known rules by id, in catalogue order (sorted by id), plus problems found loading them."""

    rules: Mapping[str, RuleMeta]
    findings: tuple[Finding, ...] = ()
    #: Severities set by the config; they apply to every finding of the rule.
    severity_overrides: Mapping[str, Severity] = field(default_factory=dict)

    def get(self, rule_id: str) -> RuleMeta | None:
        return self.rules.get(rule_id)

    def enabled(self) -> tuple[RuleMeta, ...]:
        """Rules that run: not disabled by config and not retired (`removed`)."""
        return tuple(r for r in self.rules.values() if r.status in ("stable", "preview"))


def rule_from_document(doc: Document, source: str) -> tuple[RuleMeta | None, list[Finding]]:
    """Validate one rule/property document and turn it into a RuleMeta (or located findings)."""
    from npaudit.schema import validate_instance  # jsonschema lives in schema.py only

    problems = validate_instance(doc.data, "rule.schema.json")
    if problems:
        findings = [
            Finding(
                CONFIG_RULE_ID,
                Severity.ERROR,
                f"invalid rule: {_dotted(path)}: {message}" if path else f"invalid rule: {message}",
                doc.key_span(path) if path and isinstance(path[-1], str) else doc.value_span(path),
                object_anchor("Rule", None, str(doc.data.get("id", source)), _dotted(path)),
            )
            for path, message in problems
        ]
        return None, findings
    data: Mapping[str, Any] = doc.data
    meta = RuleMeta(
        id=str(data["id"]),
        name=str(data["name"]),
        kind=str(data["kind"]),
        severity=Severity(str(data["severity"])),
        summary=str(data["summary"]),
        docs={str(k): str(v) for k, v in dict(data["docs"]).items()},
        tags=tuple(str(t) for t in data.get("tags", ())),
        security_severity=_float_or_none(data.get("security_severity")),
        status=str(data.get("status", "stable")),
        params=dict(data.get("params") or {}),
        source=source,
        default_enabled=bool(data.get("default_enabled", True)),
        span=doc.key_span(("id",)),
    )
    return meta, []


def _float_or_none(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _dotted(path: Sequence[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@lru_cache(maxsize=1)
def builtin_catalogue() -> Catalogue:
    """Every rule shipped in `rules/` (read once per process)."""
    from npaudit.load import parse_text  # the YAML parser lives in load.py only

    rules: dict[str, RuleMeta] = {}
    findings: list[Finding] = []
    root = files("npaudit.rules")
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml") or not entry.is_file():
            continue
        source = f"rules/{entry.name}"
        docs, problems = parse_text(entry.read_text(encoding="utf-8"), source)
        findings.extend(problems)
        for doc in docs:
            meta, errors = rule_from_document(doc, source)
            findings.extend(errors)
            if meta is None:
                continue
            if meta.id in rules:
                findings.append(_duplicate(meta, rules[meta.id]))
                continue
            rules[meta.id] = meta
    return Catalogue(dict(sorted(rules.items())), tuple(findings))


def _duplicate(meta: RuleMeta, first: RuleMeta) -> Finding:
    return Finding(
        CONFIG_RULE_ID,
        Severity.ERROR,
        f"rule id {meta.id!r} is defined twice ({first.source} and {meta.source})",
        file_span(meta.source),
        object_anchor("Rule", None, meta.id, "duplicate"),
    )


def with_overrides(
    catalogue: Catalogue,
    *,
    extra: Iterable[RuleMeta] = (),
    disabled: Iterable[str] = (),
    enabled: Iterable[str] = (),
    severities: Mapping[str, Severity] | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
) -> Catalogue:
    """Apply config: user rules (`extra`), disabled ids (status `removed` keeps the id known so
    findings and suppressions naming it stay valid), severity and parameter overrides."""
    rules = dict(catalogue.rules)
    findings = list(catalogue.findings)
    for meta in extra:
        if meta.id in rules:
            findings.append(_duplicate(meta, rules[meta.id]))
        else:
            rules[meta.id] = meta
    # opt-in rules are off unless enabled; `enable` also wins over `disable`
    off = (set(disabled) | {rid for rid, m in rules.items() if not m.default_enabled}) - set(enabled)
    for rule_id, meta in list(rules.items()):
        changes: dict[str, Any] = {}
        if rule_id in off:
            changes["status"] = "disabled"
        if severities and rule_id in severities:
            changes["severity"] = severities[rule_id]
        if params and rule_id in params:
            changes["params"] = {**meta.params, **params[rule_id]}
        if changes:
            rules[rule_id] = replace(meta, **changes)
    return Catalogue(dict(sorted(rules.items())), tuple(findings), dict(severities or {}))


def render_reference(catalogue: Catalogue) -> str:
    """The generated rules reference (docs/rules.md); CI fails when the committed copy drifts."""
    lines = [
        "# Rules reference",
        "",
        "<!-- Generated by `npaudit rules --format md`; do not edit by hand. -->",
        "",
        "| id | name | severity | kind | summary |",
        "|---|---|---|---|---|",
    ]
    for meta in catalogue.rules.values():
        lines.append(
            f"| [`{meta.id}`](#{meta.id}) | {meta.name} | {meta.severity.value} | {meta.kind} | {meta.summary} |"
        )
    for meta in catalogue.rules.values():
        lines += ["", f"## {meta.id}", "", f"**{meta.name}** · severity `{meta.severity.value}` · kind `{meta.kind}`"]
        if meta.tags:
            lines[-1] += " · tags " + ", ".join(f"`{t}`" for t in meta.tags)
        lines += ["", meta.summary]
        for heading, key in (("What it checks", "what"), ("Why it matters", "why"),
                             ("Example", "example"), ("How to fix", "fix")):
            text = meta.docs.get(key, "").rstrip()
            lines += ["", f"### {heading}", "", text]
    return "\n".join(lines) + "\n"


def help_markdown(meta: RuleMeta) -> str:
    """The rule's documentation as one Markdown block (SARIF help.markdown, `npaudit rules show`)."""
    parts = [f"**{meta.name}** ({meta.id}): {meta.summary}"]
    for heading, key in (("What it checks", "what"), ("Why it matters", "why"),
                         ("Example", "example"), ("How to fix", "fix")):
        text = meta.docs.get(key, "").strip()
        if text:
            parts.append(f"### {heading}\n\n{text}")
    return "\n\n".join(parts)
